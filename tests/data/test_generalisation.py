"""Generalisation suite of the CCSY importer: mutants of whole editions (see mutants.py).

With ``INERTIA_CCSY_DIR`` the families are real editions (an older layout and a
bilingual one in the middle of three adjacent editions), otherwise synthetic
ones, so that the suite always runs. Each mutant must import to exactly the
panel of its unmutated family, to that panel less one skipped city-year, or
fail with the documented message.

Oracle of the synthetic family: the made-up values it was written from
(:func:`mutants.synthetic_truth`), as printed, in canonical units.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inertia.data import ccsy, reference
from inertia.errors import DataError

try:  # tests/data may or may not be a package
    from . import mutants as M
except ImportError:
    import mutants as M

CCSY_DIR = os.environ.get("INERTIA_CCSY_DIR")
MUTANTS = M.mutants()
FAMILIES = (0, 1)


@pytest.fixture(scope="module")
def families(tmp_path_factory) -> list[tuple[M.Family, ccsy.CcsyImport]]:
    """The two families with the import of each, its target written through write_book."""
    found = M.real_families(Path(CCSY_DIR)) if CCSY_DIR else []
    found = found or M.synthetic_families()
    out = []
    for family in found:
        folder = family.write(tmp_path_factory.mktemp(family.label))
        out.append((family, ccsy.import_ccsy(folder)))
    return out


def test_suite_has_at_least_40_mutants():
    assert len(MUTANTS) * len(FAMILIES) >= 40


def test_families_are_real_when_the_editions_are_there(families):
    labels = [family.label for family, _ in families]
    assert all(label.startswith("real" if CCSY_DIR else "synthetic") for label in labels)


def test_round_trip_of_the_target_changes_nothing(families, tmp_path):
    """Writing the target with the harness gives the panel of the original file."""
    for family, result in families:
        if not family.originals:
            continue
        folder = tmp_path / family.label
        folder.mkdir()
        for path in family.originals:
            (folder / path.name).write_bytes(path.read_bytes())
        pd.testing.assert_frame_equal(ccsy.import_ccsy(folder).panel, result.panel)


@pytest.mark.skipif(bool(CCSY_DIR), reason="the synthetic oracle applies to synthetic families")
def test_synthetic_family_imports_to_its_made_up_values(families):
    _family, result = families[0]
    panel = result.panel.set_index(["code", "year"])
    truth = M.synthetic_truth()
    for (code, year, variable), value in truth.items():
        assert panel.loc[(code, year), variable] == pytest.approx(value, rel=1e-12), (
            code, year, variable,
        )  # fmt: skip
    # Cities outside the 63 are kept, with no cluster.
    others = set(result.panel["code"]) - set(reference.cities().index)
    assert set(M.OTHER_CITIES) <= others
    assert result.roster.loc[list(M.OTHER_CITIES), "cluster"].isna().all()


@pytest.mark.parametrize("family_index", FAMILIES, ids=["older", "bilingual"])
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant(families, tmp_path, family_index, name):
    family, original = families[family_index]
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in family.originals}
    book = family.target.copy()
    expect = MUTANTS[name](book)
    folder = family.write(tmp_path / "mutant", book, alone=expect.alone)
    if expect.kind == "error":
        with pytest.raises(DataError) as caught:
            ccsy.import_ccsy(folder)
        message = str(caught.value)
        for text in (*expect.text, book.name):
            assert text in message, f"{name}: {text!r} not in {message!r}"
        if expect.any_of:
            assert any(text in message for text in expect.any_of), f"{name}: {message!r}"
        assert "\n" not in message.strip(), f"{name}: message is not one paragraph"
    else:
        result = ccsy.import_ccsy(folder)
        expected = original.panel.copy()
        if expect.kind == "skip":
            year = int(
                result.editions.loc[result.editions["file"] == book.name, "data_year"].iloc[0]
            )
            at = (expected["code"] == expect.city) & (expected["year"] == year)
            variables = [c for c in expected.columns if c not in ("code", "year")]
            expected.loc[at, variables] = np.nan
            skipped = result.issues("name_unresolved")
            assert len(skipped) == 1 and skipped.iloc[0]["year"] == year
            info = result.editions.set_index("file").loc[book.name]
            assert info["rows_skipped"] == 1
        pd.testing.assert_frame_equal(result.panel, expected, check_exact=True)
        if name.startswith(("missing_unit", "disagreeing_unit")):
            assert len(result.issues("unit_inferred")) >= 1
        if name.startswith("typo_") and expect.kind == "same":
            info = result.editions.set_index("file").loc[book.name]
            assert info["names_one_char"] == 1
        if name == "variant_city_names":  # spaces are stage 1 (exact): keys drop them
            info = result.editions.set_index("file").loc[book.name]
            assert info["names_normalised"] >= 4
        if name.startswith("numbers_as"):
            info = result.editions.set_index("file").loc[book.name]
            assert info["numbers_from_text"] > 100
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in family.originals}
    assert after == before, "a real workbook was modified"
