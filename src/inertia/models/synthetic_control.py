r"""Per-cluster synthetic control of synergy against pseudo-clusters of never-treated cities.

Each cluster's actual synergy :math:`S_{ct}` (1 - inequality of the
public-service level among its cities) is compared with a synthetic cluster:
a convex combination of **pseudo-clusters**, the groups of prefecture cities
outside the three clusters that no milestone touched (by default the cities
of one province; at least ``min_cities`` of them), whose synergy is measured
the same way. The weights minimise the pre-milestone distance

.. math:: w^* = \arg\min_{w \ge 0,\ \sum w = 1}
          \sum_{t < m_c} (\tilde S_{ct} - \sum_j w_j \tilde S_{jt})^2,

with :math:`\tilde S` the synergy minus its pre-milestone mean (the demeaned
synthetic control; Abadie, Diamond & Hainmueller 2010 with the pre-milestone
outcomes as the predictors and equal predictor weights), solved by SLSQP;
the test oracle is ``pysyncon.Synth`` with the same predictors (its
``custom_V`` undoing its scaling of the predictors).

Placebo-in-space inference (Abadie et al. 2010, section 4): every donor is
treated in turn, against the other donors, with the cluster's milestone; the
statistic is the ratio of post- to pre-milestone RMSPE, and the p-value is
the rank of the cluster's ratio among all of them, :math:`(1 + \#\{r_j \ge
r_c\})/(1 + J)`. With :math:`J` about 20 donors the smallest attainable
p-value is about 0.05.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from inertia.errors import DataError, ParameterError
from inertia.synergy_measures import level_measures

#: Fewest pre-milestone data years for the RMSPE-ratio statistic (else the post RMSPE).
MIN_PRE_YEARS_FOR_RATIO = 5

__all__ = [
    "SyntheticControlFit",
    "cluster_counterfactuals",
    "group_synergy",
    "placebo_in_space",
    "pseudo_cluster_groups",
    "synthetic_control",
    "synthetic_weights",
    "usable_donors",
]


def pseudo_cluster_groups(roster: pd.DataFrame, min_cities: int = 4) -> pd.Series:
    """Code -> group: each cluster, and each province's cities outside the clusters.

    Provinces with fewer than ``min_cities`` cities outside the clusters form
    no pseudo-cluster (their cities are left out).

    Parameters
    ----------
    roster : DataFrame
        Indexed by code, with ``cluster`` (NA outside the clusters) and ``province``.
    min_cities : int, default 4
        Fewest cities outside the clusters for a province to form a pseudo-cluster.

    Returns
    -------
    Series
        Named ``group``, indexed by code: the cluster's name, or ``"province:<name>"``.
    """
    cluster = roster["cluster"]
    outside = cluster.isna()
    province = "province:" + roster.loc[outside, "province"].astype(str)
    sizes = province.value_counts()
    province = province[province.map(sizes) >= min_cities]
    groups = pd.concat([cluster[~outside].astype(str), province])
    return groups.rename("group").sort_index()


def group_synergy(scores: pd.Series, groups: pd.Series, measure: str = "dagum") -> pd.DataFrame:
    """Synergy :math:`1 - I` of the public-service level per group and year.

    Parameters
    ----------
    scores : Series
        The index's scores (:attr:`PublicServiceIndex.scores`), positive,
        indexed by (code, year).
    groups : Series
        Code -> group (:func:`pseudo_cluster_groups`).
    measure : str
        A synergy measure of the levels alone
        (:func:`inertia.synergy_measures.level_measures`: ``dagum``, whose Dagum
        total is the Gini ratio within a group, ``theil``, ``cv``).

    Returns
    -------
    DataFrame
        Groups x years.
    """
    from inertia.measures.synergy import _inequality_synergy

    if measure not in level_measures():
        raise ParameterError(
            f"measure must be one of the measures of the levels alone {list(level_measures())}; "
            f"got {measure!r}."
        )
    frame = scores.rename("ps").to_frame()
    frame["cluster"] = frame.index.get_level_values("code").map(groups)
    frame = frame.dropna(subset=["cluster", "ps"])
    return _inequality_synergy(frame, measure, ddof=0).unstack("year")


def synthetic_weights(treated: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """Simplex weights minimising :math:`\\lVert x_1 - X_0 w\\rVert^2` (SLSQP).

    Parameters
    ----------
    treated : ndarray
        Pre-period outcomes of the treated unit, shape (T0,).
    donors : ndarray
        Pre-period outcomes of the donors, shape (T0, J).

    Returns
    -------
    ndarray
        Shape (J,), non-negative, summing to one.
    """
    n_donors = donors.shape[1]
    gram = donors.T @ donors
    linear = donors.T @ treated

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        resid = treated - donors @ w
        return float(resid @ resid), 2.0 * (gram @ w - linear)

    # The weights sum to one: the equality constraint and its gradient.
    def total_minus_one(w: np.ndarray) -> float:
        return float(w.sum()) - 1.0

    def total_gradient(w: np.ndarray) -> np.ndarray:
        return np.ones_like(w)

    start = np.full(n_donors, 1.0 / n_donors)
    result = optimize.minimize(
        objective,
        start,
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * n_donors,
        constraints=[{"type": "eq", "fun": total_minus_one, "jac": total_gradient}],
        options={"maxiter": 500, "ftol": 1e-14},
    )
    weights = np.clip(result.x, 0.0, None)
    return weights / weights.sum()


@dataclass(frozen=True)
class SyntheticControlFit:
    """A synthetic control of one treated group.

    Attributes
    ----------
    treated : str
    milestone : int
        First treated year.
    weights : Series
        Donor -> weight.
    path : DataFrame
        By year: ``actual``, ``synthetic``, ``gap`` (actual - synthetic), ``post``.
    pre_rmspe, post_rmspe, ratio : float
        Root mean squared prediction errors before and from the milestone, and
        their ratio.
    """

    treated: str
    milestone: int
    weights: pd.Series
    path: pd.DataFrame
    pre_rmspe: float
    post_rmspe: float
    ratio: float

    @property
    def post_gap(self) -> float:
        """Mean gap actual - synthetic from the milestone on."""
        return float(self.path.loc[self.path["post"], "gap"].mean())


def synthetic_control(
    outcome: pd.DataFrame, treated: str, milestone: int, donors: list[str], *, demean: bool = True
) -> SyntheticControlFit:
    """Synthetic control of ``treated`` from ``donors`` (rows of ``outcome``).

    Parameters
    ----------
    outcome : DataFrame
        Groups x years (:func:`group_synergy`); years with a missing value for
        the treated group or any donor are dropped.
    treated : str
    milestone : int
        First treated year: the pre-period is the years before it.
    donors : list of str
    demean : bool, default True
        Match the deviations from each unit's pre-milestone mean (the
        demeaned synthetic control of Ferman & Pinto 2021, *Quantitative
        Economics* 12(4); Doudchenko & Imbens' constant term): the synthetic
        path may differ from the cluster's by a constant, so a cluster whose
        synergy is outside the donors' range can still be matched in its
        dynamics.

    Returns
    -------
    SyntheticControlFit
    """
    data = outcome.loc[[treated, *donors]]
    data = data.loc[:, data.loc[treated].notna()]
    incomplete = [d for d in donors if data.loc[d].isna().any()]
    if incomplete:
        raise DataError(
            f"Donors {incomplete} of the synthetic control of {treated} lack values in years "
            f"the treated unit has; pass complete donors (usable_donors)."
        )
    years = np.asarray(data.columns, dtype=int)
    pre, post = years < milestone, years >= milestone
    if pre.sum() < 2 or post.sum() < 1:
        raise DataError(
            f"The synthetic control of {treated} needs at least two years before its milestone "
            f"{milestone} and one from it; the data have {int(pre.sum())} and {int(post.sum())}."
        )
    values = data.to_numpy(dtype=float)
    if demean:
        values = values - values[:, pre].mean(axis=1, keepdims=True)
    weights = synthetic_weights(values[0, pre], values[1:, pre].T)
    synthetic = weights @ values[1:]
    gap = values[0] - synthetic
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[post] ** 2)))
    shift = float(data.iloc[0].to_numpy(dtype=float)[pre].mean()) if demean else 0.0
    path = pd.DataFrame(
        {"actual": values[0] + shift, "synthetic": synthetic + shift, "gap": gap, "post": post},
        index=pd.Index(years, name="year"),
    )
    return SyntheticControlFit(
        treated=treated,
        milestone=int(milestone),
        weights=pd.Series(weights, index=donors, name="weight"),
        path=path,
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        ratio=post_rmspe / pre_rmspe if pre_rmspe > 0 else float("inf"),
    )


def usable_donors(outcome: pd.DataFrame, treated: str, donors: list[str]) -> list[str]:
    """Donors with a value in every year in which ``treated`` has one.

    A pseudo-cluster missing a year (a province whose cities all lack the
    index that year) cannot be weighed into the synthetic path of that year;
    it is left out rather than the year.

    Parameters
    ----------
    outcome : DataFrame
        Units x years (:func:`group_synergy` pivoted), NaN where a unit lacks a year.
    treated : str
        The treated unit (a row of ``outcome``).
    donors : list of str
        Candidate donor units.

    Returns
    -------
    list of str
        The donors complete in the treated unit's years, in the given order; a
        DataError when fewer than two are.
    """
    years = outcome.columns[outcome.loc[treated].notna().to_numpy()]
    complete = outcome.loc[donors, years].notna().all(axis=1)
    chosen = [d for d in donors if complete[d]]
    if len(chosen) < 2:
        raise DataError(
            f"The synthetic control of {treated} needs at least two pseudo-clusters with a value "
            f"in every year it has one; {len(chosen)} of {len(donors)} have."
        )
    return chosen


def placebo_in_space(
    outcome: pd.DataFrame, treated: str, milestone: int, donors: list[str]
) -> tuple[SyntheticControlFit, pd.DataFrame, float]:
    """The synthetic control of ``treated`` and of every donor in its place.

    Parameters
    ----------
    outcome : DataFrame
        Units x years of the outcome.
    treated : str
        The treated unit.
    milestone : int
        First post-milestone year.
    donors : list of str
        Candidate donors (:func:`usable_donors` keeps the complete ones).

    Returns
    -------
    (SyntheticControlFit, DataFrame, float)
        The treated fit; one row per unit (``unit``, ``treated``,
        ``pre_rmspe``, ``post_rmspe``, ``ratio``, ``post_gap``), with the gap
        paths of every unit (years x units) in ``table.attrs["gaps"]``; and
        the placebo p-value :math:`(1 + \\#\\{r_j \\ge r_c\\})/(1 + J)` of the RMSPE ratio
    (of the post-milestone RMSPE with fewer than :data:`MIN_PRE_YEARS_FOR_RATIO`
    pre-milestone years, where the pre-period fit is near exact for every unit;
    ``table.attrs["statistic"]`` says which).
    """
    donors = usable_donors(outcome, treated, donors)
    fit = synthetic_control(outcome, treated, milestone, donors)
    rows: list[tuple] = [(treated, True, fit.pre_rmspe, fit.post_rmspe, fit.ratio, fit.post_gap)]
    gaps = {treated: fit.path["gap"]}
    for donor in donors:
        others = [d for d in donors if d != donor]
        placebo = synthetic_control(outcome, donor, milestone, others)
        gaps[donor] = placebo.path["gap"]
        rows.append(
            (donor, False, placebo.pre_rmspe, placebo.post_rmspe, placebo.ratio, placebo.post_gap)
        )
    table = pd.DataFrame(
        rows, columns=["unit", "treated", "pre_rmspe", "post_rmspe", "ratio", "post_gap"]
    )
    table.attrs["gaps"] = pd.DataFrame(gaps)
    # With few pre-milestone years the pre-period fit is near exact and the ratio explodes
    # for every unit; the post-milestone RMSPE is then the statistic.
    n_pre = int(fit.path.loc[~fit.path["post"]].shape[0])
    statistic = "ratio" if n_pre >= MIN_PRE_YEARS_FOR_RATIO else "post_rmspe"
    table.attrs["statistic"] = statistic
    values = table.loc[~table["treated"], statistic].to_numpy()
    own = float(table.loc[table["treated"], statistic].iloc[0])
    pvalue = (1 + int((values >= own).sum())) / (1 + len(values))
    return fit, table, float(pvalue)


def cluster_counterfactuals(
    scores: pd.Series,
    roster: pd.DataFrame,
    milestones: Mapping[str, int],
    *,
    measure: str = "dagum",
    min_cities: int = 4,
) -> dict[str, tuple[SyntheticControlFit, pd.DataFrame, float]]:
    """:func:`placebo_in_space` for each cluster, donors the pseudo-clusters.

    Parameters
    ----------
    scores : Series
        Public-service scores keyed by (code, year).
    roster : DataFrame
        With ``cluster`` (NaN outside) and ``province``.
    milestones : mapping cluster -> year
        First treated (observed) year of each cluster.
    measure : str
    min_cities : int
        Smallest pseudo-cluster.

    Returns
    -------
    dict
        Cluster -> (fit, placebo table, p-value).
    """
    groups = pseudo_cluster_groups(roster, min_cities)
    synergy = group_synergy(scores, groups, measure)
    donors = sorted(g for g in synergy.index if str(g).startswith("province:"))
    if len(donors) < 2:
        raise DataError(
            f"The synthetic control needs pseudo-clusters of at least {min_cities} cities "
            f"outside the clusters; there are {len(donors)}."
        )
    return {
        cluster: placebo_in_space(synergy, cluster, int(year), donors)
        for cluster, year in milestones.items()
        if cluster in synergy.index
    }
