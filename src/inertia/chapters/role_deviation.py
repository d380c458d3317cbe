r"""Chapter 4's analysis (notebook ``04_role_deviation``): do the roles drive inertia?

This module is the one home of the chapter's glue (the role indices "as in
chapter 04", the population denominator, the outcome and the controls), used
by notebooks 04 to 07 and by the validation harness (:mod:`inertia.validation`).

The outcome is the yearly growth of each city's shortfall from its planned
path, :math:`\Delta y_{it}` (:func:`shortfall_growth`, from chapter 3's
:func:`~inertia.measures.synergy.city_shortfall`): the roles act on how fast
a city's public services grow, so this is where their effects show. The
headline regression (:func:`headline`) is

.. math:: \Delta y_{it} = \beta_W W_{it} + \beta_D D_{it} + \beta_R R_{it}
          + \sum_c \gamma_c \Delta q_{it} 1[c(i) = c] + \kappa C_{it}
          + \alpha_i + \mu_{c(i)t} + \varepsilon_{it},

with each role measured by its marker (fiscal gap, non-livelihood budget
share, growth push) and instrumented by its second indicator (spending per
person, science tilt, credit intensity; :func:`inertia.models.panel.fit_eiv`),
so that :math:`\beta` is the effect per unit of the latent role on its
marker's scale, free of the markers' measurement error. :math:`\Delta q` is the
yearly closure the plan requires (it enters the shortfall by definition, and
the milestones' effects are proportional to it), :math:`C` membership of the
YRD City Economic Coordination Council, :math:`\alpha_i` city effects and
:math:`\mu_{ct}` cluster-by-year effects. SEs are clustered by city.
The naive regression on the markers (:func:`naive`) is reported beside it;
its coefficients are attenuated by the markers' reliability.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from inertia.chapters.verdicts import ChapterVerdict, Claim
from inertia.errors import DataError
from inertia.roles import DIMENSIONS, RoleIndices, role_indices
from inertia.transforms import change_per_year

__all__ = [
    "OUTCOME",
    "chapter_verdict",
    "controls_of",
    "estimation_frame",
    "headline",
    "naive",
    "on_waves",
    "roles_for",
    "roles_from_artefact",
    "shortfall_growth",
    "truth_check",
]

#: The dependent variable of the chapter.
OUTCOME = "shortfall_growth"
#: What the outcome is, for captions and sentences.
OUTCOME_TEXT = "yearly growth of the shortfall from the planned path (log points of PS)"


def roles_for(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    weights: Any = None,
    *,
    method: str = "standardised",
    **options: Any,
) -> RoleIndices:
    """The role indices of the chapter, with the chapter's population denominator.

    Spending per person divides by :func:`inertia.measures.public_service.population`
    (registered population, interpolated within the city where missing), the
    denominator of the public-service index, so that a change of the
    population definition in one edition moves neither.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel.
    roster : DataFrame
        Code -> cluster.
    weights : libpysal.weights.W, optional
        Spatial weights (needed by ``reinforcement="imitation"``).
    method : str
        Composite weighting (:data:`inertia.roles.METHODS`).
    **options
        Passed to :func:`inertia.roles.role_indices`.

    Returns
    -------
    RoleIndices
    """
    from inertia.measures.public_service import population

    data = panel.copy()
    data["population"], _ = population(data)
    return role_indices(data, roster, weights, method, population="population", **options)


def roles_from_artefact(frame: pd.DataFrame, method: str = "standardised") -> RoleIndices:
    """Chapter 4's role indices as later chapters read them (its ``role_indices`` artefact).

    The components present in the artefact say which definition of negative
    reinforcement chapter 4 used, so the later chapters use the same markers
    and instruments without recomputing the indices.

    Parameters
    ----------
    frame : DataFrame
        The ``role_indices`` artefact (:attr:`inertia.roles.RoleIndices.frame`).
    method : str
        The composite weighting chapter 4 used (for the record).

    Returns
    -------
    RoleIndices
        With empty ``weights``.

    Raises
    ------
    DataError
        When the artefact lacks the components of every known definition.
    """
    from inertia.roles import COMPONENTS, REINFORCEMENT_COMPONENTS

    for name, pair in REINFORCEMENT_COMPONENTS.items():
        if set(pair) <= set(frame.columns):
            components = {**COMPONENTS, "reinforcement": pair}
            return RoleIndices(
                frame=frame,
                weights=pd.DataFrame(columns=["dimension", "component", "weight"]),
                method=method,
                components=components,
                options={"reinforcement": name},
            )
    raise DataError(
        "The role_indices artefact has none of the reinforcement components "
        f"{list(REINFORCEMENT_COMPONENTS.values())}; re-run notebook 04_role_deviation."
    )


def shortfall_growth(shortfall: pd.DataFrame) -> pd.DataFrame:
    """Yearly change of the shortfall and of the required closure since the previous data year.

    Parameters
    ----------
    shortfall : DataFrame
        :func:`~inertia.measures.synergy.city_shortfall` (or chapter 3's
        ``shortfall`` artefact): ``code``, ``year``, ``cluster``,
        ``shortfall``, ``required``.

    Returns
    -------
    DataFrame
        ``code``, ``year``, ``cluster``, ``shortfall_growth`` and
        ``required_change`` (per year; NaN in the first data year).
    """
    frame = shortfall[["code", "year", "cluster", "shortfall", "required"]].copy()
    frame["required"] = frame["required"].fillna(0.0).where(frame["shortfall"].notna())
    out = frame[["code", "year", "cluster"]].copy()
    out[OUTCOME] = change_per_year(frame, "shortfall")
    out["required_change"] = change_per_year(frame, "required")
    return out


def estimation_frame(
    roles: RoleIndices, shortfall: pd.DataFrame, roster: pd.DataFrame
) -> pd.DataFrame:
    """The chapter's estimation frame: roles, outcome, controls and effect labels.

    Parameters
    ----------
    roles : RoleIndices
    shortfall : DataFrame
        Chapter 3's shortfall (see :func:`shortfall_growth`).
    roster : DataFrame
        With ``yrd_council_joined`` (year joined, missing if never).

    Returns
    -------
    DataFrame
        ``roles.frame`` with ``shortfall``, ``shortfall_growth``, ``required_change``,
        ``required_change_<cluster>`` for every cluster, ``council_member``
        (1 from the year a city joined the YRD council) and ``cluster_year``
        (an integer label of the cluster-by-year effect).
    """
    growth = shortfall_growth(shortfall).merge(
        shortfall[["code", "year", "shortfall"]], on=["code", "year"], how="left"
    )
    frame = roles.frame.merge(
        growth.drop(columns="cluster"), on=["code", "year"], how="left", validate="1:1"
    )
    for cluster in sorted(frame["cluster"].unique()):
        frame[f"required_change_{cluster}"] = frame["required_change"].where(
            frame["cluster"] == cluster, 0.0
        )
    table = roster.reset_index() if "code" not in roster.columns else roster
    joined = pd.Series(
        table["yrd_council_joined"].astype("Float64").to_numpy(), index=table["code"].astype(int)
    ) if "yrd_council_joined" in table.columns else pd.Series(dtype=float)
    joined_year = frame["code"].map(joined).astype(float)
    frame["council_member"] = (frame["year"] >= joined_year).astype(float)
    labels = frame["cluster"].astype(str) + ":" + frame["year"].astype(str)
    frame["cluster_year"] = pd.factorize(labels, sort=True)[0]
    return frame


def controls_of(frame: pd.DataFrame) -> list[str]:
    """The controls of the chapter's regressions present and varying in ``frame``.

    Parameters
    ----------
    frame : DataFrame
        :func:`estimation_frame`.

    Returns
    -------
    list of str
        ``required_change_<cluster>`` of the clusters whose required closure
        varies, and ``council_member`` when some city joins the council in the sample.
    """
    names = [c for c in frame.columns if c.startswith("required_change_")]
    names = [c for c in names if frame[c].abs().sum() > 0]
    council = frame.dropna(subset=[OUTCOME])
    if council.groupby("code")["council_member"].nunique().max() > 1:
        names.append("council_member")
    return names


def headline(
    frame: pd.DataFrame,
    roles: RoleIndices,
    *,
    controls: Sequence[str] | None = None,
) -> Any:
    """The chapter's headline: errors-in-variables 2SLS of the shortfall growth on the roles.

    Parameters
    ----------
    frame : DataFrame
        :func:`estimation_frame`.
    roles : RoleIndices
        For the markers and their instruments.
    controls : sequence of str, optional
        Default :func:`controls_of`.

    Returns
    -------
    PanelFit
        :func:`inertia.models.panel.fit_eiv`; its terms are the markers.
    """
    from inertia.models.panel import fit_eiv

    markers = [roles.markers[d] for d in DIMENSIONS]
    instruments = [roles.second[d] for d in DIMENSIONS]
    return fit_eiv(
        frame,
        OUTCOME,
        markers,
        instruments,
        controls_of(frame) if controls is None else list(controls),
        other="cluster_year",
        name="EIV 2SLS (markers instrumented)",
    )


def naive(
    frame: pd.DataFrame,
    regressors: Sequence[str],
    *,
    controls: Sequence[str] | None = None,
    se: str = "clustered",
    name: str = "TWFE",
) -> Any:
    """Two-way fixed effects (city and cluster-by-year effects) without the measurement correction.

    Parameters
    ----------
    frame : DataFrame
        :func:`estimation_frame`.
    regressors : sequence of str
        The markers, or the composite indices ``weakness, deviation, reinforcement``.
    controls : sequence of str, optional
        Default :func:`controls_of`.
    se : {"clustered", "driscoll-kraay"}
    name : str

    Returns
    -------
    PanelFit
    """
    from inertia.models.panel import fit_twfe

    return fit_twfe(
        frame,
        OUTCOME,
        list(regressors),
        controls_of(frame) if controls is None else list(controls),
        se=se,
        other="cluster_year",
        name=name,
    )


def chapter_verdict(
    fit: Any, roles: RoleIndices, data_source: str, *, alpha: float = 0.05
) -> ChapterVerdict:
    """The verdict on each role's effect, from the headline fit.

    Each claim "role X adds to inertia" is tested two-sided (H0: no effect) at
    ``alpha``: ``adds to inertia`` when the effect is significantly positive,
    ``reduces inertia`` when significantly negative, ``no detectable effect``
    otherwise.

    Parameters
    ----------
    fit : PanelFit
        :func:`headline`.
    roles : RoleIndices
    data_source : str
    alpha : float

    Returns
    -------
    ChapterVerdict
    """
    tidy = fit.tidy().set_index("term")
    first = fit.extra.get("first_stage")
    claims = []
    for dimension in DIMENSIONS:
        marker = roles.markers[dimension]
        if marker not in tidy.index:
            raise DataError(f"The headline fit has no term {marker!r} for {dimension}.")
        row = tidy.loc[marker]
        rejected = bool(row["p"] < alpha)
        word = (
            ("adds to inertia" if row["coef"] > 0 else "reduces inertia")
            if rejected
            else "no detectable effect"
        )
        details: dict[str, Any] = {"marker": marker, "instrument": roles.second[dimension]}
        if first is not None:
            stage = first.set_index("endog")
            if marker in stage.index:
                details["first_stage_F"] = float(stage.at[marker, "partial_F"])
        claims.append(
            Claim(
                claim=f"effect_{dimension}",
                statement=(
                    f"Role {dimension} adds to inertia: a city whose {marker.replace('_', ' ')} "
                    "rises falls further behind its planned public-service path."
                ),
                verdict=word,
                rejected=rejected,
                test=(
                    "two-sided t test (t with G - 1 df, SEs clustered by city) of H0: no effect "
                    "on the shortfall growth, 2SLS with the marker instrumented by the second "
                    "indicator, city and cluster-by-year effects"
                ),
                statistic=f"effect of {dimension} on the shortfall growth",
                estimate=float(row["coef"]),
                se=float(row["se"]),
                ci_low=float(row["ci_low"]),
                ci_high=float(row["ci_high"]),
                p_value=float(row["p"]),
                alpha=alpha,
                null_value=0.0,
                n=int(fit.nobs),
                details=details,
            )
        )
    return ChapterVerdict("04_role_deviation", data_source, tuple(claims))


def reliability_note(validity: pd.DataFrame) -> list[str]:
    """Plain-language warnings from :func:`inertia.roles.construct_validity`.

    Parameters
    ----------
    validity : DataFrame

    Returns
    -------
    list of str
        One sentence per dimension whose components disagree in sign within cities.
    """
    notes = []
    for dimension, rows in validity.groupby("dimension", sort=False):
        correlation = rows["within_corr_other"].iloc[0]
        if np.isfinite(correlation) and correlation <= 0:
            notes.append(
                f"The two components of {dimension} do not move together within cities "
                f"(within correlation {correlation:.2f}), so the second cannot instrument the "
                "marker: the measurement-corrected estimate of this dimension is not informative."
            )
    return notes


def truth_check(verdict: ChapterVerdict, truth: dict[str, Any]) -> pd.DataFrame:
    """The headline estimates against the simulation's stated truth (simulated data only).

    Parameters
    ----------
    verdict : ChapterVerdict
        :func:`chapter_verdict`.
    truth : dict
        ``SimulatedPanel.truth`` (``estimands.roles.effect_on_shortfall_growth``).

    Returns
    -------
    DataFrame
        ``dimension``, ``estimate``, ``ci_low``, ``ci_high``, ``truth``, ``covered``.
    """
    effects = truth["estimands"]["roles"]["effect_on_shortfall_growth"]
    rows = []
    for claim in verdict.claims:
        dimension = claim.claim.removeprefix("effect_")
        value = float(effects[dimension])
        rows.append(
            {
                "dimension": dimension,
                "estimate": claim.estimate,
                "ci_low": claim.ci_low,
                "ci_high": claim.ci_high,
                "truth": value,
                "covered": bool(claim.ci_low <= value <= claim.ci_high),
            }
        )
    return pd.DataFrame(rows)


def on_waves(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its years numbered by observed year, for functions that lag by one year.

    The triennial CCSY panel has data every third year; the estimators with
    calendar-year lags (:func:`inertia.models.panel.fit_iv`,
    :func:`inertia.models.panel.fit_dynamic`) then lag by one *observed* year.
    Annual data are unchanged up to a shift of the year labels.

    Parameters
    ----------
    frame : DataFrame
        With a ``year`` column.

    Returns
    -------
    DataFrame
    """
    grid = {int(y): k for k, y in enumerate(np.sort(frame["year"].unique()))}
    return frame.assign(year=frame["year"].map(grid))
