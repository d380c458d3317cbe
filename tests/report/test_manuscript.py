"""The manuscript's renderer: numbers, numbering, cross-references and citations.

Expected strings are worked by hand. The rendering of the real text on an
executed run, its PDFs and its verdict-dependent wording are tested in
tests/pipeline/test_paper.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inertia.errors import InertiaError
from inertia.report import manuscript


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.3254466768, 3, "0.325"),
        (-0.0152466754, 3, "−0.0152"),
        (1848, 3, "1,848"),
        (2.0, 3, "2.00"),
        (0.000123456, 2, "0.00012"),
        (0, 3, "0"),
    ],
)
def test_num_rounds_to_significant_digits_with_separators_and_a_minus_sign(
    value: float, digits: int, expected: str
) -> None:
    assert manuscript.num(value, digits) == expected


def test_the_other_number_formats() -> None:
    assert manuscript.fixed(0.9504, 2) == "0.95"
    assert manuscript.fixed(-0.25, 1) == "−0.2"  # round half to even, a typographic minus
    assert manuscript.count(234.0) == "234"
    assert manuscript.pct(0.0375, 1) == "3.8%"
    assert manuscript.pvalue(0.0238) == "0.024"
    assert manuscript.pvalue(4.7e-15) == "< 0.001"
    assert manuscript.p_equals(0.0238) == "*p* = 0.024"
    assert manuscript.p_equals(1e-9) == "*p* < 0.001"
    assert manuscript.interval(0.192, 0.4587) == "[0.192, 0.459]"


@pytest.mark.parametrize("bad", [None, float("nan"), float("inf")])
def test_a_missing_number_stops_the_build(bad: object) -> None:
    with pytest.raises(InertiaError, match="not finite"):
        manuscript.num(bad)


def test_a_fractional_count_stops_the_build() -> None:
    with pytest.raises(InertiaError, match="not whole"):
        manuscript.count(2.5)


def _results(tmp_path: Path, claims: list[dict[str, object]]) -> manuscript.RunResults:
    verdict = tmp_path / "tables" / "r" / "verdict_03_inertia_evidence.json"
    verdict.parent.mkdir(parents=True)
    verdict.write_text(json.dumps({"claims": claims}), encoding="utf-8")
    manifest = {
        "runs": {"r": "test"},
        "outputs": [
            {
                "name": "verdict_03_inertia_evidence",
                "kind": "verdict",
                "run": "r",
                "data_source": "simulated",
                "notebook": "notebooks/03_inertia_evidence.py",
                "parameters": {"seed": 1},
                "files": [{"path": "tables/r/verdict_03_inertia_evidence.json"}],
            }
        ],
    }
    return manuscript.RunResults(tmp_path, "r", manifest)


def _exhibits(results: manuscript.RunResults, language: str = "en") -> manuscript.Exhibits:
    return manuscript.Exhibits(results, language, "../..")


SOURCE = """# Introduction {#sec-intro}
See @sec:method, @eq:gap and @sec:extra.

# Method {#sec-method}
## Detail {#sec-detail}
$$I = E - S$$ {#eq-gap}

# Extra {#sec-extra .appendix}
# More {#sec-more .appendix}
# References {#sec-refs .unnumbered}
"""


def test_sections_appendices_and_equations_are_numbered_and_references_linked(
    tmp_path: Path,
) -> None:
    results = _results(tmp_path, [])
    text = manuscript.number_document(SOURCE, _exhibits(results), "en")
    assert "# 1 Introduction {#sec-intro}" in text
    assert "# 2 Method {#sec-method}" in text
    assert "## 2.1 Detail {#sec-detail}" in text
    assert "# Appendix A Extra {#sec-extra .appendix}" in text
    assert "# Appendix B More {#sec-more .appendix}" in text
    assert "# References {#sec-refs .unnumbered}" in text
    assert "[Section 2](#sec-method)" in text
    assert "[equation (1)](#eq-gap)" in text
    assert "[Appendix A](#sec-extra)" in text
    assert "[(1)]{.equation-number}" in text
    chinese = manuscript.number_document(SOURCE, _exhibits(results, "zh"), "zh")
    assert "[第 2 节](#sec-method)" in chinese and "[附录 A](#sec-extra)" in chinese


def test_a_reference_to_a_missing_label_stops_the_build_naming_it(tmp_path: Path) -> None:
    results = _results(tmp_path, [])
    with pytest.raises(InertiaError, match=r"@fig:nowhere.*not a label"):
        manuscript.number_document("See @fig:nowhere.", _exhibits(results), "en")


def test_a_repeated_label_stops_the_build(tmp_path: Path) -> None:
    results = _results(tmp_path, [])
    with pytest.raises(InertiaError, match="two sections labelled sec-a"):
        manuscript.number_document("# A {#sec-a}\n# B {#sec-a}\n", _exhibits(results), "en")


def test_a_missing_citation_key_stops_the_build(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@book{theil1967,\n  title = {X}\n}\n", encoding="utf-8")
    manuscript.check_citations("As [@theil1967] and `@code` show.", bib)
    with pytest.raises(InertiaError, match=r"\['dagum1997'\]"):
        manuscript.check_citations("As @dagum1997 and [@theil1967] show.", bib)


def test_filling_reads_claims_and_names_what_is_missing(tmp_path: Path) -> None:
    claim = {
        "claim": "inertia",
        "estimate": 0.3254,
        "verdict": "inertia",
        "details": {"cities": 63},
    }
    results = _results(tmp_path, [claim])
    source = (
        '{% set c = claim("03_inertia_evidence", "inertia") %}'
        "{{ c.estimate | num }} of {{ c.cities | count }}"
    )
    text, _ = manuscript.fill(source, results, "en", "../..")
    assert text == "0.325 of 63"
    with pytest.raises(InertiaError, match=r"claim 'milestone_effect' of chapter 03"):
        manuscript.fill(
            '{{ claim("03_inertia_evidence", "milestone_effect").estimate }}', results, "en", ""
        )
    with pytest.raises(InertiaError, match="no field 'se'"):
        manuscript.fill('{{ claim("03_inertia_evidence", "inertia").se }}', results, "en", "")
    with pytest.raises(InertiaError, match="did not publish"):
        manuscript.fill('{{ figure("nowhere", "x") }}', results, "en", "")


def test_an_unknown_table_format_stops_the_build_naming_it(tmp_path: Path) -> None:
    results = _results(tmp_path, [])
    table = tmp_path / "tables" / "r" / "t.csv"
    table.write_text("x\n1\n", encoding="utf-8")
    results.manifest["outputs"].append(
        {
            "name": "t",
            "kind": "table",
            "run": "r",
            "data_source": "simulated",
            "notebook": "notebooks/03_inertia_evidence.py",
            "parameters": {},
            "files": [{"path": "tables/r/t.csv"}],
        }
    )
    with pytest.raises(InertiaError, match=r"as \['percent'\]"):
        _exhibits(results).table("t", "A table.", {"x": "X"}, formats={"x": "percent"})
