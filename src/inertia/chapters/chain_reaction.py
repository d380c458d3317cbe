r"""Chapter 5's analysis (notebook ``05_chain_reaction``): the chain W -> D -> R -> inertia.

The chain is a serial mediation on data with city and cluster-by-year effects
removed (:func:`inertia.models.mediation.serial_mediation`, Hayes' model 6):

.. math::

    D_{it} &= a_1 W_{it} + e_{1,it}

    R_{it} &= a_2 D_{it} + a_3 W_{it} + a_4 \textstyle\sum_j w_{ij} D_{jt} + e_{2,it}

    \Delta y_{it} &= b_1 W_{it} + b_2 D_{it} + b_3 R_{it} + c_{it}'\gamma + e_{3,it}

with every role measured by its marker and instrumented by its second
indicator (as in chapter 4's headline, :func:`inertia.models.panel.fit_eiv`),
and the neighbours' deviation (the spatial lag of the deviation marker, over
the real city boundaries) instrumented by the spatial lag of the second
deviation indicator. The indirect effects are products of paths, e.g.
:math:`a_1 a_2 b_3` for W -> D -> R -> inertia; their intervals come from a
bootstrap that resamples whole cities.

Identification (stated in the chapter): *sequential ignorability* (Imai,
Keele & Tingley 2010, *Psychological Methods* 15(4), 309-334): given the
fixed effects and the earlier links of the chain, each mediator is as good as
randomly assigned with respect to the later equations' errors; in particular
no unmeasured confounder of a mediator and the outcome varies within cities
over time. :func:`sensitivity_analysis` asks how strong a violation would
have to be (the error correlation at which each indirect effect vanishes,
Imai, Keele & Yamamoto 2010, *Statistical Science* 25(1), 51-71). The
negative-reinforcement markers (growth push, credit intensity) use no data of
the city's own deviation components, so the link D -> R is not definitional
(:func:`component_data` lists what each component reads); with
``reinforcement="imitation"`` it partly is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from inertia.chapters.role_deviation import OUTCOME, controls_of
from inertia.chapters.verdicts import ChapterVerdict, Claim
from inertia.roles import DIMENSIONS, RoleIndices

__all__ = [
    "NEIGHBOUR",
    "NEIGHBOUR_INSTRUMENT",
    "PAIR_TEXT",
    "chain_frame",
    "chapter_verdict",
    "component_data",
    "fit_chain",
    "sensitivity_analysis",
    "true_paths",
    "truth_check",
]

#: Columns of the neighbours' deviation marker and of its instrument.
NEIGHBOUR = "neighbour_deviation_marker"
NEIGHBOUR_INSTRUMENT = "neighbour_deviation_second"
#: The chain claims: claim name -> (path of the mediation result, statement).
CHAIN_CLAIMS: dict[str, tuple[str, str]] = {
    "link_weakness_deviation": (
        "a1_W_D",
        "Role weakness drives role deviation: a city whose fiscal gap widens cuts the "
        "livelihood share of its budget.",
    ),
    "link_deviation_reinforcement": (
        "a2_D_R",
        "Role deviation drives negative reinforcement: a city that cuts its livelihood share "
        "pushes growth harder.",
    ),
    "link_weakness_reinforcement": (
        "a3_W_R",
        "Role weakness drives negative reinforcement directly.",
    ),
    "indirect_chain": (
        "indirect_W_D_R_y",
        "The full chain W -> D -> R -> inertia carries an effect of weakness on inertia.",
    ),
    "total_indirect_weakness": (
        "total_indirect_W",
        "Role weakness adds to inertia through deviation and reinforcement together.",
    ),
}


#: The error correlations of the sensitivity analysis, in words.
PAIR_TEXT: dict[str, str] = {
    "D_y": "the deviation equation's and the outcome equation's errors",
    "R_y": "the reinforcement equation's and the outcome equation's errors",
    "D_R": "the deviation equation's and the reinforcement equation's errors",
}
#: The chain claims each indirect path stands for.
INDIRECT_CLAIMS = {
    "indirect_W_D_R_y": "indirect_chain",
    "total_indirect_W": "total_indirect_weakness",
}


def component_data(roles: RoleIndices) -> pd.DataFrame:
    """What each role component reads, and which components of other dimensions share it.

    Parameters
    ----------
    roles : RoleIndices
        Its ``components`` say which components the run uses.

    Returns
    -------
    DataFrame
        ``dimension, component, use`` (marker or instrument), ``data`` (the
        panel variables it is computed from, :data:`inertia.roles.COMPONENT_DATA`),
        ``shared_with`` (components of the other dimensions that read one of
        them, with the shared variables; empty when none) and ``n_shared``.
    """
    from inertia.roles import COMPONENT_DATA

    rows = []
    used = [
        (dimension, component, use)
        for dimension, pair in roles.components.items()
        for component, use in zip(pair, ("marker", "instrument"), strict=True)
    ]
    for dimension, component, use in used:
        reads = set(COMPONENT_DATA[component])
        shared = []
        for other_dimension, other, _ in used:
            common = sorted(reads & set(COMPONENT_DATA[other]))
            if other_dimension != dimension and common:
                shared.append(f"{other} ({', '.join(common)})")
        rows.append(
            {
                "dimension": dimension,
                "component": component,
                "use": use,
                "data": ", ".join(COMPONENT_DATA[component]),
                "shared_with": "; ".join(shared),
                "n_shared": len(shared),
            }
        )
    return pd.DataFrame(rows)


def sensitivity_analysis(result: Any, rho: Any = None) -> Any:
    """How strongly unmeasured confounding would have to correlate the chain's errors.

    :func:`inertia.models.mediation.sensitivity` on the fitted chain: for the
    deviation-outcome, reinforcement-outcome and deviation-reinforcement
    error correlations, each indirect effect as a function of the correlation,
    with its city-bootstrap band, and the correlation at which it vanishes.

    Parameters
    ----------
    result : MediationResult
        :func:`fit_chain`.
    rho : array-like, optional
        Grid of correlations (default :data:`inertia.models.mediation.RHO_GRID`).

    Returns
    -------
    SensitivityResult
    """
    from inertia.models.mediation import sensitivity

    return sensitivity(result, rho)


def chain_frame(frame: pd.DataFrame, roles: RoleIndices, weights: Any) -> pd.DataFrame:
    """Add the neighbours' deviation marker and its instrument to chapter 4's frame.

    Parameters
    ----------
    frame : DataFrame
        :func:`inertia.chapters.role_deviation.estimation_frame`.
    roles : RoleIndices
    weights : libpysal.weights.W
        Spatial weights with the city codes as ids.

    Returns
    -------
    DataFrame
        ``frame`` with :data:`NEIGHBOUR` and :data:`NEIGHBOUR_INSTRUMENT`.
    """
    from inertia.transforms import spatial_lag

    marker, second = roles.markers["deviation"], roles.second["deviation"]
    lagged = spatial_lag(frame, [marker, second], weights, prefix="neighbour_")
    out = frame.copy()
    out[NEIGHBOUR] = lagged[f"neighbour_{marker}"]
    out[NEIGHBOUR_INSTRUMENT] = lagged[f"neighbour_{second}"]
    return out


def study_frame(roles: RoleIndices, shortfall: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """The chain's frame of a run: chapter 4's estimation frame with the neighbours' deviation.

    Chapters 05 and 06 build it alike: :func:`chain_frame` of
    :func:`~inertia.chapters.role_deviation.estimation_frame` with the
    roster's spatial weights (:func:`~inertia.data.geometry.weights_for_roster`).

    Parameters
    ----------
    roles : RoleIndices
    shortfall : DataFrame
        :func:`inertia.measures.synergy.city_shortfall`.
    roster : DataFrame
        The cities of the run (the clusters').

    Returns
    -------
    DataFrame
        As :func:`chain_frame`.
    """
    from inertia.chapters.role_deviation import estimation_frame
    from inertia.data.geometry import weights_for_roster

    frame = estimation_frame(roles, shortfall, roster)
    return chain_frame(frame, roles, weights_for_roster(roster))


def fit_chain(
    frame: pd.DataFrame,
    roles: RoleIndices,
    *,
    n_boot: int = 1000,
    seed: int | None = 20240601,
    ci: float = 0.95,
) -> Any:
    """The chain as a serial mediation with the measurement correction.

    Parameters
    ----------
    frame : DataFrame
        :func:`chain_frame`.
    roles : RoleIndices
    n_boot : int
        City-bootstrap draws.
    seed : int, optional
        Seed of the bootstrap.
    ci : float
        Interval level.

    Returns
    -------
    MediationResult
    """
    from inertia.models.mediation import serial_mediation

    markers = roles.markers
    instruments = {markers[d]: roles.second[d] for d in DIMENSIONS}
    instruments[NEIGHBOUR] = NEIGHBOUR_INSTRUMENT
    return serial_mediation(
        frame,
        x=markers["weakness"],
        m1=markers["deviation"],
        m2=markers["reinforcement"],
        y=OUTCOME,
        controls={"m2": [NEIGHBOUR], "y": controls_of(frame)},
        time="cluster_year",
        lag_time="year",
        instruments=instruments,
        n_boot=n_boot,
        seed=seed,
        ci=ci,
    )


def bootstrap_pvalue(draws: np.ndarray, null: float = 0.0) -> float:
    """Two-sided percentile-bootstrap p-value of H0: path = ``null``.

    Twice the smaller share of finite draws on either side of ``null``
    (the smallest level at which the percentile interval excludes it), with
    the :math:`(k + 1)/(B + 1)` correction that keeps it above zero.

    Parameters
    ----------
    draws : ndarray
    null : float

    Returns
    -------
    float
    """
    values = np.asarray(draws, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan")
    below = (np.sum(values <= null) + 1) / (values.size + 1)
    above = (np.sum(values >= null) + 1) / (values.size + 1)
    return float(min(1.0, 2 * min(below, above)))


def chapter_verdict(
    result: Any, data_source: str, *, alpha: float = 0.05, sensitivity: Any = None
) -> ChapterVerdict:
    """The verdict on each link of the chain and on the indirect effects.

    Each claim is tested two-sided (H0: path = 0) with the percentile interval
    of the city bootstrap at level ``1 - alpha``: ``present`` when the interval
    excludes 0 and the path has the theorised sign (positive), ``reversed``
    when it excludes 0 with the other sign, ``not detected`` otherwise.

    Parameters
    ----------
    result : MediationResult
        :func:`fit_chain`.
    data_source : str
    alpha : float
    sensitivity : SensitivityResult, optional
        :func:`sensitivity_analysis`; the indirect claims then carry, in
        ``details["rho_zero"]`` and ``details["rho_band_zero"]``, the error
        correlation (per pair) at which the effect vanishes and at which its
        band first covers zero.

    Returns
    -------
    ChapterVerdict
    """
    from inertia.models.mediation import PATHS

    order = [name for name, _ in PATHS]
    paths = result.paths.set_index("path")
    claims = []
    for claim, (path, statement) in CHAIN_CLAIMS.items():
        row = paths.loc[path]
        draws = result.boot_paths[:, order.index(path)] if result.n_boot else np.array([])
        low, high = (
            np.nanquantile(draws, [alpha / 2, 1 - alpha / 2]) if draws.size else (np.nan, np.nan)
        )
        p_value = bootstrap_pvalue(draws)
        rejected = bool(np.isfinite(p_value) and p_value < alpha)
        word = (
            ("present" if row["estimate"] > 0 else "reversed") if rejected else "not detected"
        )
        claims.append(
            Claim(
                claim=claim,
                statement=statement,
                verdict=word,
                rejected=rejected if np.isfinite(p_value) else None,
                test=(
                    "two-sided percentile city-bootstrap test of H0: path = 0 "
                    f"({result.n_boot} draws), 2SLS paths on within-city data"
                ),
                statistic=str(row["description"]),
                estimate=float(row["estimate"]),
                se=float(row["se"]),
                ci_low=float(low),
                ci_high=float(high),
                p_value=p_value,
                alpha=alpha,
                null_value=0.0,
                n=int(result.n),
                details=_details(path, sensitivity),
            )
        )
    return ChapterVerdict("05_chain_reaction", data_source, tuple(claims))


def _details(path: str, sensitivity: Any) -> dict[str, Any]:
    details: dict[str, Any] = {"path": path}
    if sensitivity is not None and path in INDIRECT_CLAIMS:
        rows = sensitivity.table[sensitivity.table["path"] == path]
        details["rho_zero"] = {r.pair: float(r.rho_zero) for r in rows.itertuples()}
        details["rho_band_zero"] = {r.pair: float(r.rho_band_zero) for r in rows.itertuples()}
    return details


def true_paths(truth: dict[str, Any]) -> pd.Series:
    """The simulation's true value of every path of :func:`fit_chain` (simulated data only).

    The a-paths are the chain links and the b-paths the roles' effects on the
    shortfall growth, each on its marker's scale
    (``truth["estimands"]``; docs/simulation.md, section 5).

    Parameters
    ----------
    truth : dict
        ``SimulatedPanel.truth``.

    Returns
    -------
    Series
        Indexed by the path names of :data:`inertia.models.mediation.PATHS`.
    """
    from inertia.models.mediation import PATHS, path_values

    chain = truth["estimands"]["chain"]
    effects = truth["estimands"]["roles"]["effect_on_shortfall_growth"]
    coefficients = np.array(
        [
            chain["weakness_to_deviation"],
            chain["deviation_to_reinforcement"],
            chain["weakness_to_reinforcement"],
            effects["weakness"],
            effects["deviation"],
            effects["reinforcement"],
        ],
        dtype=float,
    )
    return pd.Series(path_values(coefficients), index=[p for p, _ in PATHS])


def truth_check(paths: pd.DataFrame, truth: pd.Series) -> pd.DataFrame:
    """Estimate against truth per path, and whether the truth lies inside its interval.

    Parameters
    ----------
    paths : DataFrame
        ``MediationResult.paths``.
    truth : Series
        :func:`true_paths`.

    Returns
    -------
    DataFrame
        ``path``, ``description``, ``truth``, ``estimate``, ``bias``, ``ci_low``,
        ``ci_high``, ``covered`` (percentile interval).
    """
    table = paths.set_index("path").loc[[p for p in truth.index if p in set(paths["path"])]]
    table = table.drop(index=[p for p in table.index if p.startswith("proportion")])
    out = pd.DataFrame(
        {
            "path": table.index,
            "description": table["description"].to_numpy(),
            "truth": truth.loc[table.index].to_numpy(dtype=float),
            "estimate": table["estimate"].to_numpy(dtype=float),
        }
    )
    out["bias"] = out["estimate"] - out["truth"]
    out["ci_low"], out["ci_high"] = table["ci_low"].to_numpy(), table["ci_high"].to_numpy()
    out["covered"] = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    return out
