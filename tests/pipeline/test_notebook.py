"""Reading a chapter's percent-format source into the notebook papermill executes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from inertia.errors import InertiaError
from inertia.pipeline.notebook import PARAMETERS_CACHE, parameters_cell, read_chapter

SOURCE = """\
# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3.11 (inertia)
#     language: python
#     name: inertia
# ---

# %% [markdown] id="03-00"
# # Title
#
# Text.

# %% id="03-01" tags=["parameters"]
seed = 1

# %% id="03-02"
print(seed)
"""


def test_cells_keep_their_source_ids_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "03_inertia_evidence.py"
    path.write_text(SOURCE)
    nb = read_chapter(path)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)  # the version with cell ids
    assert [(c.cell_type, c.id, c.source) for c in nb.cells] == [
        ("markdown", "03-00", "# Title\n\nText."),
        ("code", "03-01", "seed = 1"),
        ("code", "03-02", "print(seed)"),
    ]
    assert [dict(c.metadata) for c in nb.cells] == [{}, {"tags": ["parameters"]}, {}]
    assert nb.metadata["kernelspec"]["name"] == "inertia"
    assert "jupytext" not in nb.metadata


def test_a_cell_without_an_id_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "03_inertia_evidence.py"
    path.write_text(SOURCE.replace('# %% id="03-02"', "# %%"))
    with pytest.raises(
        InertiaError, match=r"Cell 2 of .*03_inertia_evidence.py \(line 17\) has no id"
    ):
        read_chapter(path)


def test_a_duplicate_id_is_refused_naming_both_cells(tmp_path: Path) -> None:
    path = tmp_path / "03_inertia_evidence.py"
    path.write_text(SOURCE.replace('id="03-02"', 'id="03-01"'))
    with pytest.raises(InertiaError, match=r"Cell 2 of .* has the id '03-01' of cell 1"):
        read_chapter(path)


def test_an_id_nbformat_refuses_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "03_inertia_evidence.py"
    path.write_text(SOURCE.replace('id="03-02"', 'id="03 02"'))
    with pytest.raises(InertiaError, match="is not a valid notebook"):
        read_chapter(path)


def test_a_missing_source_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InertiaError, match="cannot be read"):
        read_chapter(tmp_path / "01_data.py")


def test_parameters_cell_is_read_once_per_version_of_the_source(tmp_path: Path) -> None:
    path = tmp_path / "03_inertia_evidence.py"
    path.write_text(SOURCE)
    state = tmp_path / "state"
    assert parameters_cell(path, state) == "seed = 1"
    # The second call answers from the cache, in a process that never imports
    # jupytext or nbformat (about 1.3 s, three times a whole no-op rerun).
    program = (
        "import sys\nfrom pathlib import Path\n"
        "from inertia.pipeline.notebook import parameters_cell\n"
        f"print(parameters_cell(Path({str(path)!r}), Path({str(state)!r})))\n"
        "print(sorted(m for m in ('jupytext', 'nbformat') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == ["seed = 1", "[]"]

    # An edit is seen at once, and replaces the source's entry.
    path.write_text(SOURCE.replace("seed = 1", "seed = 2\nscale = 'county'"))
    assert parameters_cell(path, state) == "seed = 2\nscale = 'county'"
    cache = json.loads((state / PARAMETERS_CACHE).read_text())
    assert list(cache) == [str(path)]

    # A damaged cache is rebuilt, not trusted.
    (state / PARAMETERS_CACHE).write_text("{not json")
    assert parameters_cell(path, state) == "seed = 2\nscale = 'county'"
    assert json.loads((state / PARAMETERS_CACHE).read_text())[str(path)]["source"].startswith(
        "seed = 2"
    )


def test_an_edit_that_breaks_the_ids_is_caught_although_the_old_version_was_cached(
    tmp_path: Path,
) -> None:
    path = tmp_path / "03_inertia_evidence.py"
    path.write_text(SOURCE)
    parameters_cell(path, tmp_path)
    path.write_text(SOURCE.replace('# %% id="03-02"', "# %%"))
    with pytest.raises(InertiaError, match="has no id"):
        parameters_cell(path, tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "found"),
    [
        ('# %% id="03-01" tags=["parameters"]', '# %% id="03-01"', 0),
        ('# %% id="03-02"', '# %% id="03-02" tags=["parameters"]', 2),
    ],
)
def test_not_exactly_one_parameters_cell_is_refused(
    tmp_path: Path, old: str, new: str, found: int
) -> None:
    path = tmp_path / "03_inertia_evidence.py"
    path.write_text(SOURCE.replace(old, new))
    with pytest.raises(
        InertiaError, match=rf"exactly one cell tagged 'parameters' \(found {found}\)"
    ):
        parameters_cell(path)
