"""Regression tables: content, determinism, snapshots and LaTeX validity.

Snapshots
---------
The LaTeX and HTML of a table built from fixed small fitted models are
compared with ``tests/report/snapshots/regression_table.tex`` and ``.html``,
so that any change of format is deliberate. After an intended change,
regenerate them with::

    INERTIA_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/report/test_tables.py

and review the diff before committing.

LaTeX validity: when ``pdflatex`` is on the PATH the table is compiled in a
minimal document with booktabs and caption; otherwise a parser check runs
(balanced braces and environments, and every tabular row has as many cells
as the column specification).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inertia.errors import ParameterError
from inertia.models.panel import compare_estimators, fit_twfe
from inertia.report.tables import regression_table, significance_stars

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("INERTIA_UPDATE_SNAPSHOTS") == "1"


def small_panel() -> pd.DataFrame:
    rng = np.random.default_rng(20240501)
    frame = pd.DataFrame(
        [(c, t) for c in range(1, 13) for t in range(2011, 2017)], columns=["code", "year"]
    )
    city = rng.normal(size=13)[frame["code"]]
    frame["weakness"] = rng.normal(size=len(frame)) + city
    frame["deviation"] = rng.normal(size=len(frame))
    frame["inertia"] = (
        0.8 * frame["weakness"] + 0.3 * frame["deviation"] + city + rng.normal(size=len(frame))
    )
    return frame


@pytest.fixture(scope="module")
def table():
    panel = small_panel()
    comparison = compare_estimators(panel, "inertia", ["weakness"], ["deviation"])
    dk = fit_twfe(panel, "inertia", ["weakness"], ["deviation"], se="driscoll-kraay")
    models = {
        "(1) Pooled": comparison.fits["Pooled OLS"],
        "(2) RE": comparison.fits["Random effects"],
        "(3) TWFE": comparison.fits["TWFE"],
        "(4) TWFE": dk,
    }
    return models, regression_table(
        models,
        labels={"weakness": "Role weakness", "deviation": "Role deviation"},
        title="Role deviation and inertia",
        notes=["Simulated data."],
    )


def test_cells_match_the_fits(table):
    models, result = table
    frame = result.frame.set_index("term", drop=False)
    twfe = models["(3) TWFE"].tidy().set_index("term").loc["weakness"]
    stars = "*" * sum(twfe["p"] < t for t in (0.1, 0.05, 0.01))
    assert frame.loc["Role weakness", "(3) TWFE"] == f"{twfe['coef']:.3f}{stars}"
    row = list(result.frame["term"]).index("Role weakness") + 1
    assert result.frame.loc[row, "(3) TWFE"] == f"({twfe['se']:.3f})"
    assert frame.loc["Observations", "(1) Pooled"] == "72"
    assert frame.loc["Cities", "(4) TWFE"] == "12"
    assert frame.loc["City FE"].tolist()[1:] == ["No", "No", "Yes", "Yes"]
    assert frame.loc["Year FE"].tolist()[1:] == ["No", "No", "Yes", "Yes"]
    assert frame.loc["Within R²", "(3) TWFE"] == f"{models['(3) TWFE'].result.rsquared:.3f}"
    # the constant comes last among the terms and is blank for TWFE
    terms = [t for t in result.frame["term"] if t][:3]
    assert terms == ["Role weakness", "Role deviation", "Constant"]
    assert frame.loc["Constant", "(3) TWFE"] == ""
    assert "clustered by city in (1) Pooled, (2) RE, (3) TWFE" in result.notes[0]
    assert "Driscoll-Kraay (bartlett kernel, bandwidth 2) in (4) TWFE" in result.notes[0]
    assert result.notes[1] == "* p<0.1, ** p<0.05, *** p<0.01"


def test_chinese_table_switches_statistics_headers_and_notes(table):
    models, english = table
    renamed = {"TWFE": models["(3) TWFE"], "Gap (clustered)": models["(4) TWFE"]}
    chinese = regression_table(
        renamed, labels={"weakness": "角色弱化", "deviation": "角色偏离"}, language="zh"
    )
    frame = chinese.frame.set_index("term")
    assert list(chinese.frame.columns)[1] == "双向固定效应"
    assert list(chinese.frame.columns)[2] != "Gap (clustered)"
    assert frame.loc["观测值"].tolist() == ["72", "72"]
    assert frame.loc["城市固定效应"].tolist() == ["是", "是"]
    assert "角色弱化" in frame.index and "Observations" not in frame.index
    assert chinese.notes[0].startswith("括号内为标准误：")
    # The same numbers as the English table: only the words change.
    assert frame.loc["角色弱化"].tolist()[0] == english.frame.set_index("term").loc[
        "Role weakness", "(3) TWFE"
    ]
    assert "\\midrule\n观测值 &" in chinese.to_latex()
    with pytest.raises(ValueError, match="language"):
        regression_table(renamed, language="fr")


def test_significance_stars():
    assert significance_stars(0.2) == ""
    assert significance_stars(0.07) == "*"
    assert significance_stars(0.05) == "*"  # strictly below the threshold
    assert significance_stars(0.049) == "**"
    assert significance_stars(0.001) == "***"
    assert significance_stars(0.03, (0.05,)) == "*"
    assert significance_stars(float("nan")) == ""


def test_selected_terms_and_errors(table):
    models, _ = table
    only = regression_table(models, terms=["deviation"])
    assert next(t for t in only.frame["term"] if t) == "deviation"
    assert "Role weakness" not in set(only.frame["term"])
    with pytest.raises(ParameterError, match="no model has"):
        regression_table(models, terms=["nope"])
    with pytest.raises(ParameterError, match="at least one"):
        regression_table({})


def test_raw_linearmodels_result_is_accepted(table):
    models, _ = table
    raw = regression_table({"TWFE": models["(3) TWFE"].result})
    frame = raw.frame.set_index("term")
    assert frame.loc["City FE", "TWFE"] == "Yes"
    assert frame.loc["Cities", "TWFE"] == "12"


def _check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"snapshot {path} is missing; run with INERTIA_UPDATE_SNAPSHOTS=1")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its snapshot; if the change is intended, rerun with "
        "INERTIA_UPDATE_SNAPSHOTS=1 and review the diff."
    )


def test_latex_snapshot(table):
    _, result = table
    latex = result.to_latex()
    assert result.to_latex() == latex
    _check_snapshot("regression_table.tex", latex)


def test_html_snapshot_is_deterministic(table):
    models, result = table
    html = result.to_html()
    rebuilt = regression_table(
        models,
        labels={"weakness": "Role weakness", "deviation": "Role deviation"},
        title="Role deviation and inertia",
        notes=["Simulated data."],
    ).to_html()
    assert html == rebuilt
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert ids and all(i.startswith("regression-table") for i in ids)
    _check_snapshot("regression_table.html", html)


def test_csv_round_trips(table, tmp_path):
    _, result = table
    path = tmp_path / "table.csv"
    text = result.to_csv(path)
    assert path.read_text(encoding="utf-8") == text
    back = pd.read_csv(path, keep_default_na=False, dtype=str)
    assert back.columns.tolist() == result.frame.columns.tolist()
    assert back.to_numpy().tolist() == result.frame.to_numpy().tolist()


def _strip_escaped(latex: str) -> str:
    return re.sub(r"\\[{}&%$#_]", "", latex)


def parse_check_latex(latex: str) -> None:
    """Balanced braces and environments; every tabular row has the spec's cell count."""
    text = _strip_escaped(latex)
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, "a closing brace without an opening one"
    assert depth == 0, "unbalanced braces"
    begins = re.findall(r"\\begin\{(\w+\*?)\}", text)
    ends = re.findall(r"\\end\{(\w+\*?)\}", text)
    assert sorted(begins) == sorted(ends)
    spec = re.search(r"\\begin\{tabular\*?\}(?:\{\\linewidth\})?\{(.*)\}\n", text).group(1)
    spec = re.sub(r"@\{.*?\}\}", "", spec)
    n_columns = len(re.findall(r"[lcr]", re.sub(r"\\\w+", "", spec)))
    body = text[text.index("\\toprule") : text.index("\\bottomrule")]
    rows = [r for r in body.split("\\\\") if "&" in r]
    assert rows, "no tabular rows"
    for row in rows:
        assert row.count("&") == n_columns - 1, f"row {row!r} has the wrong number of cells"


def test_latex_is_valid(table, tmp_path):
    _, result = table
    latex = result.to_latex()
    parse_check_latex(latex)
    if shutil.which("pdflatex") is None:
        return  # the parser check above is the fallback
    document = (
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage{caption}\n"
        "\\begin{document}\n" + latex + "\n\\end{document}\n"
    )
    (tmp_path / "table.tex").write_text(document, encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "table.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:]


def test_parse_check_catches_a_broken_row():
    with pytest.raises(AssertionError):
        parse_check_latex(
            "\\begin{tabular}{lcc}\n\\toprule\na & b \\\\\n\\bottomrule\n\\end{tabular}"
        )
