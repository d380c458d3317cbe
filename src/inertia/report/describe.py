"""Descriptive tables and sentences for notebook ``01_data``.

The sentences are built from the numbers, so a notebook's narrative always
says what its results say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from inertia.data import reference
from inertia.data.schema import KEY


@dataclass(frozen=True)
class PanelSummary:
    """Size of the panel."""

    source_label: str
    n_cities: int
    n_years: int
    first_year: int
    last_year: int
    n_rows: int
    missing_share: float
    clusters: dict[str, int]


def panel_summary(bundle: Any) -> PanelSummary:
    """Counts of cities, years and missing cells of a :class:`~inertia.data.sources.PanelBundle`."""
    panel = bundle.panel
    values = panel.drop(columns=KEY)
    clusters = bundle.roster.loc[bundle.roster.index.isin(panel["code"]), "cluster"]
    counts = clusters.fillna("other").value_counts()  # "other": outside the three clusters
    return PanelSummary(
        source_label=bundle.label,
        n_cities=int(panel["code"].nunique()),
        n_years=int(panel["year"].nunique()),
        first_year=int(panel["year"].min()),
        last_year=int(panel["year"].max()),
        n_rows=len(panel),
        missing_share=float(values.isna().to_numpy().mean()),
        clusters={
            str(k): int(v)
            for k, v in sorted(counts.items(), key=lambda kv: (kv[0] == "other", kv[0]))
        },
    )


def panel_sentence(summary: PanelSummary) -> str:
    """The panel's size and its cities per cluster, in a sentence."""
    clusters = ", ".join(
        f"{n} outside the clusters" if code == "other" else f"{n} in {code.upper()}"
        for code, n in summary.clusters.items()
    )
    return (
        f"The {summary.source_label} has **{summary.n_rows:,} city-years**: "
        f"{summary.n_cities} cities ({clusters}) observed in {summary.n_years} years from "
        f"{summary.first_year} to {summary.last_year}. "
        f"**{summary.missing_share:.1%}** of the variable cells are missing."
    )


def coverage_by_variable(coverage: pd.DataFrame) -> pd.DataFrame:
    """Share of city-years present per variable (rows) and cluster (columns)."""
    table = coverage.groupby(["variable", "cluster"])[["n_present", "n_cities"]].sum()
    share = (table["n_present"] / table["n_cities"]).unstack("cluster")
    overall = coverage.groupby("variable")[["n_present", "n_cities"]].sum()
    share["all"] = overall["n_present"] / overall["n_cities"]
    order = [v for v in reference.variables().index if v in share.index]
    return share.loc[order].reset_index()


def descriptive_statistics(panel: pd.DataFrame) -> pd.DataFrame:
    """N, mean, SD, min, median and max of each variable, with its unit."""
    units = reference.variables()["unit_en"]
    values = panel.drop(columns=KEY)
    table = pd.DataFrame(
        {
            "variable": values.columns,
            "unit": [units.get(c, "") for c in values.columns],
            "n": values.count().to_numpy(),
            "mean": values.mean().to_numpy(),
            "sd": values.std(ddof=1).to_numpy(),
            "min": values.min().to_numpy(),
            "median": values.median().to_numpy(),
            "max": values.max().to_numpy(),
        }
    )
    return table


def last_year_per_person(panel: pd.DataFrame, variable: str, *, scale: float = 1.0) -> pd.Series:
    """``variable`` per registered person in the last year with data, indexed by code.

    The resident population stands in where the registered one is missing;
    ``scale`` converts units (1e4 turns 亿元 per 万人 into yuan per person).
    """
    population = panel["pop_registered"].fillna(panel["pop_resident"])
    per_person = (panel[variable] / population * scale).rename(variable)
    frame = panel[KEY].assign(value=per_person).dropna()
    last = frame[frame["year"] == frame["year"].max()]
    return last.set_index("code")["value"]


def quality_counts(quality: pd.DataFrame) -> pd.DataFrame:
    """Number of flagged items per kind (rows) and data year (columns)."""
    table = quality.groupby(["kind", "year"]).size().unstack("year", fill_value=0)
    table.columns = [str(c) for c in table.columns]
    table["total"] = table.sum(axis=1)
    return table.sort_values("total", ascending=False).reset_index()


def quality_sentence(counts: pd.DataFrame) -> str:
    """What the importer flagged (:func:`quality_counts`), in a sentence."""
    parts = [f"{int(row.total)} × {row.kind.replace('_', ' ')}" for row in counts.itertuples()]
    return "The importer flagged " + ", ".join(parts) + ". No flagged value was changed."


def truth_table(truth: dict[str, Any]) -> pd.DataFrame:
    """The true value of every chapter's estimand, one row each (docs/simulation.md, section 5).

    Parameters
    ----------
    truth : dict
        ``SimulatedPanel.truth``.

    Returns
    -------
    DataFrame
        ``chapter``, ``estimand``, ``true value``.
    """
    estimands = truth["estimands"]
    rows = [
        ("03 inertia", f"delivered share, {scope}", value)
        for scope, value in estimands["inertia"]["delivered_share"].items()
    ]
    rows += [
        ("04 role deviation", f"effect of {name} on the shortfall growth", value)
        for name, value in estimands["roles"]["effect_on_shortfall_growth"].items()
    ]
    chain = estimands["chain"]
    rows += [
        ("05 chain", name.replace("_", " "), value)
        for name, value in chain.items()
        if isinstance(value, int | float)
    ]
    rows += [
        ("05 chain", f"indirect: {name.replace('_', ' ')}", value)
        for name, value in chain["indirect"].items()
    ]
    rows += [
        ("measurement", f"within-city reliability of {name}", item["reliability_within"])
        for name, item in truth["measurement"].items()
    ]
    table = pd.DataFrame(rows, columns=["chapter", "estimand", "true value"])
    table["true value"] = pd.to_numeric(table["true value"], errors="coerce")
    return table.dropna().reset_index(drop=True)


def missing_sentence(panel: pd.DataFrame) -> str:
    """The simulated panel's share of missing cells and its emptiest variable, in a sentence."""
    values = panel.drop(columns=KEY)
    share = float(np.isnan(values.to_numpy(dtype=float)).mean())
    worst = values.isna().mean().sort_values(ascending=False)
    return (
        f"Like a yearbook, the simulated panel has gaps: {share:.1%} of cells are missing, "
        f"most in `{worst.index[0]}` ({worst.iloc[0]:.1%})."
    )
