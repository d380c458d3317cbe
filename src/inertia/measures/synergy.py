r"""Actual and expected synergy, the inertia gap and the city shortfall (chapter 3).

The chain, for cluster :math:`c`, city :math:`i` and year :math:`t`:

1. **Actual synergy** :math:`S_{ct}` (:func:`actual_synergy`) from the
   public-service index PS_it of the cluster's cities, by one of the
   measures of :data:`inertia.synergy_measures.SYNERGY_REGISTRY`, whose
   functions are defined here.
2. **Expected synergy** :math:`E_{ct}` (:func:`expected_synergy`): what the
   cooperation commitments imply from the cluster's milestone year
   :math:`m_c` to its plan horizon :math:`h_c` (``target_rule="plan"``), or
   what closing every gap to the cluster's best performer at the best
   historical speed would give (``target_rule="frontier"``).
3. **Inertia** (:func:`inertia_gap`): :math:`I_{ct} = E_{ct} - S_{ct}` and the
   synergy efficiency :math:`(S_{ct} - S_{cm})/(E_{ct} - S_{cm})`.
4. **City shortfall** :math:`y_{it}` (:func:`city_shortfall`): how far city
   :math:`i` falls short of its planned convergence path; the dependent
   variable of chapter 4.

:func:`measure_inertia` runs the chain and bundles the tables in an
:class:`InertiaResult`. Milestone years and horizons come from
``data/reference/plan_horizons.csv`` and can be overridden per cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from inertia.data import reference
from inertia.errors import DataError, ParameterError
from inertia.measures.coupling import coupling_coordination, synergy_degree
from inertia.measures.inequality import coefficient_of_variation, dagum_gini, theil
from inertia.measures.public_service import (
    DOMAINS,
    PublicServiceIndex,
    cluster_of,
    public_service_index,
)
from inertia.options import IndexMethod, TargetRule
from inertia.synergy_measures import measure_spec, resolve, synergy_measures

__all__ = [
    "InertiaResult",
    "actual_synergy",
    "city_gap",
    "city_shortfall",
    "composite_base_state",
    "composite_synergy",
    "coupling_synergy",
    "cv_synergy",
    "cv_synergy_rows",
    "expected_synergy",
    "gini_synergy",
    "gini_synergy_rows",
    "historical_convergence_speed",
    "inequality_decomposition",
    "inertia_gap",
    "measure_inertia",
    "plan_schedule",
    "plans_table",
    "theil_synergy",
    "theil_synergy_rows",
]

#: Relative tolerance under which E - S_m counts as zero in the efficiency ratio.
EFFICIENCY_TOLERANCE = 1e-9


# --------------------------------------------------------------------------- inputs


def _city_frame(
    index: PublicServiceIndex | pd.Series, roster: pd.DataFrame | pd.Series | None
) -> pd.DataFrame:
    """City-year frame with ``cluster``, ``ps`` and (if known) the domain scores.

    ``index`` is a :class:`PublicServiceIndex` or a bare Series of PS keyed by
    (code, year); ``roster`` overrides the index's own cluster mapping.
    """
    if isinstance(index, PublicServiceIndex):
        frame = pd.concat([index.scores.rename("ps"), index.domain_scores], axis=1)
        clusters = index.cluster
    elif isinstance(index, pd.Series):
        frame = index.rename("ps").to_frame()
        clusters = None
    else:
        raise ParameterError(
            "Expected a PublicServiceIndex or a Series of PS keyed by (code, year); "
            f"got {type(index).__name__}."
        )
    if list(frame.index.names) != ["code", "year"]:
        raise ParameterError(
            f"The public-service scores must be indexed by (code, year); got {frame.index.names}."
        )
    if roster is not None or clusters is None:
        mapping = cluster_of(roster)
        codes = frame.index.get_level_values("code")
        unknown = sorted(set(codes) - set(mapping.index))
        if unknown:
            raise DataError(
                f"City codes {unknown[:10]} (of {len(unknown)}) are not on the roster, "
                "so their cluster is unknown."
            )
        clusters = pd.Series(mapping.reindex(codes).to_numpy(), index=frame.index)
    frame.insert(0, "cluster", clusters.reindex(frame.index).to_numpy())
    return frame.dropna(subset=["ps"]).sort_index()


def plan_schedule(
    clusters: list[str] | tuple[str, ...] | None = None,
    *,
    milestones: Mapping[str, int] | None = None,
    horizons: Mapping[str, int] | None = None,
    horizon: Literal["target", "final", "interim"] = "target",
) -> pd.DataFrame:
    """Milestone year and plan horizon of each cluster.

    Parameters
    ----------
    clusters : list of str, optional
        Clusters to return (default: all in ``plan_horizons.csv``).
    milestones : mapping cluster -> year, optional
        Overrides the ``milestone_year`` of ``plan_horizons.csv``.
    horizons : mapping cluster -> year, optional
        Overrides the horizon year.
    horizon : {"target", "final", "interim"}, default "target"
        Which horizon: ``target`` the year the public-service commitment of
        ``plan_targets.csv`` is due (2030/2025/2035); ``final`` the plan's
        ``horizon_year`` (2030/2035/2035) or ``interim`` its ``interim_year``
        (2020/2025/2022) in ``plan_horizons.csv``.

    Returns
    -------
    DataFrame
        Indexed by ``cluster``, columns ``milestone_year`` and ``horizon_year``.
    """
    if horizon not in ("target", "final", "interim"):
        raise ParameterError(
            f"horizon must be 'target', 'final' or 'interim'; got {horizon!r}."
        )
    table = reference.plan_horizons()
    if horizon == "target":
        due = reference.plan_targets()["horizon_year"].reindex(table.index)
    else:
        due = table["horizon_year" if horizon == "final" else "interim_year"]
    # Float while overrides may add clusters with one year missing; int64 once checked.
    schedule = pd.DataFrame(
        {
            "milestone_year": table["milestone_year"].astype("float64"),
            "horizon_year": due.astype("float64"),
        }
    )
    for name, override in (("milestone_year", milestones), ("horizon_year", horizons)):
        for cluster, year in (override or {}).items():
            if not isinstance(year, int | np.integer) or isinstance(year, bool):
                raise ParameterError(
                    f"The {name} override for cluster {cluster!r} must be an integer year; "
                    f"got {year!r}."
                )
            if cluster not in schedule.index:
                schedule.loc[cluster] = np.nan
            schedule.loc[cluster, name] = float(year)
    if clusters is not None:
        unknown = [c for c in clusters if c not in schedule.index]
        if unknown:
            raise ParameterError(
                f"No milestone or horizon for clusters {unknown}: plan_horizons.csv lists "
                f"{list(table.index)}; pass milestones= and horizons= for the others."
            )
        schedule = schedule.loc[list(clusters)]
    incomplete = schedule.index[schedule.isna().any(axis=1)].tolist()
    if incomplete:
        raise ParameterError(
            f"Clusters {incomplete} need both a milestone year and a horizon year."
        )
    schedule = schedule.astype("int64")
    bad = schedule.index[schedule["horizon_year"] <= schedule["milestone_year"]].tolist()
    if bad:
        raise ParameterError(
            "The plan horizon must come after the milestone year; it does not for "
            + ", ".join(
                f"{c} (milestone {schedule.at[c, 'milestone_year']}, "
                f"horizon {schedule.at[c, 'horizon_year']})"
                for c in bad
            )
            + "."
        )
    schedule.index.name = "cluster"
    return schedule


# --------------------------------------------------------------------------- actual synergy


def plans_table(
    schedule: pd.DataFrame, residual_gap: float | Mapping[str, float] | None = None
) -> pd.DataFrame:
    """The plan table of :func:`inertia.models.delivery.delivered_share`: schedule and targets.

    Parameters
    ----------
    schedule : DataFrame
        Indexed by cluster with ``milestone_year`` and ``horizon_year``.
    residual_gap : float or mapping, optional
        Overrides the ``residual_gap_share`` of ``plan_targets.csv``.

    Returns
    -------
    DataFrame
        ``schedule`` with ``residual_gap_share``.
    """
    targets = reference.plan_targets()
    out = schedule.copy()
    out["residual_gap_share"] = targets["residual_gap_share"].reindex(out.index).to_numpy()
    if residual_gap is not None:
        shares = (
            dict(residual_gap)
            if isinstance(residual_gap, Mapping)
            else dict.fromkeys(out.index, residual_gap)
        )
        for cluster, share in shares.items():
            if not 0.0 <= float(share) < 1.0:
                raise ParameterError(
                    f"plan_residual_gap for {cluster} must be in [0, 1); got {share!r}."
                )
            if cluster in out.index:
                out.loc[cluster, "residual_gap_share"] = float(share)
    missing = out.index[out["residual_gap_share"].isna()].tolist()
    if missing:
        raise ParameterError(
            f"No plan target for clusters {missing} in plan_targets.csv; pass plan_residual_gap."
        )
    return out


# --------------------------------------------------------------------------- the measures
# The functions of the measures of inertia.synergy_measures.SYNERGY_REGISTRY.


def gini_synergy_rows(values: np.ndarray, ddof: int = 0) -> np.ndarray:
    r"""One minus the Gini ratio of each row of ``values``, vectorised over the last axis.

    :math:`S = 1 - G`, :math:`G = \sum_i (2i - n - 1)\, x_{(i)} / (n^2 \mu)` over the
    sorted row :math:`x_{(1)} \le \dots \le x_{(n)}` (Dagum 1997's total within one
    group, without the :math:`n/(n-1)` factor).

    Parameters
    ----------
    values : ndarray
        Non-negative levels, shape ``(..., n_cities)``.
    ddof : int
        Unused (the registry's common signature).

    Returns
    -------
    ndarray
        Shape ``values.shape[:-1]``.
    """
    n = values.shape[-1]
    mean = values.mean(axis=-1)
    ordered = np.sort(values, axis=-1)
    ranks = 2.0 * np.arange(1, n + 1) - n - 1
    return 1.0 - np.sum(ordered * ranks, axis=-1) / (n * n * mean)


def theil_synergy_rows(values: np.ndarray, ddof: int = 0) -> np.ndarray:
    r"""One minus Theil T of each row of ``values``, vectorised over the last axis.

    :math:`S = 1 - \frac1n\sum_i \frac{x_i}{\mu}\ln\frac{x_i}{\mu}`, with
    :math:`0 \ln 0 = 0` (Theil 1967).

    Parameters
    ----------
    values : ndarray
        Non-negative levels, shape ``(..., n_cities)``.
    ddof : int
        Unused (the registry's common signature).

    Returns
    -------
    ndarray
        Shape ``values.shape[:-1]``.
    """
    ratio = values / values.mean(axis=-1)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(ratio > 0, ratio * np.log(np.where(ratio > 0, ratio, 1.0)), 0.0)
    return 1.0 - terms.mean(axis=-1)


def cv_synergy_rows(values: np.ndarray, ddof: int = 0) -> np.ndarray:
    r"""One minus the coefficient of variation of each row, vectorised over the last axis.

    :math:`S = 1 - s/\mu`, with :math:`s` the standard deviation with ``ddof``.

    Parameters
    ----------
    values : ndarray
        Non-negative levels, shape ``(..., n_cities)``.
    ddof : int
        Delta degrees of freedom of the standard deviation (0: the population form).

    Returns
    -------
    ndarray
        Shape ``values.shape[:-1]``.
    """
    return 1.0 - values.std(axis=-1, ddof=ddof) / values.mean(axis=-1)


def gini_synergy(values: np.ndarray, ddof: int = 0) -> float:
    """One minus the Gini ratio of one cross-section: Dagum's total within one group.

    Parameters
    ----------
    values : ndarray
        One cluster-year's levels, 1-d.
    ddof : int
        Unused (the registry's common signature).

    Returns
    -------
    float
        :math:`1 - G` (:func:`~inertia.measures.inequality.dagum_gini`); equals
        :func:`gini_synergy_rows` to rounding.
    """
    # Within one cluster the Dagum total is the ordinary Gini ratio.
    return 1.0 - dagum_gini(values, np.zeros(len(values))).total


def theil_synergy(values: np.ndarray, ddof: int = 0) -> float:
    """One minus Theil T of one cross-section (:func:`~inertia.measures.inequality.theil`).

    Parameters
    ----------
    values : ndarray
        One cluster-year's levels, 1-d.
    ddof : int
        Unused (the registry's common signature).

    Returns
    -------
    float
    """
    return 1.0 - theil(values).total


def cv_synergy(values: np.ndarray, ddof: int = 0) -> float:
    """One minus the coefficient of variation of one cross-section.

    Parameters
    ----------
    values : ndarray
        One cluster-year's levels, 1-d.
    ddof : int
        Delta degrees of freedom of the standard deviation.

    Returns
    -------
    float
        :math:`1 - s/\\mu` (:func:`~inertia.measures.inequality.coefficient_of_variation`).
    """
    return 1.0 - coefficient_of_variation(values, ddof=ddof)


def coupling_synergy(frame: pd.DataFrame, base: Any = None) -> pd.Series:
    r"""Mean coupling coordination degree of the cluster's cities per cluster-year.

    :math:`D = \sqrt{CT}` of each city's six domain subsystems
    (:func:`~inertia.measures.coupling.coupling_coordination`; 廖重斌 1999).

    Parameters
    ----------
    frame : DataFrame
        City-year frame indexed by (code, year) with ``cluster`` and the domain scores.
    base : None
        Unused (the measure is not relative to a base year).

    Returns
    -------
    Series
        S indexed by (cluster, year).
    """
    years = frame.index.get_level_values("year")
    degree = coupling_coordination(frame[list(DOMAINS)])["D"]
    return degree.groupby([frame["cluster"], years]).mean()


def composite_base_state(frame: pd.DataFrame, base_year: int | None = None) -> pd.DataFrame:
    """Each cluster's order degrees in the base year of the composite-system synergy degree.

    Parameters
    ----------
    frame : DataFrame
        City-year frame with ``cluster`` and the domain scores.
    base_year : int, optional
        Default: each cluster's first year.

    Returns
    -------
    DataFrame
        Indexed by cluster, one column per domain.
    """
    return _base_orders(_cluster_domain_means(frame), base_year)


def composite_synergy(frame: pd.DataFrame, base: pd.DataFrame) -> pd.Series:
    r"""Meng & Han (2000) composite-system synergy degree of each cluster-year.

    :math:`SD_{ct} = \theta(\prod_k |u_{ckt} - u_{ck0}|)^{1/6}`, with the order
    degree :math:`u_{ckt}` the mean domain score of the cluster's cities and
    :math:`\theta = +1` only if every domain improved on the base
    (:func:`~inertia.measures.coupling.synergy_degree`).

    Parameters
    ----------
    frame : DataFrame
        City-year frame with ``cluster`` and the domain scores.
    base : DataFrame
        :func:`composite_base_state` (of the actual data, for expected synergy).

    Returns
    -------
    Series
        S indexed by (cluster, year).
    """
    orders = _cluster_domain_means(frame)
    # Each cluster-year row is compared with its own cluster's base-year order degrees.
    base_rows = base.reindex(orders.index.get_level_values("cluster"))
    base_rows.index = orders.index
    return synergy_degree(base_rows, orders)


def _inequality_synergy(frame: pd.DataFrame, measure: str, ddof: int) -> pd.Series:
    """S of ``ps`` per (cluster, year) for a measure of the levels alone."""
    spec = measure_spec(measure)
    if spec.needs_domains:
        raise ParameterError(
            f"The synergy measure {measure!r} needs the six domain scores, not the levels alone."
        )
    levels = spec.cross_section or spec.of_levels
    assert levels is not None, "a measure without domains has of_levels"
    one = resolve(levels)
    years = frame.index.get_level_values("year")
    grouped = frame.groupby([frame["cluster"], years])["ps"]
    sizes = grouped.size()
    synergy = grouped.agg(
        lambda values: float(one(values.to_numpy(), ddof)) if len(values) >= 2 else np.nan
    )
    return synergy.where(sizes >= 2)


def _require_domains(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The six domain-score columns, or an explanatory error when they are absent."""
    if not set(DOMAINS) <= set(frame.columns):
        raise ParameterError(
            f"The {measure} measure needs the six domain scores; pass a "
            "PublicServiceIndex rather than a bare Series of PS."
        )
    return frame[list(DOMAINS)]


def _cluster_domain_means(frame: pd.DataFrame) -> pd.DataFrame:
    """Cluster-year means of the domain scores: the Meng-Han subsystem order degrees."""
    _require_domains(frame, "synergy_degree")
    years = frame.index.get_level_values("year")
    return frame.groupby([frame["cluster"], years])[list(DOMAINS)].mean()


def _synergy_table(
    frame: pd.DataFrame,
    measure: str,
    *,
    ddof: int = 0,
    base_year: int | None = None,
    base_state: Any = None,
) -> pd.DataFrame:
    """S per (cluster, year) of a city-year frame; see :func:`actual_synergy`."""
    spec = measure_spec(measure)
    years = frame.index.get_level_values("year")
    n_cities = frame.groupby([frame["cluster"], years]).size().rename("n")
    if not spec.needs_domains:
        synergy = _inequality_synergy(frame, measure, ddof)
    else:
        _require_domains(frame, measure)
        if base_state is None and spec.base_state is not None:
            base_state = resolve(spec.base_state)(frame, base_year)
        assert spec.of_domains is not None, "a domain measure has of_domains"
        synergy = resolve(spec.of_domains)(frame, base_state)
    table = pd.concat([synergy.rename("S"), n_cities], axis=1)
    table.index.names = ["cluster", "year"]
    return table.reset_index()


def _base_orders(orders: pd.DataFrame, base_year: int | None) -> pd.DataFrame:
    """Base-year cluster order degrees (default: each cluster's first year)."""
    years = orders.index.get_level_values("year")
    if base_year is None:
        first = orders.reset_index().groupby("cluster")["year"].min()
    else:
        if base_year not in set(years):
            raise ParameterError(
                f"The synergy-degree base year {base_year} is not in the data "
                f"({years.min()}-{years.max()})."
            )
        clusters = orders.index.get_level_values("cluster").unique()
        first = pd.Series(base_year, index=clusters)
    keys = pd.MultiIndex.from_arrays([first.index, first.to_numpy()], names=["cluster", "year"])
    missing = keys.difference(orders.index)
    if len(missing):
        raise DataError(f"No data in the synergy-degree base year for {list(missing)}.")
    return orders.loc[keys].droplevel("year")


def actual_synergy(
    index: PublicServiceIndex | pd.Series,
    roster: pd.DataFrame | pd.Series | None = None,
    measure: str = "dagum",
    *,
    ddof: int = 0,
    base_year: int | None = None,
) -> pd.DataFrame:
    r"""Actual synergy :math:`S_{ct}` of each cluster-year.

    Measures (``measure``):

    * ``"dagum"``: :math:`1 - G_{ct}`, with :math:`G` the Gini ratio of PS
      across the cluster's cities (Dagum 1997; without the :math:`n/(n-1)`
      factor).
    * ``"theil"``: :math:`1 - T_{ct}`, Theil T of PS (Theil 1967), unweighted.
      Theil is bounded by :math:`\ln n`, not 1, so S may be negative in
      extreme cases.
    * ``"cv"``: :math:`1 - \sigma/\mu` with the standard deviation's ``ddof``
      (default 0, the population form).
    * ``"coupling"``: the mean over the cluster's cities of the coupling
      coordination degree :math:`D = \sqrt{CT}` of the six domain subsystems,
      with the standard :math:`n`-subsystem
      :math:`C = n(\prod U_k)^{1/n}/\sum U_k` (廖重斌 1999; 王淑佳 et al. 2021).
    * ``"synergy_degree"``: the Meng & Han (2000) composite-system synergy
      degree of the cluster, whose six subsystems are the domains with order
      degree :math:`u_{ckt}` = mean domain score of the cluster's cities;
      :math:`SD_{ct} = \theta(\prod_k |u_{ckt} - u_{ck0}|)^{1/6}` relative to the
      base year 0, :math:`\theta = +1` only if every domain improved. It is 0
      in the base year by construction.

    The first three are :math:`1 - ` inequality, so 1 is full equalisation.
    Cluster-years with fewer than two cities have S = NaN for them. The
    measures and their functions are registered in
    :data:`inertia.synergy_measures.SYNERGY_REGISTRY`, and any measure
    registered there is accepted.

    Parameters
    ----------
    index : PublicServiceIndex or Series
        PS (and the domain scores, needed by ``coupling`` and ``synergy_degree``).
    roster : DataFrame or Series, optional
        Code -> cluster; default the index's own mapping (a bare Series needs one,
        else the reference roster is used).
    measure : str
        A registered measure: ``"dagum"``, ``"theil"``, ``"cv"``, ``"coupling"``,
        ``"synergy_degree"`` or one added to the registry.
    ddof : int, default 0
        Delta degrees of freedom of the CV.
    base_year : int, optional
        Base year of ``synergy_degree`` (default: each cluster's first year).

    Returns
    -------
    DataFrame
        Columns ``cluster``, ``year``, ``S`` and ``n`` (cities), with
        ``attrs["measure"]``.
    """
    frame = _city_frame(index, roster)
    table = _synergy_table(frame, measure, ddof=ddof, base_year=base_year)
    table.attrs.update(measure=measure, ddof=ddof, base_year=base_year)
    return table


def inequality_decomposition(
    index: PublicServiceIndex | pd.Series, roster: pd.DataFrame | pd.Series | None = None
) -> pd.DataFrame:
    r"""Dagum-Gini and Theil decompositions of PS across clusters, per year.

    For each year, all cities of the selected clusters form one sample, grouped by
    cluster. Dagum (1997): :math:`G = G_w + G_{nb} + G_t` (within,
    net between, transvariation). Theil (Shorrocks 1980):
    :math:`T = T_w + T_b`.

    Parameters
    ----------
    index : PublicServiceIndex or Series
        PS keyed by (``code``, ``year``).
    roster : DataFrame or Series, optional
        Code -> cluster; default the index's own mapping (a bare Series needs one,
        else the reference roster is used).

    Returns
    -------
    DataFrame
        Indexed by ``year``: ``gini``, ``gini_within``, ``gini_between_net``,
        ``gini_transvariation``, their shares of ``gini`` (``*_share``),
        ``theil``, ``theil_within``, ``theil_between``, ``theil_between_share``,
        and ``n`` (cities).
    """
    frame = _city_frame(index, roster)
    rows = []
    for year, group in frame.groupby(level="year"):
        gini = dagum_gini(group["ps"].to_numpy(), group["cluster"].to_numpy())
        entropy = theil(group["ps"].to_numpy(), group["cluster"].to_numpy())
        rows.append(
            {
                "year": year,
                "gini": gini.total,
                "gini_within": gini.within,
                "gini_between_net": gini.between_net,
                "gini_transvariation": gini.transvariation,
                "theil": entropy.total,
                "theil_within": entropy.within,
                "theil_between": entropy.between,
                "n": len(group),
            }
        )
    table = pd.DataFrame(rows).set_index("year")
    for part in ("within", "between_net", "transvariation"):
        table[f"gini_{part}_share"] = table[f"gini_{part}"] / table["gini"]
    table["theil_between_share"] = table["theil_between"] / table["theil"]
    return table


# --------------------------------------------------------------------------- expected synergy


def _attach_schedule(table: pd.DataFrame, schedule: pd.DataFrame) -> pd.DataFrame:
    """Add milestone_year, horizon_year, event_time and post to a table with cluster, year."""
    known = set(schedule.index)
    missing = sorted(set(table["cluster"]) - known)
    if missing:
        raise ParameterError(f"No milestone year for clusters {missing}.")
    out = table.join(schedule, on="cluster")
    out["event_time"] = out["year"] - out["milestone_year"]
    out["post"] = out["event_time"] >= 0
    return out


def _progress(table: pd.DataFrame) -> pd.Series:
    """Share of the plan period elapsed: 0 up to the milestone, 1 from the horizon on."""
    span = table["horizon_year"] - table["milestone_year"]
    return (table["event_time"] / span).clip(lower=0.0, upper=1.0)


def city_gap(
    index: PublicServiceIndex | pd.Series,
    roster: pd.DataFrame | pd.Series | None = None,
    reference_level: Literal["frontier", "mean"] = "frontier",
) -> pd.DataFrame:
    """Each city's gap to its cluster's best performer (or mean) in the same year.

    :math:`g_{it} = R_{ct} - \\ell_{it}` with :math:`\\ell` the index on its gap
    scale (``ln PS`` for the ``geometric`` index, PS otherwise) and
    :math:`R_{ct} = \\max_{j\\in c} \\ell_{jt}` (``"frontier"``) or the cluster
    mean (``"mean"``).

    Parameters
    ----------
    index : PublicServiceIndex or Series
        PS keyed by (``code``, ``year``).
    roster : DataFrame or Series, optional
        Code -> cluster; default the index's own mapping (a bare Series needs one,
        else the reference roster is used).
    reference_level : {"frontier", "mean"}, default "frontier"
        The cluster's best city or its mean.

    Returns
    -------
    DataFrame
        Indexed by (``code``, ``year``): ``cluster``, ``ps``, ``level``,
        ``reference``, ``gap``.
    """
    if reference_level not in ("frontier", "mean"):
        raise ParameterError(f"reference must be 'frontier' or 'mean'; got {reference_level!r}.")
    frame = _city_frame(index, roster)
    log_scale = isinstance(index, PublicServiceIndex) and index.log_scale
    level = np.log(frame["ps"]) if log_scale else frame["ps"]
    years = frame.index.get_level_values("year")
    how = "max" if reference_level == "frontier" else "mean"
    reference = level.groupby([frame["cluster"], years]).transform(how)
    return pd.DataFrame(
        {
            "cluster": frame["cluster"],
            "ps": frame["ps"],
            "level": level,
            "reference": reference,
            "gap": reference - level,
        }
    )


def historical_convergence_speed(
    index: PublicServiceIndex | pd.Series,
    roster: pd.DataFrame | pd.Series | None = None,
    *,
    schedule: pd.DataFrame | None = None,
    min_years: int = 3,
) -> pd.DataFrame:
    r"""Pre-milestone speed at which each cluster's cities closed their gap to the frontier.

    The relative gap of city :math:`i` to its cluster's best performer is
    :math:`q_{it} = 1 - PS_{it}/F_{ct}` with :math:`F_{ct} = \max_{j\in c} PS_{jt}`.
    With :math:`\bar q_{ct}` its mean over the cluster's cities, the speed
    :math:`\lambda_c` is minus the OLS slope of :math:`\ln \bar q_{ct}` on
    :math:`t` over the years before the cluster's milestone: the exponential
    rate of relative gap closure, :math:`\bar q_{ct} \approx \bar q_{c0} e^{-\lambda_c t}`
    (the convergence speed of Barro & Sala-i-Martin 1992, measured on the
    frontier gap). Relative gaps make the speed scale free, like the
    inequality measures. A negative speed means gaps were widening.

    Parameters
    ----------
    index : PublicServiceIndex or Series
        PS keyed by (``code``, ``year``).
    roster : DataFrame or Series, optional
        Code -> cluster; default the index's own mapping (a bare Series needs one,
        else the reference roster is used).
    schedule : DataFrame, optional
        :func:`plan_schedule` (its ``milestone_year``); default the plans' schedule.
    min_years : int, default 3
        Fewest pre-milestone years with a positive mean gap for a speed.

    Returns
    -------
    DataFrame
        Indexed by ``cluster``: ``speed``, ``half_life`` (:math:`\ln 2/\lambda`,
        NaN when :math:`\lambda \le 0`), ``n_years``, ``first_year``, ``last_year``.
        Clusters with fewer than ``min_years`` pre-milestone years have NaN speed.
    """
    frame = _city_frame(index, roster)
    clusters = sorted(frame["cluster"].unique())
    schedule = plan_schedule(clusters) if schedule is None else schedule
    years = frame.index.get_level_values("year")
    frontier = frame.groupby([frame["cluster"], years])["ps"].transform("max")
    relative = (1.0 - frame["ps"] / frontier).rename("gap")
    mean_gap = relative.groupby([frame["cluster"], years]).mean().reset_index()
    mean_gap.columns = ["cluster", "year", "gap"]
    mean_gap = mean_gap.join(schedule["milestone_year"], on="cluster")
    before = mean_gap[(mean_gap["year"] < mean_gap["milestone_year"]) & (mean_gap["gap"] > 0)]
    rows = []
    for cluster in clusters:
        part = before[before["cluster"] == cluster]
        speed = np.nan
        if len(part) >= min_years:
            slope = np.polyfit(part["year"].to_numpy(float), np.log(part["gap"].to_numpy()), 1)[0]
            speed = -float(slope)
        rows.append(
            {
                "cluster": cluster,
                "speed": speed,
                "half_life": np.log(2) / speed if speed > 0 else np.nan,
                "n_years": len(part),
                "first_year": part["year"].min() if len(part) else pd.NA,
                "last_year": part["year"].max() if len(part) else pd.NA,
            }
        )
    return pd.DataFrame(rows).set_index("cluster")


def _frontier_counterfactual(
    frame: pd.DataFrame, schedule: pd.DataFrame, speed: float
) -> pd.DataFrame:
    r"""City-year frame where, from the milestone, relative gaps to the cluster best decay.

    Applied to PS and to each domain score, each against its own cluster-year
    maximum :math:`F_{ct}`: with the relative gap :math:`q_{it} = 1 - x_{it}/F_{ct}`,
    :math:`x^*_{it} = F_{ct}\,[1 - q_{im} e^{-\lambda (t - m)}]` for :math:`t \ge m`,
    the actual value before :math:`m`.
    """
    columns = [c for c in ["ps", *DOMAINS] if c in frame.columns]
    years = pd.Series(frame.index.get_level_values("year"), index=frame.index)
    codes = frame.index.get_level_values("code")
    milestone = frame["cluster"].map(schedule["milestone_year"])
    frontier = frame.groupby([frame["cluster"], years])[columns].transform("max")
    relative = 1.0 - frame[columns] / frontier
    at_milestone = relative[(years == milestone).to_numpy()]
    gap_m = at_milestone.droplevel("year").reindex(codes)
    gap_m.index = frame.index
    elapsed = (years - milestone).to_numpy(float)
    decay = np.exp(-speed * np.clip(elapsed, 0.0, None))
    counterfactual = frontier * (1.0 - gap_m.mul(decay, axis=0))
    post = elapsed >= 0
    out = frame.copy()
    out.loc[post, columns] = counterfactual.loc[post, columns]
    return out.dropna(subset=["ps"])


def _plan_counterfactual(
    frame: pd.DataFrame, plans: pd.DataFrame, *, log_ps: bool
) -> pd.DataFrame:
    r"""City-year frame where, after the milestone, every city is on its planned path.

    For PS (in logs when ``log_ps``) and each domain score :math:`x`, with
    :math:`F_{ct}` the cluster-year maximum, :math:`b_c` the base year (the
    last data year at or before the milestone) and :math:`g_{ib} = F_{cb} - x_{ib}`:
    :math:`x^*_{it} = F_{ct} - g_{ib}\,[1 - (1 - r_c)\,p_{ct}]` for
    :math:`t > m_c`, with :math:`p_{ct} = \min(1, (t - m_c)/(h_c - m_c))`;
    the actual value at and before the milestone. Cities not observed in the
    base year drop out of the post-milestone years.
    """
    columns = [c for c in ["ps", *DOMAINS] if c in frame.columns]
    work = frame.copy()
    if log_ps:
        work["ps"] = np.log(work["ps"])
    years = pd.Series(work.index.get_level_values("year"), index=work.index)
    grid = np.sort(years.unique())
    frontier = work.groupby([work["cluster"], years])[columns].transform("max")
    pieces = []
    for cluster, rows in work.groupby("cluster", sort=True):
        plan = plans.loc[cluster]
        milestone, horizon = int(plan["milestone_year"]), int(plan["horizon_year"])
        row_years = years.loc[rows.index]
        before = grid[grid <= milestone]
        post = (row_years > milestone).to_numpy()
        if not before.size or not post.any():
            pieces.append(rows)
            continue
        base = rows[(row_years == before.max()).to_numpy()]
        base_gap = frontier.loc[base.index, columns] - base[columns]
        base_gap.index = base.index.get_level_values("code")
        codes = rows.index.get_level_values("code")[post]
        gap = base_gap.reindex(codes)
        progress = np.minimum(1.0, (row_years[post] - milestone).to_numpy(float) / (
            horizon - milestone
        ))
        factor = 1.0 - (1.0 - float(plan["residual_gap_share"])) * progress
        planned = frontier.loc[rows.index[post], columns].to_numpy() - gap.to_numpy() * factor[
            :, None
        ]
        out = rows.copy()
        out.loc[rows.index[post], columns] = planned
        pieces.append(out.dropna(subset=["ps"]))
    result = pd.concat(pieces).sort_index()
    if log_ps:
        result["ps"] = np.exp(result["ps"])
    return result


def expected_synergy(
    index: PublicServiceIndex | pd.Series,
    roster: pd.DataFrame | pd.Series | None,
    actual: pd.DataFrame,
    target_rule: TargetRule = "plan",
    *,
    measure: str | None = None,
    residual_gap: float | Mapping[str, float] | None = None,
    milestones: Mapping[str, int] | None = None,
    horizons: Mapping[str, int] | None = None,
    horizon: Literal["target", "final", "interim"] = "target",
    speed: float | None = None,
) -> pd.DataFrame:
    r"""Expected synergy :math:`E_{ct}` implied by the cooperation commitments.

    At and before the milestone :math:`m_c` there is no commitment, so
    :math:`E_{ct} = S_{ct}`. After it, :math:`E_{ct}` is the same synergy
    measure computed on a counterfactual distribution of the cluster's cities:

    ``target_rule="plan"`` (default): the distribution the plan commits to
    (:func:`_plan_counterfactual`): every city has closed the planned share of
    its base-year gap to the cluster's best performer, so that by the horizon
    :math:`h_c` the gap is the share :math:`r_c` of itself
    (``residual_gap_share`` of ``data/reference/plan_targets.csv``; the plans
    promise "basic equalisation", a minimum standard, not equal levels). The
    path and the actual synergy are two different things: :math:`E_{ct}` moves
    only if the plan requires closure, and :math:`S_{ct}` follows it only if the
    cities close their gaps.

    ``target_rule="frontier"``: every city closes its gap to the cluster's
    best performer in that year (in PS and in each domain score) at the best
    historical speed :math:`\lambda^st = \max(0, \max_c \lambda_c)` from
    :func:`historical_convergence_speed` (pre-milestone exponential rate of
    relative gap closure; pass ``speed`` to set it). With the relative gap at
    the milestone :math:`q_{im} = 1 - PS_{im}/F_{cm}`,
    :math:`PS^st_{it} = F_{ct}[1 - q_{im}e^{-\lambda^st(t-m_c)}]`. With
    :math:`\lambda^st = 0` the relative distribution is frozen at the
    milestone, so for the scale-free measures (dagum, theil, cv)
    :math:`E_{ct} = S_{cm}`.

    Parameters
    ----------
    index : PublicServiceIndex or Series
    roster : DataFrame or Series or None
    actual : DataFrame
        Output of :func:`actual_synergy` (its ``attrs["measure"]`` names the measure).
    target_rule : {"plan", "frontier"}
    measure : str, optional
        Overrides ``actual.attrs["measure"]``.
    residual_gap : float or mapping cluster -> float, optional
        Overrides the residual gap share of ``plan_targets.csv`` (plan rule).
    milestones, horizons : mapping cluster -> year, optional
        Overrides of the plan schedule (:func:`plan_schedule`).
    horizon : {"target", "final", "interim"}
        Which horizon the commitment is due by (:func:`plan_schedule`).
    speed : float, optional
        Convergence speed for the frontier rule (per year).

    Returns
    -------
    DataFrame
        ``cluster``, ``year``, ``S``, ``E``, ``milestone_year``, ``horizon_year``,
        ``event_time``, ``post``; ``attrs`` hold the rule, measure, targets and speed.
    """
    if target_rule not in ("plan", "frontier"):
        raise ParameterError(f"target_rule must be 'plan' or 'frontier'; got {target_rule!r}.")
    measure = measure or actual.attrs.get("measure")
    if measure not in synergy_measures():
        raise ParameterError(
            "expected_synergy needs the synergy measure: pass measure= or the output of "
            "actual_synergy (which records it)."
        )
    clusters = sorted(actual["cluster"].unique())
    schedule = plan_schedule(clusters, milestones=milestones, horizons=horizons, horizon=horizon)
    table = _attach_schedule(actual[["cluster", "year", "S"]].copy(), schedule)
    table["post"] = table["event_time"] > 0
    frame = _city_frame(index, roster)
    info: dict[str, Any] = {"target_rule": target_rule, "measure": measure}
    if target_rule == "plan":
        plans = plans_table(schedule, residual_gap)
        log_ps = isinstance(index, PublicServiceIndex) and index.log_scale
        counterfactual = _plan_counterfactual(frame, plans, log_ps=log_ps)
        info["residual_gap_share"] = plans["residual_gap_share"].to_dict()
    else:
        if speed is None:
            speeds = historical_convergence_speed(index, roster, schedule=schedule)
            best = speeds["speed"].max()
            if not np.isfinite(best):
                raise DataError(
                    "No cluster has enough pre-milestone years to estimate the historical "
                    "convergence speed; pass speed= to the frontier rule."
                )
            speed = max(0.0, float(best))
            info["speeds"] = speeds["speed"].to_dict()
        elif not np.isfinite(speed) or speed < 0:
            raise ParameterError(f"The convergence speed must be a finite number >= 0: {speed!r}.")
        counterfactual = _frontier_counterfactual(frame, schedule, float(speed))
        info["speed"] = float(speed)
    # A measure relative to a base year compares the expected path with the actual base.
    spec = measure_spec(measure)
    base_state = None
    if spec.base_state is not None:
        base_state = resolve(spec.base_state)(frame, actual.attrs.get("base_year"))
    expected = _synergy_table(
        counterfactual,
        measure,
        ddof=actual.attrs.get("ddof", 0),
        base_state=base_state,
    ).set_index(["cluster", "year"])["S"]
    keys = pd.MultiIndex.from_frame(table[["cluster", "year"]])
    table["E"] = np.where(table["post"], expected.reindex(keys).to_numpy(), table["S"])
    table = table[
        ["cluster", "year", "S", "E", "milestone_year", "horizon_year", "event_time", "post"]
    ]
    table.attrs.update(info)
    return table


# --------------------------------------------------------------------------- inertia


def inertia_gap(actual: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    r"""Cluster-level inertia :math:`I_{ct} = E_{ct} - S_{ct}` and the synergy efficiency.

    Efficiency since the base year :math:`b` (the last data year at or before
    the milestone :math:`m`):

    .. math::

        \eta_{ct} = \frac{S_{ct} - S_{cb}}{E_{ct} - S_{cb}},\quad t > m,

    the share of the expected synergy gain that was realised (1 when S
    follows E, 0 when S stands still, negative when it falls). It is NaN at
    and before the milestone and wherever :math:`|E_{ct} - S_{cm}|` is below
    ``EFFICIENCY_TOLERANCE`` (no expected gain to divide by).

    Parameters
    ----------
    actual : DataFrame
        :func:`actual_synergy` output (cluster, year, S).
    expected : DataFrame
        :func:`expected_synergy` output.

    Returns
    -------
    DataFrame
        ``cluster``, ``year``, ``S``, ``E``, ``gap``, ``efficiency``,
        ``milestone_year``, ``horizon_year``, ``event_time``, ``post``.
    """
    merged = expected.drop(columns=["S"]).merge(
        actual[["cluster", "year", "S"]], on=["cluster", "year"], how="left", validate="1:1"
    )
    merged["gap"] = merged["E"] - merged["S"]
    # The anchor is the last data year at or before the milestone (the base year).
    at_or_before = merged[(merged["event_time"] <= 0) & merged["S"].notna()]
    anchor = at_or_before.sort_values("year").groupby("cluster")["S"].last()
    s_m = merged["cluster"].map(anchor)
    expected_gain = merged["E"] - s_m
    ok = (merged["event_time"] > 0) & (expected_gain.abs() > EFFICIENCY_TOLERANCE)
    merged["efficiency"] = ((merged["S"] - s_m) / expected_gain.where(ok)).where(ok)
    columns = ["cluster", "year", "S", "E", "gap", "efficiency"]
    columns += ["milestone_year", "horizon_year", "event_time", "post"]
    out = merged[columns]
    out.attrs.update(expected.attrs)
    return out


def city_shortfall(
    index: PublicServiceIndex | pd.Series,
    roster: pd.DataFrame | pd.Series | None = None,
    *,
    reference_level: Literal["frontier", "mean"] = "frontier",
    milestones: Mapping[str, int] | None = None,
    horizons: Mapping[str, int] | None = None,
    horizon: Literal["target", "final", "interim"] = "target",
    residual_gap: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    r"""City shortfall :math:`y_{it}` from the planned convergence path (chapter 4's outcome).

    Gaps are measured on the index's gap scale
    (:attr:`~inertia.measures.public_service.PublicServiceIndex.levels`: log
    points for the ``geometric`` index, index units otherwise). With
    :math:`R_{ct}` the cluster's frontier (best city) or mean in year
    :math:`t`, the city's gap is :math:`g_{it} = R_{ct} - \ell_{it}`. Its gap
    in the base year :math:`b` (the last data year at or before the milestone
    :math:`m`), :math:`g_{ib}`, is planned to close linearly to the share
    :math:`r` (``residual_gap_share`` of ``plan_targets.csv``) of itself by the
    horizon :math:`h`; before the milestone there is no plan, so the planned
    gap is the base-year gap itself:

    .. math::

        \tilde g_{it} = g_{ib}\Big[1 - (1 - r)\min\Big(1, \max\Big(0,
        \frac{t - m}{h - m}\Big)\Big)\Big],\qquad
        y_{it} = g_{it} - \tilde g_{it}.

    :math:`y_{it} > 0` means the city is behind its planned path (or, before
    the milestone, further behind than at the base year); it is negative for a
    city ahead of it. It is defined in every year, so its leads in an event
    study are not zero by construction. Cities missing in the base year have
    no planned path (NaN); cities outside the clusters, bound by no plan, are
    left out.

    Parameters
    ----------
    index : PublicServiceIndex or Series
        PS keyed by (``code``, ``year``).
    roster : DataFrame or Series, optional
        Code -> cluster; default the index's own mapping (a bare Series needs one,
        else the reference roster is used).
    reference_level : {"frontier", "mean"}, default "frontier"
        The gap's reference :math:`R_{ct}`: the cluster's best city or its mean.
    milestones, horizons : mapping cluster -> year, optional
        Override the milestone and horizon years (:func:`plan_schedule`).
    horizon : {"target", "final", "interim"}, default "target"
        Which plan horizon :math:`h` (:func:`plan_schedule`).
    residual_gap : float or mapping, optional
        Overrides the share :math:`r` (:func:`plans_table`).

    Returns
    -------
    DataFrame
        ``code``, ``year``, ``cluster``, ``ps``, ``level``, ``reference``,
        ``gap``, ``gap_base``, ``planned_gap``, ``required`` (the closure the
        plan requires by then, :math:`g_{ib} - \tilde g_{it}`), ``shortfall``,
        ``base_year``, ``milestone_year``, ``horizon_year``, ``event_time``,
        ``post`` (after the milestone).
    """
    gaps = city_gap(index, roster, reference_level).reset_index()
    # No plan binds a city outside the clusters (the national comparison group): no shortfall.
    gaps = gaps[gaps["cluster"].notna()]
    clusters = sorted(gaps["cluster"].unique())
    schedule = plan_schedule(clusters, milestones=milestones, horizons=horizons, horizon=horizon)
    plans = plans_table(schedule, residual_gap)
    table = _attach_schedule(gaps, schedule)
    grid = np.sort(table["year"].unique())
    base_year = {
        c: (int(grid[grid <= m].max()) if (grid <= m).any() else np.nan)
        for c, m in schedule["milestone_year"].items()
    }
    table["base_year"] = table["cluster"].map(base_year)
    at_base = table.loc[table["year"] == table["base_year"]].set_index("code")["gap"]
    table["gap_base"] = table["code"].map(at_base)
    residual = table["cluster"].map(plans["residual_gap_share"])
    progress = _progress(table)
    table["required"] = table["gap_base"] * (1.0 - residual) * progress
    table["planned_gap"] = table["gap_base"] - table["required"]
    table["shortfall"] = table["gap"] - table["planned_gap"]
    table["post"] = table["event_time"] > 0
    table.attrs.update(
        reference=reference_level, residual_gap=plans["residual_gap_share"].to_dict()
    )
    return table.sort_values(["code", "year"]).reset_index(drop=True)


@dataclass(frozen=True)
class InertiaResult:
    """Everything chapter 3 measures, as tidy tables.

    Attributes
    ----------
    index : PublicServiceIndex
    actual : DataFrame
        :func:`actual_synergy` (cluster, year, S, n).
    expected : DataFrame
        :func:`expected_synergy` (cluster, year, S, E, ...).
    gap : DataFrame
        :func:`inertia_gap` (cluster, year, S, E, gap, efficiency, ...).
    shortfall : DataFrame
        :func:`city_shortfall` (code, year, ..., shortfall): y_it.
    decomposition : DataFrame
        :func:`inequality_decomposition` across clusters by year.
    schedule : DataFrame
        Milestone and horizon years used.
    params : dict
        The parameters of the run.
    """

    index: PublicServiceIndex
    actual: pd.DataFrame
    expected: pd.DataFrame
    gap: pd.DataFrame
    shortfall: pd.DataFrame
    decomposition: pd.DataFrame
    schedule: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def efficiency(self) -> pd.DataFrame:
        """Synergy efficiency per cluster-year (from ``gap``)."""
        return self.gap[["cluster", "year", "efficiency"]]


def measure_inertia(
    data: pd.DataFrame | PublicServiceIndex,
    roster: pd.DataFrame | pd.Series | None = None,
    *,
    index_method: IndexMethod = "geometric",
    synergy_measure: str = "dagum",
    target_rule: TargetRule = "plan",
    residual_gap: float | Mapping[str, float] | None = None,
    milestones: Mapping[str, int] | None = None,
    horizons: Mapping[str, int] | None = None,
    horizon: Literal["target", "final", "interim"] = "target",
    shortfall_reference: Literal["frontier", "mean"] = "frontier",
    speed: float | None = None,
    ddof: int = 0,
    shift: float = 1e-4,
) -> InertiaResult:
    """Run chapter 3's measurement chain from the canonical panel (or a built index).

    Parameters
    ----------
    data : DataFrame or PublicServiceIndex
        The canonical panel (the index is then built with ``index_method`` and
        ``shift``) or an already built index.
    roster : DataFrame or Series, optional
        Code -> cluster; default the reference roster.
    index_method, synergy_measure, target_rule
        See :func:`~inertia.measures.public_service.public_service_index`,
        :func:`actual_synergy` and :func:`expected_synergy`.
    residual_gap : float or mapping cluster -> float, optional
        Overrides the residual gap shares of ``plan_targets.csv``.
    milestones, horizons, horizon
        Overrides of the plan schedule, see :func:`plan_schedule`.
    shortfall_reference : {"frontier", "mean"}
        Reference level of the city shortfall.
    speed : float, optional
        Convergence speed of the frontier rule.
    ddof : int
        CV degrees of freedom.
    shift : float
        Min-max shift of the index.

    Returns
    -------
    InertiaResult
    """
    if isinstance(data, PublicServiceIndex):
        index = data
    else:
        index = public_service_index(data, index_method, shift, roster=roster)
    actual = actual_synergy(index, roster, synergy_measure, ddof=ddof)
    expected = expected_synergy(
        index,
        roster,
        actual,
        target_rule,
        residual_gap=residual_gap,
        milestones=milestones,
        horizons=horizons,
        horizon=horizon,
        speed=speed,
    )
    gap = inertia_gap(actual, expected)
    shortfall = city_shortfall(
        index,
        roster,
        reference_level=shortfall_reference,
        milestones=milestones,
        horizons=horizons,
        horizon=horizon,
        residual_gap=residual_gap,
    )
    clusters = sorted(actual["cluster"].unique())
    schedule = plan_schedule(clusters, milestones=milestones, horizons=horizons, horizon=horizon)
    params = {
        "index_method": index.method,
        "synergy_measure": synergy_measure,
        "target_rule": target_rule,
        "residual_gap": shortfall.attrs["residual_gap"],
        "horizon": horizon,
        "shortfall_reference": shortfall_reference,
        "speed": expected.attrs.get("speed"),
        "ddof": ddof,
        "shift": index.shift,
    }
    return InertiaResult(
        index=index,
        actual=actual,
        expected=expected,
        gap=gap,
        shortfall=shortfall,
        decomposition=inequality_decomposition(index, roster),
        schedule=schedule,
        params=params,
    )
