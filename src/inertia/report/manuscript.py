"""The manuscript: the thesis rendered from one run's published results.

The text lives in ``manuscript/<language>.md`` (one file per language, side by
side, so a translation is checked against its original paragraph by
paragraph) as Markdown with Jinja2 expressions; the bibliography in
``manuscript/references.bib``. Rendering a language for a run takes three
steps, all deterministic:

1. **Fill** (:func:`fill`): every number is a Jinja2 expression over the run's
   results (``claim("03_inertia_evidence", "inertia").estimate``, a column of
   a published table), so no number is typed; a missing result stops the build
   naming the chapter, claim, table or column. Wording that depends on a
   verdict is a conditional on the verdict, so the text cannot claim what the
   results reject. Figures and tables are placed by :meth:`Exhibits.figure`
   and :meth:`Exhibits.table`, numbered in the order they appear.
2. **Number** (:func:`number_document`): sections (1, 1.1, ...; appendices A,
   B, ...) and display equations get their numbers, and every cross-reference
   ``@fig:name``, ``@tbl:name``, ``@eq:name`` or ``@sec:name`` becomes a link
   with the number; a reference to a label that does not exist stops the build
   (so no ``??`` can reach a reader).
3. **Convert** (:func:`to_html`): pandoc turns the Markdown into one
   standalone HTML page, with the math as MathML (which browsers render
   natively, offline) and the citations and bibliography by citeproc.

The PDF is the same page printed by headless Chromium
(:mod:`inertia.pipeline.paper`), so the two editions cannot drift apart.
This module only renders: it reads published results and computes nothing.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inertia import formatting
from inertia.errors import InertiaError
from inertia.viz import labels

#: Languages of the manuscript, and their BCP 47 tags (pandoc's ``lang``: it
#: selects citeproc's locale, and the page's ``lang`` attribute).
LANGUAGE_TAGS = {"en": "en-GB", "zh": "zh-CN"}

_REFERENCE = re.compile(r"@(fig|tbl|eq|sec):([A-Za-z0-9_]+)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*\{#sec-([A-Za-z0-9_]+)((?:\s+\.[A-Za-z-]+)*)\}\s*$")
_EQUATION = re.compile(r"^\$\$(.+?)\$\$\s*\{#eq-([A-Za-z0-9_]+)\}\s*$", re.MULTILINE | re.DOTALL)
_FENCE = re.compile(r"^(```|~~~)")


def _word(key: str, language: str, **values: object) -> str:
    # The manuscript's words live in the phrasebook, as every other label does.
    return labels.text(f"manuscript_{key}", language, **values)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RunResults:
    """The published results of one run, read from a reports folder.

    Parameters
    ----------
    root : Path
        The reports folder (a published version, or one being built).
    run : str
        The run's name (``simulated``, ``ccsy``, ...).
    manifest : dict
        The folder's ``MANIFEST.json``, parsed.
    """

    root: Path
    run: str
    manifest: dict[str, Any]

    @property
    def entries(self) -> dict[str, dict[str, Any]]:
        """The run's manifest entries by output name."""
        return {e["name"]: e for e in self.manifest["outputs"] if e["run"] == self.run}

    @property
    def data_source(self) -> str:
        """``simulated`` or ``ccsy``: the data source of the run's chapters.

        The validation appendix of every run is simulated, so the chapters'
        verdicts say what the run's data are.
        """
        sources = {e["data_source"] for e in self.entries.values() if e["kind"] == "verdict"}
        if len(sources) != 1:
            raise InertiaError(
                f"The verdicts of run {self.run!r} come from {len(sources)} data sources "
                f"({sorted(sources)}); a manuscript needs exactly one."
            )
        return sources.pop()

    def parameter(self, key: str) -> Any:
        """A parameter of the run, as the manifest records it for the chapters.

        Parameters
        ----------
        key : str
            The parameter's name, e.g. ``synergy_measure``.

        Returns
        -------
        Any
            Its value; an error naming the key when the chapters disagree or lack it.
        """
        values = {
            json.dumps(e["parameters"][key], sort_keys=True)
            for e in self.entries.values()
            if key in e["parameters"]
        }
        if len(values) != 1:
            raise InertiaError(
                f"The manuscript reads parameter {key!r} of run {self.run!r}, which its "
                f"chapters record {len(values)} ways."
            )
        return json.loads(values.pop())

    def has(self, name: str) -> bool:
        """Whether the run published an output called ``name``.

        Parameters
        ----------
        name : str
            The output's name (a figure, table or verdict).

        Returns
        -------
        bool
        """
        return name in self.entries

    def entry(self, name: str) -> dict[str, Any]:
        """The manifest entry of output ``name``; an error naming it when missing.

        Parameters
        ----------
        name : str
            The output's name.

        Returns
        -------
        dict
            Its manifest entry.
        """
        try:
            return self.entries[name]
        except KeyError:
            raise InertiaError(
                f"The manuscript cites output {name!r}, which run {self.run!r} did not publish "
                f"(MANIFEST.json in {self.root})."
            ) from None

    def file(self, name: str, suffix: str) -> str:
        """The path, relative to the reports folder, of ``name``'s file with ``suffix``.

        Parameters
        ----------
        name : str
            The output's name.
        suffix : str
            ``.svg``, ``.png``, ``.csv``, ``.json`` ...

        Returns
        -------
        str
        """
        self.entry(name)  # an error naming the output when the run has none
        for entry in self.manifest["outputs"]:
            if entry["run"] != self.run or entry["name"] != name:
                continue  # a figure and a table may share a name
            for item in entry["files"]:
                if item["path"].endswith(suffix):
                    return str(item["path"])
        raise InertiaError(f"Output {name!r} of run {self.run!r} has no {suffix} file.")

    def table(self, name: str) -> Any:
        """A published table, at the full precision of its CSV.

        Parameters
        ----------
        name : str
            The table's name.

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd

        return pd.read_csv(self.root / self.file(name, ".csv"))

    def row(self, name: str, **where: Any) -> dict[str, Any]:
        """The one row of table ``name`` whose columns equal ``where``.

        Parameters
        ----------
        name : str
            The table's name.
        **where
            Column -> value; every one must match.

        Returns
        -------
        dict
            Column -> value of the row.
        """
        frame = self.table(name)
        for column, value in where.items():
            if column not in frame.columns:
                raise InertiaError(
                    f"The manuscript selects rows of table {name!r} by column {column!r}, "
                    f"which it does not have (run {self.run!r})."
                )
            frame = frame[frame[column] == value]
        if len(frame) != 1:
            raise InertiaError(
                f"The manuscript reads one row of table {name!r} where {where}, but run "
                f"{self.run!r} has {len(frame)}."
            )
        return {str(k): v for k, v in frame.iloc[0].items()}

    def verdict(self, chapter: str) -> dict[str, Any]:
        """The verdict file of ``chapter`` (``verdict_<chapter>.json``), parsed.

        Parameters
        ----------
        chapter : str
            The chapter notebook's name, e.g. ``03_inertia_evidence``.

        Returns
        -------
        dict
        """
        path = self.root / self.file(f"verdict_{chapter}", ".json")
        return dict(json.loads(path.read_text(encoding="utf-8")))

    def has_claim(self, chapter: str, claim: str) -> bool:
        """Whether ``chapter``'s verdict holds ``claim`` (a run may not test every claim).

        Parameters
        ----------
        chapter : str
            The chapter notebook's name.
        claim : str
            The claim's key.

        Returns
        -------
        bool
        """
        return any(c["claim"] == claim for c in self.verdict(chapter)["claims"])

    def claim(self, chapter: str, claim: str) -> Claim:
        """One claim of a chapter's verdict.

        Parameters
        ----------
        chapter : str
            The chapter notebook's name.
        claim : str
            The claim's key in the verdict file, e.g. ``inertia``.

        Returns
        -------
        Claim
        """
        claims = {c["claim"]: c for c in self.verdict(chapter)["claims"]}
        if claim not in claims:
            raise InertiaError(
                f"The manuscript cites claim {claim!r} of chapter {chapter}, whose verdict "
                f"(run {self.run!r}) has only {sorted(claims)}."
            )
        return Claim(claims[claim])


class Claim:
    """One claim of a verdict file, with attribute access that fails loudly.

    Parameters
    ----------
    payload : dict
        The claim's record in ``verdict_<chapter>.json``.
    """

    def __init__(self, payload: dict[str, Any]) -> None:
        self._payload = payload

    def __getattr__(self, key: str) -> Any:
        """A field of the claim, or of its ``details``; an error naming the field."""
        payload = self.__dict__["_payload"]
        if key in payload:
            return payload[key]
        if key in payload.get("details", {}):
            return payload["details"][key]
        raise InertiaError(
            f"Claim {payload.get('claim')!r} has no field {key!r} "
            f"(fields: {sorted(payload)}, details: {sorted(payload.get('details', {}))})."
        )

    def __getitem__(self, key: str) -> Any:
        """The same as attribute access, for Jinja2's ``claim["field"]``."""
        return self.__getattr__(key)


# --------------------------------------------------------------------------- numbers


# The manuscript's numbers are inertia.formatting's, with two differences of a printed
# text: a missing value stops the build (a reader must never meet "n/a" where a result
# belongs), and negative numbers carry a typographic minus sign.


def _strict(value: Any, what: str) -> float:
    import math

    if value is None or isinstance(value, str) or not math.isfinite(float(value)):
        raise InertiaError(f"The manuscript prints {what}, which is not finite ({value!r}).")
    return float(value)


def _minus(text: str) -> str:
    return text.replace("-", "\u2212")


def num(value: Any, digits: int = 3) -> str:
    """A number to ``digits`` significant digits (:func:`inertia.formatting.rounded`).

    Parameters
    ----------
    value : float
    digits : int
        Significant digits.

    Returns
    -------
    str
        ``0.325``, ``−0.0152``, ``1,848``.
    """
    return _minus(formatting.rounded(_strict(value, "a number"), digits))


def fixed(value: Any, decimals: int = 2) -> str:
    """A number with fixed decimals (:func:`inertia.formatting.number`).

    Parameters
    ----------
    value : float
    decimals : int

    Returns
    -------
    str
    """
    return _minus(formatting.number(_strict(value, "a number"), decimals))


def count(value: Any) -> str:
    """An integer count with thousands separators (:func:`inertia.formatting.count`).

    Parameters
    ----------
    value : int or float

    Returns
    -------
    str
    """
    try:
        return formatting.count(_strict(value, "a count"))
    except ValueError:
        raise InertiaError(
            f"The manuscript prints {value!r} as a count, but it is not whole."
        ) from None


def pct(value: Any, decimals: int = 0) -> str:
    """A share as a percentage (:func:`inertia.formatting.percent`).

    Parameters
    ----------
    value : float
        The share (0.38 prints as ``38%``).
    decimals : int

    Returns
    -------
    str
    """
    return _minus(formatting.percent(_strict(value, "a share"), decimals))


def p_equals(value: Any) -> str:
    """A p-value in running text: ``*p* = 0.012`` or ``*p* < 0.001``.

    Parameters
    ----------
    value : float

    Returns
    -------
    str
    """
    return "*p*" + formatting.p_value(_strict(value, "a p-value")).removeprefix("p")


def pvalue(value: Any) -> str:
    """A p-value in a table cell: ``0.012`` or ``< 0.001``.

    Parameters
    ----------
    value : float

    Returns
    -------
    str
    """
    return (
        formatting.p_value(_strict(value, "a p-value"))
        .removeprefix("p")
        .removeprefix(" = ")
        .strip()
    )


def interval(low: Any, high: Any, digits: int = 3) -> str:
    """A confidence interval ``[low, high]``, both ends with :func:`num`.

    Parameters
    ----------
    low, high : float
    digits : int

    Returns
    -------
    str
    """
    return f"[{num(low, digits)}, {num(high, digits)}]"


FILTERS: dict[str, Callable[..., str]] = {
    "num": num,
    "fixed": fixed,
    "count": count,
    "pct": pct,
    "pvalue": pvalue,
    "p": p_equals,
}


# --------------------------------------------------------------------------- exhibits


@dataclass
class Exhibit:
    """A numbered figure or table of the manuscript."""

    kind: str  # "fig" or "tbl"
    name: str
    number: int
    caption: str
    source: str  # the output's name in the manifest


@dataclass
class Exhibits:
    """Places figures and tables in the text, numbering them in order of appearance.

    Parameters
    ----------
    results : RunResults
        The run whose outputs are shown.
    language : {"en", "zh"}
    prefix : str
        Path from the manuscript's page to the reports folder (``../..``).
    """

    results: RunResults
    language: str
    prefix: str
    placed: list[Exhibit] = field(default_factory=list)

    def _place(self, kind: str, name: str, caption: str) -> Exhibit:
        if any(e.kind == kind and e.name == name for e in self.placed):
            raise InertiaError(f"The manuscript places {kind}:{name} twice.")
        number = 1 + sum(e.kind == kind for e in self.placed)
        exhibit = Exhibit(kind, name, number, caption.strip(), name)
        self.placed.append(exhibit)
        return exhibit

    def _source_note(self, name: str, kind: str) -> str:
        entry = self.results.entry(name)
        notebook = Path(entry["notebook"]).stem
        return _word(
            "source_note",
            self.language,
            name=f"`{name}`",
            kind=_word(kind, self.language),
            notebook=notebook,
        )

    def figure(self, name: str, caption: str, width: str = "100%") -> str:
        """Markdown of figure ``name`` (its SVG), numbered, with its caption.

        Parameters
        ----------
        name : str
            The figure's output name.
        caption : str
            The caption in the manuscript's language.
        width : str
            CSS width of the image.

        Returns
        -------
        str
        """
        exhibit = self._place("fig", name, caption)
        path = f"{self.prefix}/{self.results.file(name, '.svg')}"
        label = _word("fig", self.language, number=exhibit.number)
        return (
            f'\n::: {{#fig-{name} .exhibit .figure}}\n![]({path}){{width="{width}"}}\n\n'
            f"[**{label}.** {exhibit.caption} {self._source_note(name, 'figure')}]"
            "{.caption}\n:::\n"
        )

    def table(
        self,
        name: str,
        caption: str,
        columns: dict[str, str],
        *,
        where: dict[str, list[Any]] | None = None,
        formats: dict[str, str] | None = None,
    ) -> str:
        """Markdown of a published table, numbered, with chosen columns and formats.

        Parameters
        ----------
        name : str
            The table's output name.
        caption : str
            The caption in the manuscript's language.
        columns : dict
            Column of the CSV -> header in the manuscript's language.
        where : dict, optional
            Column -> values: keeps the rows whose column takes one of the values,
            in the order of the values.
        formats : dict, optional
            Column -> ``num``, ``fixed``, ``count``, ``pct``, ``pvalue``, ``text``,
            ``coef`` (a regression cell kept as published, aligned right) or
            ``cluster`` (a cluster code as its name); by default the gallery's
            rule of :func:`inertia.formatting.column_formatter`.

        Returns
        -------
        str
        """
        import pandas as pd

        frame = self.results.table(name)
        for column, values in (where or {}).items():
            if column not in frame.columns:
                raise InertiaError(f"Table {name!r} has no column {column!r} to select rows by.")
            order = {v: i for i, v in enumerate(values)}
            frame = frame[frame[column].isin(values)]
            frame = frame.iloc[frame[column].map(order).argsort(kind="stable")]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InertiaError(
                f"The manuscript shows columns {missing} of table {name!r} (run "
                f"{self.results.run!r}), which has only {list(frame.columns)}."
            )
        formats = formats or {}
        unknown = sorted(set(formats.values()) - {*FILTERS, "text", "coef", "cluster"})
        if unknown:
            raise InertiaError(
                f"The manuscript formats table {name!r} as {unknown}; the formats are "
                f"{sorted({*FILTERS, 'text', 'coef', 'cluster'})}."
            )
        exhibit = self._place("tbl", name, caption)

        # Columns without a stated format follow the gallery's rule (inertia.formatting).
        shown = {c: formatting.column_formatter(c, frame[c]) for c in columns}

        def cell(column: str, value: Any) -> str:
            kind = formats.get(column)
            if kind is None:
                return _minus(shown[column](value)).replace("|", "\\|")
            if kind == "cluster" and not pd.isna(value):
                code = str(value)
                if code == "pooled":
                    return _word("pooled", self.language)
                return labels.cluster_name(code, self.language)
            if kind in ("text", "coef") or pd.isna(value):
                text = "" if pd.isna(value) else str(value)
                return text.replace("|", "\\|")
            return FILTERS[kind](value)

        # Numbers, and regression cells (``coef``: "0.104***", "(0.020)"), align right.
        numeric = [
            pd.api.types.is_numeric_dtype(frame[c]) or formats.get(c) in (*FILTERS, "coef")
            for c in columns
        ]
        head = "| " + " | ".join(columns.values()) + " |"
        rule = "|" + "|".join("--:" if n else ":--" for n in numeric) + "|"
        body = [
            "| " + " | ".join(cell(c, row[c]) for c in columns) + " |"
            for _, row in frame.iterrows()
        ]
        label = _word("tbl", self.language, number=exhibit.number)
        return (
            f"\n::: {{#tbl-{name} .exhibit .table}}\n"
            f"[**{label}.** {exhibit.caption} {self._source_note(name, 'table')}]"
            "{.caption}\n\n" + "\n".join([head, rule, *body]) + "\n:::\n"
        )


# --------------------------------------------------------------------------- steps


def fill(source: str, results: RunResults, language: str, prefix: str) -> tuple[str, Exhibits]:
    """Step 1: the Markdown of ``source`` with every expression replaced by results.

    Parameters
    ----------
    source : str
        The manuscript's text (Markdown with Jinja2 expressions).
    results : RunResults
        The run the numbers come from.
    language : {"en", "zh"}
    prefix : str
        Path from the manuscript's page to the reports folder.

    Returns
    -------
    markdown : str
    exhibits : Exhibits
        The figures and tables placed, in order.
    """
    import jinja2

    exhibits = Exhibits(results, labels.check_language(language), prefix)
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        # Pandoc's attributes {#sec-name} would open Jinja's default comments.
        comment_start_string="{##",
        comment_end_string="##}",
    )
    environment.filters.update(FILTERS)
    environment.globals.update(
        claim=results.claim,
        has_claim=results.has_claim,
        verdict=results.verdict,
        table=results.table,
        row=results.row,
        parameter=results.parameter,
        has=results.has,
        figure=exhibits.figure,
        exhibit_table=exhibits.table,
        interval=interval,
        simulated=results.data_source == "simulated",
        run=results.run,
        cluster=lambda code: labels.cluster_name(code, language),
    )
    try:
        markdown = environment.from_string(source).render()
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise InertiaError(f"The {language} manuscript cannot be filled{where}: {exc}") from None
    return markdown, exhibits


def _outside_fences(lines: list[str]) -> Iterable[int]:
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield index


def number_document(markdown: str, exhibits: Exhibits, language: str) -> str:
    """Step 2: sections and equations numbered, cross-references made links.

    A level-1 heading ``# Title {#sec-name}`` is numbered 1, 2, ...; one with
    the class ``.appendix`` and those after it A, B, ...; ``.unnumbered``
    headings get no number. Lower levels number within their parent (1.1).
    Display equations ``$$ ... $$ {#eq-name}`` are numbered 1, 2, ... .

    Parameters
    ----------
    markdown : str
        The filled Markdown (:func:`fill`).
    exhibits : Exhibits
        The figures and tables placed while filling.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown that pandoc can convert, with every reference resolved.

    Raises
    ------
    InertiaError
        When a reference names a label that does not exist, or a label repeats.
    """
    targets: dict[tuple[str, str], str] = {
        (e.kind, e.name): _word(e.kind, language, number=e.number)
        for e in exhibits.placed
    }

    lines = markdown.split("\n")
    counters = [0] * 6
    appendix = False
    for index in _outside_fences(lines):
        match = _HEADING.match(lines[index])
        if not match:
            continue
        hashes, title, name, classes = match.groups()
        level = len(hashes)
        if ("sec", name) in targets:
            raise InertiaError(f"The manuscript has two sections labelled sec-{name}.")
        if ".unnumbered" in classes:
            targets[("sec", name)] = title
            continue
        if ".appendix" in classes and level == 1 and not appendix:
            appendix, counters[0] = True, 0
        counters[level - 1] += 1
        counters[level:] = [0] * (6 - level)
        parts = [str(c) for c in counters[:level]]
        if appendix:
            parts[0] = chr(ord("A") + counters[0] - 1)
        number = ".".join(parts)
        kind = "app" if appendix and level == 1 else "sec"
        targets[("sec", name)] = _word(kind, language, number=number)
        if kind == "app":
            lines[index] = f"{hashes} {targets[('sec', name)]} {title} {{#sec-{name}{classes}}}"
        else:
            lines[index] = f"{hashes} {number} {title} {{#sec-{name}{classes}}}"
    markdown = "\n".join(lines)

    equations = 0

    def equation(match: re.Match[str]) -> str:
        nonlocal equations
        body, name = match.groups()
        if ("eq", name) in targets:
            raise InertiaError(f"The manuscript has two equations labelled eq-{name}.")
        equations += 1
        targets[("eq", name)] = _word("eq", language, number=equations)
        return (
            f"::: {{#eq-{name} .equation}}\n$${body.strip()}$$"
            f"[({equations})]{{.equation-number}}\n:::"
        )

    markdown = _EQUATION.sub(equation, markdown)

    def reference(match: re.Match[str]) -> str:
        kind, name = match.groups()
        if (kind, name) not in targets:
            known = sorted(n for k, n in targets if k == kind)
            raise InertiaError(
                f"The manuscript refers to @{kind}:{name}, which is not a label of the "
                f"document (labels of that kind: {known})."
            )
        return f"[{targets[(kind, name)]}](#{kind}-{name})"

    return _REFERENCE.sub(reference, markdown)


_CITATION = re.compile(r"(?<![\w@])@([A-Za-z][\w]*)\b(?!:)")
_BIB_KEY = re.compile(r"^@\w+\{([^,\s]+),", re.MULTILINE)


def check_citations(markdown: str, bibliography: Path) -> None:
    """Stop when the text cites a key the bibliography lacks (citeproc would print ``key?``).

    Parameters
    ----------
    markdown : str
        The numbered Markdown (cross-references already replaced).
    bibliography : Path
        The BibTeX file.

    Raises
    ------
    InertiaError
        Naming the missing keys.
    """
    keys = set(_BIB_KEY.findall(bibliography.read_text(encoding="utf-8")))
    body = re.sub(r"`[^`]*`", "", markdown)  # code spans are not citations
    missing = sorted(set(_CITATION.findall(body)) - keys)
    if missing:
        raise InertiaError(
            f"The manuscript cites {missing}, which {bibliography.name} does not hold."
        )


def to_html(markdown: str, *, language: str, bibliography: Path, style: str) -> str:
    """Step 3: one standalone HTML page, by pandoc (MathML, citeproc, a contents list).

    Parameters
    ----------
    markdown : str
        The numbered Markdown (:func:`number_document`).
    language : {"en", "zh"}
    bibliography : Path
        The BibTeX file of the references.
    style : str
        CSS of the page (screen and print).

    Returns
    -------
    str
        The page.
    """
    import pypandoc

    with tempfile.TemporaryDirectory(prefix="inertia-manuscript-") as scratch:
        header = Path(scratch) / "style.html"
        # No favicon request: the page is self-contained (as the gallery, data: URL).
        header.write_text(
            f'<link rel="icon" href="data:,">\n<style>\n{style}</style>\n', encoding="utf-8"
        )
        arguments = [
            "--standalone",
            "--mathml",
            "--citeproc",
            f"--bibliography={bibliography}",
            f"--include-in-header={header}",
            "--toc",
            "--toc-depth=2",
            "--section-divs",
            "--wrap=none",
            "--quiet",  # citeproc has no zh-CN term file; missing keys are checked before
            f"--metadata=lang:{LANGUAGE_TAGS[language]}",
            f"--metadata=toc-title:{_word('contents', language)}",
            "--metadata=link-citations:true",
        ]
        try:
            return str(
                pypandoc.convert_text(
                    markdown, "html5", format="markdown-implicit_figures", extra_args=arguments
                )
            )
        except RuntimeError as exc:
            raise InertiaError(
                f"pandoc could not convert the {language} manuscript: {exc}"
            ) from None


def render(
    source: str,
    results: RunResults,
    *,
    language: str,
    prefix: str,
    bibliography: Path,
    style: str,
) -> tuple[str, Exhibits]:
    """The manuscript's HTML page for one run and language (steps 1-3).

    Parameters
    ----------
    source : str
        The text of ``manuscript/<language>.md``.
    results : RunResults
    language : {"en", "zh"}
    prefix : str
        Path from the page to the reports folder.
    bibliography : Path
    style : str
        CSS of the page.

    Returns
    -------
    html : str
    exhibits : Exhibits
        The numbered figures and tables (for the README's list of exhibits).
    """
    markdown, exhibits = fill(source, results, language, prefix)
    numbered = number_document(markdown, exhibits, language)
    kind = "simulated" if results.data_source == "simulated" else "real"
    banner = f"::: {{.banner .{kind}}}\n{_word(kind, language)}\n:::"
    if "<!-- banner -->" not in numbered:
        raise InertiaError(f"The {language} manuscript has no `<!-- banner -->` line.")
    numbered = numbered.replace("<!-- banner -->", banner, 1)
    check_citations(numbered, bibliography)
    page = to_html(numbered, language=language, bibliography=bibliography, style=style)
    return page, exhibits
