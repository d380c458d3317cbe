"""Reading a chapter's percent-format source into the notebook papermill executes."""

from __future__ import annotations

from pathlib import Path

import pytest

from inertia.errors import InertiaError
from inertia.pipeline.notebook import read_chapter

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
        InertiaError, match=r"cell 2 of .*03_inertia_evidence.py \(line 17\) has no id"
    ):
        read_chapter(path)


def test_a_duplicate_id_is_refused_naming_both_cells(tmp_path: Path) -> None:
    path = tmp_path / "03_inertia_evidence.py"
    path.write_text(SOURCE.replace('id="03-02"', 'id="03-01"'))
    with pytest.raises(InertiaError, match=r"cell 2 of .* has the id '03-01' of cell 1"):
        read_chapter(path)


def test_an_id_nbformat_refuses_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "03_inertia_evidence.py"
    path.write_text(SOURCE.replace('id="03-02"', 'id="03 02"'))
    with pytest.raises(InertiaError, match="is not a valid notebook"):
        read_chapter(path)


def test_a_missing_source_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InertiaError, match="cannot be read"):
        read_chapter(tmp_path / "01_data.py")
