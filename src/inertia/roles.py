"""Role indices of chapter 4: role weakness, role deviation, role negative reinforcement.

Each dimension is a composite of two city-year components built from the
canonical panel (DESIGN.md section 3). Every component is oriented so that
*larger means more of the problem*:

Role weakness (capacity)
    ``fiscal_gap`` :math:`= 1 - R_{it}/E_{it}`, one minus fiscal
    self-sufficiency (own general budget revenue over general budget
    expenditure). ``spending_shortfall`` :math:`= \\max(0,\\ 1 - e_{it} / m^e_{c(i)t})`
    with :math:`e_{it}` budget expenditure per registered resident (万元 per
    万人 = yuan per person) and :math:`m^e_{ct}` its median over the cities of
    cluster :math:`c` in year :math:`t`. It is zero at or above the cluster
    median (spending above the median is no capacity problem) and tends to 1 as
    spending per person tends to zero. ``spending_rule="log_ratio"`` uses
    :math:`-\\ln(e_{it} / m^e_{c(i)t})` instead.
Role deviation (misplaced priorities)
    ``non_livelihood_share`` :math:`= 1 - L_{it}/E_{it}` with :math:`L` the
    livelihood spending: education, plus health and social-security spending
    when the panel has such columns (``health_spending``,
    ``social_security_spending``; the canonical panel has education only).
    ``growth_tilt``, by parameter:

    * ``"science"`` (default): :math:`\\ln(s_{it} / m^s_{c(i)t})` with
      :math:`s` the science-and-technology share of the budget, the
      growth-oriented spending line the yearbooks report. Zero at the cluster
      median, positive when the city tilts its budget towards growth.
    * ``"gdp_pressure"``: :math:`m^g_{c(i)t} - g_{it}` with :math:`g_{it} =
      \\ln(GDP_{it}/GDP_{i,t-1})`: how far the city's growth lags the cluster
      median, the pressure of the promotion tournament to put growth first
      (Li & Zhou 2005, *J. Public Economics* 89, 1743-1762). NaN in the
      first year and after a gap.
Role negative reinforcement (lock-in)
    ``persistence``: the number of consecutive years up to and including
    :math:`t` in which the city's livelihood share was below its cluster-year
    median (0 when it is not below in :math:`t`). A missing year breaks the
    run; the count is left-censored at the first panel year.
    ``neighbour_deviation``: the spatial lag of the neighbours' *deviation
    index*, :math:`\\sum_j w^r_{ij} D_{jt}` with row-standardised weights over
    the neighbours observed in year :math:`t`
    (:func:`inertia.models.spatial.spatial_lag`): strategic imitation
    (Brueckner 2003, *Int. Regional Science Review* 26(2), 175-188).

Composite (per dimension, over all city-years pooled)
    :math:`X_{it} = \\sum_k w_k \\tilde x_{k,it}` with :math:`\\tilde x` the min-max
    scaled component (pooled over city-years, so scores compare across years)
    and weights from the panel entropy method
    (:func:`inertia.measures.weighting.entropy_weights`, ``method="entropy"``)
    or :math:`w_k = 1/2` (``method="equal"``). Each index lies in [0, 1]. A
    city-year with a missing component has a missing index.

Medians include the city itself and use the cities with the value observed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from inertia.errors import DataError, ParameterError

if TYPE_CHECKING:
    from libpysal.weights import W

DIMENSIONS = ("weakness", "deviation", "reinforcement")
COMPONENTS: dict[str, tuple[str, str]] = {
    "weakness": ("fiscal_gap", "spending_shortfall"),
    "deviation": ("non_livelihood_share", "growth_tilt"),
    "reinforcement": ("persistence", "neighbour_deviation"),
}
OPTIONAL_LIVELIHOOD = ("health_spending", "social_security_spending")
METHODS = ("entropy", "equal")
GROWTH_TILTS = ("science", "gdp_pressure")
SPENDING_RULES = ("truncated", "log_ratio")


@dataclass
class RoleIndices:
    """Role indices and their ingredients.

    Attributes
    ----------
    frame : DataFrame
        One row per city-year: ``code, year, cluster``, the three indices
        ``weakness, deviation, reinforcement``, the six components and the
        helper series ``livelihood_share`` and ``below_median`` (1.0, 0.0 or NaN).
    weights : DataFrame
        ``dimension, component, weight``: the weights used in each composite.
    method : str
        ``"entropy"`` or ``"equal"``.
    options : dict
        The other parameters (population column, growth tilt, livelihood columns, shift).
    """

    frame: pd.DataFrame
    weights: pd.DataFrame
    method: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def indices(self) -> pd.DataFrame:
        """``code, year, cluster`` and the three indices."""
        return self.frame[["code", "year", "cluster", *DIMENSIONS]]


def _cluster_of(roster: pd.DataFrame) -> pd.Series:
    table = roster.reset_index() if "code" not in roster.columns else roster
    if "cluster" not in table.columns or "code" not in table.columns:
        raise ParameterError("The roster needs 'code' (index or column) and 'cluster' columns.")
    return pd.Series(table["cluster"].astype(str).to_numpy(), index=table["code"].astype(int))


def _cluster_median(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame.groupby(["cluster", "year"])[column].transform("median")


def _year_growth(frame: pd.DataFrame, column: str) -> pd.Series:
    """Log growth from calendar year t-1 to t (NaN after a gap)."""
    keyed = frame.set_index(["code", "year"])[column]
    previous = keyed.copy()
    previous.index = pd.MultiIndex.from_arrays(
        [keyed.index.get_level_values(0), keyed.index.get_level_values(1) + 1]
    )
    before = previous.reindex(pd.MultiIndex.from_frame(frame[["code", "year"]])).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.log(frame[column].to_numpy() / before)
    return pd.Series(np.where(np.isfinite(growth), growth, np.nan), index=frame.index)


def below_median_run(frame: pd.DataFrame, flag: str = "below_median") -> pd.Series:
    """Consecutive calendar years up to t with ``flag`` true (NaN where the flag is missing).

    ``frame`` has ``code``, ``year`` and a boolean-or-NaN column ``flag``. A
    year missing from the panel, or with a missing flag, ends the run.
    """
    out = pd.Series(np.nan, index=frame.index, dtype=float)
    ordered = frame.sort_values(["code", "year"])
    for _, rows in ordered.groupby("code", sort=False):
        run, last_year = 0, None
        for index, year, value in zip(rows.index, rows["year"], rows[flag], strict=True):
            if pd.isna(value):
                run, last_year = 0, None
                continue
            consecutive = last_year is not None and year == last_year + 1
            run = (run + 1 if consecutive else 1) if bool(value) else 0
            last_year = year
            out[index] = float(run)
    return out


def _composite(
    frame: pd.DataFrame, components: Sequence[str], method: str, shift: float
) -> tuple[pd.Series, pd.Series]:
    """Weighted sum of pooled min-max scaled components and the weights."""
    from inertia.measures.weighting import entropy_weights, minmax_scale

    complete = frame[list(components)].dropna()
    if len(complete) < 2:
        raise DataError(
            f"Role indices: fewer than two city-years have all of {list(components)}; "
            "check the panel's coverage of the budget variables."
        )
    directions = dict.fromkeys(components, 1)
    if method == "entropy":
        weights = entropy_weights(complete, directions, shift=shift, pooled=True)
    else:
        weights = pd.Series(1.0 / len(components), index=list(components), name="weight")
    scaled = minmax_scale(complete, directions, shift=0.0)
    index = scaled.to_numpy() @ weights.reindex(list(components)).to_numpy()
    return pd.Series(index, index=complete.index).reindex(frame.index), weights


def role_indices(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    weights_w: W,
    method: str = "entropy",
    *,
    population: str = "pop_registered",
    growth_tilt: str = "science",
    spending_rule: str = "truncated",
    livelihood_columns: Sequence[str] | None = None,
    shift: float = 1e-4,
) -> RoleIndices:
    """Compute the three role indices for every city-year of ``panel``.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel (``code``, ``year``, the variables in their canonical units).
    roster : DataFrame
        City roster with ``cluster`` by ``code`` (index or column), e.g.
        :func:`inertia.data.reference.cities`.
    weights_w : libpysal.weights.W
        Spatial weights with city codes as ids (any transform; row-standardised here).
    method : {"entropy", "equal"}
        Weighting of the components within each dimension.
    population : str
        Population column for spending per person (``pop_registered`` has the
        longest coverage; ``pop_resident`` is the alternative).
    growth_tilt : {"science", "gdp_pressure"}
        Second component of role deviation (see the module docstring).
    spending_rule : {"truncated", "log_ratio"}
        Form of ``spending_shortfall``: ``"truncated"`` (default)
        :math:`\\max(0, 1 - e/m^e)`, zero at or above the cluster median;
        ``"log_ratio"`` :math:`-\\ln(e/m^e)`, symmetric and negative above the
        median. The entropy method gives a skewed, zero-heavy component a
        large weight, so the log ratio is the robustness alternative.
    livelihood_columns : sequence of str, optional
        Spending lines that count as livelihood spending. Default:
        ``education_spending`` plus whichever of ``health_spending`` and
        ``social_security_spending`` are columns of ``panel``.
    shift : float
        Min-max shift of the entropy method.

    Returns
    -------
    RoleIndices
    """
    from inertia.models.spatial import spatial_lag

    if method not in METHODS:
        raise ParameterError(f"Role index weighting must be one of {METHODS}, not {method!r}.")
    if spending_rule not in SPENDING_RULES:
        raise ParameterError(
            f"spending_rule must be one of {SPENDING_RULES}, not {spending_rule!r}."
        )
    if growth_tilt not in GROWTH_TILTS:
        raise ParameterError(f"growth_tilt must be one of {GROWTH_TILTS}, not {growth_tilt!r}.")
    if livelihood_columns is None:
        livelihood_columns = [
            "education_spending",
            *[c for c in OPTIONAL_LIVELIHOOD if c in panel.columns],
        ]
    livelihood_columns = list(livelihood_columns)
    tilt_columns = ["science_spending"] if growth_tilt == "science" else ["gdp"]
    needed = [
        "code",
        "year",
        "budget_revenue",
        "budget_expenditure",
        population,
        *livelihood_columns,
        *tilt_columns,
    ]
    absent = [c for c in dict.fromkeys(needed) if c not in panel.columns]
    if absent:
        raise DataError(
            f"Role indices need the panel column(s) {absent}; the panel has {list(panel.columns)}."
        )

    frame = panel[list(dict.fromkeys(needed))].copy().reset_index(drop=True)
    clusters = _cluster_of(roster)
    frame.insert(2, "cluster", frame["code"].map(clusters))
    unknown = frame.loc[frame["cluster"].isna(), "code"].unique()
    if len(unknown):
        raise DataError(
            f"Role indices: city codes {sorted(int(c) for c in unknown)[:5]} of the panel "
            "are not on the roster, so their cluster is unknown."
        )

    expenditure = frame["budget_expenditure"].where(frame["budget_expenditure"] > 0)
    # Weakness: capacity to play the cooperative role.
    frame["fiscal_gap"] = 1.0 - frame["budget_revenue"] / expenditure
    frame["spending_per_person"] = expenditure / frame[population]
    spending_median = _cluster_median(frame, "spending_per_person")
    relative = frame["spending_per_person"] / spending_median
    if spending_rule == "truncated":
        frame["spending_shortfall"] = (1.0 - relative).clip(lower=0.0)
    else:
        frame["spending_shortfall"] = -np.log(relative.where(relative > 0))

    # Deviation: growth-first instead of service-first priorities.
    frame["livelihood_share"] = (
        frame[livelihood_columns].sum(axis=1, min_count=len(livelihood_columns)) / expenditure
    )
    frame["non_livelihood_share"] = 1.0 - frame["livelihood_share"]
    if growth_tilt == "science":
        science_share = (frame["science_spending"] / expenditure).where(
            frame["science_spending"] > 0
        )
        frame["science_share"] = science_share
        frame["growth_tilt"] = np.log(science_share / _cluster_median(frame, "science_share"))
    else:
        frame["gdp_growth"] = _year_growth(frame, "gdp")
        frame["growth_tilt"] = _cluster_median(frame, "gdp_growth") - frame["gdp_growth"]

    weight_rows = []
    frame["weakness"], weights = _composite(frame, COMPONENTS["weakness"], method, shift)
    weight_rows += [("weakness", k, float(v)) for k, v in weights.items()]
    frame["deviation"], weights = _composite(frame, COMPONENTS["deviation"], method, shift)
    weight_rows += [("deviation", k, float(v)) for k, v in weights.items()]

    # Negative reinforcement: own persistence and neighbours' deviation.
    livelihood_median = _cluster_median(frame, "livelihood_share")
    below = frame["livelihood_share"] < livelihood_median
    frame["below_median"] = below.astype(float).where(frame["livelihood_share"].notna())
    frame["persistence"] = below_median_run(frame)
    lagged = spatial_lag(frame, ["deviation"], weights_w, prefix="neighbour_")
    frame["neighbour_deviation"] = lagged["neighbour_deviation"]
    frame["reinforcement"], weights = _composite(frame, COMPONENTS["reinforcement"], method, shift)
    weight_rows += [("reinforcement", k, float(v)) for k, v in weights.items()]

    components = [c for dim in DIMENSIONS for c in COMPONENTS[dim]]
    result = frame[
        ["code", "year", "cluster", *DIMENSIONS, *components, "livelihood_share", "below_median"]
    ].sort_values(["code", "year"], ignore_index=True)
    return RoleIndices(
        frame=result,
        weights=pd.DataFrame(weight_rows, columns=["dimension", "component", "weight"]),
        method=method,
        options={
            "population": population,
            "growth_tilt": growth_tilt,
            "spending_rule": spending_rule,
            "livelihood_columns": tuple(livelihood_columns),
            "shift": shift,
        },
    )
