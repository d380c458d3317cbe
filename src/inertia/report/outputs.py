"""Publishing a notebook's figures, tables and data, deterministically.

A chapter notebook creates one :class:`Publisher` after its parameters cell
and hands it every figure, table and data artefact it makes::

    pub = Publisher(output_dir, processed_dir, data_source=data_source)
    pub.figure(fig, "headline_gap", caption="Expected against actual synergy ...")
    pub.table(weights, "index_weights", caption="Entropy weights ...")
    pub.data(panel, "panel")

Figures are written as PNG and SVG with no dates and a fixed SVG hash salt;
tables as CSV, LaTeX and HTML. Each call also displays a small provenance
record (MIME type :data:`RECORD_MIME`) in the notebook, so that the runner can
tell afterwards which cell made which output; the runner adds the
parameters, input hashes, package versions and git commit to
``reports/MANIFEST.json``. Outputs made from simulated data get a visible
"Simulated data" note on the figure and in the caption.
"""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from inertia.io import atomic_write, sha256_file
from inertia.viz import labels

if TYPE_CHECKING:
    import pandas as pd

RECORD_MIME = "application/vnd.inertia.output+json"
SIMULATED_NOTE = "Simulated data: synthetic replication panel, not real statistics."
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class ExportableTable(Protocol):
    """A table object that exports itself (e.g. a regression table)."""

    def to_latex(self) -> str:
        """The table as LaTeX."""
        ...

    def to_html(self) -> str:
        """The table as HTML."""
        ...

    def to_csv(self) -> str:
        """The table as CSV."""
        ...


def _display(record: dict[str, Any]) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    display({RECORD_MIME: record, "text/plain": f"[{record['kind']}] {record['name']}"}, raw=True)


class Publisher:
    """Writes one notebook's outputs and records where each came from.

    Parameters
    ----------
    output_dir : path or None
        Folder for figures and tables (the runner passes a staging folder).
        ``None`` (an interactive session) means ``.inertia/interactive``.
    processed_dir : path or None
        Folder for data artefacts shared with later notebooks.
    data_source : str
        ``"simulated"`` or ``"ccsy"``; simulated outputs are labelled as such.
    language : {"en", "zh"}
        Language of the simulated-data mark drawn on figures.
    """

    def __init__(
        self,
        output_dir: str | Path | None,
        processed_dir: str | Path | None = None,
        *,
        data_source: str,
        language: str = "en",
    ) -> None:
        interactive = Path(".inertia") / "interactive"
        self.output_dir = Path(output_dir) if output_dir else interactive / "outputs"
        self.processed_dir = Path(processed_dir) if processed_dir else interactive / "processed"
        self.data_source = data_source
        self.language = labels.check_language(language)
        self.records: list[dict[str, Any]] = []

    @property
    def simulated(self) -> bool:
        """Whether the run's data are the simulated panel."""
        return self.data_source == "simulated"

    def caption(self, text: str) -> str:
        """The caption with the data-source note every output carries."""
        if self.simulated:
            return f"{text} {SIMULATED_NOTE}"
        return f"{text} Source: China City Statistical Yearbook (CCSY), prefecture-level editions."

    def _check_name(self, name: str, kind: str) -> None:
        if not _NAME.match(name):
            raise ValueError(f"output name {name!r} must be lower-case letters, digits and _")
        if any(r["name"] == name and r["kind"] == kind for r in self.records):
            raise ValueError(f"output name {name!r} is used twice in this notebook")

    def _record(self, kind: str, name: str, files: list[Path], caption: str) -> dict[str, Any]:
        record = {
            "kind": kind,
            "name": name,
            "caption": caption,
            "data_source": self.data_source,
            "files": [
                {"path": f.name, "sha256": sha256_file(f), "bytes": f.stat().st_size} for f in files
            ],
        }
        self.records.append(record)
        _display(record)
        return record

    def figure(self, fig: Any, name: str, *, caption: str, show: bool = True) -> dict[str, Any]:
        """Save ``fig`` as PNG and SVG, with no timestamps, then close it.

        A simulated-data note is drawn in the figure's lower right corner.
        """
        import matplotlib.pyplot as plt

        self._check_name(name, "figure")
        if self.simulated:
            fig.text(
                0.995,
                0.005,
                labels.text("simulated_data", self.language),
                ha="right",
                va="bottom",
                fontsize=7,
                color="#8a1c1c",
                alpha=0.9,
            )
        folder = self.output_dir / "figures"
        png, svg = folder / f"{name}.png", folder / f"{name}.svg"
        atomic_write(png, lambda tmp: fig.savefig(tmp, format="png", metadata={"Software": None}))
        atomic_write(svg, lambda tmp: fig.savefig(tmp, format="svg", metadata={"Date": None}))
        if show:
            try:
                from IPython.display import display

                display(fig)
            except ImportError:
                pass
        plt.close(fig)
        return self._record("figure", name, [png, svg], self.caption(caption))

    def table(
        self,
        table: pd.DataFrame | ExportableTable,
        name: str,
        *,
        caption: str,
        float_format: str | None = None,
        index: bool = False,
        show: bool = True,
    ) -> dict[str, Any]:
        """Save a table as CSV, LaTeX and HTML.

        The CSV is data for re-use: machine column names and full precision
        (or pandas' ``float_format``, if given). The LaTeX, the HTML and the
        notebook display are made for reading: headers from
        :func:`display_frame` in the publisher's language (with the unit of a
        variable that has one), cluster codes as cluster labels, and every
        column shown by :func:`inertia.formatting.column_formatter` (counts as
        integers with thousands separators, p-values and shares with 3
        decimals, other numbers to 3 significant digits at the column's scale).
        Objects with their own ``to_latex``/``to_html``/``to_csv`` (regression
        tables) export themselves.

        Parameters
        ----------
        table : DataFrame or ExportableTable
            The table.
        name : str
            File name without suffix (lower-case letters, digits and ``_``).
        caption : str
            The caption; the data-source note is added.
        float_format : str, optional
            pandas' ``float_format`` of the CSV only; default full precision.
        index : bool
            Whether the DataFrame's index is a column of the table.
        show : bool
            Display the table in the notebook.

        Returns
        -------
        dict
            The provenance record.
        """
        import pandas as pd

        self._check_name(name, "table")
        folder = self.output_dir / "tables"
        caption = self.caption(caption)
        if isinstance(table, pd.DataFrame):
            csv_text = table.to_csv(index=index, float_format=float_format, lineterminator="\n")
            frame = display_frame(table, self.language)
            shown = readable_frame(table, frame)

            def styled(escape: str) -> Any:
                # Headers and cells are display text ("95% CI, low", "pop_registered",
                # "<0.001"): escape both, or LaTeX breaks on % and _ and HTML on <.
                out = shown.style.format(na_rep="", escape=escape)
                out = out if index else out.hide(axis="index")
                return out.format_index(escape=escape, axis="columns")

            latex_text = styled("latex").to_latex(hrules=True, caption=None)
            # "<0.001" in a cell: "<" is not a text character of LaTeX's default font encoding.
            latex_text = _LATEX_LESS.sub(r"$<$\1", latex_text)
            html_text = styled("html").set_uuid(name).to_html()
            frame = shown
        else:
            frame = None
            csv_text, latex_text, html_text = table.to_csv(), table.to_latex(), table.to_html()
        files = []
        for suffix, text in (("csv", csv_text), ("tex", latex_text), ("html", html_text)):
            path = folder / f"{name}.{suffix}"
            atomic_write(path, partial(Path.write_text, data=text, encoding="utf-8"))
            files.append(path)
        if show:
            try:
                from IPython.display import HTML, display

                display(HTML(html_text) if frame is None else frame)
            except ImportError:
                pass
        return self._record("table", name, files, caption)

    def verdict(self, verdict: Any, *, caption: str | None = None) -> dict[str, Any]:
        """Publish the chapter's machine-readable verdicts beside its tables.

        The file is ``verdict_<chapter>.json``: the chapters' tables share one folder per run.

        Parameters
        ----------
        verdict : ChapterVerdict
            :class:`inertia.chapters.verdicts.ChapterVerdict` (or a dict of the same shape).
        caption : str, optional

        Returns
        -------
        dict
            The provenance record (kind ``verdict``, listed in the manifest).
        """
        payload = verdict.to_dict() if hasattr(verdict, "to_dict") else dict(verdict)
        payload = {**payload, "simulated": self.simulated}
        # One file per chapter: the chapters' tables share one folder per run.
        name = f"verdict_{payload['chapter']}"
        self._check_name(name, "verdict")
        path = self.output_dir / "tables" / f"{name}.json"
        body = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        atomic_write(path, lambda tmp: tmp.write_text(body, encoding="utf-8"))
        text = caption or "Machine-readable verdicts of the chapter's claims."
        return self._record("verdict", name, [path], self.caption(text))

    def data(self, frame: pd.DataFrame, name: str) -> Path:
        """Write a data artefact for later notebooks as Parquet, atomically."""
        path = self.processed_dir / f"{name}.parquet"
        atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
        self._record("data", name, [path], f"Data artefact {path.name}")
        return path

    def text(self, name: str, payload: dict[str, Any]) -> Path:
        """Write a small JSON artefact (e.g. true parameters) for later notebooks."""
        path = self.processed_dir / f"{name}.json"
        body = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        atomic_write(path, lambda tmp: tmp.write_text(body, encoding="utf-8"))
        self._record("data", name, [path], f"Data artefact {path.name}")
        return path


def display_frame(frame: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """``frame`` as a table shows it: column headers (and index names) in ``language``.

    Only the labels change, and the codes of a ``cluster`` column (``yrd`` ->
    YRD / 长三角); the CSV export keeps the frame as it is. A column that is a
    canonical panel variable is headed by its name and its unit,
    ``Local general budget revenue (10k yuan)`` (:func:`variable_header`). Two
    columns that would get the same header keep their machine names, so no
    column is hidden.

    Parameters
    ----------
    frame : DataFrame
        The table with machine column names.
    language : {"en", "zh"}
        Language of the headers.

    Returns
    -------
    DataFrame
        A relabelled copy; the values are those of ``frame``.
    """
    labels.check_language(language)

    def header(column: Any) -> Any:
        if not isinstance(column, str):
            return column
        return variable_header(column, language) or labels.column_header(column, language)

    shown = frame.copy()
    if "cluster" in shown.columns and shown.columns.is_unique:
        shown["cluster"] = [
            labels.cluster_label(c, language) if _is_cluster(c) else c for c in shown["cluster"]
        ]
    if shown.columns.nlevels > 1:
        shown = shown.rename(columns=header)
    else:
        headers = [header(c) for c in shown.columns]
        # Two columns with one header (e.g. "p_value" and "pvalue") keep their own names.
        shown.columns = [
            h if headers.count(h) == 1 or not frame.columns.is_unique else c
            for h, c in zip(headers, frame.columns, strict=True)
        ]
    return shown.rename_axis(index=[header(n) for n in shown.index.names])


def variable_header(column: str, language: str = "en") -> str | None:
    """The header of a canonical panel variable's column, with its unit.

    Parameters
    ----------
    column : str
        A column name.
    language : {"en", "zh"}
        Language of the header.

    Returns
    -------
    str or None
        ``"Local general budget revenue (10k yuan)"`` / ``"地方一般公共预算收入（万元）"``
        for a variable of ``data/reference/variables.csv``; None for any other column.
    """
    from inertia.data import reference

    table = reference.variables()
    if column not in table.index:
        return None
    name = labels.variable_name(column, language)
    if language == "zh":
        return f"{name}（{table.at[column, 'unit']}）"
    return f"{name[:1].upper()}{name[1:]} ({table.at[column, 'unit_en']})"


def readable_frame(frame: pd.DataFrame, shown: pd.DataFrame | None = None) -> pd.DataFrame:
    """``frame``'s cells as display text, each column by its :mod:`inertia.formatting` rule.

    Parameters
    ----------
    frame : DataFrame
        The table with its machine column names (they decide each column's kind).
    shown : DataFrame, optional
        The same table with display headers and labels (:func:`display_frame`);
        default ``frame``. Its headers and index are kept.

    Returns
    -------
    DataFrame
        Strings (empty for a missing value), the headers of ``shown``.
    """
    from inertia.formatting import column_formatter

    shown = frame if shown is None else shown
    out = shown.copy()
    for position, name in enumerate(frame.columns):
        rule = column_formatter(name, frame.iloc[:, position])
        out.isetitem(position, [rule(v) for v in shown.iloc[:, position]])
    return out


def _is_cluster(value: Any) -> bool:
    from inertia.data.reference import CLUSTER_NAMES

    return isinstance(value, str) and value in CLUSTER_NAMES



#: A table cell that is a bound, ``<0.001`` (:func:`inertia.formatting.column_formatter`).
_LATEX_LESS = re.compile(r"(?<=[\s&])<(\d)")
