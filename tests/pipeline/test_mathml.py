"""pipeline.mathml: the executed notebooks' math as MathML, from one pandoc call."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from inertia.errors import InertiaError
from inertia.pipeline import mathml
from inertia.pipeline.execute import _render_html


def _notebook(*markdown: str, output: str | None = None) -> nbformat.NotebookNode:
    cells = [new_markdown_cell(text) for text in markdown]
    if output is not None:
        code = new_code_cell("display(Markdown(text))")
        code.outputs = [
            new_output("display_data", data={"text/markdown": output, "text/plain": "<Markdown>"})
        ]
        cells.append(code)
    return new_notebook(cells=cells)


def _html(nb: nbformat.NotebookNode, tmp_path: Path) -> str:
    path = tmp_path / "page.html"
    _render_html(nb, path)
    return path.read_text(encoding="utf-8")


def test_markdown_cells_and_outputs_get_mathml_and_no_raw_tex(tmp_path: Path) -> None:
    nb = _notebook(
        "Role weakness $W_{it}$ lies in $[0, 1]$.",
        "$$\\Delta y = b_1 W +\n b_2 D$$",
        output="The share is $\\frac{a}{b}$.",
    )
    html = _html(nb, tmp_path)
    assert html.count('<math display="inline"') == 3
    assert html.count('<math display="block"') == 1
    assert "<mfrac><mi>a</mi><mi>b</mi></mfrac>" in html  # the Markdown output too
    assert "<msub><mi>W</mi><mrow><mi>i</mi><mi>t</mi></mrow></msub>" in html
    # No formula left for MathJax: outside the MathML annotations, no TeX with dollars.
    text = re.sub(r"<math.*?</math>", "", html, flags=re.DOTALL)
    assert "$W_{it}$" not in text and "$[0, 1]$" not in text and "$$" not in text
    assert "$\\frac" not in text


def test_the_formulas_are_those_nbconvert_finds_and_the_export_is_deterministic(
    tmp_path: Path,
) -> None:
    nb = _notebook("$x$ and $ x $, $y\n$ and\n\n\\begin{equation}z\\end{equation}")
    assert mathml.formulas(mathml.markdown_sources(nb)) == {
        ("inline", "x"),  # white space collapsed: one formula
        ("inline", "y"),
        ("block", "\\begin{equation}z\\end{equation}"),
    }
    assert _html(nb, tmp_path) == _html(nb, tmp_path)


def test_one_pandoc_call_per_notebook(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import pypandoc

    calls = []
    real = pypandoc.convert_text

    def counting(*args: object, **kwargs: object) -> str:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(pypandoc, "convert_text", counting)
    nb = _notebook(*(f"Formula $a_{k}$ and $b_{k}$." for k in range(30)), output="$c$")
    html = _html(nb, tmp_path)
    assert len(calls) == 1
    assert html.count("<math") == 61


def test_a_formula_pandoc_cannot_write_is_an_error_naming_it() -> None:
    with pytest.raises(InertiaError, match=r"notamacro"):
        mathml.to_mathml({("inline", "\\notamacro{x}")}, where="03_inertia_evidence")
