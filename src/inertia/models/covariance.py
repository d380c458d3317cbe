r"""Standard-error conventions: one home for the SE types, the bandwidth and the factors.

Every estimator of the compendium takes its covariance conventions from here
(docs/design.md section 3): the wrappers over linearmodels
(:mod:`inertia.models.panel`, :mod:`inertia.models.event_study`) build their
``fit`` options with :func:`linearmodels_options`, and the estimation core
(:mod:`inertia.models.twfe_core`) computes the same covariances with
:func:`bartlett_weights`, :func:`residual_factor` and :func:`cluster_factor`.

SE types (the ``se`` parameter, :data:`SE_TYPES`)
    ``clustered``: clustered by city, with the small-sample factor
    :math:`\frac{G}{G-1}\frac{N-1}{N-K}` (linearmodels ``group_debias=True``,
    :math:`K` counting the absorbed effects), as statsmodels' OLS with city
    and year dummies and ``cov_type="cluster"`` reports.
    ``driscoll-kraay``: Driscoll & Kraay (1998, *Rev. Econ. Stat.* 80(4),
    549-560), robust to cross-sectional and serial correlation: the scores
    summed by period and smoothed with the Bartlett kernel, scaled by
    :math:`N/(N-K)` (linearmodels ``cov_type="kernel"``; Hoechle 2007,
    *Stata Journal* 7(3), 281-312, ``xtscc``).

Bandwidth
    Newey & West's rule :math:`\lfloor 4 (T/100)^{2/9} \rfloor`
    (:func:`bartlett_bandwidth`), linearmodels' default for the Bartlett kernel.

Degrees of freedom
    A linearmodels fit refers its t statistics to Student's t with
    ``df_resid`` degrees of freedom when fitted ``debiased=True`` and to the
    normal otherwise (:func:`linearmodels_inference_df`);
    :class:`LinearmodelsResults` carries that rule into the results protocol.

This module imports numpy only; linearmodels is imported by its callers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from inertia.errors import ParameterError
from inertia.results import EstimationResultsMixin

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COV_TYPES",
    "SE_TYPES",
    "LinearmodelsResults",
    "bartlett_bandwidth",
    "bartlett_weights",
    "cluster_factor",
    "linearmodels_inference_df",
    "linearmodels_options",
    "residual_factor",
]

#: The ``se`` parameter's SE types, offered by every chapter estimator.
SE_TYPES: tuple[str, ...] = ("clustered", "driscoll-kraay")
#: Covariance estimators of the estimation core's OLS fits.
COV_TYPES: tuple[str, ...] = ("unadjusted", "robust", "clustered", "driscoll-kraay")


def bartlett_bandwidth(n_periods: int) -> int:
    r"""Newey-West rule :math:`\lfloor 4 (T/100)^{2/9} \rfloor`, linearmodels' default bandwidth.

    Parameters
    ----------
    n_periods : int
        Number of time periods :math:`T`.

    Returns
    -------
    int
    """
    return int(np.floor(4 * (n_periods / 100) ** (2 / 9)))


def bartlett_weights(bandwidth: float, n_periods: int) -> np.ndarray:
    r"""Bartlett kernel weights :math:`w_{|t-s|}` between ``n_periods`` positions.

    :math:`w_\ell = 1 - \ell/(b + 1)` for :math:`\ell \le \lfloor b \rfloor`, 0 beyond
    (Newey & West 1987), with :math:`b` the bandwidth.

    Parameters
    ----------
    bandwidth : float
        The bandwidth :math:`b` (:func:`bartlett_bandwidth` by default in the estimators).
    n_periods : int
        Number of periods present, in order.

    Returns
    -------
    ndarray
        Shape ``(n_periods, n_periods)``, symmetric, ones on the diagonal.
    """
    lags = np.arange(n_periods)
    weights = np.where(lags <= np.floor(bandwidth), 1.0 - lags / (bandwidth + 1.0), 0.0)
    return weights[np.abs(lags[:, None] - lags[None, :])]


def residual_factor(n_obs: int, n_used: int) -> float:
    """The small-sample factor :math:`N/(N - K)`.

    Parameters
    ----------
    n_obs : int
        Observations :math:`N`.
    n_used : int
        Degrees of freedom used :math:`K` (regressors and counted absorbed effects).

    Returns
    -------
    float
    """
    return n_obs / (n_obs - n_used)


def cluster_factor(n_groups: int, n_obs: int) -> float:
    r"""The cluster factor :math:`\frac{G}{G-1}\frac{N-1}{N}` (linearmodels ``group_debias``).

    With :func:`residual_factor` it gives the CR1 factor :math:`\frac{G}{G-1}\frac{N-1}{N-K}`.

    Parameters
    ----------
    n_groups : int
        Clusters :math:`G`.
    n_obs : int
        Observations :math:`N`.

    Returns
    -------
    float
    """
    return n_groups / (n_groups - 1) * (n_obs - 1) / n_obs


def linearmodels_options(
    se: str,
    n_periods: int,
    *,
    kernel: str = "bartlett",
    bandwidth: float | None = None,
    debiased: bool | None = None,
    kernel_label: str | None = None,
) -> tuple[dict[str, Any], str, float | None]:
    """The linearmodels panel ``fit`` options of an SE type, and how tables name it.

    Parameters
    ----------
    se : {"clustered", "driscoll-kraay"}
        The SE type (:data:`SE_TYPES`).
    n_periods : int
        Number of periods :math:`T` of the fit, for the default bandwidth.
    kernel : str
        linearmodels' kernel of the Driscoll-Kraay covariance.
    bandwidth : float, optional
        Driscoll-Kraay bandwidth; default :func:`bartlett_bandwidth` of ``n_periods``.
    debiased : bool, optional
        Put linearmodels' ``debiased`` into the options (None: leave it to the caller).
    kernel_label : str, optional
        The kernel's name in the label (default ``kernel``).

    Returns
    -------
    (dict, str, float or None)
        The keyword arguments of ``fit``; the SE type's label
        ("clustered by city", "Driscoll-Kraay (bartlett kernel, bandwidth 2)");
        the bandwidth used (None for clustered SEs).

    Raises
    ------
    ParameterError
        When ``se`` is not one of :data:`SE_TYPES`.
    """
    if se == "clustered":
        options: dict[str, Any] = {
            "cov_type": "clustered",
            "cluster_entity": True,
            "group_debias": True,
        }
        label, used = "clustered by city", None
    elif se == "driscoll-kraay":
        used = float(bartlett_bandwidth(n_periods)) if bandwidth is None else bandwidth
        options = {"cov_type": "kernel", "kernel": kernel, "bandwidth": used}
        label = f"Driscoll-Kraay ({kernel_label or kernel} kernel, bandwidth {used:g})"
    else:
        raise ParameterError(f"se must be one of {SE_TYPES}, not {se!r}.")
    if debiased is not None:
        options["debiased"] = debiased
    return options, label, used


def linearmodels_inference_df(result: Any, where: str = "result") -> int | None:
    """Degrees of freedom of a linearmodels fit's t statistics: ``df_resid`` if debiased, else None.

    Parameters
    ----------
    result : linearmodels results object
        A panel (``PanelOLS``, ``RandomEffects`` ...) or IV result.
    where : str
        Name of the fit, for the error message.

    Returns
    -------
    int or None
        None when the fit's p-values are normal (``debiased=False``).
    """
    # linearmodels keeps the flag as ``debiased`` (IV results) or ``_debiased`` (panel results).
    debiased = getattr(result, "debiased", getattr(result, "_debiased", None))
    if debiased is None:
        raise ParameterError(
            f"{where}: cannot tell whether its {type(result).__name__} refers its t statistics "
            "to Student's t or to the normal (no linearmodels 'debiased' flag)."
        )
    return int(result.df_resid) if debiased else None


class LinearmodelsResults(EstimationResultsMixin):
    """The results protocol of a fit that keeps its linearmodels result as ``result``.

    ``params``, ``std_errors`` and ``cov`` are the linearmodels result's, and the
    degrees of freedom follow :func:`linearmodels_inference_df`; the class adds
    ``nobs``.
    """

    result: Any

    @property
    def params(self) -> pd.Series:
        """Estimated coefficients (the linearmodels result's)."""
        return self.result.params

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors (the linearmodels result's)."""
        return self.result.std_errors

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance of the coefficients (the linearmodels result's)."""
        return self.result.cov

    @property
    def inference_df(self) -> int | None:
        """``df_resid`` when the fit is debiased, else None (:func:`linearmodels_inference_df`).

        Returns
        -------
        int or None
        """
        return linearmodels_inference_df(self.result, type(self).__name__)
