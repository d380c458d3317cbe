"""The executed notebooks' HTML with its math as MathML, so that it renders offline.

The report loads no script from a CDN (``templates/inertia``), so MathJax is
not there to typeset the ``$W_{it}$`` of the narrative. Instead the exporter
writes each formula as MathML, which browsers render natively:

* nbconvert's Markdown parser (mistune with nbconvert's math rules) decides,
  as before, what is math in the Markdown cells and in the ``text/markdown``
  outputs: inline ``$...$`` and ``\\(...\\)``, display ``$$...$$`` and
  ``\\[...\\]``, and ``\\begin{env}...\\end{env}``;
* pandoc (``pypandoc-binary``, pinned in the lock) converts every formula of a
  notebook to MathML in **one** call, so a notebook costs one pandoc start
  (about 0.1 s), not one per formula;
* the HTML renderer then writes the MathML in place of the TeX.

The output is deterministic: the formulas go to pandoc in sorted order, and
pandoc's MathML depends only on the TeX and pandoc's version. A formula that
pandoc cannot convert is an error that names the notebook and the formula,
rather than raw TeX left silently on the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from jinja2 import pass_context
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from inertia.errors import InertiaError

#: A formula: (``"inline"`` or ``"block"``, its TeX without delimiters).
Formula = tuple[str, str]

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


class _MathMLRenderer(IPythonRenderer):
    """nbconvert's renderer, with formulas from a table (or collected into one)."""

    def __init__(
        self,
        mathml: dict[Formula, str] | None,
        collected: set[Formula] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.mathml = mathml
        self.collected = collected

    def _formula(self, display: str, tex: str) -> str:
        key = (display, _normalise(tex))
        if self.collected is not None:
            self.collected.add(key)
            return ""
        assert self.mathml is not None
        if key not in self.mathml:  # Markdown the notebook walk did not see: convert it now
            self.mathml.update(to_mathml([key]))
        return self.mathml[key]

    def inline_math(self, body: str) -> str:
        return self._formula("inline", body)

    def block_math(self, body: str) -> str:
        return self._formula("block", body)

    def latex_environment(self, name: str, body: str) -> str:
        return self._formula("block", f"\\begin{{{name}}}{body}\\end{{{name}}}")


def _normalise(tex: str) -> str:
    # TeX reads a line break in a formula as a space; pandoc's inline math may not
    # span a blank line, nor start or end with a space.
    return " ".join(tex.split())


def markdown_sources(nb: Any) -> Iterator[str]:
    """Every Markdown text of a notebook: its Markdown cells and ``text/markdown`` outputs.

    Parameters
    ----------
    nb : NotebookNode
        The notebook.

    Returns
    -------
    iterator of str
        The Markdown sources, in notebook order.
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            yield cell.source
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown")
            if text is not None:
                yield "".join(text) if isinstance(text, list) else text


def formulas(sources: Iterable[str]) -> set[Formula]:
    """The formulas nbconvert's Markdown parser finds in ``sources``.

    Parameters
    ----------
    sources : iterable of str
        Markdown texts.

    Returns
    -------
    set of (str, str)
        (``"inline"`` or ``"block"``, the TeX with its white space collapsed).
    """
    found: set[Formula] = set()
    renderer = _MathMLRenderer(None, found, escape=False)
    for source in sources:
        MarkdownWithMath(renderer=renderer).render(source)
    return found


def to_mathml(found: Iterable[Formula], *, where: str = "the notebook") -> dict[Formula, str]:
    """MathML of each formula, from one pandoc call.

    Parameters
    ----------
    found : iterable of (str, str)
        The formulas (:func:`formulas`).
    where : str
        What holds them, for the error message.

    Returns
    -------
    dict
        Formula -> ``<math display="inline|block" ...>...</math>``.

    Raises
    ------
    InertiaError
        If pandoc cannot convert a formula (it would show as raw TeX).
    """
    ordered = sorted(set(found))
    if not ordered:
        return {}
    import pypandoc

    document = "\n\n".join(
        f"$${tex}$$" if display == "block" else f"${tex}$" for display, tex in ordered
    )
    html = pypandoc.convert_text(document, "html", format="markdown", extra_args=["--mathml"])
    paragraphs = [p.strip() for p in _PARAGRAPH.findall(html)]
    if len(paragraphs) != len(ordered):
        raise InertiaError(
            f"pandoc returned {len(paragraphs)} paragraphs for the {len(ordered)} formulas "
            f"of {where}; cannot match them to their formulas."
        )
    out = {}
    for (display, tex), converted in zip(ordered, paragraphs, strict=True):
        if not (converted.startswith("<math") and converted.endswith("</math>")):
            raise InertiaError(
                f"{where}: pandoc cannot write the {display} formula ${tex}$ as MathML "
                f"(it gave {converted[:120]!r}); correct the TeX in the notebook."
            )
        out[(display, tex)] = converted
    return out


class MathMLExporter(HTMLExporter):
    """nbconvert's HTML exporter, writing the formulas of Markdown as MathML."""

    _mathml: dict[Formula, str]

    def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
        """Export ``nb`` to HTML (as :class:`nbconvert.HTMLExporter`), math as MathML.

        Parameters
        ----------
        nb : NotebookNode
            The notebook.
        resources : dict, optional
            nbconvert's resources.
        **kw
            Passed to :meth:`nbconvert.HTMLExporter.from_notebook_node`.

        Returns
        -------
        tuple of (str, dict)
            The HTML and the resources.
        """
        name = (nb.get("metadata", {}).get("papermill", {}) or {}).get("input_path", "notebook")
        self._mathml = to_mathml(formulas(markdown_sources(nb)), where=str(name))
        return super().from_notebook_node(nb, resources, **kw)

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        """Markdown to HTML, as nbconvert's filter, with each formula as MathML.

        Parameters
        ----------
        context : jinja2 context
            The template context (the cell and its attachments).
        source : str
            The Markdown.

        Returns
        -------
        str
            The HTML.
        """
        cell = context.get("cell", {})
        renderer = _MathMLRenderer(
            self._mathml,
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)
