r"""Counterfactual corrective measures of chapter 6, propagated through the estimated role chain.

A :class:`Measure` is a lever on one role dimension with a size in natural
units (docs/design.md section 4):

``weakness``
    A transfer that raises the fiscal self-sufficiency of the targeted cities
    by :math:`x` points: the ``fiscal_gap`` component :math:`1 - R/E` falls by
    :math:`x/100`, but not below 0 (self-sufficiency stops at 100%; a city
    already above it is not moved). Only this component moves: spending per
    person (the other weakness component) is held fixed.
``deviation``
    An evaluation reform that moves :math:`y` points of the budget into
    livelihood spending: ``non_livelihood_share`` falls by :math:`y/100`
    (stopping at 0). The growth tilt is held fixed.
``reinforcement``
    A binding cost-sharing mechanism that removes the share
    :math:`s \in [0, 1]` of the neighbour-imitation term: the scaled
    ``neighbour_deviation`` component's contribution to the index,
    :math:`w_{nb}\,\tilde x_{nb,i}`, falls by :math:`s` times itself.
``combination``
    A package of other measures (``parts``), each scaled by ``size``.

**From lever to index (first round).** Each composite index is
:math:`X_{it} = \sum_k w_k (x_{k,it} - \min_k)/(\max_k - \min_k)`
(:mod:`inertia.roles`). The counterfactual is measured on the *baseline
yardstick*: the component weights and the pooled min-max range are held fixed,
so a change :math:`\Delta x_k` of one component moves the index by
:math:`w_k \Delta x_k / (\max_k - \min_k)`. Re-running :func:`inertia.roles.role_indices`
on a modified panel gives the same number as long as the changed city-years do
not set the pooled minimum or maximum (with entropy weights, as long as the
weights are also unchanged); a re-run would otherwise change the yardstick for
every city, which is not a policy effect. ``unit_changes`` replaces this
mapping when the role frame has no components (e.g. the simulated latent
indices: ``{"weakness": -0.01}`` because true weakness is one minus
self-sufficiency).

**Through the chain.** With the mediation coefficients
:math:`(a_1, a_2, a_3, b_1, b_2, b_3)` (:mod:`inertia.models.mediation`) and
first-round changes :math:`(\Delta W^0, \Delta D^0, \Delta R^0)` of a city:

.. math::

    \Delta D = \Delta D^0 + a_1 \Delta W^0,\quad
    \Delta R = \Delta R^0 + a_2 \Delta D + a_3 \Delta W^0,\quad
    \Delta y = b_1 \Delta W^0 + b_2 \Delta D + b_3 \Delta R,

so :math:`\Delta y = \text{total}_W \Delta W^0 + (b_2 + a_2 b_3)\Delta D^0 + b_3 \Delta R^0`,
direct and indirect effects included. No spatial feedback to neighbours is
added (the chain estimates are own-city paths).

**To the plan horizon.** ``outcome="shortfall"``: y is the city shortfall, a
level; the lever in force changes it by :math:`\Delta y` in every year up to
the horizon (the static model has no build-up). ``outcome="growth"``: y is
public-service growth per year; the lever in force from the year after the
baseline year :math:`t_0` to the horizon :math:`h_c` raises PS by
:math:`\Delta y (h_c - t_0)` and lowers the shortfall by as much.
``outcome="shortfall_growth"``: y is the yearly growth of the shortfall
(chapter 4's outcome); the shortfall changes by :math:`\Delta y (h_c - t_0)`. The planned
path is held at its baseline, so :math:`\Delta PS = -\Delta\text{shortfall}`.

**To cluster synergy.** Actual synergy is recomputed on the counterfactual
cross-section :math:`PS_i + \Delta PS_i` with the same relative measure
(1 - Gini, 1 - Theil or 1 - CV; the formulas of
:func:`inertia.measures.synergy.actual_synergy`), and beside it the absolute
Gini (:func:`absolute_inequality`, half the mean absolute difference in index
units): a relative Gini falls when every city gains the same amount, an
absolute one does not, and a gain proportional to each city's level leaves a
relative Gini unchanged. Expected synergy E does not depend on the lever, so
the change of the relative gap is :math:`\Delta(E - S) = -(S^{cf} - S)`.

**At the horizon.** Without a projection the cross-section is the baseline
year's, and no share of a gap is computed: an effect accumulated to the
horizon is never divided by the last observed gap. With the projection of
:class:`PipelineDraws` (:mod:`inertia.models.projection`) every quantity is
measured on the projected cross-section of the cluster's horizon:
``gap_change`` and ``abs_gini_change`` there, ``horizon_gap`` (E - S at the
horizon, E the synergy of the planned levels: the projected frontier minus
each city's planned residual gap :math:`r_c g_{ib}`, :func:`planned_horizon_gap`)
and ``horizon_abs_gap`` (absolute Gini of the projected levels minus that of
the planned ones), ``share_horizon_gap_closed`` and
``share_horizon_abs_gap_closed`` (minus the change over the projected gap, per
draw; the summary's centre is the median of the draws), and the mean
shortfall projected to the horizon with ``share_shortfall_closed``.

**Uncertainty.** ``draws="normal"``: coefficient vectors drawn from the
multivariate normal with the point estimates and the covariance (for a
:class:`~inertia.models.mediation.MediationResult`, the city-bootstrap
covariance); ``draws="bootstrap"``: the bootstrap draws themselves;
``draws="pipeline"``: :class:`PipelineDraws`, one city resample per draw for
every estimated piece (the chain, the imitation coefficient that sizes the
cost-sharing lever, the projection) plus the projection's residual shocks
(:func:`inertia.chapters.corrective_measures.pipeline_draws`). Each reported
interval is the 2.5/97.5 (for ``ci=0.95``) percentile over draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from inertia.errors import DataError, ParameterError
from inertia.synergy_measures import SYNERGY_REGISTRY, level_measures, resolve

if TYPE_CHECKING:
    from inertia.models.mediation import MediationResult
    from inertia.roles import RoleIndices

__all__ = [
    "LEVER_DIMENSIONS",
    "Measure",
    "PipelineDraws",
    "ScenarioResult",
    "absolute_inequality",
    "baseline_cross_section",
    "default_measures",
    "lever_changes",
    "measures_from_params",
    "planned_horizon_gap",
    "run_scenarios",
    "synergy_of",
]

#: Dimensions a single lever can act on.
LEVER_DIMENSIONS: tuple[str, ...] = ("weakness", "deviation", "reinforcement")
#: Target rules besides explicit code or cluster lists.
TARGET_RULES: tuple[str, ...] = ("all", "weakest_third")
#: Component each lever moves.
LEVER_COMPONENT = {
    "weakness": "fiscal_gap",
    "deviation": "non_livelihood_share",
    "reinforcement": "neighbour_deviation",
}
DEFAULT_UNITS = {
    "weakness": "points of fiscal self-sufficiency",
    "deviation": "points of livelihood budget share",
    "reinforcement": "share of the neighbour-imitation term removed",
    "combination": "scale of the package",
}
SPEC_KEYS = ("name", "dimension", "size", "unit", "targets", "description", "parts")
COEFFICIENTS = ("a1", "a2", "a3", "b1", "b2", "b3")


@dataclass(frozen=True)
class Measure:
    """One corrective measure: a lever with a size in natural units.

    Attributes
    ----------
    name : str
        Unique label.
    dimension : {"weakness", "deviation", "reinforcement", "combination"}
    size : float
        Points of fiscal self-sufficiency (weakness, in [-100, 100]), points of
        livelihood budget share (deviation, in [-100, 100]), share of the
        neighbour-imitation term removed (reinforcement, in [0, 1]), or the
        scale of a package (combination, >= 0).
    unit : str
        Text of the unit.
    targets : str or tuple
        ``"all"``, ``"weakest_third"`` (within each cluster, the third of the
        cities, rounded up, with the highest weakness index in the baseline
        year), or a tuple of city codes and/or cluster codes (``"jjj"`` ...).
        Ignored for a combination (its parts carry their own targets).
    description : str
    parts : tuple of Measure
        The measures of a combination.
    """

    name: str
    dimension: str
    size: float
    unit: str = ""
    targets: str | tuple[int | str, ...] = "all"
    description: str = ""
    parts: tuple[Measure, ...] = ()

    def scaled(self, factor: float) -> Measure:
        """The same measure with ``size`` multiplied by ``factor``.

        Parameters
        ----------
        factor : float
            Multiplier of ``size``.

        Returns
        -------
        Measure
            A copy with ``size * factor`` (its ``parts`` unchanged).
        """
        return replace(self, size=self.size * factor)


# --------------------------------------------------------------------------- validation


def _known_clusters(roster: pd.DataFrame | None) -> tuple[set[int], set[str]]:
    from inertia.data import reference

    table = reference.cities() if roster is None else roster
    table = table.reset_index() if "code" not in table.columns else table
    return set(table["code"].astype(int)), set(table["cluster"].astype(str))


def _normalise_targets(
    name: str, targets: Any, codes: set[int], clusters: set[str]
) -> str | tuple[int | str, ...]:
    if isinstance(targets, str):
        if targets in TARGET_RULES:
            return targets
        targets = (targets,)
    if isinstance(targets, int | np.integer):
        targets = (targets,)
    if not isinstance(targets, Sequence) or isinstance(targets, str) or len(targets) == 0:
        raise ParameterError(
            f"Scenario {name!r}: targets must be one of {TARGET_RULES}, or a non-empty list "
            f"of city codes or clusters {sorted(clusters)}; got {targets!r}."
        )
    out: list[int | str] = []
    for item in targets:
        if isinstance(item, str) and item in clusters:
            out.append(item)
            continue
        try:
            code = int(item)
        except (TypeError, ValueError):
            raise ParameterError(
                f"Scenario {name!r}: unknown target {item!r}; use {TARGET_RULES}, city codes "
                f"or clusters {sorted(clusters)}."
            ) from None
        if isinstance(item, float) and item != code:
            raise ParameterError(f"Scenario {name!r}: target {item!r} is not a city code.")
        if code not in codes:
            raise ParameterError(
                f"Scenario {name!r}: target city code {code} is not on the roster."
            )
        out.append(code)
    return tuple(dict.fromkeys(out))


def _check_size(name: str, dimension: str, size: Any) -> float:
    if isinstance(size, bool) or not isinstance(size, int | float | np.integer | np.floating):
        raise ParameterError(f"Scenario {name!r}: size must be a number; got {size!r}.")
    size = float(size)
    if not math.isfinite(size):
        raise ParameterError(f"Scenario {name!r}: size must be finite; got {size!r}.")
    if dimension in ("weakness", "deviation") and abs(size) > 100.0:
        what = "fiscal self-sufficiency" if dimension == "weakness" else "livelihood budget share"
        raise ParameterError(
            f"Scenario {name!r}: a change of {size:g} points of {what} is impossible; "
            "a share moves by at most 100 points (size in [-100, 100])."
        )
    if dimension == "reinforcement" and not 0.0 <= size <= 1.0:
        raise ParameterError(
            f"Scenario {name!r}: size is the share of the neighbour-imitation term removed "
            f"and must lie in [0, 1]; got {size:g}."
        )
    if dimension == "combination" and size < 0.0:
        raise ParameterError(
            f"Scenario {name!r}: the scale of a combination must be >= 0; got {size:g}."
        )
    return size


def _validated(measure: Measure, codes: set[int], clusters: set[str]) -> Measure:
    name = measure.name
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(f"Every scenario needs a non-empty name; got {name!r}.")
    dims = (*LEVER_DIMENSIONS, "combination")
    if measure.dimension not in dims:
        raise ParameterError(
            f"Scenario {name!r}: unknown dimension {measure.dimension!r}; use one of {dims}."
        )
    size = _check_size(name, measure.dimension, measure.size)
    if measure.dimension == "combination":
        if not measure.parts:
            raise ParameterError(f"Scenario {name!r}: a combination needs at least one part.")
        parts = []
        for part in measure.parts:
            if not isinstance(part, Measure) or part.dimension == "combination":
                raise ParameterError(
                    f"Scenario {name!r}: the parts of a combination must be single-lever "
                    "measures (no nested combinations)."
                )
            parts.append(_validated(part, codes, clusters))
        return replace(
            measure,
            size=size,
            parts=tuple(parts),
            targets="all",
            unit=measure.unit or DEFAULT_UNITS["combination"],
        )
    if measure.parts:
        raise ParameterError(f"Scenario {name!r}: only a combination has parts.")
    targets = _normalise_targets(name, measure.targets, codes, clusters)
    return replace(
        measure, size=size, targets=targets, unit=measure.unit or DEFAULT_UNITS[measure.dimension]
    )


def measures_from_params(
    spec: Sequence[Mapping[str, Any]], roster: pd.DataFrame | None = None
) -> list[Measure]:
    """Build and validate user-defined measures (e.g. from ``params.yaml``).

    Parameters
    ----------
    spec : list of dict
        One dict per measure with keys ``name``, ``dimension``, ``size`` and
        optionally ``unit``, ``targets`` (default ``"all"``), ``description``,
        and for ``dimension: combination`` the list ``parts`` of names of
        measures defined earlier in the list.
    roster : DataFrame, optional
        City roster (codes and clusters) for checking explicit targets;
        default the reference roster.

    Returns
    -------
    list of Measure

    Raises
    ------
    ParameterError
        Naming the scenario: a missing name or duplicate names, unknown keys,
        an unknown dimension, an impossible size, an unknown target rule, city
        code or cluster, or an unknown part of a combination.
    """
    if isinstance(spec, Mapping) or not isinstance(spec, Sequence):
        raise ParameterError(
            f"Scenarios must be a list of measures (dicts); got {type(spec).__name__}."
        )
    codes, clusters = _known_clusters(roster)
    built: dict[str, Measure] = {}
    for position, entry in enumerate(spec, start=1):
        if not isinstance(entry, Mapping):
            raise ParameterError(f"Scenario number {position} must be a dict; got {entry!r}.")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ParameterError(f"Scenario number {position} needs a non-empty 'name'.")
        unknown = sorted(set(entry) - set(SPEC_KEYS))
        if unknown:
            raise ParameterError(
                f"Scenario {name!r}: unknown key(s) {unknown}; allowed: {list(SPEC_KEYS)}."
            )
        if name in built:
            raise ParameterError(f"Scenario {name!r} is defined twice; names must be unique.")
        for key in ("dimension", "size"):
            if key not in entry:
                raise ParameterError(f"Scenario {name!r}: missing {key!r}.")
        parts: list[Measure] = []
        if entry["dimension"] == "combination":
            names = entry.get("parts") or []
            if isinstance(names, str):
                names = [names]
            for part in names:
                if part not in built:
                    raise ParameterError(
                        f"Scenario {name!r}: part {part!r} is not a measure defined before it "
                        f"(known: {list(built)})."
                    )
                parts.append(built[part])
        measure = Measure(
            name=name,
            dimension=entry["dimension"],
            size=entry["size"],
            unit=str(entry.get("unit", "")),
            targets=entry.get("targets", "all"),
            description=str(entry.get("description", "")),
            parts=tuple(parts),
        )
        built[name] = _validated(measure, codes, clusters)
    return list(built.values())


def default_measures() -> list[Measure]:
    """The three measures of docs/design.md section 4 and their combination.

    The sizes stay inside the observed variation of what they move: +5 points
    of self-sufficiency are about one within-city standard deviation of the
    fiscal gap in the simulated panel (4 points) and less in the yearbooks
    (8 points); +2 points of livelihood share are about one of the
    non-livelihood share (2.3 and 2.5 points). Chapter 6 reports the sizes
    against the data of each run (:func:`inertia.chapters.corrective_measures.lever_support`).

    Returns
    -------
    list of Measure
        ``fiscal_transfer``, ``evaluation_reform``, ``cost_sharing`` and ``combination``
        (the three together).
    """
    transfer = Measure(
        "fiscal_transfer",
        "weakness",
        5.0,
        DEFAULT_UNITS["weakness"],
        "weakest_third",
        "+5 points of fiscal self-sufficiency for the weakest third of each cluster",
    )
    reform = Measure(
        "evaluation_reform",
        "deviation",
        2.0,
        DEFAULT_UNITS["deviation"],
        "all",
        "+2 points of livelihood budget share in every city",
    )
    cost_sharing = Measure(
        "cost_sharing",
        "reinforcement",
        1.0,
        DEFAULT_UNITS["reinforcement"],
        "all",
        "binding cost sharing that removes neighbour imitation",
    )
    package = Measure(
        "combination",
        "combination",
        1.0,
        DEFAULT_UNITS["combination"],
        "all",
        "all three measures together",
        parts=(transfer, reform, cost_sharing),
    )
    return [transfer, reform, cost_sharing, package]


# --------------------------------------------------------------------------- levers


def _role_frame(roles: RoleIndices | pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if isinstance(roles, pd.DataFrame):
        return roles, None
    return roles.frame, roles.weights


def _component_scale(
    frame: pd.DataFrame, weights: pd.DataFrame | None, dimension: str
) -> tuple[str, float, float]:
    """Component of the lever, its pooled minimum and the index change per unit (w_k / range_k).

    The minimum and range are over the city-years with both components of the
    dimension observed, as in :func:`inertia.roles.role_indices`.
    """
    component = LEVER_COMPONENT[dimension]
    if weights is None or component not in frame.columns:
        raise ParameterError(
            f"The {dimension} lever needs the role components (pass the RoleIndices from "
            "inertia.roles.role_indices) or unit_changes for this dimension."
        )
    # The dimension's components as the role indices were built (the weights list them).
    pair = weights.loc[weights["dimension"] == dimension, "component"].tolist()
    complete = frame[pair].dropna()
    low, high = complete[component].min(), complete[component].max()
    row = weights[(weights["dimension"] == dimension) & (weights["component"] == component)]
    if row.empty or not high > low:
        raise DataError(f"No weight or no range for the {component!r} component of {dimension}.")
    return component, float(low), float(row["weight"].iloc[0]) / float(high - low)


def _targeted(measure: Measure, base: pd.DataFrame) -> np.ndarray:
    targets = measure.targets
    if targets == "all":
        return np.ones(len(base), dtype=bool)
    if targets == "weakest_third":
        flags = np.zeros(len(base), dtype=bool)
        for _, rows in base.groupby("cluster"):
            n_weak = math.ceil(len(rows) / 3)
            weakest = rows["weakness"].sort_values(ascending=False, kind="mergesort").index
            flags[base.index.get_indexer(weakest[:n_weak])] = True
        return flags
    codes = {t for t in targets if not isinstance(t, str)}
    clusters = {t for t in targets if isinstance(t, str)}
    missing = sorted(codes - set(base["code"]))
    if missing:
        raise ParameterError(
            f"Scenario {measure.name!r}: target cities {missing} have no complete role data "
            "in the baseline year."
        )
    return (base["code"].isin(codes) | base["cluster"].isin(clusters)).to_numpy()


def _first_round(
    measure: Measure,
    base: pd.DataFrame,
    weights: pd.DataFrame | None,
    full: pd.DataFrame,
    unit_changes: Mapping[str, float | str],
) -> tuple[np.ndarray, np.ndarray]:
    """First-round index changes ``(n_cities, 3)`` (W, D, R) of one lever and the targeted flags."""
    dimension = measure.dimension
    flags = _targeted(measure, base)
    change = np.zeros(len(base))
    if dimension in unit_changes:
        spec = unit_changes[dimension]
        if dimension == "reinforcement":
            if not isinstance(spec, str) or spec not in base.columns:
                raise ParameterError(
                    "unit_changes['reinforcement'] must name a column of the role frame that "
                    "holds the neighbour-imitation term in index units."
                )
            change = -measure.size * base[spec].to_numpy(dtype=float)
        else:
            change = np.full(len(base), float(spec) * measure.size)
    else:
        component, low, per_unit = _component_scale(full, weights, dimension)
        values = base[component].to_numpy(dtype=float)
        if dimension == "reinforcement":
            # Remove the share `size` of the scaled component's contribution.
            change = -measure.size * per_unit * (values - low)
        else:
            # A share cannot leave [0, 1]: the lever stops at the bound (one minus the share
            # at 0 or 1) and never moves a city already beyond it (revenue above spending).
            moved = values - measure.size / 100.0
            if measure.size > 0:
                moved = np.maximum(moved, np.minimum(values, 0.0))
            else:
                moved = np.minimum(moved, np.maximum(values, 1.0))
            change = per_unit * (moved - values)
    out = np.zeros((len(base), 3))
    out[:, LEVER_DIMENSIONS.index(dimension)] = np.where(flags, change, 0.0)
    return out, flags


def baseline_cross_section(
    roles: RoleIndices | pd.DataFrame,
    shortfall: pd.DataFrame,
    baseline_year: int | None = None,
    *,
    needs_ps: bool = True,
) -> tuple[pd.DataFrame, int, list[int]]:
    """The cross-section the levers act on: the year, its cities and the cities left out.

    Parameters
    ----------
    roles : RoleIndices or DataFrame
        As for :func:`run_scenarios`.
    shortfall : DataFrame
        ``code, year, shortfall`` (and ``ps`` when ``needs_ps``).
    baseline_year : int, optional
        Default: the last year in which some city has every lever's index and a shortfall.
    needs_ps : bool
        Require the public-service level too.

    Returns
    -------
    (DataFrame, int, list of int)
        The baseline rows (one per city, by code), the year, and the codes of
        the cities without complete data that year.
    """
    frame, _ = _role_frame(roles)
    return _baseline(frame, shortfall, baseline_year, needs_ps)


def _baseline(
    frame: pd.DataFrame, shortfall: pd.DataFrame, baseline_year: int | None, needs_ps: bool
) -> tuple[pd.DataFrame, int, list[int]]:
    for column in ("code", "year", "cluster", *LEVER_DIMENSIONS):
        if column not in frame.columns:
            raise DataError(f"Scenarios: the role frame has no {column!r} column.")
    need_short = ["code", "year", "shortfall", *(["ps"] if needs_ps else [])]
    absent = [c for c in need_short if c not in shortfall.columns]
    if absent:
        raise DataError(f"Scenarios: the shortfall table lacks column(s) {absent}.")
    extra = [c for c in shortfall.columns if c in need_short[2:]]
    merged = frame.merge(shortfall[["code", "year", *extra]], on=["code", "year"], how="left")
    complete = merged.dropna(subset=[*LEVER_DIMENSIONS, *need_short[2:]])
    if complete.empty:
        raise DataError("Scenarios: no city-year has role indices and a shortfall together.")
    year = int(complete["year"].max()) if baseline_year is None else int(baseline_year)
    base = complete[complete["year"] == year].sort_values("code").reset_index(drop=True)
    if base.empty:
        raise ParameterError(
            f"Scenarios: baseline year {year} has no city with role indices and a shortfall."
        )
    excluded = sorted(set(frame["code"]) - set(base["code"]))
    return base, year, [int(c) for c in excluded]


def lever_changes(
    measures: Sequence[Measure],
    roles: RoleIndices | pd.DataFrame,
    shortfall: pd.DataFrame | None = None,
    *,
    baseline_year: int | None = None,
    unit_changes: Mapping[str, float | str] | None = None,
) -> pd.DataFrame:
    """First-round changes of the three indices per measure and city in the baseline year.

    See the module docstring for the mapping.

    Parameters
    ----------
    measures : sequence of Measure
        The measures.
    roles : RoleIndices or DataFrame
        As for :func:`run_scenarios`.
    shortfall : DataFrame, optional
        ``code, year, shortfall``: the baseline is a city-year with one; default
        every city-year of ``roles`` (a zero shortfall).
    baseline_year : int, optional
        Default: the last year in which some city has every lever's index and a shortfall.
    unit_changes : mapping, optional
        As for :func:`run_scenarios`.

    Returns
    -------
    DataFrame
        ``measure, code, cluster, targeted, delta_weakness, delta_deviation,
        delta_reinforcement``, one row per measure and baseline city.
    """
    frame, weights = _role_frame(roles)
    if shortfall is None:
        shortfall = frame[["code", "year"]].assign(shortfall=0.0)
    base, _, _ = _baseline(frame, shortfall, baseline_year, needs_ps=False)
    tables = []
    for measure in measures:
        first, flags = _measure_first_round(measure, base, weights, frame, unit_changes or {})
        tables.append(pd.DataFrame(_lever_columns(measure, base, flags, first)))
    return pd.concat(tables, ignore_index=True)


def _measure_first_round(
    measure: Measure,
    base: pd.DataFrame,
    weights: pd.DataFrame | None,
    full: pd.DataFrame,
    unit_changes: Mapping[str, float | str],
) -> tuple[np.ndarray, np.ndarray]:
    """First-round changes ``(n_cities, 3)`` and the targeted flags (a package: the union)."""
    if measure.dimension == "combination":
        total = np.zeros((len(base), 3))
        flags = np.zeros(len(base), dtype=bool)
        for part in measure.parts:
            change, targeted = _first_round(
                part.scaled(measure.size), base, weights, full, unit_changes
            )
            total += change
            flags |= targeted
        return total, flags
    return _first_round(measure, base, weights, full, unit_changes)


# --------------------------------------------------------------------------- synergy


def synergy_of(ps: np.ndarray, measure: str = "dagum", ddof: int = 0) -> np.ndarray:
    r"""Actual synergy of each row of ``ps`` (``..., n_cities``), vectorised over draws.

    The registered measure's vectorised function
    (:data:`inertia.synergy_measures.SYNERGY_REGISTRY`, ``of_levels``: for
    ``"dagum"`` :func:`inertia.measures.synergy.gini_synergy_rows`, and so on);
    the same numbers as :func:`inertia.measures.synergy.actual_synergy` on one
    cross-section. Only the measures of the levels alone
    (:func:`inertia.synergy_measures.level_measures`) can be recomputed here.

    The public-service index cannot fall below 0 (it is a weighted mean of
    min-max scaled indicators), so counterfactual levels that a coefficient
    draw pushes below 0 are set to 0; inequality measures of negative values
    would be meaningless.

    Parameters
    ----------
    ps : ndarray
        Public-service levels, shape ``(..., n_cities)``.
    measure : str
        A measure of the levels alone.
    ddof : int
        Delta degrees of freedom of the CV.

    Returns
    -------
    ndarray
        Shape ``ps.shape[:-1]``.
    """
    values = np.clip(np.asarray(ps, dtype=float), 0.0, None)
    spec = SYNERGY_REGISTRY.get(measure)
    if spec is None or spec.needs_domains:
        raise ParameterError(
            f"Scenario synergy measure must be one of {level_measures()} or None; got {measure!r}."
        )
    assert spec.of_levels is not None, "a measure without domains has of_levels"
    return resolve(spec.of_levels)(values, ddof)


# --------------------------------------------------------------------------- result


@dataclass
class ScenarioResult:
    """Counterfactual changes of each measure, with coefficient-draw intervals.

    Attributes
    ----------
    summary : DataFrame
        One row per measure x cluster: ``measure, dimension, size, unit,
        cluster, horizon_year, years, n_cities, n_targeted,
        shortfall_change_point`` (at the point coefficients), and for each
        quantity ``shortfall_change`` (mean over the cluster's cities),
        ``projected_shortfall``, ``share_shortfall_closed``, ``gap_change``
        (change in E - S), ``horizon_gap``, ``share_horizon_gap_closed``,
        ``abs_gini_change``, ``horizon_abs_gap``,
        ``share_horizon_abs_gap_closed`` (module docstring; NaN without a
        projection) and ``<quantity>_per_unit`` of the three changes, the mean
        over draws (the median for shares) and ``<quantity>_low`` /
        ``<quantity>_high`` percentiles.
    changes : DataFrame
        The same in long form: ``measure, dimension, cluster, quantity, mean,
        median, low, high``.
    path : DataFrame
        Fan-chart table: ``measure, cluster, year, quantity`` (``gap_change``,
        ``abs_gini_change``, ``shortfall_change``) and the percentiles ``q02_5, q10, q25, q50, q75,
        q90, q97_5`` plus ``mean``, from the year after the baseline to the horizon.
    ranking : DataFrame
        Per cluster: ``cluster, rank, measure, criterion, mean, low, high,
        prob_best`` (share of draws in which the measure closes the most).
        Ranked by ``gap_change`` when a synergy measure is used, else by
        ``shortfall_change``; the lower (more negative) the better.
    city : DataFrame
        Per measure and city: ``measure, code, cluster, targeted,
        delta_weakness, delta_deviation, delta_reinforcement`` (first round),
        ``shortfall_change`` mean, ``shortfall_change_point``,
        ``shortfall_change_low``, ``shortfall_change_high``, ``ps_change`` mean (for maps).
    draws : DataFrame
        ``measure, cluster, draw, shortfall_change, gap_change, abs_gini_change``.
    coefficient_draws : ndarray, shape (n_draws, 6)
        The coefficient draws used (a1, a2, a3, b1, b2, b3).
    baseline_year : int
    excluded : list of int
        Cities without complete data in the baseline year (left out).
    params : dict
    """

    summary: pd.DataFrame
    changes: pd.DataFrame
    path: pd.DataFrame
    ranking: pd.DataFrame
    city: pd.DataFrame
    draws: pd.DataFrame
    coefficient_draws: np.ndarray
    baseline_year: int
    excluded: list[int] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


def _coefficient_draws(
    chain: MediationResult | Mapping[str, float],
    covariance: np.ndarray | None,
    draws: str,
    n_draws: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    from inertia.models.mediation import MediationResult

    if isinstance(chain, MediationResult):
        point = chain.estimates
        if draws == "bootstrap":
            if chain.boot.shape[0] < 2:
                raise ParameterError("Scenarios: the mediation result has no bootstrap draws.")
            usable = chain.boot[np.all(np.isfinite(chain.boot), axis=1)]
            return point, usable.copy()
        cov = chain.covariance if covariance is None else np.asarray(covariance, dtype=float)
    else:
        missing = [k for k in COEFFICIENTS if k not in chain]
        if missing:
            raise ParameterError(
                f"Scenarios: the chain coefficients need {list(COEFFICIENTS)}; missing {missing}."
            )
        if draws == "bootstrap":
            raise ParameterError("Scenarios: draws='bootstrap' needs a MediationResult.")
        point = np.array([float(chain[k]) for k in COEFFICIENTS])
        if covariance is None:
            raise ParameterError("Scenarios: coefficients without a covariance matrix.")
        cov = np.asarray(covariance, dtype=float)
    if cov.shape != (6, 6) or not np.all(np.isfinite(cov)):
        raise ParameterError(
            "Scenarios: the covariance of (a1, a2, a3, b1, b2, b3) must be a finite 6 x 6 matrix."
        )
    return point, rng.multivariate_normal(point, cov, size=n_draws, method="svd")


def _horizons(
    clusters: Sequence[str], horizon_years: int | Mapping[str, int] | None
) -> dict[str, int]:
    if horizon_years is None:
        from inertia.measures.synergy import plan_schedule

        schedule = plan_schedule(list(clusters))
        return {c: int(schedule.loc[c, "horizon_year"]) for c in clusters}
    if isinstance(horizon_years, Mapping):
        missing = [c for c in clusters if c not in horizon_years]
        if missing:
            raise ParameterError(f"Scenarios: no horizon year for cluster(s) {missing}.")
        return {c: int(horizon_years[c]) for c in clusters}
    return dict.fromkeys(clusters, int(horizon_years))


def _interval(values: np.ndarray, ci: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1.0 - ci) / 2.0
    low, high = np.nanquantile(values, [alpha, 1.0 - alpha], axis=axis)
    return low, high


@dataclass(frozen=True)
class PipelineDraws:
    """Draws of every estimated piece a scenario uses, from one city resample each.

    Built by :func:`inertia.chapters.corrective_measures.pipeline_draws`: row
    ``b`` of each array comes from the ``b``-th city resample of the chain's
    bootstrap.

    Attributes
    ----------
    point : ndarray, shape (6,)
        Point estimates of ``a1, a2, a3, b1, b2, b3``.
    coefficients : ndarray, shape (n_draws, 6)
        Their draws (re-estimated on each resample).
    imitation_scale : ndarray, shape (n_draws,), optional
        Each draw's imitation coefficient over its point estimate: the
        reinforcement lever (removing the imitation term, whose size is the
        estimated coefficient times the neighbours' deviation) scales with it.
    projection : ProjectionDraws, optional
        The business-as-usual levels to the horizon, one draw per resample
        (:func:`inertia.models.projection.project_baseline`).
    """

    point: np.ndarray
    coefficients: np.ndarray
    imitation_scale: np.ndarray | None = None
    projection: Any = None


def _to_ps(level: np.ndarray, log_scale: bool) -> np.ndarray:
    return np.exp(level) if log_scale else level


def absolute_inequality(ps: np.ndarray) -> np.ndarray:
    r"""Absolute Gini of each row of ``ps`` (``..., n_cities``), vectorised over draws.

    :math:`A = \sum_i (2i - n - 1)\,x_{(i)} / n^2`, half the mean absolute
    difference, in the units of the public-service index: the same number as
    :func:`inertia.measures.inequality.absolute_gini` on one cross-section.

    Parameters
    ----------
    ps : ndarray

    Returns
    -------
    ndarray
        One value per row.
    """
    values = np.sort(np.asarray(ps, dtype=float), axis=-1)
    n = values.shape[-1]
    ranks = 2.0 * np.arange(1, n + 1) - n - 1
    return np.sum(values * ranks, axis=-1) / (n * n)


def planned_horizon_gap(shortfall: pd.DataFrame) -> pd.Series:
    r"""Each city's planned gap to the cluster frontier at the horizon, :math:`r_c\,g_{ib}`.

    The plan of chapter 3 (:func:`inertia.measures.synergy.city_shortfall`)
    closes the base-year gap :math:`g_{ib}` linearly to the share :math:`r_c`
    of itself by the horizon, so the required closure is
    :math:`g_{ib}(1 - r_c)p_{ct}` with progress :math:`p_{ct}`; :math:`1 - r_c`
    is read back from the table's ``required`` and ``gap_base`` columns (the
    median over the cluster's city-years with progress and a gap; they agree
    to rounding), so the projection needs no other copy of the plan.

    Parameters
    ----------
    shortfall : DataFrame
        ``code, cluster, year, gap_base, required, milestone_year, horizon_year``.

    Returns
    -------
    Series
        By city code: :math:`r_c g_{ib}` on the gap scale (NaN without a base-year gap).
    """
    needed = {"code", "cluster", "year", "gap_base", "required", "milestone_year", "horizon_year"}
    if not needed <= set(shortfall.columns):
        raise DataError(
            f"Scenarios: the projected gap needs the shortfall columns {sorted(needed)} "
            "(chapter 3's city_shortfall)."
        )
    table = shortfall.dropna(subset=["gap_base", "required"])
    span = (table["horizon_year"] - table["milestone_year"]).astype(float)
    progress = ((table["year"] - table["milestone_year"]) / span).clip(0.0, 1.0)
    usable = (progress > 0) & (table["gap_base"].abs() > 1e-12)
    closure = (table["required"] / (table["gap_base"] * progress)).where(usable)
    share_closed = closure.groupby(table["cluster"]).median()
    bases = table.groupby("code").agg(cluster=("cluster", "first"), gap_base=("gap_base", "first"))
    return bases["gap_base"] * (1.0 - bases["cluster"].map(share_closed))


def _check_options(
    measures: Sequence[Measure],
    outcome: str,
    draws: str,
    pipeline: PipelineDraws | None,
    n_draws: int,
    ci: float,
    synergy_measure: str | None,
) -> None:
    """Refuse the options of :func:`run_scenarios` that it cannot use."""
    if not measures:
        raise ParameterError("Scenarios: no measure to run.")
    if outcome not in ("shortfall", "growth", "shortfall_growth"):
        raise ParameterError(
            "Scenarios: outcome must be 'shortfall', 'growth' or 'shortfall_growth'; "
            f"got {outcome!r}."
        )
    if draws not in ("normal", "bootstrap", "pipeline"):
        raise ParameterError(
            f"Scenarios: draws must be 'normal', 'bootstrap' or 'pipeline'; got {draws!r}."
        )
    if draws == "pipeline" and not isinstance(pipeline, PipelineDraws):
        raise ParameterError("Scenarios: draws='pipeline' needs pipeline=PipelineDraws(...).")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 2:
        raise ParameterError(f"Scenarios: n_draws must be an integer >= 2; got {n_draws!r}.")
    if not 0.0 < ci < 1.0:
        raise ParameterError(f"Scenarios: ci must lie strictly between 0 and 1; got {ci!r}.")
    if synergy_measure is not None and synergy_measure not in level_measures():
        raise ParameterError(
            f"Scenarios: synergy_measure must be one of {level_measures()} or None; "
            f"got {synergy_measure!r}."
        )


@dataclass(frozen=True)
class _ChainDraws:
    """The chain's coefficients a scenario propagates: the point and the usable draws."""

    point: np.ndarray  # (6,) a1 ... b3
    coef: np.ndarray  # (draws, 6)
    usable: np.ndarray | None  # the pipeline draws kept (None: every draw)
    scale: np.ndarray | None  # each draw's imitation scale (pipeline draws only)
    projection: Any  # the pipeline's projection, or None


def _chain_draws(
    chain: MediationResult | Mapping[str, float],
    covariance: np.ndarray | None,
    draws: str,
    n_draws: int,
    pipeline: PipelineDraws | None,
    rng: np.random.Generator,
    year0: int,
) -> _ChainDraws:
    """The coefficient draws: the pipeline's usable ones, or normal or bootstrap draws."""
    if draws != "pipeline":
        point, coef = _coefficient_draws(chain, covariance, draws, n_draws, rng)
        return _ChainDraws(point, coef, None, None, None)
    assert pipeline is not None
    scale = None
    point = np.asarray(pipeline.point, dtype=float)
    coef = np.asarray(pipeline.coefficients, dtype=float)
    usable = np.all(np.isfinite(coef), axis=1)
    if pipeline.imitation_scale is not None:
        scale = np.asarray(pipeline.imitation_scale, dtype=float)
        usable &= np.isfinite(scale)
    projection = pipeline.projection
    if projection is not None:
        if projection.levels.shape[0] != coef.shape[0]:
            raise ParameterError(
                "Scenarios: the projection needs one draw per coefficient draw."
            )
        if projection.baseline_year != year0:
            raise ParameterError(
                f"Scenarios: the projection starts in {projection.baseline_year}, the "
                f"levers act in {year0}."
            )
        # A resample can leave a cluster's projection unidentified (one distinct city).
        for cluster, horizon in projection.horizons.items():
            cities = projection.cluster == cluster
            usable &= np.all(np.isfinite(projection.at(horizon)[:, cities]), axis=1)
    coef = coef[usable]
    scale = scale[usable] if scale is not None else None
    if coef.shape[0] < 2:
        raise ParameterError("Scenarios: fewer than two usable pipeline draws.")
    return _ChainDraws(point, coef, usable, scale, projection)


def _multipliers(chain: _ChainDraws) -> tuple[np.ndarray, np.ndarray]:
    """Reduced form: how y responds to first-round changes of W, D, R, per draw and at the point."""
    a1, a2, a3, b1, b2, b3 = chain.coef.T
    multipliers = np.column_stack([b1 + a1 * b2 + (a3 + a2 * a1) * b3, b2 + a2 * b3, b3])
    if chain.scale is not None:
        multipliers[:, 2] *= chain.scale
    pa1, pa2, pa3, pb1, pb2, pb3 = chain.point
    point_multipliers = np.array([pb1 + pa1 * pb2 + (pa3 + pa2 * pa1) * pb3, pb2 + pa2 * pb3, pb3])
    return multipliers, point_multipliers


def _horizon_inputs(
    chain: _ChainDraws,
    base: pd.DataFrame,
    clusters: Sequence[str],
    horizons: Mapping[str, int],
    shortfall: pd.DataFrame,
    synergy_measure: str | None,
) -> tuple[dict[str, np.ndarray] | None, np.ndarray | None, pd.Series | None]:
    """The projected levels at each cluster's horizon, the planned gaps and the city positions.

    All None without a projection.
    """
    projection = chain.projection
    if projection is None:
        return None, None, None
    if synergy_measure is None:
        raise ParameterError("Scenarios: a projection is of use only with a synergy measure.")
    position = pd.Series(np.arange(len(projection.codes)), index=projection.codes)
    absent = sorted(set(base["code"]) - set(position.index))
    if absent:
        raise DataError(f"Scenarios: cities {absent[:5]} are not in the projection.")
    columns = position.loc[base["code"]].to_numpy()
    horizon_levels = {
        c: projection.at(horizons[c])[chain.usable][:, columns] for c in clusters
    }  # (draws, cities) at each cluster's horizon
    planned = planned_horizon_gap(shortfall).reindex(base["code"]).to_numpy(dtype=float)
    return horizon_levels, planned, position


def _shortfall_changes(
    outcome: str, delta_y: np.ndarray, point_y: np.ndarray, city_years: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The change of each city's shortfall (draws and point) from the change of the chain's y."""
    if outcome == "growth":
        # Growth accumulates to the horizon.
        return -delta_y * city_years, -point_y * city_years
    if outcome == "shortfall_growth":
        return delta_y * city_years, point_y * city_years
    return delta_y, point_y


def _lever_columns(
    measure: Measure, base: pd.DataFrame, flags: np.ndarray, first: np.ndarray
) -> dict[str, Any]:
    """The columns of a measure's first-round changes per city (:func:`lever_changes`)."""
    return {
        "measure": measure.name,
        "code": base["code"].to_numpy(),
        "cluster": base["cluster"].to_numpy(),
        "targeted": flags,
        "delta_weakness": first[:, 0],
        "delta_deviation": first[:, 1],
        "delta_reinforcement": first[:, 2],
    }


def _city_table(
    measure: Measure,
    base: pd.DataFrame,
    flags: np.ndarray,
    first: np.ndarray,
    short_change: np.ndarray,
    short_point: np.ndarray,
    ps_change: np.ndarray,
    ci: float,
) -> pd.DataFrame:
    """One row per city of a measure: its lever changes and its shortfall change."""
    low_city, high_city = _interval(short_change, ci)
    return pd.DataFrame(
        {
            **_lever_columns(measure, base, flags, first),
            "shortfall_change": short_change.mean(axis=0),
            "shortfall_change_point": short_point,
            "shortfall_change_low": low_city,
            "shortfall_change_high": high_city,
            "ps_change": ps_change.mean(axis=0),
        }
    )


def _synergy_changes(
    moved: np.ndarray,
    members: np.ndarray,
    level_h: np.ndarray | None,
    planned: np.ndarray | None,
    baseline_ps: np.ndarray | None,
    synergy_measure: str | None,
    ddof: int,
    log_scale: bool,
) -> dict[str, np.ndarray]:
    """A cluster's synergy quantities per draw: the gap changes and the horizon gaps.

    ``moved`` is the change of its cities' levels (draws, cities); ``level_h`` their
    projected levels at the horizon, or None to act on the baseline levels.
    """
    n_draw = moved.shape[0]
    nan = np.full(n_draw, np.nan)
    gap_change, abs_change = nan.copy(), nan.copy()
    horizon_gap, horizon_abs_gap, projected_shortfall = nan.copy(), nan.copy(), nan.copy()
    unmoved = ~np.any(moved != 0, axis=1)
    if synergy_measure is not None and members.sum() >= 2:
        if level_h is not None:
            assert planned is not None
            frontier = level_h.max(axis=1)
            bau = _to_ps(level_h, log_scale)
            counterfactual = _to_ps(level_h + moved, log_scale)
            projected_shortfall = np.nanmean(
                frontier[:, None] - level_h - planned[members][None, :], axis=1
            )
            with_plan = np.isfinite(planned[members])
            if with_plan.sum() >= 2:
                plan = _to_ps(
                    frontier[:, None] - planned[members][with_plan][None, :], log_scale
                )
                on_plan = bau[:, with_plan]
                # E - S at the horizon: E is the synergy of the planned levels.
                horizon_gap = synergy_of(plan, synergy_measure, ddof) - synergy_of(
                    on_plan, synergy_measure, ddof
                )
                horizon_abs_gap = absolute_inequality(on_plan) - absolute_inequality(plan)
        else:
            assert baseline_ps is not None
            bau = baseline_ps[members]
            counterfactual = (
                bau * np.exp(moved) if log_scale else bau + moved
            )
        s0 = synergy_of(bau, synergy_measure, ddof)
        s1 = synergy_of(counterfactual, synergy_measure, ddof)
        # numpy's summation order depends on memory alignment, so equal rows can
        # differ in the last bit: a draw that moves no city changes nothing.
        gap_change = np.where(unmoved, 0.0, -(s1 - s0))
        abs_change = np.where(
            unmoved, 0.0, absolute_inequality(counterfactual) - absolute_inequality(bau)
        )
    return {
        "gap_change": gap_change,
        "abs_gini_change": abs_change,
        "horizon_gap": horizon_gap,
        "horizon_abs_gap": horizon_abs_gap,
        "projected_shortfall": projected_shortfall,
    }


def _cluster_quantities(
    mean_change: np.ndarray, synergy: Mapping[str, np.ndarray], size: float
) -> dict[str, np.ndarray]:
    """Every quantity of a measure in a cluster, per draw, in the summary's column order."""
    n_draw = mean_change.shape[0]
    projected_shortfall = synergy["projected_shortfall"]
    gap_change, horizon_gap = synergy["gap_change"], synergy["horizon_gap"]
    abs_change, horizon_abs_gap = synergy["abs_gini_change"], synergy["horizon_abs_gap"]
    quantities = {"shortfall_change": mean_change}
    quantities["projected_shortfall"] = projected_shortfall
    quantities["share_shortfall_closed"] = np.where(
        projected_shortfall > 0, -mean_change / projected_shortfall, np.nan
    )
    quantities["gap_change"] = gap_change
    quantities["horizon_gap"] = horizon_gap
    quantities["share_horizon_gap_closed"] = np.where(
        horizon_gap > 0, -gap_change / horizon_gap, np.nan
    )
    quantities["abs_gini_change"] = abs_change
    quantities["horizon_abs_gap"] = horizon_abs_gap
    quantities["share_horizon_abs_gap_closed"] = np.where(
        horizon_abs_gap > 0, -abs_change / horizon_abs_gap, np.nan
    )
    for name in ("shortfall_change", "gap_change", "abs_gini_change"):
        quantities[f"{name}_per_unit"] = (
            quantities[name] / size if size != 0 else np.full(n_draw, np.nan)
        )
    return quantities


def _describe(
    measure: Measure, cluster: str, quantities: Mapping[str, np.ndarray], ci: float
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Each quantity's centre and interval for the summary row, and its long-table rows."""
    row: dict[str, float] = {}
    long_rows = []
    low: float | np.ndarray
    high: float | np.ndarray
    for name, values in quantities.items():
        finite = np.isfinite(values)
        if finite.any():
            low, high = _interval(values[finite], ci)
            mean, median = float(values[finite].mean()), float(np.median(values[finite]))
        else:
            low = high = mean = median = np.nan
        # Two kinds of draws are skewed, and take the median as their centre: a ratio's,
        # by denominators near zero; the absolute Gini's, by the exponentiated levels of
        # the few projection draws whose resampled beta-convergence slope is explosive
        # over a long horizon (PRD to 2035: a mean of 1e16 beside a 95% interval of
        # [-0.04, 0.05] in the default run).
        centre = median if name.startswith(("share_", "abs_gini_change")) else mean
        row[name], row[f"{name}_low"], row[f"{name}_high"] = centre, float(low), float(high)
        long_rows.append(
            {
                "measure": measure.name,
                "dimension": measure.dimension,
                "cluster": cluster,
                "quantity": name,
                "mean": mean,
                "median": median,
                "low": float(low),
                "high": float(high),
            }
        )
    return row, long_rows


def run_scenarios(
    measures: Sequence[Measure],
    roles: RoleIndices | pd.DataFrame,
    chain: MediationResult | Mapping[str, float],
    shortfall: pd.DataFrame,
    roster: pd.DataFrame | None = None,
    horizon_years: int | Mapping[str, int] | None = None,
    *,
    covariance: np.ndarray | None = None,
    baseline_year: int | None = None,
    outcome: Literal["shortfall", "growth", "shortfall_growth"] = "shortfall",
    synergy_measure: str | None = "dagum",
    ddof: int = 0,
    unit_changes: Mapping[str, float | str] | None = None,
    log_scale: bool = False,
    draws: Literal["normal", "bootstrap", "pipeline"] = "normal",
    pipeline: PipelineDraws | None = None,
    n_draws: int = 1000,
    seed: int | None = 20240601,
    ci: float = 0.95,
    paths: bool = True,
) -> ScenarioResult:
    r"""Propagate each measure through the estimated chain to the plan horizon.

    Parameters
    ----------
    measures : list of Measure
        E.g. :func:`default_measures` or :func:`measures_from_params`.
    roles : RoleIndices or DataFrame
        Role indices (``code, year, cluster, weakness, deviation,
        reinforcement`` and, unless ``unit_changes`` covers the levers, the
        components and weights of a :class:`~inertia.roles.RoleIndices`).
    chain : MediationResult or mapping
        The estimated chain, or the six coefficients ``a1 ... b3`` by name
        (ignored with ``draws="pipeline"``).
    shortfall : DataFrame
        ``code, year, shortfall`` and ``ps`` (the public-service level; needed
        for the synergy mapping), e.g. ``InertiaResult.shortfall``; with a
        projection also chapter 3's plan columns (:func:`planned_horizon_gap`).
    roster : DataFrame, optional
        Roster to validate explicit targets (default the reference roster).
    horizon_years : int or mapping cluster -> year, optional
        Plan horizon per cluster (default: ``horizon_year`` of
        :func:`inertia.measures.synergy.plan_schedule`).
    covariance : ndarray (6, 6), optional
        Covariance of the coefficients (default: the mediation's bootstrap covariance).
    baseline_year : int, optional
        Cross-section the levers act on (default: the last year with complete data).
    outcome : {"shortfall", "growth", "shortfall_growth"}
        What the chain's y is (see the module docstring).
    synergy_measure : str or None
        Relative synergy measure recomputed on the counterfactual PS, one of
        :func:`inertia.synergy_measures.level_measures` (the
        absolute Gini is computed beside it); None skips both.
    ddof : int
        CV degrees of freedom.
    unit_changes : mapping, optional
        Index change per natural unit for ``weakness``/``deviation`` levers,
        and for ``reinforcement`` the column holding the imitation term in
        index units; overrides the component mapping.
    log_scale : bool
        True when the shortfall is in log points of ``ps`` (the ``geometric``
        index): the counterfactual level is then :math:`PS\,e^{\Delta}`, not
        :math:`PS + \Delta`.
    draws : {"normal", "bootstrap", "pipeline"}
        Coefficient uncertainty: multivariate normal, the chain's bootstrap
        draws, or the whole-pipeline draws of ``pipeline``.
    pipeline : PipelineDraws, optional
        Required by ``draws="pipeline"``; with its projection, the synergy gap
        is measured on the projected horizon cross-section.
    n_draws : int, default 1000
        Multivariate-normal draws.
    seed : int, optional
        Seed of ``numpy.random.default_rng``.
    ci : float, default 0.95
    paths : bool, default True
        Compute the year-by-year fan-chart table (False leaves it empty).

    Returns
    -------
    ScenarioResult
    """
    _check_options(measures, outcome, draws, pipeline, n_draws, ci, synergy_measure)
    unit_changes = dict(unit_changes or {})
    codes, clusters_known = _known_clusters(roster)
    names = [m.name for m in measures]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ParameterError(f"Scenarios {duplicates} are defined twice; names must be unique.")
    measures = [_validated(m, codes, clusters_known) for m in measures]

    frame, weights = _role_frame(roles)
    base, year0, excluded = _baseline(frame, shortfall, baseline_year, synergy_measure is not None)
    clusters = sorted(base["cluster"].unique())
    horizons = _horizons(clusters, horizon_years)
    years = {c: horizons[c] - year0 for c in clusters}
    if outcome in ("growth", "shortfall_growth"):
        short = [c for c in clusters if years[c] < 1]
        if short:
            raise ParameterError(
                f"Scenarios: the plan horizon of {short} is not after the baseline year {year0}; "
                "with a growth outcome the lever would have no year to act."
            )

    rng = np.random.default_rng(seed)
    chain_draws = _chain_draws(chain, covariance, draws, n_draws, pipeline, rng, year0)
    coef, projection, usable = chain_draws.coef, chain_draws.projection, chain_draws.usable
    multipliers, point_multipliers = _multipliers(chain_draws)
    n_draw = coef.shape[0]

    cluster_of_city = base["cluster"].to_numpy()
    city_years = np.array([max(years[c], 0) for c in cluster_of_city], dtype=float)
    horizon_levels, planned, position = _horizon_inputs(
        chain_draws, base, clusters, horizons, shortfall, synergy_measure
    )
    baseline_ps = base["ps"].to_numpy(dtype=float) if synergy_measure is not None else None

    quantity_draws: dict[tuple[str, str, str], np.ndarray] = {}
    summary_rows, long_rows, path_rows, city_tables, draw_tables = [], [], [], [], []
    for measure in measures:
        first, flags = _measure_first_round(measure, base, weights, frame, unit_changes)
        delta_y = multipliers @ first.T  # (draws, cities)
        point_y = first @ point_multipliers  # (cities,), the point coefficients
        short_change, short_point = _shortfall_changes(outcome, delta_y, point_y, city_years)
        ps_change = -short_change
        city_tables.append(
            _city_table(measure, base, flags, first, short_change, short_point, ps_change, ci)
        )
        for cluster in clusters:
            members = cluster_of_city == cluster
            mean_change = short_change[:, members].mean(axis=1)
            moved = ps_change[:, members]
            synergy = _synergy_changes(
                moved,
                members,
                None if horizon_levels is None else horizon_levels[cluster][:, members],
                planned,
                baseline_ps,
                synergy_measure,
                ddof,
                log_scale,
            )
            quantities = _cluster_quantities(mean_change, synergy, measure.size)
            row: dict[str, Any] = {
                "measure": measure.name,
                "dimension": measure.dimension,
                "size": measure.size,
                "unit": measure.unit,
                "cluster": cluster,
                "horizon_year": horizons[cluster],
                "years": years[cluster],
                "n_cities": int(members.sum()),
                "n_targeted": int(flags[members].sum()),
                "shortfall_change_point": float(short_point[members].mean()),
            }
            for name, values in quantities.items():
                quantity_draws[(measure.name, cluster, name)] = values
            described, rows = _describe(measure, cluster, quantities, ci)
            row.update(described)
            long_rows += rows
            summary_rows.append(row)
            draw_tables.append(
                pd.DataFrame(
                    {
                        "measure": measure.name,
                        "cluster": cluster,
                        "draw": np.arange(n_draw),
                        "shortfall_change": mean_change,
                        "gap_change": synergy["gap_change"],
                        "abs_gini_change": synergy["abs_gini_change"],
                    }
                )
            )
            if paths:
                path_rows += _path_rows(
                    measure.name,
                    cluster,
                    year0,
                    horizons[cluster],
                    outcome,
                    mean_change,
                    baseline_ps[members] if baseline_ps is not None else None,
                    moved,
                    synergy_measure,
                    ddof,
                    log_scale,
                    projection=(
                        None
                        # usable and position are set whenever there is a projection
                        if projection is None or usable is None or position is None
                        else (projection, usable, position.loc[base["code"][members]].to_numpy())
                    ),
                )

    summary = pd.DataFrame(summary_rows)
    ranking = _ranking(measures, clusters, quantity_draws, synergy_measure is not None, ci)
    return ScenarioResult(
        summary=summary,
        changes=pd.DataFrame(long_rows),
        path=pd.DataFrame(path_rows),
        ranking=ranking,
        city=pd.concat(city_tables, ignore_index=True),
        draws=pd.concat(draw_tables, ignore_index=True),
        coefficient_draws=coef,
        baseline_year=year0,
        excluded=excluded,
        params={
            "outcome": outcome,
            "synergy_measure": synergy_measure,
            "draws": draws,
            "n_draws": n_draw,
            "seed": seed,
            "ci": ci,
            "horizons": horizons,
            "unit_changes": unit_changes,
            "projected": projection is not None,
            "point_coefficients": dict(
                zip(COEFFICIENTS, map(float, chain_draws.point), strict=True)
            ),
        },
    )


FAN_QUANTILES = (0.025, 0.10, 0.25, 0.50, 0.75, 0.90, 0.975)


def _fan(values: np.ndarray) -> dict[str, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"mean": np.nan, **{_qname(q): np.nan for q in FAN_QUANTILES}}
    quantiles = np.quantile(finite, FAN_QUANTILES)
    return {
        "mean": float(finite.mean()),
        **{_qname(q): float(v) for q, v in zip(FAN_QUANTILES, quantiles, strict=True)},
    }


def _qname(q: float) -> str:
    """0.025 -> ``q02_5``, 0.1 -> ``q10``."""
    whole, _, decimals = f"{100 * q:g}".partition(".")
    return "q" + whole.zfill(2) + (f"_{decimals}" if decimals else "")


def _path_rows(
    measure: str,
    cluster: str,
    year0: int,
    horizon: int,
    outcome: str,
    mean_change: np.ndarray,
    ps0: np.ndarray | None,
    ps_change: np.ndarray,
    synergy_measure: str | None,
    ddof: int,
    log_scale: bool = False,
    projection: tuple[Any, np.ndarray, np.ndarray] | None = None,
) -> list[dict[str, Any]]:
    """Year-by-year changes from the year after the baseline to the horizon (fan charts).

    With a projection ``(ProjectionDraws, usable draws, columns of the cluster's
    cities)`` each year's change is measured on that year's projected cross-section.
    """
    rows = []
    total_years = max(horizon - year0, 0)
    for step in range(1, total_years + 1):
        # Growth effects accumulate linearly; a level (shortfall) effect is in full at once.
        fraction = step / total_years if outcome in ("growth", "shortfall_growth") else 1.0
        key = {"measure": measure, "cluster": cluster, "year": year0 + step}
        rows.append({**key, "quantity": "shortfall_change", **_fan(mean_change * fraction)})
        if synergy_measure is None or ps0 is None or ps0.size < 2:
            continue
        moved = ps_change * fraction
        if projection is None:
            bau = ps0
            counterfactual = ps0 * np.exp(moved) if log_scale else ps0 + moved
        else:
            draws_of, usable, columns = projection
            level = draws_of.at(year0 + step)[usable][:, columns]
            bau, counterfactual = _to_ps(level, log_scale), _to_ps(level + moved, log_scale)
        unmoved = ~np.any(moved != 0, axis=1)
        relative = -(synergy_of(counterfactual, synergy_measure, ddof) - synergy_of(
            bau, synergy_measure, ddof
        ))
        absolute = absolute_inequality(counterfactual) - absolute_inequality(bau)
        rows.append({**key, "quantity": "gap_change", **_fan(np.where(unmoved, 0.0, relative))})
        rows.append(
            {**key, "quantity": "abs_gini_change", **_fan(np.where(unmoved, 0.0, absolute))}
        )
    return rows


def _ranking(
    measures: Sequence[Measure],
    clusters: Sequence[str],
    quantity_draws: Mapping[tuple[str, str, str], np.ndarray],
    by_gap: bool,
    ci: float,
) -> pd.DataFrame:
    criterion = "gap_change" if by_gap else "shortfall_change"
    rows = []
    for cluster in clusters:
        stacked = np.column_stack([quantity_draws[(m.name, cluster, criterion)] for m in measures])
        valid = np.all(np.isfinite(stacked), axis=1)
        best = np.argmin(stacked[valid], axis=1) if valid.any() else np.array([], dtype=int)
        means = np.nanmean(stacked, axis=0)
        order = np.argsort(means, kind="mergesort")
        for rank, j in enumerate(order, start=1):
            low, high = _interval(stacked[:, j][np.isfinite(stacked[:, j])], ci)
            rows.append(
                {
                    "cluster": cluster,
                    "rank": rank,
                    "measure": measures[j].name,
                    "criterion": criterion,
                    "mean": float(means[j]),
                    "low": float(low),
                    "high": float(high),
                    "prob_best": float(np.mean(best == j)) if best.size else np.nan,
                }
            )
    return pd.DataFrame(rows)
