r"""The delivered share of each plan's commitment: chapter 3's test of inertia.

Each cluster's plan commits to close every city's gap to the cluster's best
performer, measured in its milestone year, to the share :math:`r_c` of itself
by the horizon :math:`h_c`, linearly (``data/reference/plan_targets.csv``;
docs/simulation.md section 3). By year :math:`t` the plan requires city
:math:`i` to have closed

.. math:: q_{it} = (1 - r_c)\, g_{ib}\, \min\!\Big(1, \frac{t - m_c}{h_c - m_c}\Big),
          \qquad g_{ib} = \max_{j \in c} \ell_{jb} - \ell_{ib},

where :math:`\ell` is the public-service index on its gap scale (log points
for the ``geometric`` index, index units otherwise), :math:`m_c` the
milestone and :math:`b` the base year, the last data year at or before
:math:`m_c`. The **delivered share** :math:`s` is the slope of

.. math:: \ell_{it} - \ell_{ib} = s\, q_{it} + \mu_{c(i)t} + u_{it},
          \qquad t > m_c,

with cluster-by-year effects :math:`\mu_{ct}` (they absorb the frontier's
own growth, so the slope compares cities of one cluster in one year): it is
the share of the closure the plan required that actually happened, whatever
its cause (1 = the commitment was met, 0 = no closure at all, negative =
the gaps widened). Because :math:`\mu_{ct}` absorbs every term that is common
to a cluster-year, the frontier's identity and its measurement noise do not
matter, only the cities' relative positions at the base year.

Inference: SEs clustered by city, by default the cluster jackknife (CV3,
MacKinnon, Nielsen & Webb 2023), which keeps its size with few or unequal
clusters where the sandwich does not (the PRD has nine cities); the CR1
sandwich with :math:`\frac{G}{G-1}\frac{N-1}{N-K}` (linearmodels
``PanelOLS(..., other_effects=...)`` with ``debiased=True``, the oracle of the
tests) is the alternative. Critical values are Student :math:`t_{G-1}`
(Cameron & Miller 2015, *J. Human Resources* 50(2), 317-372).
**Inertia** is the one-sided alternative :math:`H_1: s < 1` against the null
that the commitment was delivered, :math:`H_0: s \ge 1`: the null is the
boundary value, so the test has its nominal size when the plans are met
exactly and less when they are over-delivered.

Measurement noise in :math:`\ell_{ib}` enters both sides with the same sign
(regression to the mean), which biases :math:`\hat s` upward by about
:math:`\sigma^2_e / (\mathrm{Var}(\ell_{ib})\,\overline{q/g})`; with the
default index's noise this is about 0.01 (the validation harness reports it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from inertia.errors import DataError, ParameterError

__all__ = ["DeliveryResult", "delivered_share", "delivery_design"]


@dataclass(frozen=True)
class DeliveryResult:
    """The delivered share, pooled and per cluster.

    Attributes
    ----------
    table : DataFrame
        One row per ``scope`` (``pooled`` and each cluster): ``estimate``,
        ``se``, ``ci_low``, ``ci_high`` (two-sided, level ``1 - alpha``),
        ``t`` (of :math:`s - 1`), ``pvalue`` (one-sided, :math:`H_0: s \\ge 1`),
        ``df`` (:math:`G - 1`), ``n`` (city-years), ``cities``, ``weight`` (the
        cluster's share of the pooled slope's denominator) and ``inertia``
        (True when :math:`H_0` is rejected at ``alpha``).
    design : DataFrame
        The estimation sample: ``code``, ``year``, ``cluster``, ``change``
        (:math:`\\ell_{it} - \\ell_{ib}`), ``required`` (:math:`q_{it}`),
        ``base_year``, ``base_gap`` (:math:`g_{ib}`).
    alpha : float
        Level of the test.
    dropped : int
        Post-milestone city-years without a base-year value (left out).
    excluded : int
        Post-milestone city-years left out by ``exclude``.
    se : str
        The SE type.
    """

    table: pd.DataFrame
    design: pd.DataFrame
    alpha: float
    dropped: int
    excluded: int = 0
    se: str = "cv3"

    @property
    def pooled(self) -> pd.Series:
        """The pooled row of :attr:`table`."""
        return self.table.set_index("scope").loc["pooled"]


def delivery_design(
    levels: pd.Series,
    clusters: pd.Series,
    plans: pd.DataFrame,
) -> tuple[pd.DataFrame, int]:
    """The estimation sample of :func:`delivered_share`.

    Parameters
    ----------
    levels : Series
        The index on its gap scale, indexed by (``code``, ``year``).
    clusters : Series
        Code -> cluster.
    plans : DataFrame
        Indexed by cluster: ``milestone_year``, ``horizon_year``,
        ``residual_gap_share``.

    Returns
    -------
    (DataFrame, int)
        The design (see :class:`DeliveryResult`) and the number of
        post-milestone city-years left out for want of a base-year value.
    """
    frame = levels.rename("level").reset_index()
    frame["cluster"] = frame["code"].map(clusters)
    frame = frame.dropna(subset=["level", "cluster"])
    grid = np.sort(frame["year"].unique())
    pieces, dropped = [], 0
    for cluster, rows in frame.groupby("cluster", sort=True):
        if cluster not in plans.index:
            continue
        milestone = int(plans.at[cluster, "milestone_year"])
        horizon = int(plans.at[cluster, "horizon_year"])
        residual = float(plans.at[cluster, "residual_gap_share"])
        before = grid[grid <= milestone]
        if not before.size:
            continue
        base_year = int(before.max())
        base = rows.loc[rows["year"] == base_year].set_index("code")["level"]
        if len(base) < 2:
            continue
        post = rows[rows["year"] > milestone].copy()
        post["base_level"] = post["code"].map(base)
        dropped += int(post["base_level"].isna().sum())
        post = post.dropna(subset=["base_level"])
        if post.empty:
            continue
        progress = np.minimum(1.0, (post["year"] - milestone) / (horizon - milestone))
        post["base_year"] = base_year
        post["base_gap"] = base.max() - post["base_level"]
        post["required"] = (1.0 - residual) * progress * post["base_gap"]
        post["change"] = post["level"] - post["base_level"]
        pieces.append(post[["code", "year", "cluster", "change", "required", "base_year",
                            "base_gap"]])
    if not pieces:
        return pd.DataFrame(
            columns=["code", "year", "cluster", "change", "required", "base_year", "base_gap"]
        ), dropped
    design = pd.concat(pieces, ignore_index=True).sort_values(["code", "year"], ignore_index=True)
    return design, dropped


def _within_cells(values: np.ndarray, groups: np.ndarray, n_cells: int) -> np.ndarray:
    counts = np.bincount(groups, minlength=n_cells).astype(float)
    means = np.bincount(groups, values, n_cells) / np.maximum(counts, 1.0)
    return values - means[groups]


def _slope(design: pd.DataFrame, alpha: float, se: str = "cv3") -> dict[str, float]:
    r"""Slope of ``change`` on ``required`` with cluster-year effects, SEs clustered by city.

    ``se="cv3"``: the cluster jackknife, :math:`\frac{G-1}{G}\sum_g (\hat s_{(g)} -
    \bar s)^2` with :math:`\hat s_{(g)}` the slope without city :math:`g` (its
    cluster-year effects re-estimated), recommended when the clusters are few or
    unequal in size (MacKinnon, Nielsen & Webb 2023, *J. Econometrics* 232,
    272-299); ``se="cr1"``: the sandwich with :math:`\frac{G}{G-1}\frac{N-1}{N-K}`.
    """
    keys = design["cluster"].astype(str) + ":" + design["year"].astype(str)
    y = design["change"].to_numpy(float)
    x = design["required"].to_numpy(float)
    groups = pd.factorize(keys)[0]
    n_cells = int(groups.max()) + 1
    y_dm, x_dm = _within_cells(y, groups, n_cells), _within_cells(x, groups, n_cells)
    sxx = float(x_dm @ x_dm)
    n, n_cities = len(design), design["code"].nunique()
    if sxx <= 0 or n_cities < 2:
        return {"estimate": np.nan, "se": np.nan, "n": n, "cities": n_cities, "sxx": sxx}
    slope = float(x_dm @ y_dm) / sxx
    city = pd.factorize(design["code"])[0]
    if se == "cr1":
        residual = y_dm - slope * x_dm
        scores = np.bincount(city, x_dm * residual)
        k = 1 + n_cells  # the slope and the absorbed cluster-year effects
        factor = n_cities / (n_cities - 1) * (n - 1) / max(n - k, 1)
        std_error = float(np.sqrt(factor * (scores**2).sum()) / sxx)
    else:
        leave_out = np.empty(n_cities)
        for g in range(n_cities):
            keep = city != g
            kept_groups = pd.factorize(groups[keep])[0]
            cells = int(kept_groups.max()) + 1
            xg = _within_cells(x[keep], kept_groups, cells)
            yg = _within_cells(y[keep], kept_groups, cells)
            denominator = float(xg @ xg)
            leave_out[g] = float(xg @ yg) / denominator if denominator > 0 else np.nan
        finite = leave_out[np.isfinite(leave_out)]
        std_error = float(
            np.sqrt((n_cities - 1) / n_cities * ((finite - finite.mean()) ** 2).sum())
        )
    df = n_cities - 1
    critical = stats.t.ppf(1 - alpha / 2, df)
    t_stat = (slope - 1.0) / std_error if std_error > 0 else np.nan
    return {
        "estimate": slope,
        "se": std_error,
        "ci_low": slope - critical * std_error,
        "ci_high": slope + critical * std_error,
        "t": t_stat,
        "pvalue": float(stats.t.cdf(t_stat, df)) if np.isfinite(t_stat) else np.nan,
        "df": df,
        "n": n,
        "cities": n_cities,
        "sxx": sxx,
    }


def delivered_share(
    levels: pd.Series,
    clusters: pd.Series,
    plans: pd.DataFrame,
    *,
    alpha: float = 0.05,
    se: str = "cv3",
    exclude: pd.Index | None = None,
) -> DeliveryResult:
    r"""Estimate the delivered share of the plans' commitments (module docstring).

    Parameters
    ----------
    levels : Series
        The public-service index on its gap scale
        (:attr:`inertia.measures.public_service.PublicServiceIndex.levels`),
        indexed by (``code``, ``year``).
    clusters : Series
        Code -> cluster.
    plans : DataFrame
        Indexed by cluster: ``milestone_year``, ``horizon_year`` (the year the
        commitment is due) and ``residual_gap_share``
        (:func:`inertia.measures.synergy.plan_schedule` with targets).
    alpha : float, default 0.05
        Level of the one-sided test and of the two-sided interval.
    se : {"cv3", "cr1"}
        Cluster-jackknife (default) or CR1 sandwich SEs, clustered by city
        (:func:`_slope`).
    exclude : Index of (code, year), optional
        City-years left out of the post-milestone sample (e.g. those whose
        index carries an indicator forward instead of observing it).

    Returns
    -------
    DeliveryResult

    Raises
    ------
    ParameterError
        For ``alpha`` outside (0, 1) or plans without the needed columns.
    DataError
        When no cluster has data on both sides of its milestone.
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1); got {alpha!r}.")
    if se not in ("cv3", "cr1"):
        raise ParameterError(f"se must be 'cv3' or 'cr1'; got {se!r}.")
    needed = {"milestone_year", "horizon_year", "residual_gap_share"}
    if not needed <= set(plans.columns):
        raise ParameterError(
            f"delivered_share: plans need the columns {sorted(needed)}; got {list(plans.columns)}."
        )
    design, dropped = delivery_design(levels, clusters, plans)
    excluded = 0
    if exclude is not None and len(design):
        keys = pd.MultiIndex.from_frame(design[["code", "year"]])
        out = keys.isin(exclude)
        excluded = int(out.sum())
        design = design[~out].reset_index(drop=True)
    if design.empty:
        raise DataError(
            "The delivered share needs data in a base year at or before a cluster's milestone "
            "and in a year after it; no cluster has both (milestones "
            f"{plans['milestone_year'].to_dict()}, data years "
            f"{sorted(levels.index.get_level_values('year').unique().tolist())})."
        )
    rows = []
    pooled = _slope(design, alpha, se)
    for scope, part in [("pooled", design), *design.groupby("cluster", sort=True)]:
        fit = pooled if scope == "pooled" else _slope(part, alpha, se)
        fit["scope"] = scope
        rows.append(fit)
    table = pd.DataFrame(rows)
    table["weight"] = table["sxx"] / pooled["sxx"] if pooled["sxx"] > 0 else np.nan
    table.loc[table["scope"] == "pooled", "weight"] = 1.0
    table["inertia"] = table["pvalue"] < alpha
    columns = ["scope", "estimate", "se", "ci_low", "ci_high", "t", "pvalue", "df", "n",
               "cities", "weight", "inertia"]
    return DeliveryResult(
        table=table[columns], design=design, alpha=alpha, dropped=dropped, excluded=excluded,
        se=se,
    )
