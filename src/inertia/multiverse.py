r"""Specification curve over every measurement and model choice (notebook ``07_robustness``).

A *multiverse* (Steegen et al. 2016) or *specification curve* (Simonsohn,
Simmons & Nelson 2020, *Nature Human Behaviour* 4, 1208-1214) estimates the
chapter 4 regression

.. math:: y_{it} = \beta_W W_{i,t-\ell} + \beta_D D_{i,t-\ell} + \beta_R R_{i,t-\ell}
          + c_{it}'\gamma + \alpha_i + \lambda_t + \varepsilon_{it}

under every defensible combination of choices, and reports the distribution
of :math:`\hat\beta_W, \hat\beta_D, \hat\beta_R` instead of one estimate.

Forks as data
-------------
A multiverse is a plain dict ``{fork: [levels]}`` (it can come from YAML)
plus exclusion rules ``[{"if": {fork: level(s)}, "exclude": {fork: level(s)}}]``:
a specification is dropped when it matches every ``if`` condition and every
``exclude`` condition (a list means "any of"). :func:`expand` gives the
Cartesian product minus the exclusions, one row per specification, with a
``spec_id`` that is a hash of the fork values (stable across runs and across
the order in which forks are declared). Forks left out of the dict keep their
:data:`BASELINE` level.

Measurement forks (shared work, computed once per combination):

``index_method``        PS index weighting: entropy, topsis, equal
``shortfall_reference`` city gap to the cluster ``frontier`` or ``mean``
``horizon``             plan horizon ``final`` or ``interim``
``synergy_measure``     actual synergy S (only enters ``outcome="cluster_gap"``)
``target_rule``         expected synergy E, ``plan`` or ``frontier`` (only ``cluster_gap``)
``role_weighting``      role-index composite weights: entropy, equal
``growth_tilt``         second deviation component: science, gdp_pressure
``spending_rule``       weakness spending component: truncated, log_ratio

Model forks (reuse the measurement):

``sample``   all, no_jjj, no_prd, no_yrd, yrd_central (YRD restricted to its 27
             central-area cities), post2010 (years >= 2010). The sample restricts
             the *estimation* sample only; indices are measured on all cities,
             so their pooled weights stay comparable across samples.
``outcome``  ``shortfall`` (y_it of :func:`~inertia.measures.synergy.city_shortfall`,
             post-milestone years), ``gap`` (the city's gap to the reference level,
             all years), ``cluster_gap`` (the cluster's I_ct = E_ct - S_ct given to
             its cities, post-milestone years).
``controls`` lists of names from :data:`CONTROLS` (``log_gdp_pc``, ``log_pop``).
``lags``     :math:`\ell`: the role indices of calendar year t - l.
``se``       ``clustered`` (by city) or ``driscoll-kraay``.

Only the two cluster-gap forks change nothing for the city outcomes, so
:func:`default_forks` pins them by rule to their baseline level for
``gap`` and ``shortfall``: otherwise the curve would count identical
estimates several times.

Estimation and the SE convention
--------------------------------
Each (measurement, sample, outcome, controls, lags) cell is one
``pyfixest.feols("y ~ weakness + deviation + reinforcement + controls | code + year")``
fit; the SE forks reuse it through ``Feols.vcov``. Coefficients equal
linearmodels ``PanelOLS`` (:func:`inertia.models.panel.fit_twfe`) to
machine precision. The curve uses **one** SE convention, the one of
:func:`~inertia.models.panel.fit_twfe` (linearmodels ``debiased=True``):

* clustered: :math:`\frac{G}{G-1}\frac{N-1}{N-K}` with :math:`K` counting the
  absorbed city and year effects. pyfixest's default
  (``ssc(k_fixef="nonnested")``) does not count the city effects nested in
  the clusters; its SEs are smaller by
  :math:`\sqrt{(N-K_{full})/(N-K_{nonnested})}`: the ratio pyfixest default /
  linearmodels is 0.886 on the simulated baseline (N = 301 city-years after the
  milestones, 63 cities, 9 years) and 0.963 for the ``gap`` outcome (N = 884).
  The curve therefore fits with ``ssc(k_fixef="full")``, which reproduces
  linearmodels.
* Driscoll-Kraay: pyfixest ``vcov="DK"`` with the Bartlett lag
  :math:`\lfloor 4(T/100)^{2/9}\rfloor` (linearmodels' rule) and
  ``ssc(k_fixef="full", G_adj=False)`` scales by :math:`(N-1)/(N-K)`;
  linearmodels by :math:`N/(N-K)`; the covariance is rescaled by
  :math:`N/(N-1)` to match.
* t statistics, p-values and 95% intervals use Student t with the
  residual degrees of freedom :math:`N - k - (G + T - 1)` for both SE types
  (linearmodels' convention; pyfixest uses G - 1 for CRV1).

Engines
-------
``engine="local"``: one task per measurement fork (all its model forks in
the task, so the measurement is computed once), run inline for ``jobs=1``
or on a ``ProcessPoolExecutor`` with the ``spawn`` context whose children
inherit ``OMP/OPENBLAS/MKL_NUM_THREADS=1`` (set before they start, hence
before numpy is imported there). ``engine="dask"``: the same task function
on the same chunks through a ``dask.distributed`` client (a given
``scheduler`` address, or a LocalCluster on 127.0.0.1 with ``jobs``
single-threaded worker processes). Results are keyed by ``spec_id``; the run
checks that every expected specification arrives exactly once and raises
:class:`~inertia.errors.InertiaError` naming the missing ones otherwise.
Dask reschedules the tasks of a worker that dies.

Reproducibility across processes: pyfixest's fits of the same data can differ
in the last bits between two processes (about 1e-13 relative for the
estimates, up to about 1e-10 for SEs and p-values on the simulated panel;
it depends on the process, not on the seed, thread counts or engine), so the
engines agree to that precision, not bit for bit; within one process a run is
exactly repeatable.

A specification that cannot be estimated (a measure that fails on the
data, too few observations) keeps its rows with NaN estimates and the
reason in ``error``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from inertia.errors import InertiaError, ParameterError

if TYPE_CHECKING:
    from libpysal.weights import W

__all__ = [
    "BASELINE",
    "CONTROLS",
    "EFFECTS",
    "MEASUREMENT_FORKS",
    "MODEL_FORKS",
    "SAMPLES",
    "MultiverseResult",
    "PermutationResult",
    "cli_run",
    "curve_summary",
    "default_forks",
    "expand",
    "fork_influence",
    "parse_multiverse",
    "permutation_test",
    "run_multiverse",
    "small_forks",
    "spec_id",
]

EFFECTS: tuple[str, ...] = ("weakness", "deviation", "reinforcement")
SAMPLES: tuple[str, ...] = ("all", "no_jjj", "no_prd", "no_yrd", "yrd_central", "post2010")
OUTCOMES: tuple[str, ...] = ("shortfall", "gap", "cluster_gap")
SE_TYPES: tuple[str, ...] = ("clustered", "driscoll-kraay")
#: Control variables: name -> (description, function of the canonical panel).
CONTROLS: dict[str, str] = {
    "log_gdp_pc": "ln(GDP / registered population), yuan per person",
    "log_pop": "ln(registered population, 10k persons)",
}
#: Levels each fork may take (``controls`` and ``lags`` are open-ended).
MEASUREMENT_FORKS: dict[str, tuple[Any, ...]] = {
    "index_method": ("entropy", "topsis", "equal"),
    "shortfall_reference": ("frontier", "mean"),
    "horizon": ("final", "interim"),
    "synergy_measure": ("dagum", "theil", "cv", "coupling", "synergy_degree"),
    "target_rule": ("plan", "frontier"),
    "role_weighting": ("entropy", "equal"),
    "growth_tilt": ("science", "gdp_pressure"),
    "spending_rule": ("truncated", "log_ratio"),
}
MODEL_FORKS: dict[str, tuple[Any, ...]] = {
    "sample": SAMPLES,
    "outcome": OUTCOMES,
    "controls": (),
    "lags": (),
    "se": SE_TYPES,
}
FORK_ORDER: tuple[str, ...] = (*MEASUREMENT_FORKS, *MODEL_FORKS)
#: Convergence tolerance of pyfixest's alternating-projection demeaning.
FIXEF_TOL = 1e-12
#: Table column of each fork (the SE fork is ``se_type``: ``se`` is the standard error).
FORK_COLUMNS: dict[str, str] = {fork: ("se_type" if fork == "se" else fork) for fork in FORK_ORDER}
#: The chapter 4 baseline specification.
BASELINE: dict[str, Any] = {
    "index_method": "entropy",
    "shortfall_reference": "frontier",
    "horizon": "final",
    "synergy_measure": "dagum",
    "target_rule": "plan",
    "role_weighting": "entropy",
    "growth_tilt": "science",
    "spending_rule": "truncated",
    "sample": "all",
    "outcome": "shortfall",
    "controls": (),
    "lags": 0,
    "se": "clustered",
}
TABLE_COLUMNS = [
    "spec_id",
    "effect",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "pvalue",
    "n",
    *FORK_COLUMNS.values(),
    "error",
]


# --------------------------------------------------------------------------- forks


def default_forks() -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    """The default multiverse: 2,160 specifications after exclusions, in 132 tasks.

    Returns
    -------
    (forks, rules)
        ``forks`` as a YAML-able dict and the exclusion ``rules``: the cluster-gap
        forks are pinned for the city outcomes, the Driscoll-Kraay SEs are not
        combined with lagged indices (fewer years), and the cluster gap only uses
        the full sample (cluster-level outcomes on a one-cluster-less sample add
        little).
    """
    forks: dict[str, list[Any]] = {
        "index_method": ["entropy", "topsis", "equal"],
        "shortfall_reference": ["frontier", "mean"],
        "synergy_measure": ["dagum", "theil", "cv", "coupling", "synergy_degree"],
        "target_rule": ["plan", "frontier"],
        "role_weighting": ["entropy", "equal"],
        "growth_tilt": ["science", "gdp_pressure"],
        "sample": ["all", "no_jjj", "no_prd", "yrd_central", "post2010"],
        "outcome": ["shortfall", "gap", "cluster_gap"],
        "controls": [[], ["log_gdp_pc"]],
        "lags": [0, 1],
        "se": ["clustered", "driscoll-kraay"],
    }
    rules: list[dict[str, Any]] = [
        {
            "if": {"outcome": ["shortfall", "gap"]},
            "exclude": {"synergy_measure": ["theil", "cv", "coupling", "synergy_degree"]},
        },
        {"if": {"outcome": ["shortfall", "gap"]}, "exclude": {"target_rule": "frontier"}},
        {"if": {"outcome": "cluster_gap"}, "exclude": {"shortfall_reference": "mean"}},
        {
            "if": {"outcome": "cluster_gap"},
            "exclude": {"sample": ["no_jjj", "no_prd", "yrd_central", "post2010"]},
        },
        {"if": {"se": "driscoll-kraay"}, "exclude": {"lags": 1}},
    ]
    return forks, rules


def small_forks() -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    """A 24-specification multiverse for tests and quick notebook runs.

    Six measurement forks (index method x role weighting) times four model
    forks (controls x SE).
    """
    forks: dict[str, list[Any]] = {
        "index_method": ["entropy", "topsis", "equal"],
        "role_weighting": ["entropy", "equal"],
        "controls": [[], ["log_gdp_pc"]],
        "se": ["clustered", "driscoll-kraay"],
    }
    return forks, []


def parse_multiverse(
    block: Mapping[str, Any] | None,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    """Forks and rules from a parameter block.

    ``block`` is ``{"forks": {...}, "rules": [...]}`` or a bare forks dict
    (no rules); ``None`` gives :func:`default_forks`.
    """
    if block is None:
        return default_forks()
    if not isinstance(block, Mapping):
        raise ParameterError(f"The multiverse block must be a mapping; got {type(block).__name__}.")
    if "forks" in block:
        extra = sorted(set(block) - {"forks", "rules"})
        if extra:
            raise ParameterError(
                f"The multiverse block has unknown keys {extra}; it takes 'forks' and 'rules'."
            )
        return dict(block["forks"]), list(block.get("rules") or [])
    return dict(block), []


def _normalise_level(fork: str, level: Any) -> Any:
    """Hashable canonical form of a fork level, validated."""
    if fork == "controls":
        if level is None:
            return ()
        if isinstance(level, str):
            level = [level] if level not in ("", "none") else []
        if not isinstance(level, list | tuple):
            raise ParameterError(f"A 'controls' level must be a list of names; got {level!r}.")
        unknown = [c for c in level if c not in CONTROLS]
        if unknown:
            raise ParameterError(
                f"Unknown control(s) {unknown} in fork 'controls'; known: {list(CONTROLS)}."
            )
        return tuple(dict.fromkeys(level))
    if fork == "lags":
        if isinstance(level, bool) or not isinstance(level, int | np.integer) or level < 0:
            raise ParameterError(f"A 'lags' level must be an integer >= 0; got {level!r}.")
        return int(level)
    allowed = MEASUREMENT_FORKS.get(fork) or MODEL_FORKS.get(fork)
    if allowed is None:
        raise ParameterError(f"Unknown fork {fork!r}; forks are {list(FORK_ORDER)}.")
    if level not in allowed:
        raise ParameterError(f"Fork {fork!r} has no level {level!r}; levels are {list(allowed)}.")
    return level


def _levels(fork: str, value: Any) -> list[Any]:
    """A rule's value (a level or a list of levels) as a list of canonical levels."""
    if fork == "controls":
        # A list of strings is one level; a list of lists is several.
        if isinstance(value, list | tuple) and value and isinstance(value[0], list | tuple):
            return [_normalise_level(fork, v) for v in value]
        return [_normalise_level(fork, value)]
    values = value if isinstance(value, list | tuple) else [value]
    return [_normalise_level(fork, v) for v in values]


def _label(fork: str, level: Any) -> Any:
    """Table form of a level (controls as 'a+b' or 'none')."""
    if fork == "controls":
        return "+".join(level) if level else "none"
    return level


def spec_id(values: Mapping[str, Any]) -> str:
    """Stable id of a specification: a hash of its canonical fork values."""
    canonical = {fork: _label(fork, values[fork]) for fork in FORK_ORDER}
    digest = hashlib.sha1(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
    return f"s{digest[:10]}"


def expand(
    forks: Mapping[str, Sequence[Any]], rules: Iterable[Mapping[str, Any]] = ()
) -> pd.DataFrame:
    """All specifications: the Cartesian product of the forks minus the excluded ones.

    Parameters
    ----------
    forks : mapping fork -> list of levels
        Forks not given keep their :data:`BASELINE` level.
    rules : iterable of {"if": {...}, "exclude": {...}}
        A specification is excluded when, for every fork named in ``if`` and in
        ``exclude``, its level is one of the listed levels.

    Returns
    -------
    DataFrame
        One row per specification in product order (forks in :data:`FORK_ORDER`
        order, levels in declared order): ``spec_id``, ``order`` and one column per
        fork (controls as a tuple; :func:`run_multiverse` labels them).
    """
    unknown = [fork for fork in forks if fork not in FORK_ORDER]
    if unknown:
        raise ParameterError(f"Unknown fork(s) {unknown}; forks are {list(FORK_ORDER)}.")
    levels: dict[str, list[Any]] = {}
    for fork in FORK_ORDER:
        declared = forks.get(fork)
        if declared is None:
            levels[fork] = [_normalise_level(fork, BASELINE[fork])]
            continue
        if not isinstance(declared, list | tuple) or len(declared) == 0:
            raise ParameterError(
                f"Fork {fork!r} needs a non-empty list of levels; got {declared!r}."
            )
        canonical = [_normalise_level(fork, level) for level in declared]
        if len(set(canonical)) != len(canonical):
            raise ParameterError(f"Fork {fork!r} lists a level twice: {declared!r}.")
        levels[fork] = canonical
    parsed_rules = []
    for number, rule in enumerate(rules):
        if not isinstance(rule, Mapping) or "exclude" not in rule or set(rule) - {"if", "exclude"}:
            raise ParameterError(
                f"Rule {number} must be a mapping with 'exclude' and optionally 'if'; got {rule!r}."
            )
        parsed_rules.append(
            {
                fork: set(_levels(fork, value))
                for part in ("if", "exclude")
                for fork, value in (rule.get(part) or {}).items()
            }
        )
    rows = []
    for combination in itertools.product(*(levels[fork] for fork in FORK_ORDER)):
        values = dict(zip(FORK_ORDER, combination, strict=True))
        if any(all(values[f] in allowed for f, allowed in r.items()) for r in parsed_rules):
            continue
        rows.append({"spec_id": spec_id(values), **values})
    if not rows:
        raise ParameterError("The exclusion rules leave no specification.")
    table = pd.DataFrame(rows)
    table.insert(1, "order", np.arange(len(table)))
    return table


# --------------------------------------------------------------------------- context and tasks


@dataclass
class _Context:
    """What every task needs: the data, the weights and run options (pickled once per worker)."""

    panel: pd.DataFrame
    roster: pd.DataFrame
    weights: Any
    token: str
    task_delay: float = 0.0
    seed: int = 0
    scheme: str = "city"


@dataclass(frozen=True)
class _Chunk:
    """One task: a measurement fork, its model forks and the null draws to run."""

    chunk_id: int
    measurement: tuple[tuple[str, Any], ...]
    specs: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]
    draws: tuple[int, ...] = (-1,)


_CACHE: dict[Any, Any] = {}


def _cached(context: _Context, key: tuple, build):
    """Per-process memo of measurement pieces shared by several chunks."""
    if _CACHE.get("token") != context.token:
        _CACHE.clear()
        _CACHE["token"] = context.token
    if key not in _CACHE:
        _CACHE[key] = build()
    return _CACHE[key]


def _measure(context: _Context, m: Mapping[str, Any], need_cluster_gap: bool) -> pd.DataFrame:
    """The city-year analysis frame of one measurement fork (outcomes, indices, lags, controls)."""
    from inertia.measures.public_service import public_service_index
    from inertia.measures.synergy import (
        actual_synergy,
        city_shortfall,
        expected_synergy,
        inertia_gap,
    )
    from inertia.roles import role_indices

    panel, roster = context.panel, context.roster
    index = _cached(
        context,
        ("index", m["index_method"]),
        lambda: public_service_index(panel, m["index_method"], roster=roster),
    )
    shortfall = _cached(
        context,
        ("shortfall", m["index_method"], m["shortfall_reference"], m["horizon"]),
        lambda: city_shortfall(
            index, roster, reference_level=m["shortfall_reference"], horizon=m["horizon"]
        ),
    )
    roles = _cached(
        context,
        ("roles", m["role_weighting"], m["growth_tilt"], m["spending_rule"]),
        lambda: (
            role_indices(
                panel,
                roster,
                context.weights,
                m["role_weighting"],
                growth_tilt=m["growth_tilt"],
                spending_rule=m["spending_rule"],
            ).indices
        ),
    )
    frame = shortfall[["code", "year", "cluster", "post", "gap", "shortfall"]].merge(
        roles[["code", "year", *EFFECTS]], on=["code", "year"], how="left", validate="1:1"
    )
    if need_cluster_gap:
        actual = actual_synergy(index, roster, m["synergy_measure"])
        expected = expected_synergy(index, roster, actual, m["target_rule"], horizon=m["horizon"])
        gap = inertia_gap(actual, expected)
        gap = gap.loc[gap["post"].astype(bool), ["cluster", "year", "gap"]]
        frame = frame.merge(
            gap.rename(columns={"gap": "cluster_gap"}), on=["cluster", "year"], how="left"
        )
    keyed = panel.set_index(["code", "year"])
    key = pd.MultiIndex.from_frame(frame[["code", "year"]])
    with np.errstate(divide="ignore", invalid="ignore"):
        gdp_pc = keyed["gdp"].reindex(key).to_numpy() / keyed["pop_registered"].reindex(key)
        frame["log_gdp_pc"] = np.log(gdp_pc.to_numpy())
        frame["log_pop"] = np.log(keyed["pop_registered"].reindex(key).to_numpy())
    for column in ("log_gdp_pc", "log_pop"):
        frame[column] = frame[column].where(np.isfinite(frame[column]))
    frame["yrd_central"] = frame["code"].map(_central_flags(roster)).fillna(False).astype(bool)
    return frame


def _central_flags(roster: pd.DataFrame) -> pd.Series:
    table = roster.reset_index() if "code" not in roster.columns else roster
    if "yrd_central" not in table.columns:
        return pd.Series(False, index=table["code"].astype(int))
    return pd.Series(
        table["yrd_central"].fillna(False).astype(bool).to_numpy(), index=table["code"].astype(int)
    )


def _add_lags(frame: pd.DataFrame, lags: Iterable[int]) -> pd.DataFrame:
    """Role indices of calendar year t - k as ``<effect>_lag<k>`` (NaN if that year is missing)."""
    keyed = frame.set_index(["code", "year"])[list(EFFECTS)]
    key = pd.MultiIndex.from_frame(frame[["code", "year"]])
    for k in sorted(set(lags) - {0}):
        shifted = keyed.copy()
        shifted.index = pd.MultiIndex.from_arrays(
            [keyed.index.get_level_values(0), keyed.index.get_level_values(1) + k]
        )
        for effect in EFFECTS:
            frame[f"{effect}_lag{k}"] = shifted[effect].reindex(key).to_numpy()
    return frame


PERMUTATION_SCHEMES: tuple[str, ...] = ("city", "within_year")


def _permute(frame: pd.DataFrame, seed: int, draw: int, scheme: str = "city") -> pd.DataFrame:
    """Impose the null: reassign the role-index block to other cities.

    Every role column (current and lagged) of city-year (i, t) is replaced by
    that of (pi(i), t). ``scheme="city"`` (default): one permutation pi of the
    sorted city codes per draw, ``default_rng([seed, draw])``, so whole index
    histories move and their serial dependence is kept. ``scheme="within_year"``:
    a permutation pi_t per year, ``default_rng([seed, draw, t])``, which keeps each
    year's distribution but breaks the persistence of the indices within a city.
    The same draw gives the same reassignment in every specification. A city-year
    whose donor city is missing that year gets NaN indices and drops out.
    """
    if scheme not in PERMUTATION_SCHEMES:
        raise ParameterError(
            f"The permutation scheme must be one of {list(PERMUTATION_SCHEMES)}; got {scheme!r}."
        )
    role_columns = [c for c in frame.columns if c.split("_lag")[0] in EFFECTS]
    out = frame.copy()
    codes = np.sort(frame["code"].unique())
    keyed = frame.set_index(["code", "year"])[role_columns]
    if scheme == "city":
        rng = np.random.default_rng([seed, draw])
        mapping = dict(zip(codes, rng.permutation(codes), strict=True))
        sources = frame["code"].map(mapping).to_numpy()
    else:
        sources = np.empty(len(frame), dtype="int64")
        for year, rows in frame.groupby("year").groups.items():
            rng = np.random.default_rng([seed, draw, int(year)])
            mapping = dict(zip(codes, rng.permutation(codes), strict=True))
            positions = frame.index.get_indexer(rows)
            sources[positions] = frame.loc[rows, "code"].map(mapping).to_numpy()
    key = pd.MultiIndex.from_arrays([sources, frame["year"].to_numpy()])
    out[role_columns] = keyed.reindex(key).to_numpy()
    return out


def _sample_mask(frame: pd.DataFrame, sample: str) -> np.ndarray:
    cluster = frame["cluster"].to_numpy()
    if sample == "all":
        return np.ones(len(frame), dtype=bool)
    if sample == "no_jjj":
        return cluster != "jjj"
    if sample == "no_prd":
        return cluster != "prd"
    if sample == "no_yrd":
        return cluster != "yrd"
    if sample == "yrd_central":
        return (cluster != "yrd") | frame["yrd_central"].to_numpy()
    if sample == "post2010":
        return frame["year"].to_numpy() >= 2010
    raise ParameterError(f"Unknown sample {sample!r}; samples are {list(SAMPLES)}.")


def dk_bandwidth(n_periods: int) -> int:
    r"""Driscoll-Kraay Bartlett lag :math:`\lfloor 4 (T/100)^{2/9} \rfloor` (as fit_twfe)."""
    return int(np.floor(4 * (n_periods / 100) ** (2 / 9)))


def _fit_cell(
    data: pd.DataFrame, y: str, regressors: list[str], se_types: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """One pyfixest fit, its coefficients under each SE type (linearmodels convention)."""
    import pyfixest as pf
    from scipy import stats

    columns = ["code", "year", y, *regressors]
    complete = data[columns].dropna()
    # Fresh contiguous columns: the same numbers in whatever block layout the frame
    # arrived (pickled to a worker or not), so every engine gives identical bits.
    sample = pd.DataFrame({c: np.array(complete[c].to_numpy(), dtype=float) for c in columns})
    n_obs = len(sample)
    n_cities = sample["code"].nunique()
    n_years = sample["year"].nunique()
    k = len(regressors)
    df_resid = n_obs - k - (n_cities + n_years - 1)
    if df_resid < 1 or n_cities < 3:
        raise InertiaError(
            f"too few observations: {n_obs} city-years in {n_cities} cities and {n_years} years "
            f"for {k} regressors and two-way effects"
        )
    formula = f"{y} ~ {' + '.join(regressors)} | code + year"
    fit = pf.feols(
        formula,
        sample,
        vcov={"CRV1": "code"},
        ssc=pf.ssc(k_fixef="full", G_adj=False),
        fixef_rm="none",
        # pyfixest's default demeaning tolerance (1e-6) moves SEs in the 6th digit and
        # makes them depend on the thread count; 1e-12 is machine-precision agreement.
        fixef_tol=FIXEF_TOL,
        copy_data=False,
    )
    coef = fit.coef().reindex(regressors).to_numpy()
    t_crit = stats.t.ppf(0.975, df_resid)
    out = {}
    for se_type in se_types:
        if se_type == "clustered":
            fit.vcov({"CRV1": "code"})
            factor = n_cities / (n_cities - 1)
        else:
            lag = dk_bandwidth(n_years)
            fit.vcov("DK", vcov_kwargs={"lag": lag, "time_id": "year", "panel_id": "code"})
            factor = n_obs / (n_obs - 1)
        se = fit.se().reindex(regressors).to_numpy() * np.sqrt(factor)
        with np.errstate(divide="ignore", invalid="ignore"):
            tstat = coef / se
        out[se_type] = {
            "estimate": coef,
            "se": se,
            "ci_low": coef - t_crit * se,
            "ci_high": coef + t_crit * se,
            "pvalue": 2 * stats.t.sf(np.abs(tstat), df_resid),
            "n": n_obs,
        }
    return out


def _failed(spec: str, draw: int, message: str) -> list[dict[str, Any]]:
    return [
        {
            "spec_id": spec,
            "draw": draw,
            "effect": effect,
            "estimate": np.nan,
            "se": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "pvalue": np.nan,
            "n": 0,
            "error": message,
        }
        for effect in EFFECTS
    ]


def evaluate_chunk(context: _Context, chunk: _Chunk) -> pd.DataFrame:
    """Run one task: measure once, fit every model fork of the chunk (for each draw).

    Returns a long frame ``spec_id, draw, effect, estimate, se, ci_low, ci_high,
    pvalue, n, error`` (draw -1 is the observed data).
    """
    if context.task_delay:
        time.sleep(context.task_delay)  # test hook: keeps tasks running while a worker dies
    measurement = dict(chunk.measurement)
    specs = [(sid, dict(model)) for sid, model in chunk.specs]
    rows: list[dict[str, Any]] = []
    try:
        need_cluster_gap = any(model["outcome"] == "cluster_gap" for _, model in specs)
        frame = _measure(context, measurement, need_cluster_gap)
        frame = _add_lags(frame, {model["lags"] for _, model in specs})
    except InertiaError as exc:
        for draw in chunk.draws:
            for sid, _ in specs:
                rows += _failed(sid, draw, f"measurement: {exc}")
        return pd.DataFrame(rows)
    # Group the model forks that share a fit (they differ only in the SE type).
    cells: dict[tuple, list[tuple[str, str]]] = {}
    for sid, model in specs:
        key = (model["sample"], model["outcome"], model["controls"], model["lags"])
        cells.setdefault(key, []).append((sid, model["se"]))
    for draw in chunk.draws:
        data = frame if draw < 0 else _permute(frame, context.seed, draw, context.scheme)
        for (sample, outcome, controls, lags), members in cells.items():
            regressors = [e if lags == 0 else f"{e}_lag{lags}" for e in EFFECTS]
            subset = data.loc[_sample_mask(data, sample)]
            if outcome != "gap":
                subset = subset.loc[subset["post"].astype(bool)]
            try:
                fitted = _fit_cell(
                    subset, outcome, [*regressors, *controls], [se for _, se in members]
                )
            except Exception as exc:
                # pyfixest raises plain errors (collinearity, empty samples): a failed
                # fit is recorded with its reason, the rest of the curve goes on.
                for sid, _ in members:
                    rows += _failed(sid, draw, f"fit: {type(exc).__name__}: {exc}")
                continue
            for sid, se_type in members:
                result = fitted[se_type]
                for position, effect in enumerate(EFFECTS):
                    rows.append(
                        {
                            "spec_id": sid,
                            "draw": draw,
                            "effect": effect,
                            **{
                                k: float(result[k][position])
                                for k in ("estimate", "se", "ci_low", "ci_high", "pvalue")
                            },
                            "n": int(result["n"]),
                            "error": None,
                        }
                    )
    return pd.DataFrame(rows)


def _chunks(specs: pd.DataFrame, draws: Sequence[int]) -> list[_Chunk]:
    """One chunk per measurement fork, in product order."""
    measurement_forks = list(MEASUREMENT_FORKS)
    chunks = []
    for number, (key, group) in enumerate(specs.groupby(measurement_forks, sort=False)):
        model_specs = tuple(
            (row["spec_id"], tuple((fork, row[fork]) for fork in MODEL_FORKS))
            for _, row in group.iterrows()
        )
        chunks.append(
            _Chunk(
                number, tuple(zip(measurement_forks, key, strict=True)), model_specs, tuple(draws)
            )
        )
    return chunks


# --------------------------------------------------------------------------- engines

_BLAS_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
_WORKER_CONTEXT: _Context | None = None


def _init_worker(context: _Context) -> None:
    """Pool initializer: keep the context; BLAS was limited through the inherited environment."""
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context
    try:  # belt and braces for libraries that read the variables late
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with the scientific stack
        pass


def _run_in_worker(chunk: _Chunk) -> pd.DataFrame:
    assert _WORKER_CONTEXT is not None
    return evaluate_chunk(_WORKER_CONTEXT, chunk)


def _run_local(context: _Context, chunks: list[_Chunk], jobs: int) -> dict[int, pd.DataFrame]:
    if jobs <= 1:
        return {chunk.chunk_id: evaluate_chunk(context, chunk) for chunk in chunks}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    saved = {name: os.environ.get(name) for name in _BLAS_VARIABLES}
    # Spawned children copy the environment at start, before they import numpy.
    os.environ.update(dict.fromkeys(_BLAS_VARIABLES, "1"))
    try:
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(context,),
        ) as pool:
            futures = {chunk.chunk_id: pool.submit(_run_in_worker, chunk) for chunk in chunks}
            return {chunk_id: future.result() for chunk_id, future in futures.items()}
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run_dask(
    context: _Context, chunks: list[_Chunk], jobs: int, scheduler: Any
) -> dict[int, pd.DataFrame]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=max(1, jobs),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
            env=dict.fromkeys(_BLAS_VARIABLES, "1"),
        )
        client = Client(cluster)
    elif isinstance(scheduler, Client):
        client = scheduler
    else:
        client = Client(scheduler)
    results: dict[int, pd.DataFrame] = {}
    failures: dict[int, str] = {}
    try:
        shared = client.scatter(context, broadcast=True)
        futures = {
            client.submit(
                evaluate_chunk,
                shared,
                chunk,
                key=f"multiverse-{context.token}-{chunk.chunk_id}",
                pure=False,
            ): chunk.chunk_id
            for chunk in chunks
        }
        for future in as_completed(futures):
            chunk_id = futures[future]
            try:
                results[chunk_id] = future.result()
            except Exception as exc:
                # KilledWorker after repeated losses, or a bug in a task: name the specs below.
                failures[chunk_id] = f"{type(exc).__name__}: {exc}"
    finally:
        if client is not scheduler:
            client.close()
        if cluster is not None:
            cluster.close()
    if failures:
        lost = [sid for chunk in chunks if chunk.chunk_id in failures for sid, _ in chunk.specs]
        raise InertiaError(
            f"The dask run lost {len(failures)} task(s) ({next(iter(failures.values()))}), so "
            f"{len(lost)} specification(s) have no result: {lost[:20]}"
            + (" ..." if len(lost) > 20 else "")
            + ". Re-run; the other results were discarded to keep the curve complete."
        )
    return results


def _collect(
    results: Mapping[int, pd.DataFrame], specs: pd.DataFrame, draws: Sequence[int]
) -> pd.DataFrame:
    """Concatenate chunk results, check every (spec, draw) exactly once, order deterministically."""
    frames = [results[k] for k in sorted(results)]
    long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    long = long.drop_duplicates(subset=["spec_id", "draw", "effect"], keep="first")
    counts = long.groupby(["spec_id", "draw"]).size() if len(long) else pd.Series(dtype=int)
    expected = pd.MultiIndex.from_product(
        [specs["spec_id"], list(draws)], names=["spec_id", "draw"]
    )
    missing = expected.difference(counts.index)
    incomplete = counts.index[counts != len(EFFECTS)]
    if len(missing) or len(incomplete):
        names = sorted({sid for sid, _ in [*missing, *incomplete]})
        raise InertiaError(
            f"{len(names)} specification(s) are missing or incomplete in the multiverse results: "
            f"{names[:20]}{' ...' if len(names) > 20 else ''}."
        )
    extra = counts.index.difference(expected)
    if len(extra):
        raise InertiaError(f"Unexpected specifications in the results: {list(extra)[:20]}.")
    labelled = specs.copy()
    labelled["controls"] = [_label("controls", c) for c in labelled["controls"]]
    labelled = labelled.rename(columns=FORK_COLUMNS)
    table = long.merge(labelled, on="spec_id", how="left", validate="m:1")
    table["effect_order"] = table["effect"].map({e: i for i, e in enumerate(EFFECTS)})
    table = table.sort_values(["draw", "order", "effect_order"], ignore_index=True)
    table["n"] = table["n"].astype("int64")
    return table


def _default_weights(roster: pd.DataFrame) -> Any:
    from inertia.data.geometry import contiguity_weights

    codes = roster.index if "code" not in roster.columns else roster["code"]
    return contiguity_weights([int(c) for c in codes])


@dataclass
class MultiverseResult:
    """A specification curve.

    Attributes
    ----------
    table : DataFrame
        One row per specification x role effect, in product order: ``spec_id,
        effect, estimate, se, ci_low, ci_high, pvalue, n``, every fork's level
        (controls as ``"a+b"`` or ``"none"``) and ``error`` (None when estimated).
    specs : DataFrame
        :func:`expand` output (one row per specification).
    forks, rules
        The declaration the run expanded.
    engine : str
    jobs : int
    seconds : float
        Wall time of the estimation.
    """

    table: pd.DataFrame
    specs: pd.DataFrame
    forks: dict[str, list[Any]]
    rules: list[dict[str, Any]]
    engine: str
    jobs: int
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_specs(self) -> int:
        return len(self.specs)

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """:func:`curve_summary` of the table."""
        return curve_summary(self.table, alpha)

    def influence(self) -> pd.DataFrame:
        """:func:`fork_influence` of the table."""
        return fork_influence(self.table)


def _execute(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    specs: pd.DataFrame,
    *,
    engine: str,
    jobs: int,
    scheduler: Any,
    seed: int,
    weights: Any,
    draws: Sequence[int],
    task_delay: float,
    scheme: str = "city",
) -> pd.DataFrame:
    if engine not in ("local", "dask"):
        raise ParameterError(f"engine must be 'local' or 'dask'; got {engine!r}.")
    if not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs must be a positive integer; got {jobs!r}.")
    context = _Context(
        panel=panel,
        roster=roster,
        weights=_default_weights(roster) if weights is None else weights,
        token=uuid.uuid4().hex[:12],
        task_delay=task_delay,
        seed=seed,
        scheme=scheme,
    )
    chunks = _chunks(specs, draws)
    if engine == "local":
        results = _run_local(context, chunks, jobs)
    else:
        results = _run_dask(context, chunks, jobs, scheduler)
    return _collect(results, specs, draws)


def run_multiverse(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    forks: Mapping[str, Sequence[Any]] | None = None,
    rules: Iterable[Mapping[str, Any]] | None = None,
    *,
    engine: str = "local",
    jobs: int = 1,
    scheduler: Any = None,
    seed: int = 20240601,
    weights: W | None = None,
    task_delay: float = 0.0,
) -> MultiverseResult:
    """Estimate every specification of the multiverse.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel.
    roster : DataFrame
        Roster indexed by code with ``cluster`` (and ``yrd_central``).
    forks, rules
        See :func:`expand`; default :func:`default_forks`.
    engine : {"local", "dask"}
    jobs : int
        Worker processes (local: 1 runs inline; dask: LocalCluster workers when
        no ``scheduler`` is given).
    scheduler : str or distributed.Client, optional
        ``"tcp://host:port"`` of a running dask scheduler, or a client.
    seed : int
        Seed of the null draws (unused by the observed curve, recorded).
    weights : libpysal W, optional
        Spatial weights of the role indices; default queen contiguity of the roster.
    task_delay : float
        Seconds each task sleeps first; a test hook for fault-tolerance tests.

    Returns
    -------
    MultiverseResult
    """
    if forks is None:
        forks, default_rules = default_forks()
        rules = default_rules if rules is None else rules
    specs = expand(forks, rules or [])
    start = time.perf_counter()
    table = _execute(
        panel,
        roster,
        specs,
        engine=engine,
        jobs=jobs,
        scheduler=scheduler,
        seed=seed,
        weights=weights,
        draws=(-1,),
        task_delay=task_delay,
    )
    seconds = time.perf_counter() - start
    return MultiverseResult(
        table=table[TABLE_COLUMNS].reset_index(drop=True),
        specs=specs,
        forks={k: list(v) for k, v in forks.items()},
        rules=list(rules or []),
        engine=engine,
        jobs=jobs,
        seconds=seconds,
        info={"seed": seed, "n_tasks": specs[list(MEASUREMENT_FORKS)].drop_duplicates().shape[0]},
    )


# --------------------------------------------------------------------------- inference


def curve_summary(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Per effect: the median estimate and the shares of the curve by sign and significance.

    Columns ``n_specs`` (estimated), ``n_failed``, ``median``, ``q05``, ``q95``,
    ``share_positive``, ``share_negative``, ``share_significant`` (p < alpha),
    ``share_significant_same_sign`` (significant with the sign of the median:
    Simonsohn et al. 2020's "share of specifications significant in the
    predicted direction", with the median's sign as the direction).
    """
    rows = []
    for effect in EFFECTS:
        part = table.loc[table["effect"] == effect]
        ok = part.loc[part["estimate"].notna()]
        median = float(ok["estimate"].median()) if len(ok) else np.nan
        significant = ok["pvalue"] < alpha
        same = significant & (np.sign(ok["estimate"]) == np.sign(median))
        rows.append(
            {
                "effect": effect,
                "n_specs": len(ok),
                "n_failed": len(part) - len(ok),
                "median": median,
                "q05": float(ok["estimate"].quantile(0.05)) if len(ok) else np.nan,
                "q95": float(ok["estimate"].quantile(0.95)) if len(ok) else np.nan,
                "share_positive": float((ok["estimate"] > 0).mean()) if len(ok) else np.nan,
                "share_negative": float((ok["estimate"] < 0).mean()) if len(ok) else np.nan,
                "share_significant": float(significant.mean()) if len(ok) else np.nan,
                "share_significant_same_sign": float(same.mean()) if len(ok) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def fork_influence(table: pd.DataFrame) -> pd.DataFrame:
    r"""How much each fork moves the estimates, per effect.

    For fork :math:`f` with levels :math:`l`, the share of the curve's variance
    explained by the levels (one-way :math:`\eta^2 = SS_{between}/SS_{total}`) and
    the range of the level medians. Forks with one level are left out.

    Returns
    -------
    DataFrame
        ``effect, fork, n_levels, eta_squared, median_range, low_level, high_level``
        (the levels with the lowest and highest median), sorted by effect and
        descending ``eta_squared``.
    """
    rows = []
    for effect in EFFECTS:
        part = table.loc[(table["effect"] == effect) & table["estimate"].notna()]
        if len(part) < 2:
            continue
        total = float(((part["estimate"] - part["estimate"].mean()) ** 2).sum())
        for fork in FORK_COLUMNS.values():
            values = part[fork].astype(str)
            if values.nunique() < 2:
                continue
            grouped = part.groupby(values)["estimate"]
            between = float(
                (grouped.size() * (grouped.mean() - part["estimate"].mean()) ** 2).sum()
            )
            medians = grouped.median()
            rows.append(
                {
                    "effect": effect,
                    "fork": fork,
                    "n_levels": int(values.nunique()),
                    "eta_squared": between / total if total > 0 else np.nan,
                    "median_range": float(medians.max() - medians.min()),
                    "low_level": medians.idxmin(),
                    "high_level": medians.idxmax(),
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["effect_order"] = out["effect"].map({e: i for i, e in enumerate(EFFECTS)})
    out = out.sort_values(["effect_order", "eta_squared"], ascending=[True, False])
    return out.drop(columns="effect_order").reset_index(drop=True)


@dataclass
class PermutationResult:
    """Specification-curve inference under the null of no role effect.

    Attributes
    ----------
    pvalues : DataFrame
        Per effect: ``median``, ``share_significant_same_sign`` of the observed curve
        (on the tested specifications) and their permutation p-values
        ``p_median`` (two-sided, :math:`|median|`) and ``p_share``.
    observed : DataFrame
        :func:`curve_summary` of the observed curve on the tested specifications.
    null : DataFrame
        One row per draw x effect: the null curve's ``median`` and shares.
    spec_ids : list of str
        The tested specifications.
    n_draws, seed, seconds, scheme
    """

    pvalues: pd.DataFrame
    observed: pd.DataFrame
    null: pd.DataFrame
    spec_ids: list[str]
    n_draws: int
    seed: int
    seconds: float
    scheme: str = "city"


def permutation_test(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    forks: Mapping[str, Sequence[Any]] | None = None,
    rules: Iterable[Mapping[str, Any]] | None = None,
    *,
    n_draws: int = 100,
    n_specs: int | None = 200,
    alpha: float = 0.05,
    seed: int = 20240601,
    engine: str = "local",
    jobs: int = 1,
    scheduler: Any = None,
    weights: W | None = None,
    scheme: str = "city",
) -> PermutationResult:
    r"""Permutation test of the whole specification curve (Simonsohn et al. 2020, sec. "Inference").

    Design. The null "the role indices do not affect the outcome" is imposed by
    reassigning the block of role indices (W, D, R and their lags, jointly, so
    their correlation is kept) to other cities (:func:`_permute`): by default
    (``scheme="city"``) whole city histories are permuted, which keeps the
    persistence of the indices that the city effects and clustered SEs face;
    ``scheme="within_year"`` shuffles across cities within each year (keeps each
    year's distribution, breaks the persistence, so its null estimates are less
    dispersed and the test is less conservative). The outcome is untouched and
    the city link between indices and outcome is broken. One
    permutation per draw is applied to every specification, so each draw gives
    a whole null curve. For each draw and effect the curve's median estimate
    and share significant in the direction of the observed median are
    recorded;

    .. math:: p_{median} = \frac{1 + \#\{b: |m_b| \ge |m_{obs}|\}}{1 + B},\qquad
              p_{share} = \frac{1 + \#\{b: s_b \ge s_{obs}\}}{1 + B}.

    The measurement of each measurement fork is done once and reused by all
    its draws. Cost: ``(n_draws + 1) x n_specs`` fits plus one permutation per
    draw and task: about 25 ms per specification and draw on one core for a
    random subsample of the default multiverse (100 specs x 21 draws took 52 s),
    so the defaults (200 specs, 100 draws) take about 8 minutes on one core and
    divide by the workers. (Simonsohn et al. impose the null by subtracting the
    estimated effect from y and bootstrapping; a permutation needs no model
    for the null data and is exact under exchangeability of the city histories.)

    Parameters
    ----------
    n_draws : int
        Null draws B.
    n_specs : int or None
        Random subsample of specifications (seeded) to test; None tests all.
    scheme : {"city", "within_year"}
        How the indices are reassigned (see above).
    """
    if scheme not in PERMUTATION_SCHEMES:
        raise ParameterError(f"scheme must be one of {list(PERMUTATION_SCHEMES)}; got {scheme!r}.")
    if not isinstance(n_draws, int) or n_draws < 1:
        raise ParameterError(f"n_draws must be a positive integer; got {n_draws!r}.")
    if forks is None:
        forks, default_rules = default_forks()
        rules = default_rules if rules is None else rules
    specs = expand(forks, rules or [])
    if n_specs is not None and n_specs < len(specs):
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(len(specs), size=n_specs, replace=False))
        specs = specs.iloc[chosen].reset_index(drop=True)
    start = time.perf_counter()
    table = _execute(
        panel,
        roster,
        specs,
        engine=engine,
        jobs=jobs,
        scheduler=scheduler,
        seed=seed,
        weights=weights,
        draws=(-1, *range(n_draws)),
        task_delay=0.0,
        scheme=scheme,
    )
    seconds = time.perf_counter() - start
    observed = curve_summary(table.loc[table["draw"] == -1], alpha)
    null_rows = []
    for draw, part in table.loc[table["draw"] >= 0].groupby("draw"):
        summary = curve_summary(part, alpha)
        for _, row in summary.iterrows():
            sign = np.sign(observed.set_index("effect").at[row["effect"], "median"])
            ok = part.loc[(part["effect"] == row["effect"]) & part["estimate"].notna()]
            share = float(((ok["pvalue"] < alpha) & (np.sign(ok["estimate"]) == sign)).mean())
            null_rows.append(
                {
                    "draw": int(draw),
                    "effect": row["effect"],
                    "median": row["median"],
                    "share_significant_same_sign": share,
                }
            )
    null = pd.DataFrame(null_rows)
    rows = []
    for _, obs in observed.iterrows():
        draws = null.loc[null["effect"] == obs["effect"]]
        p_median = (1 + int((draws["median"].abs() >= abs(obs["median"])).sum())) / (1 + n_draws)
        share = draws["share_significant_same_sign"]
        p_share = (1 + int((share >= obs["share_significant_same_sign"]).sum())) / (1 + n_draws)
        rows.append(
            {
                "effect": obs["effect"],
                "median": obs["median"],
                "share_significant_same_sign": obs["share_significant_same_sign"],
                "p_median": p_median,
                "p_share": p_share,
            }
        )
    return PermutationResult(
        pvalues=pd.DataFrame(rows),
        observed=observed,
        null=null,
        spec_ids=list(specs["spec_id"]),
        n_draws=n_draws,
        seed=seed,
        seconds=seconds,
        scheme=scheme,
    )


# --------------------------------------------------------------------------- CLI


def cli_run(
    engine: str,
    scheduler: str | None,
    jobs: int,
    out: Path,
    forks: dict | None = None,
    *,
    panel: pd.DataFrame | None = None,
    roster: pd.DataFrame | None = None,
    seed: int = 20240601,
) -> Path:
    """Run the multiverse and write its table to ``out`` as Parquet, atomically.

    Parameters
    ----------
    engine, scheduler, jobs
        See :func:`run_multiverse`.
    out : Path
        Parquet file to write (its folder is created).
    forks : dict, optional
        A parameter block for :func:`parse_multiverse` (``{"forks": ..., "rules": ...}``
        or bare forks); default :func:`default_forks`.
    panel, roster : DataFrame, optional
        Default: the simulated replication panel and the reference roster.
    seed : int
        Simulation seed when no panel is given.

    Returns
    -------
    Path
        ``out``. The Parquet metadata hold the forks, rules and engine as JSON.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    fork_dict, rules = parse_multiverse(forks)
    if panel is None:
        from inertia.data import reference
        from inertia.data.simulate import simulate_panel

        panel = simulate_panel(seed=seed).panel
        roster = reference.cities() if roster is None else roster
    elif roster is None:
        from inertia.data import reference

        roster = reference.cities()
    result = run_multiverse(
        panel, roster, fork_dict, rules, engine=engine, jobs=jobs, scheduler=scheduler, seed=seed
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    arrow = pa.Table.from_pandas(result.table, preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    meta[b"inertia.multiverse"] = json.dumps(
        {
            "forks": fork_dict,
            "rules": rules,
            "engine": engine,
            "jobs": jobs,
            "n_specs": result.n_specs,
        },
        default=list,
    ).encode()
    arrow = arrow.replace_schema_metadata(meta)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        pq.write_table(arrow, partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out
