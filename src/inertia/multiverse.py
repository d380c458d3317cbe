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
Each (measurement, sample, outcome, controls, lags) cell is one fit of
``y ~ weakness + deviation + reinforcement + controls`` with city and year
effects on the estimation core (:mod:`inertia.models.twfe_core`): the effects
of each estimation sample are absorbed once in an
:class:`~inertia.models.twfe_core.AbsorbedDesign` (cells with the same complete
rows share it), and the SE forks reuse the fit. The core equals linearmodels
``PanelOLS`` (:func:`inertia.models.panel.fit_twfe`) to 1e-8 in coefficients
and SEs, and pyfixest to the same precision (``tests/test_multiverse.py``);
both stay the reference implementations there and in the chapters' main
tables. The curve uses **one** SE convention, the one of
:func:`~inertia.models.panel.fit_twfe` (linearmodels ``debiased=True``):

* clustered: :math:`\frac{G}{G-1}\frac{N-1}{N-K}` with :math:`K` counting the
  absorbed city and year effects. (pyfixest's default
  ``ssc(k_fixef="nonnested")`` does not count the city effects nested in the
  clusters; its SEs are smaller by :math:`\sqrt{(N-K_{full})/(N-K_{nonnested})}`,
  0.886 on the simulated baseline, N = 301 city-years after the milestones, 63
  cities, 9 years.)
* Driscoll-Kraay: Bartlett kernel, lag :math:`\lfloor 4(T/100)^{2/9}\rfloor`
  (linearmodels' rule), scaled by :math:`N/(N-K)`.
* t statistics, p-values and 95% intervals use Student t with the
  residual degrees of freedom :math:`N - k - (G + T - 1)` for both SE types.

Inference on the whole curve
----------------------------
:func:`permutation_test` reassigns the role indices to other cities (the
design changes with every draw, so a subsample of specifications is tested);
:func:`bootstrap_test` imposes the null in every specification and draws wild
cluster bootstrap curves whose draws are extra outcome columns of each
specification's design, so all specifications and hundreds of draws cost
seconds. Both report the null curves' medians and shares significant and
their p-values (:class:`PermutationResult`).

Engines
-------
One task per measurement fork (all its model forks in the task, so the
measurement is computed once) through :func:`inertia.engine.map_tasks`:
``engine="local"`` runs inline for ``jobs=1`` or on a process pool,
``engine="dask"`` on a ``dask.distributed`` client (a scheduler address, a
client, a ``dask_jobqueue`` cluster, or a LocalCluster of ``jobs``
single-threaded workers on 127.0.0.1). Results are keyed by ``spec_id``; the
run checks that every expected specification arrives exactly once and raises
:class:`~inertia.errors.InertiaError` naming the missing ones otherwise. Dask
reschedules the tasks of a worker that dies.

Reproducibility: every task runs with one BLAS thread in every engine and the
core's arithmetic does not depend on the process, so the local and dask
engines give byte-identical tables (a test compares them).

A specification that cannot be estimated (a measure that fails on the
data, too few observations) keeps its rows with NaN estimates and the
reason in ``error``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
import uuid
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from inertia.engine import map_tasks
from inertia.errors import InertiaError, ParameterError
from inertia.models.twfe_core import AbsorbedDesign, bartlett_bandwidth, wild_weights

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
    "bootstrap_test",
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
    #: Wild-bootstrap weights (roster cities in code order x draws), for bootstrap_chunk.
    boot_weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def roster_codes(self) -> np.ndarray:
        codes = self.roster.index if "code" not in self.roster.columns else self.roster["code"]
        return np.asarray(codes, dtype=np.int64)


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
        # S depends on the index and the measure only, E - S also on the target path:
        # cached, they are computed 15 and 30 times for the 120 cluster-gap forks.
        actual = _cached(
            context,
            ("actual", m["index_method"], m["synergy_measure"]),
            lambda: actual_synergy(index, roster, m["synergy_measure"]),
        )

        def cluster_gap() -> pd.DataFrame:
            expected = expected_synergy(
                index, roster, actual, m["target_rule"], horizon=m["horizon"]
            )
            gap = inertia_gap(actual, expected)
            return gap.loc[gap["post"].astype(bool), ["cluster", "year", "gap"]]

        key = ("gap", m["index_method"], m["synergy_measure"], m["target_rule"], m["horizon"])
        gap = _cached(context, key, cluster_gap)
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
    codes = np.sort(frame["code"].unique())
    years = np.sort(frame["year"].unique())
    code_position = np.searchsorted(codes, frame["code"].to_numpy())
    year_position = np.searchsorted(years, frame["year"].to_numpy())
    # Row of each (city, year), -1 where the panel has no such city-year.
    grid = np.full((len(codes), len(years)), -1, dtype=np.int64)
    grid[code_position, year_position] = np.arange(len(frame))
    donors = np.empty(len(frame), dtype=np.int64)
    if scheme == "city":
        rng = np.random.default_rng([seed, draw])
        donors[:] = np.searchsorted(codes, rng.permutation(codes))[code_position]
    else:
        for position, year in enumerate(years):
            rng = np.random.default_rng([seed, draw, int(year)])
            rows = year_position == position
            donors[rows] = np.searchsorted(codes, rng.permutation(codes))[code_position[rows]]
    sources = grid[donors, year_position]
    values = frame[role_columns].to_numpy(dtype=float)
    out = frame.copy()
    out[role_columns] = np.where(sources[:, None] >= 0, values[np.maximum(sources, 0)], np.nan)
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
    return bartlett_bandwidth(n_periods)


class _Arrays:
    """A chunk's analysis frame as float arrays, with a per-sample cache of absorbed designs.

    Cells whose complete rows coincide (an SE fork, a control with no missing
    values) share one :class:`~inertia.models.twfe_core.AbsorbedDesign`, so the
    city and year effects of each estimation sample are absorbed once and every
    demeaned column is computed once per sample.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.codes = frame["code"].to_numpy(dtype=np.int64)
        self.years = frame["year"].to_numpy(dtype=np.int64)
        self.frame = frame
        self.columns: dict[str, np.ndarray] = {}
        self.designs: dict[bytes, tuple[AbsorbedDesign, np.ndarray]] = {}
        self.masks: dict[tuple[str, bool], np.ndarray] = {}

    def rows(self, sample: str, post_only: bool) -> np.ndarray:
        """The rows of ``sample`` (and of the post-milestone years), computed once."""
        key = (sample, post_only)
        if key not in self.masks:
            mask = _sample_mask(self.frame, sample)
            if post_only:
                mask = mask & self.frame["post"].astype(bool).to_numpy()
            self.masks[key] = mask
        return self.masks[key]

    def column(self, name: str) -> np.ndarray:
        if name not in self.columns:
            self.columns[name] = np.ascontiguousarray(self.frame[name].to_numpy(dtype=float))
        return self.columns[name]

    def design(self, rows: np.ndarray, names: Sequence[str]) -> AbsorbedDesign:
        """The design of the rows in ``rows`` that are complete on ``names``."""
        keep = rows.copy()
        for name in names:
            keep &= np.isfinite(self.column(name))
        key = hashlib.blake2b(np.packbits(keep).tobytes(), digest_size=16).digest()
        if key not in self.designs:
            n_obs = int(keep.sum())
            codes, years = self.codes[keep], self.years[keep]
            n_cities, n_years = len(np.unique(codes)), len(np.unique(years))
            k = len(names) - 1
            if n_obs - k - (n_cities + n_years - 1) < 1 or n_cities < 3:
                raise InertiaError(
                    f"too few observations: {n_obs} city-years in {n_cities} cities and "
                    f"{n_years} years for {k} regressors and two-way effects"
                )
            self.designs[key] = (AbsorbedDesign(codes, years), keep)
        design, rows = self.designs[key]
        for name in names:
            if name not in design.data:
                design.data[name] = self.column(name)[rows]
        return design


def _fit_design(
    design: AbsorbedDesign, y: str, regressors: list[str], se_types: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """One fit on the core, its coefficients under each SE type (linearmodels convention)."""
    fit = design.ols([y], regressors, cov="clustered")  # the arrays API: no pandas objects
    crit = fit.critical_value(0.95)
    out = {}
    for se_type in se_types:
        result = fit if se_type == "clustered" else fit.with_cov("driscoll-kraay")
        coef, se = result.beta[:, 0], result.se[:, 0]
        out[se_type] = {
            "estimate": coef,
            "se": se,
            "ci_low": coef - crit * se,
            "ci_high": coef + crit * se,
            "pvalue": result.pvalue_array()[:, 0],
            "n": design.nobs,
        }
    return out


def _fit_cell(
    data: pd.DataFrame, y: str, regressors: list[str], se_types: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Fit one cell of the curve on the rows of ``data`` complete on ``y`` and ``regressors``."""
    arrays = _Arrays(data.reset_index(drop=True))
    design = arrays.design(np.ones(len(data), dtype=bool), [y, *regressors])
    return _fit_design(design, y, list(regressors), se_types)


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


@dataclass(frozen=True)
class _Cell:
    """A (sample, outcome, controls, lags) cell: one fit shared by its SE forks."""

    sample: str
    outcome: str
    controls: tuple[str, ...]
    lags: int
    members: tuple[tuple[str, str], ...]  # (spec_id, se_type)

    @property
    def roles(self) -> list[str]:
        return [e if self.lags == 0 else f"{e}_lag{self.lags}" for e in EFFECTS]

    @property
    def regressors(self) -> list[str]:
        return [*self.roles, *self.controls]

    def rows(self, arrays: _Arrays) -> np.ndarray:
        """The cell's sample rows (before dropping incomplete ones)."""
        return arrays.rows(self.sample, post_only=self.outcome != "gap")


def _prepare(context: _Context, chunk: _Chunk) -> tuple[pd.DataFrame | None, list[_Cell], str]:
    """A chunk's measured frame (None on failure), its cells and the failure message."""
    if context.task_delay:
        time.sleep(context.task_delay)  # test hook: keeps tasks running while a worker dies
    specs = [(sid, dict(model)) for sid, model in chunk.specs]
    grouped: dict[tuple, list[tuple[str, str]]] = {}
    for sid, model in specs:
        key = (model["sample"], model["outcome"], model["controls"], model["lags"])
        grouped.setdefault(key, []).append((sid, model["se"]))
    cells = [_Cell(*key, tuple(members)) for key, members in grouped.items()]
    try:
        need_cluster_gap = any(model["outcome"] == "cluster_gap" for _, model in specs)
        frame = _measure(context, dict(chunk.measurement), need_cluster_gap)
        frame = _add_lags(frame, {model["lags"] for _, model in specs})
    except InertiaError as exc:
        return None, cells, f"measurement: {exc}"
    return frame, cells, ""


def _rows_of(sid: str, draw: int, result: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
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
        for position, effect in enumerate(EFFECTS)
    ]


def evaluate_chunk(context: _Context, chunk: _Chunk, seed: Any = None) -> pd.DataFrame:
    """Run one task: measure once, fit every model fork of the chunk (for each draw).

    Returns a long frame ``spec_id, draw, effect, estimate, se, ci_low, ci_high,
    pvalue, n, error`` (draw -1 is the observed data, draws >= 0 permutations).
    ``seed`` is the engine's task seed, unused: permutation draws are seeded
    by ``(context.seed, draw)`` so that every task applies the same one.
    """
    frame, cells, failure = _prepare(context, chunk)
    rows: list[dict[str, Any]] = []
    if frame is None:
        for draw in chunk.draws:
            for cell in cells:
                for sid, _ in cell.members:
                    rows += _failed(sid, draw, failure)
        return pd.DataFrame(rows)
    for draw in chunk.draws:
        data = frame if draw < 0 else _permute(frame, context.seed, draw, context.scheme)
        arrays = _Arrays(data)
        for cell in cells:
            try:
                design = arrays.design(cell.rows(arrays), [cell.outcome, *cell.regressors])
                fitted = _fit_design(
                    design, cell.outcome, cell.regressors, [se for _, se in cell.members]
                )
            except InertiaError as exc:
                # Collinear or absorbed regressors, too few observations: the
                # specification is recorded with its reason, the rest of the curve goes on.
                for sid, _ in cell.members:
                    rows += _failed(sid, draw, f"fit: {type(exc).__name__}: {exc}")
                continue
            for sid, se_type in cell.members:
                rows += _rows_of(sid, draw, fitted[se_type])
    return pd.DataFrame(rows)


@dataclass
class _NullChunk:
    """A bootstrap task's output: the observed rows and the null draws of its specifications."""

    observed: pd.DataFrame
    spec_ids: list[str]
    estimates: np.ndarray  # (B, n_specs, 3)
    pvalues: np.ndarray  # (B, n_specs, 3)


def bootstrap_chunk(context: _Context, chunk: _Chunk, seed: Any = None) -> _NullChunk:
    r"""Observed fits and wild-bootstrap null curves of one chunk (see :func:`bootstrap_test`).

    For each cell, the null :math:`\beta_W = \beta_D = \beta_R = 0` is imposed
    (the restricted model keeps the controls and both effects), and the
    context's city weights turn the draws into extra outcome columns of the
    cell's absorbed design: one solve for all draws, then the clustered and
    Driscoll-Kraay SEs of every draw.
    """
    frame, cells, failure = _prepare(context, chunk)
    observed: list[dict[str, Any]] = []
    spec_ids = [sid for cell in cells for sid, _ in cell.members]
    n_draws = context.boot_weights.shape[1]
    estimates = np.full((n_draws, len(spec_ids), len(EFFECTS)), np.nan)
    pvalues = np.full_like(estimates, np.nan)
    position = {sid: j for j, sid in enumerate(spec_ids)}
    if frame is None:
        for sid in spec_ids:
            observed += _failed(sid, -1, failure)
        return _NullChunk(pd.DataFrame(observed), spec_ids, estimates, pvalues)
    arrays = _Arrays(frame)
    cities = np.sort(context.roster_codes)
    for cell in cells:
        try:
            design = arrays.design(cell.rows(arrays), [cell.outcome, *cell.regressors])
            ses = [se for _, se in cell.members]
            fitted = _fit_design(design, cell.outcome, cell.regressors, ses)
            weights = context.boot_weights[np.searchsorted(cities, design.entity_levels)]
            star, _ = design.null_draws(cell.outcome, cell.regressors, cell.roles, weights)
            boot = design.ols(star, cell.regressors, cov="clustered", y_absorbed=True)
        except InertiaError as exc:
            for sid, _ in cell.members:
                observed += _failed(sid, -1, f"fit: {type(exc).__name__}: {exc}")
            continue
        for sid, se_type in cell.members:
            observed += _rows_of(sid, -1, fitted[se_type])
            result = boot if se_type == "clustered" else boot.with_cov("driscoll-kraay")
            roles = slice(0, len(EFFECTS))
            estimates[:, position[sid]] = result.beta[roles].T
            pvalues[:, position[sid]] = result.pvalue_array()[roles].T
    return _NullChunk(pd.DataFrame(observed), spec_ids, estimates, pvalues)


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


def _map_chunks(
    function: Any,
    context: _Context,
    chunks: list[_Chunk],
    engine: str,
    jobs: int,
    scheduler: Any,
) -> dict[int, Any]:
    """Every chunk through :func:`inertia.engine.map_tasks`, keyed by chunk id."""
    results = map_tasks(
        function,
        chunks,
        context=context,
        engine=engine,
        jobs=jobs,
        scheduler=scheduler,
        seed=context.seed,
        names=[f"multiverse-{chunk.chunk_id}" for chunk in chunks],
    )
    return {chunk.chunk_id: result for chunk, result in zip(chunks, results, strict=True)}


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
    results = _map_chunks(evaluate_chunk, context, chunks, engine, jobs, scheduler)
    return _collect(results, specs, draws)


def _declared(
    forks: Mapping[str, Sequence[Any]] | None, rules: Iterable[Mapping[str, Any]] | None
) -> tuple[Mapping[str, Sequence[Any]], list[Mapping[str, Any]], pd.DataFrame]:
    """Forks and rules as given (default: :func:`default_forks`) and their specifications."""
    if forks is None:
        forks, default_rules = default_forks()
        rules = default_rules if rules is None else rules
    rules = list(rules or [])
    return forks, rules, expand(forks, rules)


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
    forks, rules, specs = _declared(forks, rules)
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
    forks, rules, specs = _declared(forks, rules)
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
    null_part = table.loc[table["draw"] >= 0]
    shape = (n_draws, len(specs), len(EFFECTS))
    # The table is ordered by draw, specification order and effect.
    estimates = null_part["estimate"].to_numpy(dtype=float).reshape(shape)
    pvalues = null_part["pvalue"].to_numpy(dtype=float).reshape(shape)
    meta = {"spec_ids": list(specs["spec_id"]), "seed": seed, "seconds": seconds}
    return _curve_inference(
        table.loc[table["draw"] == -1], estimates, pvalues, alpha, scheme=scheme, **meta
    )


def _curve_inference(
    observed_table: pd.DataFrame,
    estimates: np.ndarray,
    pvalues: np.ndarray,
    alpha: float,
    **meta: Any,
) -> PermutationResult:
    r"""Null curves (B draws x specifications x effects) against the observed curve.

    Per draw and effect: the null curve's median estimate (over the estimated
    specifications) and the share of them significant (p < alpha) with the sign
    of the *observed* median; ``meta`` holds ``spec_ids, seed, seconds, scheme`` of
    :class:`PermutationResult`. The p-values are
    :math:`(1 + \#\{b: |m_b| \ge |m_{obs}|\})/(1 + B)` and
    :math:`(1 + \#\{b: s_b \ge s_{obs}\})/(1 + B)`.
    """
    n_draws = estimates.shape[0]
    observed = curve_summary(observed_table, alpha)
    signs = np.sign(observed["median"].to_numpy())  # in EFFECTS order
    estimated = ~np.isnan(estimates)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a draw with no estimable spec
        medians = np.nanmedian(estimates, axis=1)  # (B, effects)
        same = (pvalues < alpha) & (np.sign(estimates) == signs[None, None, :]) & estimated
        shares = same.sum(axis=1) / estimated.sum(axis=1)
    null = pd.DataFrame(
        {
            "draw": np.repeat(np.arange(n_draws), len(EFFECTS)),
            "effect": np.tile(EFFECTS, n_draws),
            "median": medians.ravel(),
            "share_significant_same_sign": shares.ravel(),
        }
    )
    observed_share = observed["share_significant_same_sign"].to_numpy()
    observed_median = observed["median"].to_numpy()
    p_median = (1 + (np.abs(medians) >= np.abs(observed_median)).sum(axis=0)) / (1 + n_draws)
    p_share = (1 + (shares >= observed_share).sum(axis=0)) / (1 + n_draws)
    table = pd.DataFrame(
        {
            "effect": list(EFFECTS),
            "median": observed_median,
            "share_significant_same_sign": observed_share,
            "p_median": p_median,
            "p_share": p_share,
        }
    )
    return PermutationResult(pvalues=table, observed=observed, null=null, n_draws=n_draws, **meta)


def bootstrap_test(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    forks: Mapping[str, Sequence[Any]] | None = None,
    rules: Iterable[Mapping[str, Any]] | None = None,
    *,
    n_draws: int = 500,
    weight_type: str = "rademacher",
    alpha: float = 0.05,
    seed: int = 20240601,
    engine: str = "local",
    jobs: int = 1,
    scheduler: Any = None,
    weights: W | None = None,
) -> PermutationResult:
    r"""The whole specification curve's null distribution by wild cluster bootstrap.

    Simonsohn, Simmons & Nelson (2020, sec. "Inference") impose the null on the
    outcome and bootstrap; here, in every specification, the null
    :math:`\beta_W = \beta_D = \beta_R = 0` is imposed (restricted fit with the
    controls and the city and year effects), and each draw multiplies the
    restricted residuals by one weight per **city** (Rademacher or Webb;
    :func:`~inertia.models.twfe_core.wild_weights`, seeded by ``(seed, 1)``).
    The same city weights serve every specification of a draw, so each draw is
    a whole null curve that keeps the dependence between specifications; each
    draw's estimates and SEs (the specification's SE fork) come from the
    specification's absorbed design, the draws being extra outcome columns
    (:meth:`~inertia.models.twfe_core.AbsorbedDesign.null_draws`). The curve
    statistics and p-values are those of :func:`permutation_test`.

    Unlike the permutation test, the design stays fixed, so every specification
    is tested (no subsample) and 500 draws cost a few matrix products per
    specification.

    Parameters
    ----------
    panel, roster, forks, rules, engine, jobs, scheduler, weights
        See :func:`run_multiverse`.
    n_draws : int
        Bootstrap draws B.
    weight_type : {"rademacher", "webb"}
    alpha : float
        Significance level of the "share significant" statistic.
    seed : int

    Returns
    -------
    PermutationResult
        With ``scheme = "wild-<weight_type>"``.
    """
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 1:
        raise ParameterError(f"n_draws must be a positive integer; got {n_draws!r}.")
    forks, rules, specs = _declared(forks, rules)
    start = time.perf_counter()
    codes = roster.index if "code" not in roster.columns else roster["code"]
    context = _Context(
        panel=panel,
        roster=roster,
        weights=_default_weights(roster) if weights is None else weights,
        token=uuid.uuid4().hex[:12],
        seed=seed,
        boot_weights=wild_weights(len(codes), n_draws, weight_type, seed=(seed, 1)),
    )
    n_used = context.boot_weights.shape[1]  # 2^G under full enumeration
    chunks = _chunks(specs, (-1,))
    results = _map_chunks(bootstrap_chunk, context, chunks, engine, jobs, scheduler)
    table = _collect({k: r.observed for k, r in results.items()}, specs, (-1,))
    position = {sid: j for j, sid in enumerate(specs["spec_id"])}
    estimates = np.full((n_used, len(specs), len(EFFECTS)), np.nan)
    pvalues = np.full_like(estimates, np.nan)
    for result in results.values():
        where = [position[sid] for sid in result.spec_ids]
        estimates[:, where] = result.estimates
        pvalues[:, where] = result.pvalues
    seconds = time.perf_counter() - start
    meta = {"spec_ids": list(specs["spec_id"]), "seed": seed, "seconds": seconds}
    return _curve_inference(table, estimates, pvalues, alpha, scheme=f"wild-{weight_type}", **meta)


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
