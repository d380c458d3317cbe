"""Regression tables in the form social scientists expect, exported with great-tables.

One column per model; for each term the coefficient with significance stars
and, underneath, its standard error in parentheses; then the rows
Observations, Cities, Within R², City FE (Yes/No) and Year FE (Yes/No). The
standard-error type(s) and the star legend go in a note under the table.

Exports are deterministic: the HTML carries a fixed element id (great-tables
otherwise draws a random one), so that snapshot tests and ``git diff`` only
change when the content or the format does.

The LaTeX needs ``\\usepackage{booktabs}`` and, when the table has a title,
``\\usepackage{caption}`` (great-tables writes ``\\caption*``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from inertia.errors import ParameterError
from inertia.formatting import count as _count
from inertia.formatting import number as _number
from inertia.results import EstimationResults
from inertia.viz import labels as phrasebook

STAT_ROWS = ("observations", "cities", "within_r2", "city_fe", "year_fe")


@dataclass
class _Summary:
    tidy: pd.DataFrame
    nobs: int | None
    n_entities: int | None
    r2_within: float | None
    entity_effects: bool
    time_effects: bool
    se_type: str


@runtime_checkable
class PanelTableFit(EstimationResults, Protocol):
    """A fit that fills a column: the results protocol and the table's statistics rows.

    :class:`~inertia.models.panel.PanelFit` is one.
    """

    n_entities: int
    r2_within: float
    entity_effects: bool
    time_effects: bool
    se_type: str


@runtime_checkable
class WrapsPanelTableFit(Protocol):
    """A result that carries its regression as ``fit`` (DynamicFit, MundlakTest)."""

    @property
    def fit(self) -> PanelTableFit:
        """The regression behind the result."""
        ...


def _summarise(model: object) -> _Summary:
    """Common view of a :class:`PanelTableFit`, a result wrapping one, or a linearmodels result."""
    if isinstance(model, WrapsPanelTableFit):
        model = model.fit
    if isinstance(model, PanelTableFit):
        return _Summary(
            tidy=model.tidy().set_index("term"),
            nobs=model.nobs,
            n_entities=model.n_entities,
            r2_within=model.r2_within,
            entity_effects=model.entity_effects,
            time_effects=model.time_effects,
            se_type=model.se_type,
        )
    # A linearmodels results object: the protocol's estimates, under linearmodels' names.
    if not all(hasattr(model, name) for name in ("params", "std_errors", "pvalues", "nobs")):
        raise ParameterError(
            f"regression_table: cannot read a {type(model).__name__}; pass a PanelFit "
            "(inertia.models.panel) or a linearmodels results object."
        )
    lm: Any = model
    tidy = pd.DataFrame(
        {"coef": lm.params, "se": lm.std_errors, "p": lm.pvalues},
    )
    effects = [str(e).lower() for e in getattr(lm, "included_effects", [])]
    entity_info = getattr(lm, "entity_info", None)
    r2 = getattr(lm, "rsquared_within", None)
    return _Summary(
        tidy=tidy,
        nobs=int(lm.nobs),
        n_entities=int(entity_info["total"]) if entity_info is not None else None,
        r2_within=float(r2) if r2 is not None else None,
        entity_effects="entity" in effects,
        time_effects="time" in effects,
        se_type=str(getattr(lm, "cov_type", "")),
    )


def significance_stars(p: float, stars: Sequence[float] = (0.1, 0.05, 0.01)) -> str:
    """One star per threshold in ``stars`` that ``p`` is below (strictly)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    return "*" * sum(p < threshold for threshold in stars)


@dataclass
class RegressionTable:
    """A formatted regression table.

    Attributes
    ----------
    frame : DataFrame
        Display cells as strings: column ``term`` (row label; empty under a
        coefficient, where the SE row is) and one column per model.
    notes : list of str
        Lines of the note: the SE types and the star legend, then user notes.
    title : str or None
        Table title.
    table_id : str
        Fixed HTML element id.
    """

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    title: str | None = None
    table_id: str = "regression-table"

    def gt(self, *, styled: bool = True) -> Any:
        """The great-tables ``GT`` object (for further styling).

        ``styled=False`` leaves out the HTML-only rule above the statistics
        (great-tables does not support styles in LaTeX).
        """
        from great_tables import GT, loc, style

        models = [c for c in self.frame.columns if c != "term"]
        table = (
            GT(self.frame, id=self.table_id)
            .cols_label(term="")
            .cols_align("left", columns="term")
            .cols_align("center", columns=models)
        )
        first_stat = self._first_stat_row()
        if styled and first_stat is not None:
            table = table.tab_style(
                style=style.borders(sides="top", color="#666666", weight="1px"),
                locations=loc.body(rows=[first_stat]),
            )
        if self.title:
            table = table.tab_header(title=self.title)
        for note in self.notes:
            table = table.tab_source_note(note)
        return table

    def _first_stat_row(self) -> int | None:
        labels = list(self.frame["term"])
        for key in STAT_ROWS:
            for language in phrasebook.LANGUAGES:
                label = phrasebook.text(key, language)
                if label in labels:
                    return labels.index(label)
        return None

    def to_latex(self) -> str:
        """LaTeX (booktabs) with a rule between the coefficients and the statistics."""
        latex = self.gt(styled=False).as_latex()
        first_stat = self._first_stat_row()
        if first_stat is not None:
            label = self.frame["term"].iloc[first_stat]
            marker = f"\n{label} & "
            latex = latex.replace(marker, f"\n\\midrule\n{label} & ", 1)
        return latex.replace("R²", "$R^{2}$")

    def to_html(self) -> str:
        """HTML fragment (``<div id=table_id>`` with scoped CSS)."""
        return self.gt().as_raw_html()

    def to_csv(self, path: str | Path | None = None) -> str:
        """CSV of :attr:`frame`; written to ``path`` if given. Returns the text."""
        buffer = io.StringIO()
        self.frame.to_csv(buffer, index=False, lineterminator="\n")
        text = buffer.getvalue()
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text


def regression_table(
    models: Mapping[str, PanelTableFit | WrapsPanelTableFit | object],
    terms: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    stars: Sequence[float] = (0.1, 0.05, 0.01),
    *,
    digits: int = 3,
    title: str | None = None,
    notes: Sequence[str] = (),
    table_id: str = "regression-table",
    language: str = "en",
) -> RegressionTable:
    """Side-by-side regression table.

    Parameters
    ----------
    models : mapping of str to fitted model
        Column header -> :class:`PanelTableFit` (an
        :class:`inertia.results.EstimationResults` with the statistics rows, such
        as :class:`~inertia.models.panel.PanelFit`), an object with one as
        ``.fit``, or a linearmodels results object, in column order.
    terms : sequence of str, optional
        Terms to show, in order. Default: every term of every model in order
        of first appearance, with the constant last.
    labels : mapping of str to str, optional
        Display label per term (default: the term itself).
    stars : sequence of float
        p-value thresholds; a coefficient gets one star per threshold its
        p-value is below. The default gives * p<0.1, ** p<0.05, *** p<0.01.
    digits : int
        Decimals of coefficients, SEs and R².
    title : str, optional
        Title above the table.
    notes : sequence of str
        Extra note lines (e.g. "Simulated replication data.").
    table_id : str
        Fixed HTML id, so that the HTML is deterministic.
    language : {"en", "zh"}
        Language of the statistics rows, the SE note and the model headers
        (:func:`inertia.viz.labels.column_header`; term labels come from
        ``labels``).

    Returns
    -------
    RegressionTable
    """
    if not models:
        raise ParameterError("regression_table needs at least one model.")
    thresholds = sorted(stars, reverse=True)
    if any(not 0 < s < 1 for s in thresholds):
        raise ParameterError(f"Star thresholds must be between 0 and 1; got {list(stars)}.")
    phrasebook.check_language(language)

    def say(key: str, **values: object) -> str:
        return phrasebook.text(key, language, **values)

    headers = {name: phrasebook.column_header(name, language) for name in models}
    if len(set(headers.values())) < len(headers):  # two models, one header: keep the names
        headers = {name: name for name in models}
    summaries = {headers[name]: _summarise(model) for name, model in models.items()}
    labels = dict(labels or {})
    if terms is None:
        seen: dict[str, None] = {}
        for summary in summaries.values():
            seen.update(dict.fromkeys(str(t) for t in summary.tidy.index))
        ordered = [t for t in seen if t != "const"] + (["const"] if "const" in seen else [])
        labels.setdefault("const", say("constant"))
    else:
        ordered = list(terms)
        unknown = [t for t in ordered if not any(t in s.tidy.index for s in summaries.values())]
        if unknown:
            raise ParameterError(f"regression_table: no model has the term(s) {unknown}.")

    rows: list[dict[str, str]] = []
    for term in ordered:
        coef_row = {"term": labels.get(term, term)}
        se_row = {"term": ""}
        for name, summary in summaries.items():
            if term in summary.tidy.index:
                entry = summary.tidy.loc[term]
                coef_row[name] = _number(entry["coef"], digits) + significance_stars(
                    float(entry["p"]), thresholds
                )
                se_row[name] = f"({_number(entry['se'], digits)})"
            else:
                coef_row[name] = se_row[name] = ""
        rows += [coef_row, se_row]

    def stat(getter: Any) -> dict[str, str]:
        return {name: getter(summary) for name, summary in summaries.items()}

    def yes_no(flag: bool) -> str:
        return say("yes") if flag else say("no")

    rows.append({"term": say("observations"), **stat(lambda s: _count(s.nobs))})
    rows.append({"term": say("cities"), **stat(lambda s: _count(s.n_entities))})
    rows.append(
        {
            "term": say("within_r2"),
            **stat(lambda s: "" if s.r2_within is None else _number(s.r2_within, digits)),
        }
    )
    rows.append({"term": say("city_fe"), **stat(lambda s: yes_no(s.entity_effects))})
    rows.append({"term": say("year_fe"), **stat(lambda s: yes_no(s.time_effects))})
    frame = pd.DataFrame(rows, columns=["term", *summaries])

    models_by_se: dict[str, list[str]] = {}
    for name, summary in summaries.items():
        models_by_se.setdefault(summary.se_type, []).append(name)
    if len(models_by_se) == 1:
        se_note = say("se_note", kind=next(iter(models_by_se)))
    else:
        parts = [
            say("se_note_part", kind=kind, models=", ".join(names))
            for kind, names in models_by_se.items()
        ]
        se_note = say("se_note_mixed", parts="; ".join(parts))
    star_note = ", ".join(
        f"{'*' * (k + 1)} p<{threshold:g}" for k, threshold in enumerate(thresholds)
    )
    return RegressionTable(
        frame=frame,
        notes=[se_note, star_note, *notes],
        title=title,
        table_id=table_id,
    )
