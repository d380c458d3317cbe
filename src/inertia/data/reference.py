"""Committed reference facts: the city roster, milestones, plan horizons and targets, variables.

Each table lives in ``data/reference/`` as CSV with a ``source`` column; see
``data/README.md`` for the citations.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from inertia.paths import reference_dir

CLUSTERS: tuple[str, ...] = ("jjj", "yrd", "prd")
CLUSTER_NAMES = {
    "jjj": ("Beijing-Tianjin-Hebei", "京津冀"),
    "yrd": ("Yangtze River Delta", "长三角"),
    "prd": ("Pearl River Delta", "珠三角"),
}


@cache
def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(reference_dir() / name, dtype={"code": "int64"}, keep_default_na=True)


def cities() -> pd.DataFrame:
    """The 63-city roster, indexed by GB/T 2260 six-digit ``code``.

    Columns: ``name_zh``, ``name_en``, ``province``, ``cluster``,
    ``yrd_central`` (bool, YRD only), ``yrd_council_joined`` (year, YRD only).
    """
    roster = _read("cities.csv").copy()
    roster["yrd_central"] = roster["yrd_central"].fillna(0).astype(bool)
    roster["yrd_council_joined"] = roster["yrd_council_joined"].astype("Int64")
    return roster.set_index("code")


def milestones() -> pd.DataFrame:
    """Dated integration milestones per cluster (``date`` parsed)."""
    table = _read("milestones.csv").copy()
    table["date"] = pd.to_datetime(table["date"])
    return table


def plan_horizons() -> pd.DataFrame:
    """Milestone year, interim year and plan horizon per cluster, indexed by cluster."""
    return _read("plan_horizons.csv").set_index("cluster")


def variables() -> pd.DataFrame:
    """Canonical panel variables with units and plausible ranges, indexed by name."""
    return _read("variables.csv").set_index("variable")


def plan_targets() -> pd.DataFrame:
    """What each cluster's plan committed for public services, indexed by cluster.

    Columns: ``horizon_year`` (the year the commitment is due),
    ``residual_gap_share`` (the share of each city's milestone-year gap to the
    cluster's best performer that the commitment tolerates at the horizon),
    ``commitment_zh`` and ``commitment_en`` (the plan's wording),
    ``operationalisation`` and ``source``. The plans state their goals in
    words; the numeric reading is this study's and is overridable by the
    ``plan_residual_gap`` parameter (docs/simulation.md, section 3).
    """
    return _read("plan_targets.csv").set_index("cluster")
