r"""Business-as-usual projection of every city's public-service level to its plan horizon.

Chapter 5 compares what a corrective measure closes with the synergy gap it
would otherwise leave *by the same horizon*, not with the last observed gap.
That needs the cities' public-service levels at the horizon without the
measure: this module's model, estimated per cluster :math:`c` on the years
since the cluster's milestone (the regime the plan set), with
:math:`\ell_{it}` the city's level on the index's gap scale (log points for
the ``geometric`` index), :math:`s` the city's previous observed year and
:math:`g_{it} = (\ell_{it} - \ell_{is})/(t - s)` its growth per year:

.. math::

    g_{it} = \mu_{ct} + \beta_c\,\ell_{is} + e_{it},

with a growth intercept :math:`\mu_{ct}` per cluster and year (pooled
regression within cluster-year cells; :math:`\beta_c < 0` is
beta-convergence inside the cluster). Its pieces:

* :math:`\beta_c`, the within-cell slope;
* :math:`\mu_c`, the mean growth over the window (the mean of :math:`g`);
* :math:`\tau_c^2`, the variance of the cell mean growths around
  :math:`\mu_c` (common shocks, per year), and :math:`\sigma_c^2`, the
  residual variance of :math:`e` per year (an observed gap of :math:`L`
  years averages :math:`L` yearly shocks, so its squared residual is scaled
  by :math:`L`); :math:`\tau_c^2` is the sample variance of the cell means.

**Projection.** From the baseline year :math:`t_0`, the cluster mean
:math:`m` and each city's deviation :math:`d_i = \ell_i - m` evolve year by year

.. math::

    m_{t+1} = m_t + \mu_c + \eta_{t+1},\qquad d_{i,t+1} = (1 + \beta_c)\,d_{it} + e_{i,t+1},

:math:`\eta \sim N(0, \tau_c^2)`, :math:`e \sim N(0, \sigma_c^2)`, to the
cluster's horizon. **Uncertainty.** Each draw re-estimates
:math:`(\mu_c, \beta_c, \sigma_c, \tau_c)` on a city resample (the weights
``counts``: the same resample as the chain's city bootstrap, so that every
estimated piece of a scenario comes from one resample), draws the mean
growth's own error :math:`N(0, \tau_c^2/K_c)` (:math:`K_c` years in the
window; a city resample cannot reveal the error of a common yearly mean),
and draws the future shocks. Everything derives from ``seed``.

The projection is a forecast under the assumption that the post-milestone
regime continues; it is not a structural model, and the shortfall's
planned path does not enter it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from inertia.errors import DataError, ParameterError

__all__ = ["ProjectionDraws", "project_baseline", "projection_parameters"]


@dataclass(frozen=True)
class ProjectionDraws:
    """Projected levels of the baseline cities, per draw and year.

    Attributes
    ----------
    codes, cluster : ndarray
        The baseline cities and their clusters (the column order of ``levels``).
    baseline_year : int
    years : ndarray
        Projected years ``baseline_year + 1 ...`` up to the latest horizon.
    horizons : dict
        Cluster -> horizon year.
    levels : ndarray, shape (n_draws, n_years, n_cities)
        Projected levels on the gap scale; NaN after the city's cluster horizon.
    baseline : ndarray, shape (n_cities,)
        The baseline-year levels.
    parameters : DataFrame
        Per cluster the point estimates ``mu, beta, sigma, tau, n_years, n``.
    parameter_draws : dict
        Parameter -> ``(n_draws, n_clusters)`` draws (clusters in ``parameters`` order).
    """

    codes: np.ndarray
    cluster: np.ndarray
    baseline_year: int
    years: np.ndarray
    horizons: dict[str, int]
    levels: np.ndarray
    baseline: np.ndarray
    parameters: pd.DataFrame
    parameter_draws: dict[str, np.ndarray] = field(default_factory=dict)

    def at(self, year: int) -> np.ndarray:
        """Projected levels ``(n_draws, n_cities)`` in ``year``.

        Parameters
        ----------
        year : int
            A year of :attr:`years`; another raises a ParameterError.

        Returns
        -------
        ndarray
            Shape ``(n_draws, n_cities)``, the cities in :attr:`codes` order.
        """
        where = np.flatnonzero(self.years == year)
        if where.size == 0:
            raise ParameterError(
                f"The projection covers {self.years.min()}-{self.years.max()}; not {year}."
            )
        return self.levels[:, int(where[0]), :]


def _growth_rows(levels: pd.DataFrame, first_years: Mapping[str, int]) -> pd.DataFrame:
    """``code, cluster, year, lag_level, growth, gap`` for consecutive observed years."""
    ordered = levels.sort_values(["code", "year"])
    previous = ordered.groupby("code")[["year", "level"]].shift(1)
    rows = ordered.assign(
        lag_year=previous["year"], lag_level=previous["level"]
    ).dropna(subset=["lag_year", "lag_level", "level"])
    rows["gap"] = rows["year"] - rows["lag_year"]
    rows["growth"] = (rows["level"] - rows["lag_level"]) / rows["gap"]
    start = rows["cluster"].map(first_years)
    return rows[rows["year"] >= start].reset_index(drop=True)


def projection_parameters(
    levels: pd.DataFrame,
    first_years: Mapping[str, int],
    *,
    counts: np.ndarray | None = None,
    entities: np.ndarray | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """Estimate :math:`(\\mu_c, \\beta_c, \\sigma_c, \\tau_c)` on the sample and each resample.

    Parameters
    ----------
    levels : DataFrame
        ``code, year, cluster, level`` (the level on the gap scale), up to the
        baseline year.
    first_years : mapping cluster -> year
        First year of each cluster's estimation window.
    counts : ndarray (n_draws, n_entities), optional
        City weights of each resample (:attr:`MediationResult.boot_counts`).
    entities : ndarray, optional
        City codes in the column order of ``counts``.

    Returns
    -------
    dict
        Cluster -> ``{"mu", "beta", "sigma", "tau", "n_years", "n"}``, each an
        array ``(1 + n_draws,)``: the full sample first, then the resamples.
    """
    rows = _growth_rows(levels, first_years)
    codes = np.sort(levels["code"].unique()) if entities is None else np.asarray(entities)
    weights = np.ones((1, codes.size))
    if counts is not None:
        if counts.shape[1] != codes.size:
            raise ParameterError("projection: counts need one column per entity.")
        weights = np.vstack([weights, counts])
    position = pd.Series(np.arange(codes.size), index=codes)
    out: dict[str, dict[str, np.ndarray]] = {}
    for cluster, part in rows.groupby("cluster", sort=True):
        missing = sorted(set(part["code"]) - set(codes))
        if missing:
            raise DataError(f"projection: cities {missing[:5]} are not among the resampled ones.")
        # Per cell (year): weighted sums of 1, x, y, x^2, xy, y^2, the same times each row's
        # gap L (for the per-year residual variance), and the cell's typical gap.
        sums = []
        for _, cell in part.groupby("year", sort=True):
            column = position.loc[cell["code"]].to_numpy()
            x, y = cell["lag_level"].to_numpy(float), cell["growth"].to_numpy(float)
            values = np.column_stack([np.ones_like(x), x, y, x * x, x * y, y * y])
            values = np.hstack([values, values * cell["gap"].to_numpy(float)[:, None]])
            sums.append((weights[:, column] @ values, float(cell["gap"].median())))
        s = np.stack([cell for cell, _ in sums], axis=1)  # (draws, cells, 12)
        gaps = np.array([gap for _, gap in sums])
        sw, sx, sy, sxx, sxy = (s[..., k] for k in range(5))
        lw, lx, ly, lxx, lxy, lyy = (s[..., k] for k in range(6, 12))
        with np.errstate(invalid="ignore", divide="ignore"):
            occupied = sw > 0
            cxx = np.where(occupied, sxx - sx**2 / np.where(occupied, sw, 1.0), 0.0)
            cxy = np.where(occupied, sxy - sx * sy / np.where(occupied, sw, 1.0), 0.0)
            beta = cxy.sum(axis=1) / cxx.sum(axis=1)
            # sum of L (e - ...)^2 with e = (y - ybar) - beta (x - xbar) per cell.
            xbar = np.where(occupied, sx / np.where(occupied, sw, 1.0), 0.0)
            ybar = np.where(occupied, sy / np.where(occupied, sw, 1.0), 0.0)
            b = beta[:, None]
            lyy_c = lyy - 2 * ybar * ly + ybar**2 * lw
            lxy_c = lxy - xbar * ly - ybar * lx + xbar * ybar * lw
            lxx_c = lxx - 2 * xbar * lx + xbar**2 * lw
            rss_cell = lyy_c - 2 * b * lxy_c + b**2 * lxx_c
            n_cells = occupied.sum(axis=1)
            n_obs = sw.sum(axis=1)
            sigma2 = rss_cell.sum(axis=1) / np.maximum(n_obs - n_cells - 1, 1)
            cell_mean = np.where(occupied, sy / np.where(occupied, sw, 1.0), np.nan)
            mu = sy.sum(axis=1) / n_obs
            # A resample without a city of the cluster in the window has no cell at all.
            centre = np.nanmean(
                np.where(occupied.any(axis=1, keepdims=True), cell_mean, 0.0),
                axis=1,
                keepdims=True,
            )
            spread = np.where(occupied, (cell_mean - centre) ** 2 * gaps, 0.0)
            tau2 = np.where(n_cells > 1, spread.sum(axis=1) / np.maximum(n_cells - 1, 1), 0.0)
        out[str(cluster)] = {
            "mu": mu,
            "beta": beta,
            "sigma": np.sqrt(np.clip(sigma2, 0.0, None)),
            "tau": np.sqrt(np.clip(tau2, 0.0, None)),
            "n_years": n_cells.astype(float),
            "n": n_obs,
        }
    return out


def project_baseline(
    levels: pd.DataFrame,
    baseline_year: int,
    horizons: Mapping[str, int],
    first_years: Mapping[str, int],
    *,
    counts: np.ndarray | None = None,
    entities: np.ndarray | None = None,
    n_draws: int | None = None,
    seed: int | None = None,
    residual: bool = True,
) -> ProjectionDraws:
    """Project every baseline city's level to its cluster's horizon, draw by draw.

    Parameters
    ----------
    levels : DataFrame
        ``code, year, cluster, level``: the shortfall table of chapter 3
        (:func:`inertia.measures.synergy.city_shortfall`) has them.
    baseline_year : int
        The cross-section projected (cities without a level then are left out).
    horizons : mapping cluster -> year
        Each cluster's plan horizon (after ``baseline_year``).
    first_years : mapping cluster -> year
        First year of each cluster's estimation window (the year after its milestone).
    counts, entities : ndarray, optional
        City resamples (:attr:`MediationResult.boot_counts` and ``entities``):
        one draw per resample. Without them, ``n_draws`` draws at the full-sample
        estimates (residual uncertainty only).
    n_draws : int, optional
        Draws without ``counts``.
    seed : int, optional
        Seed of the mean-growth error and the future shocks.
    residual : bool, default True
        Draw the future shocks and the mean-growth error (False: the
        deterministic path of each draw's parameters).

    Returns
    -------
    ProjectionDraws
    """
    needed = {"code", "year", "cluster", "level"}
    if not needed <= set(levels.columns):
        raise DataError(f"projection: the levels need the columns {sorted(needed)}.")
    data = levels[["code", "year", "cluster", "level"]].dropna()
    data = data[data["year"] <= baseline_year]
    base = data[data["year"] == baseline_year].sort_values("code").reset_index(drop=True)
    if base.empty:
        raise DataError(f"projection: no city has a level in the baseline year {baseline_year}.")
    clusters = sorted(base["cluster"].unique())
    missing = [c for c in clusters if c not in horizons or c not in first_years]
    if missing:
        raise ParameterError(f"projection: no horizon or window start for clusters {missing}.")
    early = [c for c in clusters if int(horizons[c]) <= baseline_year]
    if early:
        raise ParameterError(
            f"projection: the horizon of {early} is not after the baseline year {baseline_year}."
        )
    estimates = projection_parameters(data, first_years, counts=counts, entities=entities)
    absent = [c for c in clusters if c not in estimates]
    if absent:
        raise DataError(
            f"projection: clusters {absent} have no two consecutive observed years in their "
            "estimation window."
        )
    if counts is None:
        if n_draws is None or n_draws < 1:
            raise ParameterError("projection: without counts, n_draws must be >= 1.")
        pick = np.zeros(n_draws, dtype=int)  # every draw at the full-sample estimates
    else:
        pick = np.arange(1, counts.shape[0] + 1)
    draws = pick.size
    rng = np.random.default_rng(seed)
    years = np.arange(baseline_year + 1, max(int(horizons[c]) for c in clusters) + 1)
    cluster_of = base["cluster"].to_numpy()
    level0 = base["level"].to_numpy(float)
    out = np.full((draws, years.size, level0.size), np.nan)
    parameter_draws: dict[str, list[np.ndarray]] = {k: [] for k in ("mu", "beta", "sigma", "tau")}
    rows = []
    for cluster in clusters:
        members = cluster_of == cluster
        est = estimates[cluster]
        mu, beta, sigma, tau = (est[k][pick] for k in ("mu", "beta", "sigma", "tau"))
        for name, values in (("mu", mu), ("beta", beta), ("sigma", sigma), ("tau", tau)):
            parameter_draws[name].append(values)
        rows.append(
            {
                "cluster": cluster,
                **{k: float(est[k][0]) for k in ("mu", "beta", "sigma", "tau", "n_years", "n")},
            }
        )
        steps = int(horizons[cluster]) - baseline_year
        mean = np.full(draws, level0[members].mean())
        deviation = np.tile(level0[members] - level0[members].mean(), (draws, 1))
        growth = mu.copy()
        if residual:
            # The common mean growth has its own error, which a city resample cannot show.
            years_in_window = np.maximum(est["n_years"][pick], 1.0)
            growth = growth + rng.normal(size=draws) * tau / np.sqrt(years_in_window)
        for step in range(steps):
            common = rng.normal(size=draws) * tau if residual else 0.0
            shocks = rng.normal(size=deviation.shape) * sigma[:, None] if residual else 0.0
            mean = mean + growth + common
            deviation = (1.0 + beta[:, None]) * deviation + shocks
            out[:, step, members] = mean[:, None] + deviation
    return ProjectionDraws(
        codes=base["code"].to_numpy(),
        cluster=cluster_of,
        baseline_year=int(baseline_year),
        years=years,
        horizons={c: int(horizons[c]) for c in clusters},
        levels=out,
        baseline=level0,
        parameters=pd.DataFrame(rows),
        parameter_draws={k: np.column_stack(v) for k, v in parameter_draws.items()},
    )
