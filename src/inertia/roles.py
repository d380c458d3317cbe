r"""Role indices of chapter 4: role weakness, role deviation, role negative reinforcement.

Each dimension is measured by two city-year components from the canonical
panel (docs/design.md section 3, docs/simulation.md section 4). The first
component of each dimension is its **marker**: the dimension is defined on the
marker's scale, so an effect "per unit of weakness" is per unit of the fiscal
gap. The second component is another, independently measured trace of the same
dimension; chapter 4 instruments each marker with it to correct for
measurement error (:func:`inertia.models.panel.fit_eiv`). Every component is
oriented so that *larger means more of the problem*:

Role weakness (capacity)
    ``fiscal_gap`` (marker) :math:`= 1 - R_{it}/E_{it}`: one minus fiscal
    self-sufficiency, own general budget revenue over general budget
    expenditure. ``spending_shortfall`` :math:`= -\ln(e_{it} / m^e_{c(i)t})`
    with :math:`e_{it}` budget expenditure per registered resident (万元 per
    万人 = yuan per person) and :math:`m^e_{ct}` its median over the cities of
    cluster :math:`c` in year :math:`t` (``spending_rule="truncated"``:
    :math:`\max(0, 1 - e/m)`, zero above the median, a non-linear alternative).
Role deviation (misplaced priorities)
    ``non_livelihood_share`` (marker) :math:`= 1 - L_{it}/E_{it}` with
    :math:`L` the livelihood spending: education, plus health and
    social-security spending when the panel has such columns.
    ``growth_tilt`` :math:`= \ln(s_{it} / m^s_{c(i)t})` with :math:`s` the
    science-and-technology share of the budget, the growth-oriented spending
    line the yearbooks report.
Role negative reinforcement (lock-in), ``reinforcement="lock_in"`` (default)
    ``growth_push`` (marker) :math:`= g_{it} - m^g_{c(i)t}`: the city's nominal
    GDP growth per year since its previous observed year, above the cluster
    median: the growth-first tournament that rewards and so locks in the
    deviation (Li & Zhou 2005, *J. Public Economics* 89, 1743-1762).
    ``credit_intensity`` :math:`= \ln(K_{it}/Y_{it}) - m^k_{c(i)t}`: year-end
    loans of financial institutions per GDP against the cluster median, the
    credit-fuelled investment that sustains it. Neither uses data of the
    city's own deviation components, so the link D -> R is not definitional.
``reinforcement="imitation"`` (the earlier definition, for robustness)
    ``neighbour_deviation``: the spatial lag of the neighbours' deviation index
    (strategic imitation; Brueckner 2003, *Int. Regional Science Review* 26(2),
    175-188), and ``persistence``: the number of consecutive observed years up
    to :math:`t` with the livelihood share below the cluster-year median. Both
    are built from deviation data (the neighbours' and the city's own), so
    with this option the D -> R link is partly definitional; the chapter says so.

Composite (per dimension, over all city-years pooled)
    ``method="standardised"`` (default): the mean of the components'
    z-scores (pooled mean and standard deviation), in standard-deviation units;
    equal weights reward no component for its noise. With two components it
    equals their first principal component when they correlate positively,
    which :func:`construct_validity` checks (the sign check).
    ``method="entropy"``: pooled entropy weights on min-max scaled components;
    entropy weights reward dispersion, not validity (a noisy component gets a
    large weight), kept for comparison. ``method="equal"``: weights 1/2 on
    min-max scaled components, in [0, 1].

Medians include the city itself and use the cities with the value observed.
A city-year with a missing component has a missing index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from inertia.errors import DataError, ParameterError
from inertia.transforms import change_per_year

if TYPE_CHECKING:
    from libpysal.weights import W

DIMENSIONS = ("weakness", "deviation", "reinforcement")
#: Components per reinforcement definition; the first of each pair is the marker.
REINFORCEMENT_COMPONENTS: dict[str, tuple[str, str]] = {
    "lock_in": ("growth_push", "credit_intensity"),
    "imitation": ("neighbour_deviation", "persistence"),
}
COMPONENTS: dict[str, tuple[str, str]] = {
    "weakness": ("fiscal_gap", "spending_shortfall"),
    "deviation": ("non_livelihood_share", "growth_tilt"),
    "reinforcement": REINFORCEMENT_COMPONENTS["lock_in"],
}
OPTIONAL_LIVELIHOOD = ("health_spending", "social_security_spending")
METHODS = ("standardised", "entropy", "equal")
GROWTH_TILTS = ("science",)
SPENDING_RULES = ("log_ratio", "truncated")
REINFORCEMENTS = tuple(REINFORCEMENT_COMPONENTS)
#: Panel columns each component reads (for the shared-data check of construct validity).
COMPONENT_DATA: dict[str, tuple[str, ...]] = {
    "fiscal_gap": ("budget_revenue", "budget_expenditure"),
    "spending_shortfall": ("budget_expenditure", "population"),
    "non_livelihood_share": ("livelihood spending", "budget_expenditure"),
    "growth_tilt": ("science_spending", "budget_expenditure"),
    "growth_push": ("gdp",),
    "credit_intensity": ("loans", "gdp"),
    "neighbour_deviation": ("neighbours' livelihood, science and total spending",),
    "persistence": ("livelihood spending", "budget_expenditure"),
}


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
        One of :data:`METHODS`.
    components : dict
        Dimension -> (marker, second component) used.
    options : dict
        The other parameters (population column, rules, livelihood columns, shift).
    """

    frame: pd.DataFrame
    weights: pd.DataFrame
    method: str
    components: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(COMPONENTS))
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def indices(self) -> pd.DataFrame:
        """``code``, ``year``, ``cluster`` and the three indices."""
        return self.frame[["code", "year", "cluster", *DIMENSIONS]]

    @property
    def markers(self) -> dict[str, str]:
        """Dimension -> its marker component."""
        return {dim: pair[0] for dim, pair in self.components.items()}

    @property
    def second(self) -> dict[str, str]:
        """Dimension -> its second component (the instrument of the marker)."""
        return {dim: pair[1] for dim, pair in self.components.items()}


def _cluster_of(roster: pd.DataFrame) -> pd.Series:
    table = roster.reset_index() if "code" not in roster.columns else roster
    if "cluster" not in table.columns or "code" not in table.columns:
        raise ParameterError("The roster needs 'code' (index or column) and 'cluster' columns.")
    return pd.Series(table["cluster"].astype(str).to_numpy(), index=table["code"].astype(int))


def _cluster_median(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame.groupby(["cluster", "year"])[column].transform("median")


def below_median_run(frame: pd.DataFrame, flag: str = "below_median") -> pd.Series:
    """Consecutive grid years up to t with ``flag`` true (NaN where the flag is missing).

    ``frame`` has ``code``, ``year`` and a boolean-or-NaN column ``flag``. A
    year missing from the panel's year grid for the city, or with a missing
    flag, ends the run.

    Parameters
    ----------
    frame : DataFrame
    flag : str

    Returns
    -------
    Series
        Aligned on ``frame``'s index.
    """
    grid = {int(y): k for k, y in enumerate(np.sort(frame["year"].unique()))}
    out = pd.Series(np.nan, index=frame.index, dtype=float)
    ordered = frame.sort_values(["code", "year"])
    for _, rows in ordered.groupby("code", sort=False):
        run, last = 0, None
        for index, year, value in zip(rows.index, rows["year"], rows[flag], strict=True):
            if pd.isna(value):
                run, last = 0, None
                continue
            position = grid[int(year)]
            consecutive = last is not None and position == last + 1
            run = (run + 1 if consecutive else 1) if bool(value) else 0
            last = position
            out[index] = float(run)
    return out


def _composite(
    frame: pd.DataFrame, components: Sequence[str], method: str, shift: float
) -> tuple[pd.Series, pd.Series]:
    """Composite of the components over all city-years pooled, and its weights."""
    from inertia.measures.weighting import entropy_weights, minmax_scale

    complete = frame[list(components)].dropna()
    if len(complete) < 2:
        raise DataError(
            f"Role indices: fewer than two city-years have all of {list(components)}; "
            "check the panel's coverage of the variables they need."
        )
    directions = dict.fromkeys(components, 1)
    if method == "standardised":
        spread = complete.std(ddof=1)
        flat = spread.index[~(spread > 0)].tolist()
        if flat:
            raise DataError(f"Role indices: component(s) {flat} do not vary over city-years.")
        scaled = (complete - complete.mean()) / spread
        weights = pd.Series(1.0 / len(components), index=list(components), name="weight")
    else:
        if method == "entropy":
            weights = entropy_weights(complete, directions, shift=shift, pooled=True)
        else:
            weights = pd.Series(1.0 / len(components), index=list(components), name="weight")
        scaled = minmax_scale(complete, directions, shift=0.0)
    index = scaled.to_numpy() @ weights.reindex(list(components)).to_numpy()
    return pd.Series(index, index=complete.index).reindex(frame.index), weights


def _check_options(
    method: str, spending_rule: str, growth_tilt: str, reinforcement: str, weights_w: W | None
) -> None:
    """Check the options of :func:`role_indices`.

    Parameters
    ----------
    method, spending_rule, growth_tilt, reinforcement : str
        As in :func:`role_indices`.
    weights_w : libpysal.weights.W, optional
        Spatial weights.

    Returns
    -------
    None

    Raises
    ------
    ParameterError
        An unknown option, or ``reinforcement="imitation"`` without weights.
    """
    for name, value, allowed in (
        ("Role index weighting", method, METHODS),
        ("spending_rule", spending_rule, SPENDING_RULES),
        ("growth_tilt", growth_tilt, GROWTH_TILTS),
        ("reinforcement", reinforcement, REINFORCEMENTS),
    ):
        if value not in allowed:
            raise ParameterError(f"{name} must be one of {allowed}, not {value!r}.")
    if reinforcement == "imitation" and weights_w is None:
        raise ParameterError(
            "reinforcement='imitation' needs spatial weights (weights_w) for the neighbours' "
            "deviation."
        )


def _input_frame(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    population: str,
    livelihood_columns: list[str],
    reinforcement: str,
) -> pd.DataFrame:
    """The panel columns the components read, with each city's cluster.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel.
    roster : DataFrame
        City roster with ``cluster`` by ``code``.
    population : str
        Population column.
    livelihood_columns : list of str
        Livelihood spending lines.
    reinforcement : str
        Reinforcement definition (``lock_in`` also reads ``gdp`` and ``loans``).

    Returns
    -------
    DataFrame
        ``code, year, cluster`` and the columns read, on a fresh 0-based index.

    Raises
    ------
    DataError
        A column the components need is not in ``panel``, or a city is not on the roster.
    """
    reinforcement_data = ["gdp", "loans"] if reinforcement == "lock_in" else []
    needed = [
        "code",
        "year",
        "budget_revenue",
        "budget_expenditure",
        population,
        *livelihood_columns,
        "science_spending",
        *reinforcement_data,
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
    return frame


def _add_weakness_and_deviation_components(
    frame: pd.DataFrame, population: str, spending_rule: str, livelihood_columns: list[str]
) -> None:
    """Add the components of weakness and deviation, and the below-median flag.

    Adds ``fiscal_gap``, ``spending_per_person``, ``spending_shortfall``,
    ``livelihood_share``, ``non_livelihood_share``, ``science_share``,
    ``growth_tilt`` and ``below_median`` (module docstring).

    Parameters
    ----------
    frame : DataFrame
        Output of :func:`_input_frame`, changed in place.
    population : str
        Population column.
    spending_rule : str
        Form of ``spending_shortfall``.
    livelihood_columns : list of str
        Livelihood spending lines.

    Returns
    -------
    None
    """
    expenditure = frame["budget_expenditure"].where(frame["budget_expenditure"] > 0)
    # Weakness: capacity to play the cooperative role.
    frame["fiscal_gap"] = 1.0 - frame["budget_revenue"] / expenditure
    frame["spending_per_person"] = expenditure / frame[population].where(frame[population] > 0)
    relative = frame["spending_per_person"] / _cluster_median(frame, "spending_per_person")
    if spending_rule == "truncated":
        frame["spending_shortfall"] = (1.0 - relative).clip(lower=0.0)
    else:
        frame["spending_shortfall"] = -np.log(relative.where(relative > 0))

    # Deviation: growth-first instead of service-first priorities.
    frame["livelihood_share"] = (
        frame[livelihood_columns].sum(axis=1, min_count=len(livelihood_columns)) / expenditure
    )
    frame["non_livelihood_share"] = 1.0 - frame["livelihood_share"]
    science_share = (frame["science_spending"] / expenditure).where(frame["science_spending"] > 0)
    frame["science_share"] = science_share
    frame["growth_tilt"] = np.log(science_share / _cluster_median(frame, "science_share"))

    livelihood_median = _cluster_median(frame, "livelihood_share")
    below = frame["livelihood_share"] < livelihood_median
    frame["below_median"] = below.astype(float).where(frame["livelihood_share"].notna())


def _add_reinforcement_components(
    frame: pd.DataFrame, reinforcement: str, weights_w: W | None
) -> None:
    """Add the components of negative reinforcement (module docstring).

    ``lock_in``: ``gdp_growth``, ``growth_push``, ``log_credit`` and
    ``credit_intensity``; ``imitation``: ``persistence`` and
    ``neighbour_deviation`` (which needs the ``deviation`` index).

    Parameters
    ----------
    frame : DataFrame
        The frame with the weakness and deviation indices, changed in place.
    reinforcement : str
        Reinforcement definition.
    weights_w : libpysal.weights.W, optional
        Spatial weights (``imitation`` only).

    Returns
    -------
    None
    """
    # Negative reinforcement: lock-in through the growth tournament and credit, or imitation.
    if reinforcement == "lock_in":
        frame["gdp_growth"] = change_per_year(frame, "gdp", log=True)
        frame["growth_push"] = frame["gdp_growth"] - _cluster_median(frame, "gdp_growth")
        log_credit = np.log((frame["loans"] / frame["gdp"]).where(frame["loans"] > 0))
        frame["log_credit"] = log_credit
        frame["credit_intensity"] = log_credit - _cluster_median(frame, "log_credit")
    else:
        from inertia.transforms import spatial_lag

        frame["persistence"] = below_median_run(frame)
        lagged = spatial_lag(frame, ["deviation"], weights_w, prefix="neighbour_")
        frame["neighbour_deviation"] = lagged["neighbour_deviation"]


def role_indices(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    weights_w: W | None = None,
    method: str = "standardised",
    *,
    population: str = "pop_registered",
    growth_tilt: str = "science",
    spending_rule: str = "log_ratio",
    reinforcement: str = "lock_in",
    livelihood_columns: Sequence[str] | None = None,
    shift: float = 1e-4,
) -> RoleIndices:
    """Compute the three role indices and their components for every city-year.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel (``code``, ``year``, the variables in their canonical units).
    roster : DataFrame
        City roster with ``cluster`` by ``code`` (index or column), e.g.
        :func:`inertia.data.reference.cities`.
    weights_w : libpysal.weights.W, optional
        Spatial weights with city codes as ids; needed by
        ``reinforcement="imitation"`` only.
    method : {"standardised", "entropy", "equal"}
        Weighting of the components within each dimension (module docstring).
    population : str
        Population column for spending per person (``pop_registered`` has the
        longest coverage; ``pop_resident`` is the alternative).
    growth_tilt : {"science"}
        Second component of role deviation.
    spending_rule : {"log_ratio", "truncated"}
        Form of ``spending_shortfall``.
    reinforcement : {"lock_in", "imitation"}
        Components of negative reinforcement (module docstring).
    livelihood_columns : sequence of str, optional
        Spending lines that count as livelihood spending. Default:
        ``education_spending`` plus whichever of ``health_spending`` and
        ``social_security_spending`` are columns of ``panel``.
    shift : float
        Min-max shift of the entropy method.

    Returns
    -------
    RoleIndices

    Raises
    ------
    ParameterError
        For an unknown option, or ``reinforcement="imitation"`` without weights.
    DataError
        When the panel lacks a variable a component needs, or a city is not
        on the roster.
    """
    _check_options(method, spending_rule, growth_tilt, reinforcement, weights_w)
    if livelihood_columns is None:
        livelihood_columns = [
            "education_spending",
            *[c for c in OPTIONAL_LIVELIHOOD if c in panel.columns],
        ]
    livelihood_columns = list(livelihood_columns)
    frame = _input_frame(panel, roster, population, livelihood_columns, reinforcement)
    _add_weakness_and_deviation_components(frame, population, spending_rule, livelihood_columns)

    weight_rows = []
    components = {
        "weakness": COMPONENTS["weakness"],
        "deviation": COMPONENTS["deviation"],
        "reinforcement": REINFORCEMENT_COMPONENTS[reinforcement],
    }
    for dimension in ("weakness", "deviation"):
        frame[dimension], weights = _composite(frame, components[dimension], method, shift)
        weight_rows += [(dimension, k, float(v)) for k, v in weights.items()]
    _add_reinforcement_components(frame, reinforcement, weights_w)
    frame["reinforcement"], weights = _composite(
        frame, components["reinforcement"], method, shift
    )
    weight_rows += [("reinforcement", k, float(v)) for k, v in weights.items()]

    used = [c for dim in DIMENSIONS for c in components[dim]]
    result = frame[
        ["code", "year", "cluster", *DIMENSIONS, *used, "livelihood_share", "below_median"]
    ].sort_values(["code", "year"], ignore_index=True)
    return RoleIndices(
        frame=result,
        weights=pd.DataFrame(weight_rows, columns=["dimension", "component", "weight"]),
        method=method,
        components=components,
        options={
            "population": population,
            "growth_tilt": growth_tilt,
            "spending_rule": spending_rule,
            "reinforcement": reinforcement,
            "livelihood_columns": tuple(livelihood_columns),
            "shift": shift,
        },
    )


def _within_corr(frame: pd.DataFrame, a: str, b: str) -> tuple[float, int]:
    """Correlation of ``a`` and ``b`` after removing city and year effects, and its n."""
    from inertia.transforms import absorb

    within = absorb(frame, [a, b], entity="code", other="year")
    if len(within) < 3:
        return float("nan"), len(within)
    x, y = within[a].to_numpy(), within[b].to_numpy()
    denominator = np.sqrt((x**2).sum() * (y**2).sum())
    return (float((x * y).sum() / denominator) if denominator > 0 else float("nan")), len(within)


def construct_validity(
    roles: RoleIndices, latent: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Sign and within-city validity of every index component.

    For each component: its dimension, whether it is the marker, the expected
    sign (+1: larger means more of the problem), its within-city correlation
    (city and year effects removed) with the other component of its
    dimension, whether that sign agrees (``sign_ok``), the component's weight
    in the composite, and the panel data it reads. With ``latent`` (simulated
    data only) also its within-city correlation with the true dimension
    (``true_weakness`` ...) and its square, the realised reliability.

    Parameters
    ----------
    roles : RoleIndices
    latent : DataFrame, optional
        ``code``, ``year`` and ``true_<dimension>`` columns.

    Returns
    -------
    DataFrame
        One row per component.
    """
    frame = roles.frame
    weights = roles.weights.set_index(["dimension", "component"])["weight"]
    if latent is not None:
        truth_columns = [f"true_{d}" for d in DIMENSIONS if f"true_{d}" in latent.columns]
        frame = frame.merge(latent[["code", "year", *truth_columns]], on=["code", "year"])
    rows = []
    for dimension, (marker, second) in roles.components.items():
        correlation, n = _within_corr(frame, marker, second)
        for component in (marker, second):
            row = {
                "dimension": dimension,
                "component": component,
                "marker": component == marker,
                "expected_sign": 1,
                "within_corr_other": correlation,
                "sign_ok": bool(correlation > 0) if np.isfinite(correlation) else None,
                "n": n,
                "weight": float(weights.get((dimension, component), np.nan)),
                "reads": ", ".join(COMPONENT_DATA.get(component, ())),
            }
            if latent is not None and f"true_{dimension}" in frame.columns:
                to_latent, _ = _within_corr(frame, component, f"true_{dimension}")
                row["within_corr_latent"] = to_latent
                row["reliability"] = to_latent**2
            rows.append(row)
    return pd.DataFrame(rows)
