r"""Sensitivity of the post-milestone effect to violations of parallel trends.

Rambachan & Roth (2023, *Review of Economic Studies* 90(5), 2555-2591) bound
the post-milestone violation of parallel trends by the pre-milestone ones.
Under **relative magnitudes** :math:`\Delta^{RM}(\bar M)` no post-milestone
change of the violation :math:`\delta` is larger than :math:`\bar M` times the
largest pre-milestone change:

.. math:: |\delta_{e+1} - \delta_e| \le \bar M \max_{s < -1} |\delta_{s+1} - \delta_s|,
          \quad e \ge -1, \qquad \delta_{-1} = 0.

With no anticipation the leads identify the pre-milestone violations
(:math:`\delta_s = \beta_s`, :math:`s < 0`). For the mean effect over event times
:math:`0, \dots, E`, the violation's mean is then at most :math:`\bar M m
(E + 2)/2` in absolute value (each post-milestone step at most :math:`\bar M
m`, :math:`m` the largest pre-milestone step), so the identified set is
:math:`\bar\beta_{post} \pm \bar M m (E + 2)/2`. The interval reported here is
that set widened by the normal critical value times the SE of
:math:`\bar\beta_{post}`, with :math:`m` plugged in from the estimated leads.
This is the conservative "union" construction, not Rambachan and Roth's
conditional or hybrid inference (their ``honestdid`` package needs PyTorch,
which the compendium does not pin): it ignores the sampling error of
:math:`m`, which makes it narrower for small :math:`\bar M` and is why the
chapter reports it beside, not instead of, the other tests. The **breakdown
value** :math:`\bar M^*` is the largest :math:`\bar M` at which the interval
still excludes zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from inertia.errors import DataError

if TYPE_CHECKING:
    from inertia.models.staggered import StaggeredFit

__all__ = ["RelativeMagnitudes", "relative_magnitudes"]


@dataclass(frozen=True)
class RelativeMagnitudes:
    """Bounds of the post-milestone mean effect under :math:`\\Delta^{RM}(\\bar M)`.

    Attributes
    ----------
    table : DataFrame
        One row per :math:`\\bar M`: ``m_bar``, ``lower``, ``upper`` (the
        interval), ``excludes_zero``.
    estimate, se : float
        The post-milestone mean and its SE.
    max_pre_step : float
        :math:`m`, the largest change between consecutive leads (reference included).
    breakdown : float
        :math:`\\bar M^*` (inf when no pre-milestone change is estimated as nonzero;
        0 when the interval includes zero already at :math:`\\bar M = 0`).
    post : tuple of int
    """

    table: pd.DataFrame
    estimate: float
    se: float
    max_pre_step: float
    breakdown: float
    post: tuple[int, int]


def relative_magnitudes(
    fit: StaggeredFit,
    m_bars: Sequence[float] = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0),
    level: float = 0.95,
) -> RelativeMagnitudes:
    """Relative-magnitudes bounds of a :class:`~inertia.models.staggered.StaggeredFit`.

    Parameters
    ----------
    fit : StaggeredFit
        An event study whose leads are relative to event time :math:`-1`
        (TWFE, Sun-Abraham, Callaway-Sant'Anna with the universal base).
    m_bars : sequence of float
    level : float

    Returns
    -------
    RelativeMagnitudes
    """
    table = fit.coefficients.set_index("event_time")
    leads = [e for e in range(-fit.window, -1) if np.isfinite(table.at[e, "coef"])]
    if not leads:
        raise DataError("The relative-magnitudes bounds need estimated leads.")
    path = np.array([*table.loc[leads, "coef"].to_numpy(dtype=float), 0.0])  # ... and e = -1
    max_step = float(np.max(np.abs(np.diff(path)))) if len(path) > 1 else float("nan")
    first, last = fit.post
    estimate, se = fit.mean_of(range(first, last + 1))
    reach = (last - first + 2) / 2.0  # mean over e = 0..E of (e + 1) steps
    critical = float(stats.norm.ppf(0.5 + level / 2))
    rows = []
    for m_bar in m_bars:
        half = float(m_bar) * max_step * reach + critical * se
        lower, upper = estimate - half, estimate + half
        rows.append((float(m_bar), lower, upper, bool(lower > 0 or upper < 0)))
    frame = pd.DataFrame(rows, columns=["m_bar", "lower", "upper", "excludes_zero"])
    margin = abs(estimate) - critical * se
    if margin <= 0:
        breakdown = 0.0
    elif max_step > 0:
        breakdown = margin / (max_step * reach)
    else:
        breakdown = float("inf")
    return RelativeMagnitudes(frame, estimate, se, max_step, float(breakdown), (first, last))
