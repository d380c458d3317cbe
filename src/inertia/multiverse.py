r"""Specification curve over every measurement and model choice (notebook ``07_robustness``).

A *multiverse* (Steegen et al. 2016, *Perspectives on Psychological Science*
11(5), 702-712) or *specification curve* (Simonsohn, Simmons & Nelson 2020,
*Nature Human Behaviour* 4, 1208-1214) estimates chapter 4's regression

.. math:: y_{it} = \beta_W W_{i,t-\ell} + \beta_D D_{i,t-\ell} + \beta_R R_{i,t-\ell}
          + c_{it}'\gamma + \alpha_i + \mu_{o(it)} + \varepsilon_{it}

under every defensible combination of choices, and reports the distribution
of the three role effects instead of one estimate. Its **baseline
specification is chapter 4's headline, exactly**
(:func:`inertia.chapters.role_deviation.headline`: the shortfall growth on the
three role markers, each instrumented by the second indicator of its
dimension, city and cluster-by-year effects, the chapter's controls, SEs
clustered by city; :func:`baseline_check` and the tests compare the two).

Forks as data
-------------
A multiverse is a plain dict ``{fork: [levels]}`` (it can come from YAML)
plus exclusion rules ``[{"if": {fork: level(s)}, "exclude": {fork: level(s)}}]``:
a specification is dropped when it matches every ``if`` condition and every
``exclude`` condition (a list means "any of"). :func:`expand` gives the
Cartesian product minus the exclusions, one row per specification, with a
``spec_id`` that is a hash of the fork values (stable across runs and across
the order in which forks are declared). Forks left out of the dict keep their
baseline level (:func:`baseline`, :data:`BASELINE`).

Measurement forks (computed once per level and reused; the role indices are
measured on all cities, so their pooled weights do not change with the sample):

``index_method``         PS index: geometric (chapter 3's default), entropy, topsis, equal
``shortfall_reference``  the city's gap to the cluster's ``frontier`` or ``mean``
``horizon``              the plan horizon of the planned path: target, final, interim
``role_method``          composite weighting of the role indices: standardised, entropy, equal
``reinforcement_rule``   definition of negative reinforcement: lock_in, imitation
``spending_rule``        the weakness instrument ``spending_shortfall``: log_ratio, truncated

Model forks:

``outcome``       ``shortfall_growth`` (chapter 4's outcome, :data:`OUTCOME`) or the
                  level ``shortfall`` :math:`y_{it}`; the controls follow the outcome:
                  the closure each plan requires per year (``required_change_<c>``) for
                  the growth, the closure required by then (``required_<c>``) for the
                  level, and YRD council membership (as
                  :func:`~inertia.chapters.role_deviation.controls_of`, on the sample).
``estimator``     ``eiv``: the markers, instrumented by the second indicators (2SLS,
                  the headline); ``naive``: OLS on the markers; ``composite``: OLS on the
                  composite indices W, D, R.
``time_effects``  ``cluster_year`` (cluster-by-year effects, the headline) or ``year``.
``sample``        all, no_jjj, no_yrd, no_prd (one cluster left out), yrd_central
                  (the YRD restricted to its 27 central-area cities), post2010
                  (years >= 2010).
``controls``      extra controls from :data:`CONTROLS`.
``lags``          :math:`\ell`: the role variables of the :math:`\ell`-th previous year of
                  the panel's year grid (the previous wave of a triennial panel).

Which specifications the default counts
---------------------------------------
Two outcomes are two estimands (the effect on how fast the shortfall grows,
and on its level), so each outcome is **its own curve**: summary, figures and
test per outcome. Within a curve the regressors' and outcomes' units differ
(a fiscal gap, a standardised composite, a min-max composite; the geometric
index in log points, the others in index units), so the curve and its
statistics use the **fully standardised effect** :math:`\beta\,s_x/s_y`
(the standard deviations of the regressor and the outcome over the
specification's estimation sample, Orben & Przybylski 2019, *Nature Human
Behaviour* 3, 173-182); ``estimate``, ``se`` and the intervals keep the
coefficient in the variables' own units. The standardisation is a fixed
property of each specification's data, so it leaves p-values unchanged.

A fork that cannot change a specification's estimates is pinned by a rule
(:func:`default_forks`), so no estimate is counted twice: the role weighting
changes only the composite indices (pinned to the baseline for ``eiv`` and
``naive``), the spending rule only the weakness instrument and composite
(pinned for ``naive``), and the shortfall reference only a cluster-year term
(the reference level :math:`R_{ct}` of the gap, and the reference's share of the
required closure :math:`(1-r)(R^a_{cb} - R^b_{cb})\,\text{progress}_{ct}`), which
cluster-by-year effects absorb (pinned for ``cluster_year``; a test checks the
claim). A choice that leaves the estimates unchanged on the data at hand
(e.g. two horizons both after the last data year, where the planned path is
linear either way and the required-closure controls absorb its slope) is found
after estimation: a specification whose coefficients and SEs equal an earlier
one's to a relative 1e-9 gets ``duplicate_of`` and is left out of the curve,
its summary and its test (:func:`duplicate_table` says which forks).

Estimation and the SE convention
--------------------------------
Every specification is one fit on the estimation core
(:mod:`inertia.models.twfe_core`): the effects of its estimation sample are
absorbed once in an :class:`~inertia.models.twfe_core.AbsorbedDesign`, and the
SE type is no longer a fork: each specification carries its city-clustered
(the headline's) and its Driscoll-Kraay inference as two bands on the same
estimate. The conventions are those of the chapter's estimators:

* ``eiv``: :func:`~inertia.models.panel.fit_eiv` (linearmodels ``IV2SLS`` on the
  absorbed data): clustered CR1 :math:`\frac{G}{G-1}\frac{N-1}{N-K}` with
  :math:`K` the regressors plus the estimable absorbed effects, t with
  :math:`G-1` degrees of freedom; Driscoll-Kraay on the 2SLS scores
  (Bartlett, lag :math:`\lfloor 4(T/100)^{2/9}\rfloor`) scaled by
  :math:`N/(N-K)`, t with :math:`T-1` degrees of freedom (Hoechle 2007, *Stata
  Journal* 7(3), 281-312, ``xtscc``);
* ``naive`` and ``composite``: :func:`~inertia.models.panel.fit_twfe`
  (linearmodels ``PanelOLS``, ``debiased=True``), both SE types, t with the
  residual degrees of freedom.

Inference on the whole curve (Simonsohn, Simmons & Nelson 2020)
---------------------------------------------------------------
:func:`bootstrap_test` imposes the null "no role has an effect" on the data of
**every** specification and re-estimates every specification in every draw:
in each specification the restricted model (the controls and effects, no
role) is fitted, and draw :math:`b` is its fitted values plus its residuals
times one Rademacher weight per **city**, the same city weights in every
specification, so that each draw is a whole null curve that keeps the
dependence between specifications (the restricted wild cluster bootstrap,
Cameron, Gelbach & Miller 2008, *Rev. Econ. Stat.* 90(3), 414-427; a
pairs bootstrap would change the design in every draw). Each draw is
re-estimated by the specification's own estimator: by 2SLS with the same
instruments for ``eiv``, with the clustered SEs of the observed fit
(:meth:`~inertia.models.twfe_core.OLSResults.wild_null`). Under the null the
markers' measurement error no longer enters the structural error (it enters
as :math:`-\beta e`), so holding the markers fixed is valid. For each draw and
curve the statistics are the median standardised effect and the share of
specifications significant (p < 0.05, clustered) with the **dominant sign**
(the larger of the shares significant and positive and significant and
negative; a sign chosen from the observed curve would make the null's share a
one-tailed count), and

.. math:: p_{median} = \frac{1 + \#\{b: |m_b| \ge |m_{obs}|\}}{1 + B},\qquad
          p_{share} = \frac{1 + \#\{b: s_b \ge s_{obs}\}}{1 + B}.

Engines
-------
One task per outcome measurement (``index_method, shortfall_reference,
horizon``: the shortfall is computed once in it; the role measurements are
memoised per process) through :func:`inertia.engine.map_tasks`:
``engine="local"`` runs inline for ``jobs=1`` or on a process pool,
``engine="dask"`` on a ``dask.distributed`` client (a scheduler address, a
client, a ``dask_jobqueue`` cluster, or a LocalCluster of ``jobs``
single-threaded workers on 127.0.0.1). Results are keyed by ``spec_id``; the
run checks that every expected specification arrives exactly once and raises
:class:`~inertia.errors.InertiaError` naming the missing ones otherwise. Dask
reschedules the tasks of a worker that dies. Every task runs with one BLAS
thread and the core's arithmetic does not depend on the process, so the
engines give byte-identical tables (a test compares them).

A specification that cannot be estimated (a measure that fails on the data,
too few observations, an absorbed regressor) keeps its rows with NaN
estimates and the reason in ``error``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special

from inertia.engine import map_tasks
from inertia.errors import InertiaError, ParameterError
from inertia.io import atomic_write
from inertia.measures.public_service import INDEX_METHODS
from inertia.models.twfe_core import AbsorbedDesign, OLSResult, OLSResults, wild_weights
from inertia.roles import DIMENSIONS, METHODS, REINFORCEMENTS, SPENDING_RULES
from inertia.specification import (  # the curve's declarations, read by report and viz too
    ESTIMATOR_SCOPE,
    ESTIMATORS,
    OUTCOME,
    OUTCOMES,
    in_curve,
)

if TYPE_CHECKING:
    from libpysal.weights import W

__all__ = [
    "BASELINE",
    "CONTROLS",
    "EFFECTS",
    "ESTIMATORS",
    "MEASUREMENT_FORKS",
    "MODEL_FORKS",
    "OUTCOME",
    "OUTCOMES",
    "SAMPLES",
    "CurveTest",
    "MultiverseResult",
    "baseline",
    "baseline_check",
    "bootstrap_test",
    "cli_run",
    "curve_claim_name",
    "curve_summary",
    "curve_verdict",
    "default_forks",
    "duplicate_table",
    "estimator_summary",
    "expand",
    "fork_influence",
    "fork_table",
    "harness_forks",
    "parse_multiverse",
    "run_multiverse",
    "small_forks",
    "spec_id",
]

EFFECTS: tuple[str, ...] = DIMENSIONS
TIME_EFFECTS: tuple[str, ...] = ("cluster_year", "year")
SAMPLES: tuple[str, ...] = ("all", "no_jjj", "no_yrd", "no_prd", "yrd_central", "post2010")
#: Extra control variables: name -> description.
CONTROLS: dict[str, str] = {
    "log_gdp_pc": "ln(GDP per person), the chapters' population denominator",
    "log_pop": "ln(population, 10k persons), the chapters' population denominator",
}
#: Levels each fork may take (``controls`` and ``lags`` are open-ended).
OUTCOME_MEASUREMENT: dict[str, tuple[Any, ...]] = {
    "index_method": INDEX_METHODS,
    "shortfall_reference": ("frontier", "mean"),
    "horizon": ("target", "final", "interim"),
}
ROLE_MEASUREMENT: dict[str, tuple[Any, ...]] = {
    "role_method": METHODS,
    "reinforcement_rule": REINFORCEMENTS,
    "spending_rule": SPENDING_RULES,
}
MEASUREMENT_FORKS: dict[str, tuple[Any, ...]] = {**OUTCOME_MEASUREMENT, **ROLE_MEASUREMENT}
MODEL_FORKS: dict[str, tuple[Any, ...]] = {
    "outcome": OUTCOMES,
    "estimator": ESTIMATORS,
    "time_effects": TIME_EFFECTS,
    "sample": SAMPLES,
    "controls": (),
    "lags": (),
}
FORK_ORDER: tuple[str, ...] = (*MEASUREMENT_FORKS, *MODEL_FORKS)
#: Table column of each fork (the fork's name).
FORK_COLUMNS: dict[str, str] = {fork: fork for fork in FORK_ORDER}
#: What each estimator regresses the outcome on, for sentences.
ESTIMATOR_TEXT: dict[str, str] = {
    "eiv": "2SLS on the markers, each instrumented by its dimension's second indicator",
    "naive": "OLS on the markers",
    "composite": "OLS on the composite indices",
}
ALPHA = 0.05
#: Relative tolerance within which two specifications' estimates count as the same.
DUPLICATE_TOL = 1e-9


def baseline(
    *,
    index_method: str = "geometric",
    role_method: str = "standardised",
    reinforcement: str = "lock_in",
) -> dict[str, Any]:
    """Chapter 4's headline as a specification, for the chapters' parameters.

    Parameters
    ----------
    index_method : str
        Chapter 3's PS index (the ``index_method`` parameter).
    role_method, reinforcement : str
        Chapter 4's role weighting and reinforcement definition.

    Returns
    -------
    dict
        A level for every fork: the growth outcome, the markers instrumented,
        cluster-by-year effects, all cities, no lag or extra control.
    """
    values = {
        "index_method": index_method,
        "shortfall_reference": "frontier",
        "horizon": "target",
        "role_method": role_method,
        "reinforcement_rule": reinforcement,
        "spending_rule": "log_ratio",
        "outcome": OUTCOME,
        "estimator": "eiv",
        "time_effects": "cluster_year",
        "sample": "all",
        "controls": (),
        "lags": 0,
    }
    for fork, level in values.items():
        _normalise_level(fork, level)
    return values


TABLE_COLUMNS = [
    "spec_id",
    "outcome",
    "effect",
    "term",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "pvalue",
    "se_dk",
    "ci_low_dk",
    "ci_high_dk",
    "pvalue_dk",
    "scale",
    "std_estimate",
    "std_ci_low",
    "std_ci_high",
    "std_ci_low_dk",
    "std_ci_high_dk",
    "n",
    "n_cities",
    *[c for c in FORK_COLUMNS.values() if c != "outcome"],
    "duplicate_of",
    "error",
]


# --------------------------------------------------------------------------- forks


def _first(levels: Sequence[Any], level: Any) -> list[Any]:
    """``levels`` with ``level`` moved to the front (the baseline first in every fork)."""
    return [level, *[v for v in levels if v != level]]


def _others(fork: str, base: Mapping[str, Any], levels: Sequence[Any]) -> list[Any]:
    """The levels of ``fork`` other than the baseline's, as declared (YAML-able)."""
    own = _normalise_level(fork, base[fork])
    return [v for v in levels if _normalise_level(fork, v) != own]


def pin_rules(forks: Mapping[str, Sequence[Any]], base: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rules that pin a fork where it cannot change the estimates (module docstring).

    Parameters
    ----------
    forks : mapping
        The declared forks (a rule is only made for forks with several levels).
    base : mapping
        The baseline specification.

    Returns
    -------
    list of dict
    """
    rules: list[dict[str, Any]] = []
    for fork, scope in ESTIMATOR_SCOPE.items():
        others = _others(fork, base, forks.get(fork, [base[fork]]))
        outside = [e for e in forks.get("estimator", [base["estimator"]]) if e not in scope]
        if others and outside:
            rules.append({"if": {"estimator": outside}, "exclude": {fork: others}})
    references = _others("shortfall_reference", base, forks.get("shortfall_reference", []))
    if references and "cluster_year" in forks.get("time_effects", [base["time_effects"]]):
        rules.append(
            {"if": {"time_effects": "cluster_year"}, "exclude": {"shortfall_reference": references}}
        )
    return rules


def default_forks(
    base: Mapping[str, Any] | None = None,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    """The default multiverse: 1,848 specifications, 924 per outcome, in two blocks.

    Block 1 crosses every measurement fork with the estimator and the time
    effects (all cities, no lag, no extra control); block 2 crosses the
    sample, the lag and the extra controls with the estimator, the
    reinforcement definition and the time effects at the baseline measurement.
    Crossing everything with everything (41,472 specifications) would mostly
    repeat the measurement choices under each sample; the blocks keep every
    level of every fork against every estimator. The pins of
    :func:`pin_rules` apply to both.

    Parameters
    ----------
    base : mapping, optional
        Baseline specification (default :data:`BASELINE`); the rules pin to it.

    Returns
    -------
    (forks, rules)
    """
    base = dict(BASELINE if base is None else base)
    forks: dict[str, list[Any]] = {
        "index_method": _first(INDEX_METHODS, base["index_method"]),
        "shortfall_reference": _first(("frontier", "mean"), base["shortfall_reference"]),
        "horizon": _first(("target", "final", "interim"), base["horizon"]),
        "role_method": _first(METHODS, base["role_method"]),
        "reinforcement_rule": _first(REINFORCEMENTS, base["reinforcement_rule"]),
        "spending_rule": _first(SPENDING_RULES, base["spending_rule"]),
        "outcome": list(OUTCOMES),
        "estimator": list(ESTIMATORS),
        "time_effects": list(TIME_EFFECTS),
        "sample": list(SAMPLES),
        "controls": [[], ["log_gdp_pc"]],
        "lags": [0, 1],
    }
    rules = pin_rules(forks, base)
    for model in ("sample", "controls", "lags"):
        for measurement in (*OUTCOME_MEASUREMENT, "role_method", "spending_rule"):
            rules.append(
                {
                    "if": {model: _others(model, base, forks[model])},
                    "exclude": {measurement: _others(measurement, base, forks[measurement])},
                }
            )
    return forks, rules


def small_forks(
    base: Mapping[str, Any] | None = None,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    """A 32-specification multiverse for tests and quick notebook runs.

    Both outcomes, the three estimators, both time effects, two PS indices and
    two role weightings (which only the composite estimator uses).

    Parameters
    ----------
    base : mapping, optional
        Baseline specification (default :data:`BASELINE`).

    Returns
    -------
    (forks, rules)
    """
    base = dict(BASELINE if base is None else base)
    forks: dict[str, list[Any]] = {
        "index_method": _first(("geometric", "entropy"), base["index_method"])[:2],
        "role_method": _first(("standardised", "equal"), base["role_method"])[:2],
        "outcome": list(OUTCOMES),
        "estimator": list(ESTIMATORS),
        "time_effects": list(TIME_EFFECTS),
    }
    return forks, pin_rules(forks, base)


def harness_forks(
    base: Mapping[str, Any] | None = None,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    """The validation harness's curve: 24 specifications of the growth outcome.

    The estimator, the time effects, the lag and the reinforcement definition
    at the baseline measurement (:mod:`inertia.validation`): the default
    curve's 1,848 specifications x 500 draws cost seconds per replication, too
    much for hundreds of replications under four truths; these forks keep the
    estimator-level variation that the curve's test must handle (2SLS and OLS,
    markers and composites, two definitions of R, lags).

    Parameters
    ----------
    base : mapping, optional

    Returns
    -------
    (forks, rules)
    """
    base = dict(BASELINE if base is None else base)
    forks: dict[str, list[Any]] = {
        "outcome": [OUTCOME],
        "estimator": list(ESTIMATORS),
        "time_effects": list(TIME_EFFECTS),
        "lags": [0, 1],
        "reinforcement_rule": _first(REINFORCEMENTS, base["reinforcement_rule"]),
    }
    return forks, pin_rules(forks, base)


def parse_multiverse(
    block: Mapping[str, Any] | None,
    base: Mapping[str, Any] | None = None,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    """Forks and rules from a parameter block.

    ``block`` is ``{"forks": {...}, "rules": [...]}`` or a bare forks dict
    (no rules); ``None`` gives :func:`default_forks`. The pins of
    :func:`pin_rules` are added to a block's own rules, so that a user's forks
    cannot count an estimate twice either.

    Parameters
    ----------
    block : mapping or None
    base : mapping, optional
        Baseline specification.

    Returns
    -------
    (forks, rules)
    """
    base = dict(BASELINE if base is None else base)
    if block is None:
        return default_forks(base)
    if not isinstance(block, Mapping):
        raise ParameterError(f"The multiverse block must be a mapping; got {type(block).__name__}.")
    if "forks" in block:
        extra = sorted(set(block) - {"forks", "rules"})
        if extra:
            raise ParameterError(
                f"The multiverse block has unknown keys {extra}; it takes 'forks' and 'rules'."
            )
        forks, rules = dict(block["forks"]), list(block.get("rules") or [])
    else:
        forks, rules = dict(block), []
    unknown = [fork for fork in forks if fork not in FORK_ORDER]
    if unknown:
        raise ParameterError(f"Unknown fork(s) {unknown}; forks are {list(FORK_ORDER)}.")
    pins = [rule for rule in pin_rules(forks, base) if rule not in rules]
    return forks, [*rules, *pins]


#: The baseline of the default parameters.
BASELINE: dict[str, Any] = {}


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


BASELINE.update(baseline())


def spec_id(values: Mapping[str, Any]) -> str:
    """Stable id of a specification: a hash of its canonical fork values.

    Parameters
    ----------
    values : mapping
        A level for every fork of :data:`FORK_ORDER`.

    Returns
    -------
    str
    """
    canonical = {fork: _label(fork, _normalise_level(fork, values[fork])) for fork in FORK_ORDER}
    digest = hashlib.sha1(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
    return f"s{digest[:10]}"


def expand(
    forks: Mapping[str, Sequence[Any]],
    rules: Iterable[Mapping[str, Any]] = (),
    base: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """All specifications: the Cartesian product of the forks minus the excluded ones.

    Parameters
    ----------
    forks : mapping fork -> list of levels
        Forks not given keep their baseline level.
    rules : iterable of {"if": {...}, "exclude": {...}}
        A specification is excluded when, for every fork named in ``if`` and in
        ``exclude``, its level is one of the listed levels.
    base : mapping, optional
        Baseline specification (default :data:`BASELINE`).

    Returns
    -------
    DataFrame
        One row per specification in product order (forks in :data:`FORK_ORDER`
        order, levels in declared order): ``spec_id``, ``order`` and one column per
        fork (controls as a tuple; :func:`run_multiverse` labels them).
    """
    base = dict(BASELINE if base is None else base)
    unknown = [fork for fork in forks if fork not in FORK_ORDER]
    if unknown:
        raise ParameterError(f"Unknown fork(s) {unknown}; forks are {list(FORK_ORDER)}.")
    levels: dict[str, list[Any]] = {}
    for fork in FORK_ORDER:
        declared = forks.get(fork)
        if declared is None:
            levels[fork] = [_normalise_level(fork, base[fork])]
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
        parsed: dict[str, set[Any]] = {}
        for part in ("if", "exclude"):
            for fork, value in (rule.get(part) or {}).items():
                allowed = set(_levels(fork, value))
                parsed[fork] = parsed[fork] & allowed if fork in parsed else allowed
        parsed_rules.append(parsed)
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


def fork_table(
    forks: Mapping[str, Sequence[Any]],
    rules: Sequence[Mapping[str, Any]],
    base: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per fork: its levels, the baseline level and the rules that restrict it.

    Parameters
    ----------
    forks, rules
        As :func:`expand` takes them.
    base : mapping, optional

    Returns
    -------
    DataFrame
        ``fork``, ``levels`` (comma-separated, the baseline first), ``baseline``,
        ``n_levels``, ``restricted_when`` (the ``if`` conditions of the rules
        that exclude some of its levels, or ``never``).
    """
    base = dict(BASELINE if base is None else base)
    rows = []
    for fork in FORK_ORDER:
        declared = forks.get(fork, [base[fork]])
        levels = [str(_label(fork, _normalise_level(fork, v))) for v in declared]
        conditions = []
        for rule in rules:
            if fork in (rule.get("exclude") or {}):
                condition = rule.get("if") or {}
                text = " and ".join(
                    f"{f} in {{{', '.join(str(_label(f, v)) for v in _levels(f, value))}}}"
                    for f, value in condition.items()
                )
                conditions.append(text or "always")
        rows.append(
            {
                "fork": fork,
                "levels": ", ".join(levels),
                "baseline": str(_label(fork, _normalise_level(fork, base[fork]))),
                "n_levels": len(levels),
                "restricted_when": "; ".join(dict.fromkeys(conditions)) or "never",
            }
        )
    return pd.DataFrame(rows)


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
    residual_gap: Any = None
    alpha: float = ALPHA
    #: Wild-bootstrap weights (roster cities in code order x draws); empty: no null draws.
    boot_weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    #: Measurements made by the caller, reused (see :func:`run_multiverse`'s ``measured``).
    measured: dict[tuple, Any] = field(default_factory=dict)

    @property
    def roster_codes(self) -> np.ndarray:
        codes = self.roster.index if "code" not in self.roster.columns else self.roster["code"]
        return np.sort(np.asarray(codes, dtype=np.int64))


@dataclass(frozen=True)
class _Chunk:
    """One task: an outcome measurement and every specification that uses it."""

    chunk_id: int
    measurement: tuple[tuple[str, Any], ...]
    specs: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]


_CACHE: dict[Any, Any] = {}


def _cached(context: _Context, key: tuple, build: Callable[[], Any]) -> Any:
    """Per-process memo of measurement pieces shared by several chunks."""
    if key in context.measured:
        return context.measured[key]
    if _CACHE.get("token") != context.token:
        _CACHE.clear()
        _CACHE["token"] = context.token
    if key not in _CACHE:
        _CACHE[key] = build()
    return _CACHE[key]


def _shortfall(context: _Context, measurement: Mapping[str, Any]) -> pd.DataFrame:
    """Chapter 3's city shortfall under one outcome measurement."""
    from inertia.measures.public_service import public_service_index
    from inertia.measures.synergy import city_shortfall

    method = measurement["index_method"]
    index = _cached(
        context,
        ("index", method),
        lambda: public_service_index(context.panel, method, roster=context.roster),
    )
    return city_shortfall(
        index,
        context.roster,
        reference_level=measurement["shortfall_reference"],
        horizon=measurement["horizon"],
        residual_gap=context.residual_gap,
    )


def _roles(context: _Context, role_method: str, reinforcement: str, spending_rule: str) -> Any:
    """Chapter 4's role indices under one role measurement (memoised)."""
    from inertia.chapters.role_deviation import roles_for

    return _cached(
        context,
        ("roles", role_method, reinforcement, spending_rule),
        lambda: roles_for(
            context.panel,
            context.roster,
            _weights(context) if reinforcement == "imitation" else None,
            method=role_method,
            reinforcement=reinforcement,
            spending_rule=spending_rule,
        ),
    )


def _weights(context: _Context) -> Any:
    """The spatial weights of the imitation definition: given, or built once per process."""
    if context.weights is not None:
        return context.weights
    return _cached(context, ("weights",), lambda: _default_weights(context.roster))


def _extra_controls(context: _Context) -> pd.DataFrame:
    """``code, year`` and the :data:`CONTROLS`, per person on the chapters' population."""
    from inertia.measures.public_service import population

    def build() -> pd.DataFrame:
        panel = context.panel
        people, _ = population(panel)
        with np.errstate(divide="ignore", invalid="ignore"):
            gdp_pc = np.log(panel["gdp"].astype(float) / people)
            log_pop = np.log(people.astype(float))
        out = panel[["code", "year"]].copy()
        out["log_gdp_pc"] = gdp_pc.where(np.isfinite(gdp_pc))
        out["log_pop"] = log_pop.where(np.isfinite(log_pop))
        return out

    return _cached(context, ("controls",), build)


def _grid_lag(frame: pd.DataFrame, columns: Sequence[str], lag: int) -> pd.DataFrame:
    """``<column>_lag<k>``: the value in the k-th previous year of the panel's year grid."""
    grid = np.sort(frame["year"].unique())
    position = np.searchsorted(grid, frame["year"].to_numpy())
    keyed = frame.set_index(["code", "year"])[list(columns)]
    earlier = position - lag
    source_year = np.where(earlier >= 0, grid[np.maximum(earlier, 0)], -1)
    key = pd.MultiIndex.from_arrays([frame["code"].to_numpy(), source_year])
    values = keyed.reindex(key).to_numpy()
    out = {f"{c}_lag{lag}": values[:, j] for j, c in enumerate(columns)}
    return pd.DataFrame(out, index=frame.index)


def _analysis_frame(outcome_part: pd.DataFrame, roles: Any, lags: Iterable[int]) -> pd.DataFrame:
    """Chapter 4's estimation frame for one role measurement, with levels, controls and lags.

    ``outcome_part`` is :func:`~inertia.chapters.role_deviation.estimation_frame`'s
    outcome, control and effect columns, row-aligned with ``roles.frame`` (both
    cover the panel's city-years sorted by code and year).
    """
    frame = roles.frame.reset_index(drop=True)
    if not (
        np.array_equal(frame["code"].to_numpy(), outcome_part["code"].to_numpy())
        and np.array_equal(frame["year"].to_numpy(), outcome_part["year"].to_numpy())
    ):
        raise InertiaError("role indices and shortfall cover different city-years")
    added = outcome_part.drop(columns=[c for c in outcome_part.columns if c in frame.columns])
    frame = pd.concat([frame, added], axis=1)
    lagged = [*DIMENSIONS, *roles.markers.values(), *roles.second.values()]
    for lag in sorted(set(lags) - {0}):
        frame = pd.concat([frame, _grid_lag(frame, lagged, lag)], axis=1)
    return frame


def _outcome_part(
    shortfall: pd.DataFrame, roles: Any, roster: pd.DataFrame, extra: pd.DataFrame
) -> pd.DataFrame:
    """The outcome, control and effect columns of chapter 4's estimation frame, and the extras."""
    from inertia.chapters.role_deviation import estimation_frame

    frame = estimation_frame(roles, shortfall, roster)
    level = shortfall[["code", "year", "required"]]
    frame = frame.merge(level, on=["code", "year"], how="left", validate="1:1")
    frame = frame.merge(extra, on=["code", "year"], how="left", validate="1:1")
    frame["required"] = frame["required"].fillna(0.0).where(frame["shortfall"].notna())
    for cluster in sorted(frame["cluster"].unique()):
        frame[f"required_{cluster}"] = frame["required"].where(frame["cluster"] == cluster, 0.0)
    role_columns = [c for c in roles.frame.columns if c not in ("code", "year")]
    return frame.drop(columns=role_columns).reset_index(drop=True)


def _central_flags(roster: pd.DataFrame) -> pd.Series:
    table = roster.reset_index() if "code" not in roster.columns else roster
    if "yrd_central" not in table.columns:
        return pd.Series(False, index=table["code"].astype(int))
    return pd.Series(
        table["yrd_central"].fillna(False).astype(bool).to_numpy(), index=table["code"].astype(int)
    )


def _sample_mask(frame: pd.DataFrame, sample: str, roster: pd.DataFrame) -> np.ndarray:
    cluster = frame["cluster"].to_numpy()
    if sample == "all":
        return np.ones(len(frame), dtype=bool)
    if sample in ("no_jjj", "no_prd", "no_yrd"):
        return cluster != sample.removeprefix("no_")
    if sample == "yrd_central":
        central = frame["code"].map(_central_flags(roster)).fillna(False).to_numpy(dtype=bool)
        return (cluster != "yrd") | central
    if sample == "post2010":
        return frame["year"].to_numpy() >= 2010
    raise ParameterError(f"Unknown sample {sample!r}; samples are {list(SAMPLES)}.")


def base_controls(frame: pd.DataFrame, outcome: str, rows: np.ndarray | None = None) -> list[str]:
    """The chapter's controls for ``outcome``, present and varying in the rows of ``frame``.

    For the growth outcome this is
    :func:`~inertia.chapters.role_deviation.controls_of` on those rows (a test
    holds the two equal): ``required_change_<cluster>`` of the clusters whose
    required closure is not zero, and ``council_member`` when a city changes its
    membership among the rows with the outcome. For the level, the same rule on
    ``required_<cluster>``, the closure required by then.

    Parameters
    ----------
    frame : DataFrame
        An analysis frame.
    outcome : str
    rows : ndarray of bool, optional
        The sample's rows (default all).

    Returns
    -------
    list of str
    """
    rows = np.ones(len(frame), dtype=bool) if rows is None else rows
    if outcome == OUTCOME:
        candidates = [c for c in frame.columns if c.startswith("required_change_")]
    else:
        candidates = [
            c
            for c in frame.columns
            if c.startswith("required_") and not c.startswith("required_change")
        ]
    names = [c for c in candidates if np.nansum(np.abs(frame[c].to_numpy(dtype=float)[rows])) > 0]
    if "council_member" in frame.columns:
        valid = rows & np.isfinite(frame[outcome].to_numpy(dtype=float))
        pairs = np.column_stack(
            [
                frame["code"].to_numpy(dtype=float)[valid],
                frame["council_member"].to_numpy(dtype=float)[valid],
            ]
        )
        pairs = pairs[~np.isnan(pairs[:, 1])]
        unique = np.unique(pairs, axis=0)
        if len(unique) > len(np.unique(unique[:, 0])):
            names.append("council_member")
    return names


@dataclass(frozen=True)
class _Spec:
    """What one specification fits, on one analysis frame."""

    spec_id: str
    outcome: str
    estimator: str
    time_effects: str
    sample: str
    controls: tuple[str, ...]
    lags: int

    def terms(self, roles: Any) -> tuple[list[str], list[str]]:
        """The role regressors (one per dimension) and the excluded instruments."""
        suffix = "" if self.lags == 0 else f"_lag{self.lags}"
        if self.estimator == "composite":
            return [f"{d}{suffix}" for d in DIMENSIONS], []
        markers = [f"{roles.markers[d]}{suffix}" for d in DIMENSIONS]
        if self.estimator == "naive":
            return markers, []
        return markers, [f"{roles.second[d]}{suffix}" for d in DIMENSIONS]


class _Fitter:
    """Fits the specifications of one analysis frame, sharing designs and masks."""

    def __init__(
        self,
        frame: pd.DataFrame,
        roles: Any,
        context: _Context,
        controls: dict[tuple[str, str], list[str]] | None = None,
    ) -> None:
        self.frame, self.roles, self.context = frame, roles, context
        self.codes = frame["code"].to_numpy(dtype=np.int64)
        self.years = frame["year"].to_numpy(dtype=np.int64)
        self.effect_ids = {
            "cluster_year": frame["cluster_year"].to_numpy(dtype=np.int64),
            "year": self.years,
        }
        self.columns: dict[str, np.ndarray] = {}
        self.masks: dict[str, np.ndarray] = {}
        # The controls depend on the outcome measurement and the sample only: shared by
        # every role measurement of a chunk.
        self.controls = {} if controls is None else controls
        self.designs: dict[tuple, AbsorbedDesign] = {}

    def column(self, name: str) -> np.ndarray:
        if name not in self.columns:
            self.columns[name] = np.ascontiguousarray(self.frame[name].to_numpy(dtype=float))
        return self.columns[name]

    def mask(self, sample: str) -> np.ndarray:
        if sample not in self.masks:
            self.masks[sample] = _sample_mask(self.frame, sample, self.context.roster)
        return self.masks[sample]

    def base_controls(self, sample: str, outcome: str) -> list[str]:
        key = (sample, outcome)
        if key not in self.controls:
            self.controls[key] = base_controls(self.frame, outcome, self.mask(sample))
        return self.controls[key]

    def design(self, keep: np.ndarray, effects: str, effect_dof: str) -> AbsorbedDesign:
        key = (hashlib.blake2b(np.packbits(keep).tobytes(), digest_size=16).digest(), effects)
        if key not in self.designs:
            self.designs[key] = AbsorbedDesign(
                self.codes[keep],
                self.years[keep],
                effects="entity+other",
                other=self.effect_ids[effects][keep],
            )
        return self.designs[key].with_effect_dof(effect_dof)

    def fit(self, spec: _Spec) -> tuple[dict[str, Any], Any]:
        """Observed estimates of ``spec`` and the fit for its null draws."""
        roles_x, instruments = spec.terms(self.roles)
        controls = [*self.base_controls(spec.sample, spec.outcome), *spec.controls]
        names = [spec.outcome, *roles_x, *instruments, *controls]
        keep = self.mask(spec.sample).copy()
        for name in names:
            keep &= np.isfinite(self.column(name))
        n_obs = int(keep.sum())
        codes = self.codes[keep]
        n_cities = len(np.unique(codes))
        if n_cities < 3 or n_obs <= len(names) + n_cities + len(np.unique(self.years[keep])):
            raise InertiaError(
                f"too few observations: {n_obs} city-years in {n_cities} cities for "
                f"{len(names) - 1} variables and two-way effects"
            )
        eiv = spec.estimator == "eiv"
        design = self.design(keep, spec.time_effects, "rank" if eiv else "linearmodels")
        for name in names:
            if name not in design.data:
                design.data[name] = self.column(name)[keep]
        clustered: OLSResult | OLSResults
        if eiv:
            clustered = design.iv(
                [spec.outcome],
                exog=controls,
                endog=roles_x,
                instruments=instruments,
                cov="clustered",
                count_effects=True,
            )
            df_clustered, df_kraay = design.n_entities - 1, design.n_periods - 1
        else:
            clustered = design.ols([spec.outcome], [*roles_x, *controls], cov="clustered")
            df_clustered = df_kraay = clustered.df_resid
        assert isinstance(clustered, OLSResults), "a list of outcomes gives OLSResults"
        kraay = clustered.with_cov("driscoll-kraay")
        positions = [clustered.x_names.index(term) for term in roles_x]
        y = design.data[spec.outcome]
        spread_y = float(np.std(y, ddof=1))
        scale = np.array([float(np.std(design.data[t], ddof=1)) / spread_y for t in roles_x])
        estimate = clustered.beta[positions, 0]
        out = {
            "term": roles_x,
            "estimate": estimate,
            "scale": scale,
            "n": n_obs,
            "n_cities": n_cities,
            "df": df_clustered,
        }
        for suffix, result, df in (("", clustered, df_clustered), ("_dk", kraay, df_kraay)):
            se = result.se[positions, 0]
            critical = float(special.stdtrit(df, 0.975))
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"pvalue{suffix}"] = 2 * special.stdtr(df, -np.abs(estimate / se))
            out[f"se{suffix}"] = se
            out[f"ci_low{suffix}"] = estimate - critical * se
            out[f"ci_high{suffix}"] = estimate + critical * se
        return out, (clustered, design, roles_x, df_clustered, scale)


#: The numbers of one effect of a specification.
_VALUE_KEYS = ("estimate", "se", "ci_low", "ci_high", "pvalue", "se_dk", "ci_low_dk",
               "ci_high_dk", "pvalue_dk", "scale")  # fmt: skip


def _failed(sid: str, outcome: str, message: str) -> list[dict[str, Any]]:
    return [
        {
            "spec_id": sid,
            "outcome": outcome,
            "effect": effect,
            "term": None,
            **dict.fromkeys(_VALUE_KEYS, np.nan),
            "n": 0,
            "n_cities": 0,
            "error": message,
        }
        for effect in EFFECTS
    ]


def _rows_of(sid: str, outcome: str, result: Mapping[str, Any]) -> list[dict[str, Any]]:
    keys = _VALUE_KEYS
    return [
        {
            "spec_id": sid,
            "outcome": outcome,
            "effect": effect,
            "term": result["term"][position],
            **{k: float(result[k][position]) for k in keys},
            "n": int(result["n"]),
            "n_cities": int(result["n_cities"]),
            "error": None,
        }
        for position, effect in enumerate(EFFECTS)
    ]


@dataclass
class _ChunkResult:
    """A task's output: the observed rows and, when drawn, the null curves of its specs."""

    observed: pd.DataFrame
    spec_ids: list[str]
    #: (B, n_specs, 3) standardised null estimates; (B, n_specs, 3) -1/0/+1 significance.
    null_std: np.ndarray | None = None
    null_sign: np.ndarray | None = None


def evaluate_chunk(context: _Context, chunk: _Chunk, seed: Any = None) -> _ChunkResult:
    """Run one task: measure once, fit every specification of the chunk, draw its nulls.

    ``seed`` is the engine's task seed, unused: the bootstrap weights are in
    the context, the same for every task.

    Parameters
    ----------
    context : _Context
        The run's data, bootstrap weights and settings (:func:`_context`).
    chunk : _Chunk
        One measurement and the specifications estimated on it.
    seed : optional
        The engine's task seed (unused).

    Returns
    -------
    _ChunkResult
        The chunk's rows of the multiverse table and, with bootstrap weights,
        its null draws.
    """
    if context.task_delay:
        time.sleep(context.task_delay)  # test hook: keeps tasks running while a worker dies
    specs = [(sid, dict(model)) for sid, model in chunk.specs]
    spec_ids = [sid for sid, _ in specs]
    n_draws = context.boot_weights.shape[1]
    null_std = np.full((n_draws, len(specs), len(EFFECTS)), np.nan) if n_draws else None
    null_sign = np.zeros((n_draws, len(specs), len(EFFECTS)), dtype=np.int8) if n_draws else None
    rows: list[dict[str, Any]] = []
    try:
        shortfall = _shortfall(context, dict(chunk.measurement))
        extra = _extra_controls(context)
    except InertiaError as exc:
        for sid, model in specs:
            rows += _failed(sid, model["outcome"], f"measurement: {exc}")
        return _ChunkResult(pd.DataFrame(rows), spec_ids, null_std, null_sign)
    cities = context.roster_codes
    groups: dict[tuple, list[tuple[int, str, dict[str, Any]]]] = {}
    for position, (sid, model) in enumerate(specs):
        key = tuple(model[f] for f in ROLE_MEASUREMENT)
        groups.setdefault(key, []).append((position, sid, model))
    outcome_part = None
    controls: dict[tuple[str, str], list[str]] = {}
    for (role_method, reinforcement, spending_rule), members in groups.items():
        try:
            roles = _roles(context, role_method, reinforcement, spending_rule)
            if outcome_part is None:
                outcome_part = _outcome_part(shortfall, roles, context.roster, extra)
            frame = _analysis_frame(outcome_part, roles, {m["lags"] for _, _, m in members})
        except InertiaError as exc:
            for _, sid, model in members:
                rows += _failed(sid, model["outcome"], f"measurement: {exc}")
            continue
        fitter = _Fitter(frame, roles, context, controls)
        for position, sid, model in members:
            spec = _Spec(
                sid,
                model["outcome"],
                model["estimator"],
                model["time_effects"],
                model["sample"],
                model["controls"],
                model["lags"],
            )
            try:
                result, (fit, design, terms, df, scale) = fitter.fit(spec)
                if n_draws:
                    weights = context.boot_weights[np.searchsorted(cities, design.entity_levels)]
                    draws = fit.wild_null(terms, weights)
            except InertiaError as exc:
                # Collinear or absorbed regressors, too few observations: the
                # specification is recorded with its reason, the rest of the curve goes on.
                rows += _failed(sid, spec.outcome, f"fit: {type(exc).__name__}: {exc}")
                continue
            rows += _rows_of(sid, spec.outcome, result)
            if n_draws:
                assert null_std is not None and null_sign is not None
                null_std[:, position] = (draws.beta * scale[:, None]).T
                significant = draws.pvalue_array(df) < context.alpha
                null_sign[:, position] = (significant * np.sign(draws.beta)).T.astype(np.int8)
    return _ChunkResult(pd.DataFrame(rows), spec_ids, null_std, null_sign)


def _chunks(specs: pd.DataFrame) -> list[_Chunk]:
    """One chunk per outcome measurement, in product order."""
    measurement = list(OUTCOME_MEASUREMENT)
    model_forks = [*ROLE_MEASUREMENT, *MODEL_FORKS]
    chunks = []
    for number, (key, group) in enumerate(specs.groupby(measurement, sort=False)):
        members = tuple(
            (row["spec_id"], tuple((fork, row[fork]) for fork in model_forks))
            for _, row in group.iterrows()
        )
        chunks.append(_Chunk(number, tuple(zip(measurement, key, strict=True)), members))
    return chunks


def _map_chunks(
    context: _Context, chunks: list[_Chunk], engine: str, jobs: int, scheduler: Any
) -> dict[int, _ChunkResult]:
    """Every chunk through :func:`inertia.engine.map_tasks`, keyed by chunk id."""
    results = map_tasks(
        evaluate_chunk,
        chunks,
        context=context,
        engine=engine,
        jobs=jobs,
        scheduler=scheduler,
        seed=context.seed,
        names=[f"multiverse-{chunk.chunk_id}" for chunk in chunks],
    )
    return {chunk.chunk_id: result for chunk, result in zip(chunks, results, strict=True)}


def _collect(results: Mapping[int, pd.DataFrame], specs: pd.DataFrame) -> pd.DataFrame:
    """Concatenate chunk results, check every specification exactly once, order, label."""
    frames = [results[k] for k in sorted(results)]
    long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    long = long.drop_duplicates(subset=["spec_id", "effect"], keep="first")
    counts = long.groupby("spec_id").size() if len(long) else pd.Series(dtype=int)
    expected = pd.Index(specs["spec_id"])
    missing = expected.difference(counts.index)
    incomplete = counts.index[counts != len(EFFECTS)]
    if len(missing) or len(incomplete):
        names = sorted({*missing, *incomplete})
        raise InertiaError(
            f"{len(names)} specification(s) are missing or incomplete in the multiverse results: "
            f"{names[:20]}{' ...' if len(names) > 20 else ''}."
        )
    extra = counts.index.difference(expected)
    if len(extra):
        raise InertiaError(f"Unexpected specifications in the results: {list(extra)[:20]}.")
    labelled = specs.drop(columns="outcome").copy()
    labelled["controls"] = [_label("controls", c) for c in labelled["controls"]]
    table = long.merge(labelled, on="spec_id", how="left", validate="m:1")
    table["effect_order"] = table["effect"].map({e: i for i, e in enumerate(EFFECTS)})
    table = table.sort_values(["order", "effect_order"], ignore_index=True)
    for column in ("n", "n_cities"):
        table[column] = table[column].astype("int64")
    for suffix in ("", "_dk"):
        for bound in ("ci_low", "ci_high"):
            table[f"std_{bound}{suffix}"] = table[f"{bound}{suffix}"] * table["scale"]
    table["std_estimate"] = table["estimate"] * table["scale"]
    table["duplicate_of"] = _duplicates(table)
    return table[TABLE_COLUMNS].reset_index(drop=True)


def _duplicates(table: pd.DataFrame) -> pd.Series:
    """Per row: the first specification (product order) with the same estimates, or None.

    Two specifications of one outcome are the same when the three coefficients
    and their clustered and Driscoll-Kraay SEs agree to :data:`DUPLICATE_TOL`
    (relative); a group of equal specifications points at its first member.
    """
    specs = table.drop_duplicates("spec_id").sort_values("order")
    values = table.pivot(index="spec_id", columns="effect", values=["estimate", "se", "se_dk"])
    owner: dict[str, str] = {}
    for _, part in specs.groupby("outcome", sort=False):
        ids = part["spec_id"].to_numpy()
        block = values.loc[ids].to_numpy(dtype=float)
        finite = np.flatnonzero(np.isfinite(block).all(axis=1))
        parent = {int(i): int(i) for i in finite}

        def root(i: int, parent: dict[int, int] = parent) -> int:
            while parent[i] != i:
                i = parent[i]
            return i

        order = finite[np.argsort(block[finite, 0], kind="stable")]
        for a, i in enumerate(order):
            b = a - 1
            while b >= 0 and block[i, 0] - block[order[b], 0] <= DUPLICATE_TOL * abs(block[i, 0]):
                j = order[b]
                if np.allclose(block[i], block[j], rtol=DUPLICATE_TOL, atol=0.0):
                    first, second = sorted((root(int(i)), root(int(j))))
                    parent[second] = first  # the earlier specification owns the group
                b -= 1
        for i in finite:
            top = root(int(i))
            if top != i:
                owner[str(ids[i])] = str(ids[top])
    return pd.Series([owner.get(s) for s in table["spec_id"]], index=table.index, dtype=object)


def _default_weights(roster: pd.DataFrame) -> Any:
    from inertia.data.geometry import weights_for_roster

    return weights_for_roster(roster)


@dataclass
class MultiverseResult:
    """A specification curve.

    Attributes
    ----------
    table : DataFrame
        One row per specification x role effect, in product order
        (:data:`TABLE_COLUMNS`): ``spec_id, outcome, effect, term`` (the
        regressor), the coefficient with its clustered (``se, ci_low, ci_high,
        pvalue``) and Driscoll-Kraay (``..._dk``) inference, ``scale`` (the
        standardisation :math:`s_x/s_y`) and the standardised estimate and
        bands (``std_...``), ``n`` and ``n_cities``, every fork's level (controls
        as ``"a+b"`` or ``"none"``), ``duplicate_of`` and ``error``.
    specs : DataFrame
        :func:`expand` output (one row per specification).
    forks, rules
        The declaration the run expanded.
    base : dict
        The baseline specification.
    engine : str
    jobs : int
    seconds : float
        Wall time of the estimation.
    info : dict
        ``seed``, ``n_tasks``.
    """

    table: pd.DataFrame
    specs: pd.DataFrame
    forks: dict[str, list[Any]]
    rules: list[dict[str, Any]]
    base: dict[str, Any]
    engine: str
    jobs: int
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_specs(self) -> int:
        """Number of specifications of the curve."""
        return len(self.specs)

    @property
    def baseline_id(self) -> str:
        """``spec_id`` of the baseline specification (it may be outside the forks)."""
        return spec_id(self.base)

    def reference_ids(self) -> dict[str, str]:
        """Per outcome, the ``spec_id`` of the baseline with that outcome.

        Returns
        -------
        dict
            Outcome -> ``spec_id``.
        """
        return {outcome: spec_id({**self.base, "outcome": outcome}) for outcome in OUTCOMES}

    def summary(self, alpha: float = ALPHA) -> pd.DataFrame:
        """:func:`curve_summary` of the table.

        Parameters
        ----------
        alpha : float, default ALPHA
            Significance level.

        Returns
        -------
        DataFrame
            One row per outcome and effect (:func:`curve_summary`).
        """
        return curve_summary(self.table, alpha, self.reference_ids())

    def influence(self) -> pd.DataFrame:
        """:func:`fork_influence` of the table.

        Returns
        -------
        DataFrame
            One row per outcome, effect and fork (:func:`fork_influence`).
        """
        return fork_influence(self.table)


def _context(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    weights: Any,
    *,
    seed: int,
    task_delay: float = 0.0,
    residual_gap: Any = None,
    alpha: float = ALPHA,
    boot_weights: np.ndarray | None = None,
    measured: Mapping[tuple, Any] | None = None,
) -> _Context:
    known = {"index", "roles"}
    for key in measured or {}:
        if not isinstance(key, tuple) or not key or key[0] not in known:
            raise ParameterError(
                f"measured keys are ('index', index_method) or ('roles', role_method, "
                f"reinforcement_rule, spending_rule); got {key!r}."
            )
    return _Context(
        panel=panel,
        roster=roster,
        weights=weights,
        token=uuid.uuid4().hex[:12],
        task_delay=task_delay,
        seed=seed,
        residual_gap=residual_gap,
        alpha=alpha,
        boot_weights=np.zeros((0, 0)) if boot_weights is None else boot_weights,
        measured=dict(measured or {}),
    )


def _declared(
    forks: Mapping[str, Sequence[Any]] | None,
    rules: Iterable[Mapping[str, Any]] | None,
    base: Mapping[str, Any] | None,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]], dict[str, Any], pd.DataFrame]:
    """Forks, rules and baseline as given (default: :func:`default_forks`), and the specs."""
    base = dict(BASELINE if base is None else base)
    if forks is None:
        forks, default_rules = default_forks(base)
        rules = default_rules if rules is None else rules
    fork_levels = {k: list(v) for k, v in forks.items()}
    rule_list = [dict(r) for r in (rules or [])]
    return fork_levels, rule_list, base, expand(fork_levels, rule_list, base)


def _run(
    context: _Context,
    specs: pd.DataFrame,
    engine: str,
    jobs: int,
    scheduler: Any,
) -> tuple[pd.DataFrame, dict[int, _ChunkResult]]:
    chunks = _chunks(specs)
    results = _map_chunks(context, chunks, engine, jobs, scheduler)
    table = _collect({k: r.observed for k, r in results.items()}, specs)
    return table, results


def _curve_result(
    table: pd.DataFrame,
    declared: tuple[dict[str, list[Any]], list[dict[str, Any]], dict[str, Any], pd.DataFrame],
    engine: str,
    jobs: int,
    seed: int,
    start: float,
) -> MultiverseResult:
    """The curve of a run begun at ``start``: its table and the declaration it expanded."""
    forks, rules, base, specs = declared
    return MultiverseResult(
        table=table,
        specs=specs,
        forks=forks,
        rules=rules,
        base=base,
        engine=engine,
        jobs=jobs,
        seconds=time.perf_counter() - start,
        info={"seed": seed, "n_tasks": len(_chunks(specs))},
    )


def run_multiverse(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    forks: Mapping[str, Sequence[Any]] | None = None,
    rules: Iterable[Mapping[str, Any]] | None = None,
    *,
    base: Mapping[str, Any] | None = None,
    residual_gap: float | Mapping[str, float] | None = None,
    engine: str = "local",
    jobs: int = 1,
    scheduler: Any = None,
    seed: int = 20240601,
    weights: W | None = None,
    task_delay: float = 0.0,
    measured: Mapping[tuple, Any] | None = None,
) -> MultiverseResult:
    """Estimate every specification of the multiverse.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel (of the study cities: restrict a CCSY panel to its clusters).
    roster : DataFrame
        Roster indexed by code with ``cluster``, ``yrd_central`` and
        ``yrd_council_joined``.
    forks, rules
        See :func:`expand`; default :func:`default_forks`.
    base : mapping, optional
        The baseline specification (:func:`baseline`; default :data:`BASELINE`).
    residual_gap : float or mapping, optional
        Chapter 3's ``plan_residual_gap`` (default ``plan_targets.csv``).
    engine : {"local", "dask"}
    jobs : int
        Worker processes (local: 1 runs inline; dask: LocalCluster workers when
        no ``scheduler`` is given).
    scheduler : str or distributed.Client, optional
        ``"tcp://host:port"`` of a running dask scheduler, or a client.
    seed : int
        Seed of the null draws (unused by the observed curve, recorded).
    weights : libpysal W, optional
        Spatial weights of the imitation definition; default those of
        :func:`~inertia.data.geometry.weights_for_roster`, built only when a
        specification needs them.
    task_delay : float
        Seconds each task sleeps first; a test hook for fault-tolerance tests.
    measured : mapping, optional
        Measurements already made with the chapters' functions, reused instead
        of recomputed: ``("index", index_method)`` ->
        :func:`~inertia.measures.public_service.public_service_index` and
        ``("roles", role_method, reinforcement_rule, spending_rule)`` ->
        :func:`~inertia.chapters.role_deviation.roles_for` (the validation
        harness passes its own).

    Returns
    -------
    MultiverseResult
    """
    forks, rules, base, specs = _declared(forks, rules, base)
    start = time.perf_counter()
    context = _context(
        panel,
        roster,
        weights,
        seed=seed,
        task_delay=task_delay,
        residual_gap=residual_gap,
        measured=measured,
    )
    table, _ = _run(context, specs, engine, jobs, scheduler)
    return _curve_result(table, (forks, rules, base, specs), engine, jobs, seed, start)


# --------------------------------------------------------------------------- summaries


def curve_summary(
    table: pd.DataFrame,
    alpha: float = ALPHA,
    references: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per outcome and effect: the standardised curve's median, spread and shares.

    Parameters
    ----------
    table : DataFrame
        :attr:`MultiverseResult.table`.
    alpha : float
    references : mapping outcome -> spec_id, optional
        The reference (baseline) specification of each curve.

    Returns
    -------
    DataFrame
        ``outcome, effect, n_specs`` (on the curve), ``n_failed``,
        ``n_duplicates``, ``median``, ``q05``, ``q95`` (standardised effects),
        ``share_positive``, ``share_negative``, ``share_significant`` (p < alpha,
        clustered), ``share_significant_positive``, ``share_significant_negative``,
        ``dominant_sign`` (+1 or -1: the sign with the larger share significant;
        the median's sign on a tie), ``share_significant_dominant``,
        ``share_significant_dominant_dk`` (the same count with the Driscoll-Kraay
        band), ``reference_std`` and ``reference_estimate`` (the reference
        specification's standardised and raw effect; NaN when it is not on the curve).
    """
    rows = []
    references = dict(references or {})
    for outcome in [o for o in OUTCOMES if o in set(table["outcome"])]:
        for effect in EFFECTS:
            part = table.loc[(table["outcome"] == outcome) & (table["effect"] == effect)]
            ok = part.loc[in_curve(part)]
            estimates = ok["std_estimate"]
            median = float(estimates.median()) if len(ok) else np.nan
            significant = ok["pvalue"] < alpha
            positive = float((significant & (estimates > 0)).mean()) if len(ok) else np.nan
            negative = float((significant & (estimates < 0)).mean()) if len(ok) else np.nan
            sign = 1 if positive > negative or (positive == negative and median >= 0) else -1
            kraay = (ok["pvalue_dk"] < alpha) & (np.sign(estimates) == sign)
            reference = part.loc[part["spec_id"] == references.get(outcome)]
            reference = reference.loc[in_curve(reference)]
            rows.append(
                {
                    "outcome": outcome,
                    "effect": effect,
                    "n_specs": len(ok),
                    "n_failed": int(part["estimate"].isna().sum()),
                    "n_duplicates": int(
                        (part["estimate"].notna() & part["duplicate_of"].notna()).sum()
                    ),
                    "median": median,
                    "q05": float(estimates.quantile(0.05)) if len(ok) else np.nan,
                    "q95": float(estimates.quantile(0.95)) if len(ok) else np.nan,
                    "share_positive": float((estimates > 0).mean()) if len(ok) else np.nan,
                    "share_negative": float((estimates < 0).mean()) if len(ok) else np.nan,
                    "share_significant": float(significant.mean()) if len(ok) else np.nan,
                    "share_significant_positive": positive,
                    "share_significant_negative": negative,
                    "dominant_sign": sign,
                    "share_significant_dominant": max(positive, negative) if len(ok) else np.nan,
                    "share_significant_dominant_dk": float(kraay.mean()) if len(ok) else np.nan,
                    "reference_std": float(reference["std_estimate"].iloc[0])
                    if len(reference)
                    else np.nan,
                    "reference_estimate": float(reference["estimate"].iloc[0])
                    if len(reference)
                    else np.nan,
                }
            )
    return pd.DataFrame(rows)


def fork_influence(table: pd.DataFrame) -> pd.DataFrame:
    r"""How much each fork moves the standardised estimates, per outcome and effect.

    For fork :math:`f` with levels :math:`l`, the share of the curve's variance
    explained by the levels (one-way :math:`\eta^2 = SS_{between}/SS_{total}`)
    and the range of the level medians, on the specifications of the curve.
    Forks with one level are left out.

    Parameters
    ----------
    table : DataFrame

    Returns
    -------
    DataFrame
        ``outcome, effect, fork, n_levels, eta_squared, median_range, low_level,
        high_level`` (the levels with the lowest and highest median), sorted by
        outcome, effect and descending ``eta_squared``.
    """
    rows = []
    forks = [c for c in FORK_COLUMNS.values() if c != "outcome"]
    for outcome in [o for o in OUTCOMES if o in set(table["outcome"])]:
        for effect in EFFECTS:
            mask = (table["outcome"] == outcome) & (table["effect"] == effect) & in_curve(table)
            part = table.loc[mask]
            if len(part) < 2:
                continue
            values_all = part["std_estimate"]
            total = float(((values_all - values_all.mean()) ** 2).sum())
            for fork in forks:
                values = part[fork].astype(str)
                if values.nunique() < 2:
                    continue
                grouped = values_all.groupby(values)
                between = float((grouped.size() * (grouped.mean() - values_all.mean()) ** 2).sum())
                medians = grouped.median()
                rows.append(
                    {
                        "outcome": outcome,
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
    out["outcome_order"] = out["outcome"].map({o: i for i, o in enumerate(OUTCOMES)})
    out["effect_order"] = out["effect"].map({e: i for i, e in enumerate(EFFECTS)})
    out = out.sort_values(
        ["outcome_order", "effect_order", "eta_squared"], ascending=[True, True, False]
    )
    return out.drop(columns=["outcome_order", "effect_order"]).reset_index(drop=True)


def estimator_summary(table: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Per outcome, estimator and effect: the curve's specifications, median and share significant.

    Parameters
    ----------
    table : DataFrame
        :attr:`MultiverseResult.table`.
    alpha : float

    Returns
    -------
    DataFrame
        ``outcome, estimator, effect, n_specs, median`` (standardised),
        ``share_significant`` (clustered), on the specifications of the curve.
    """
    part = table.loc[in_curve(table)]
    grouped = part.groupby(["outcome", "estimator", "effect"], sort=False)
    out = grouped.agg(
        n_specs=("spec_id", "nunique"),
        median=("std_estimate", "median"),
        share_significant=("pvalue", lambda p: float((p < alpha).mean())),
    ).reset_index()
    order = {
        "outcome": {o: i for i, o in enumerate(OUTCOMES)},
        "estimator": {e: i for i, e in enumerate(ESTIMATORS)},
        "effect": {e: i for i, e in enumerate(EFFECTS)},
    }
    keys = out[list(order)].apply(lambda c: c.map(order[c.name]))
    return out.loc[keys.sort_values(list(order)).index].reset_index(drop=True)


def duplicate_table(table: pd.DataFrame) -> pd.DataFrame:
    """Which fork levels repeat another specification's estimates, per outcome.

    Parameters
    ----------
    table : DataFrame
        :attr:`MultiverseResult.table`.

    Returns
    -------
    DataFrame
        ``outcome, fork, level, same_as, specifications``: the forks in which a
        duplicate differs from the specification it repeats, its level there and
        the original's level (sorted by the count); empty when there is none.
    """
    columns = ["outcome", "fork", "level", "same_as", "specifications"]
    specs = table.drop_duplicates("spec_id").set_index("spec_id")
    duplicates = specs.loc[specs["duplicate_of"].notna()]
    if duplicates.empty:
        return pd.DataFrame(columns=columns)
    forks = [c for c in FORK_COLUMNS.values() if c != "outcome"]
    counts: dict[tuple[str, str, str, str], int] = {}
    for _, row in duplicates.iterrows():
        original = specs.loc[row["duplicate_of"]]
        differing = [f for f in forks if str(row[f]) != str(original[f])]
        key = (
            str(row["outcome"]),
            " + ".join(differing),
            " + ".join(str(row[f]) for f in differing),
            " + ".join(str(original[f]) for f in differing),
        )
        counts[key] = counts.get(key, 0) + 1
    out = pd.DataFrame([(*key, n) for key, n in counts.items()], columns=columns)
    return out.sort_values(["outcome", "specifications"], ascending=[True, False]).reset_index(
        drop=True
    )


def baseline_check(
    result: MultiverseResult,
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    weights: Any = None,
    residual_gap: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The curve's baseline row against chapter 4's headline, term by term.

    The headline is recomputed here through the chapter's own functions
    (:func:`~inertia.measures.public_service.public_service_index`,
    :func:`~inertia.measures.synergy.city_shortfall`,
    :func:`~inertia.chapters.role_deviation.roles_for`,
    :func:`~inertia.chapters.role_deviation.estimation_frame`,
    :func:`~inertia.chapters.role_deviation.headline`: linearmodels ``IV2SLS``).

    Parameters
    ----------
    result : MultiverseResult
    panel, roster, weights, residual_gap
        As given to :func:`run_multiverse`.

    Returns
    -------
    DataFrame
        ``effect, term, headline_coef, curve_coef, headline_se, curve_se,
        headline_p, curve_p, n_headline, n_curve, coef_difference`` (absolute),
        ``se_difference`` (relative); empty when the baseline is not on the curve.
    """
    from inertia.chapters import role_deviation
    from inertia.measures.public_service import public_service_index
    from inertia.measures.synergy import city_shortfall

    base = result.base
    rows = result.table.loc[result.table["spec_id"] == result.baseline_id]
    columns = ["effect", "term", "headline_coef", "curve_coef", "headline_se", "curve_se",
               "headline_p", "curve_p", "n_headline", "n_curve", "coef_difference",
               "se_difference"]  # fmt: skip
    if rows.empty or rows["estimate"].isna().any():
        return pd.DataFrame(columns=columns)
    index = public_service_index(panel, base["index_method"], roster=roster)
    shortfall = city_shortfall(index, roster, residual_gap=residual_gap)
    imitation = base["reinforcement_rule"] == "imitation"
    roles = role_deviation.roles_for(
        panel,
        roster,
        _default_weights(roster) if weights is None and imitation else weights,
        method=base["role_method"],
        reinforcement=base["reinforcement_rule"],
    )
    fit = role_deviation.headline(role_deviation.estimation_frame(roles, shortfall, roster), roles)
    tidy = fit.tidy().set_index("term")
    out = []
    for _, row in rows.iterrows():
        term = row["term"]
        out.append(
            {
                "effect": row["effect"],
                "term": term,
                "headline_coef": float(tidy.at[term, "coef"]),
                "curve_coef": float(row["estimate"]),
                "headline_se": float(tidy.at[term, "se"]),
                "curve_se": float(row["se"]),
                "headline_p": float(tidy.at[term, "p"]),
                "curve_p": float(row["pvalue"]),
                "n_headline": int(fit.nobs),
                "n_curve": int(row["n"]),
                "coef_difference": abs(float(row["estimate"]) - float(tidy.at[term, "coef"])),
                "se_difference": abs(float(row["se"]) / float(tidy.at[term, "se"]) - 1.0),
            }
        )
    return pd.DataFrame(out, columns=columns)


# --------------------------------------------------------------------------- inference


@dataclass
class CurveTest:
    """Specification-curve inference under the null of no role effect (:func:`bootstrap_test`).

    Attributes
    ----------
    curve : MultiverseResult
        The observed curve.
    pvalues : DataFrame
        Per outcome and effect: ``n_specs``, ``median``, ``p_median``,
        ``dominant_sign``, ``share_significant_dominant``, ``p_share``,
        ``null_median_q025``, ``null_median_q975``, ``null_share_q95``.
    null : DataFrame
        One row per draw x outcome x effect: the null curve's ``median``,
        ``share_significant_positive``, ``share_significant_negative`` and
        ``share_significant_dominant``.
    n_draws, seed, seconds, scheme
    """

    curve: MultiverseResult
    pvalues: pd.DataFrame
    null: pd.DataFrame
    n_draws: int
    seed: int
    seconds: float
    scheme: str


def _nan_quantile(values: np.ndarray, q: float) -> float:
    """The ``q`` quantile of the finite values; NaN when there is none."""
    finite = values[np.isfinite(values)]
    return float(np.quantile(finite, q)) if finite.size else float("nan")


def _curve_inference(
    table: pd.DataFrame,
    spec_ids: Sequence[str],
    null_std: np.ndarray,
    null_sign: np.ndarray,
    alpha: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The observed curve's statistics against the null curves, per outcome and effect."""
    observed = curve_summary(table, alpha)
    first = table.drop_duplicates("spec_id").set_index("spec_id")
    counted = first.loc[list(spec_ids)]
    rows, null_rows = [], []
    n_draws = null_std.shape[0]
    for outcome in [o for o in OUTCOMES if o in set(table["outcome"])]:
        members = (counted["outcome"] == outcome) & counted["duplicate_of"].isna()
        members = members.to_numpy()
        for e, effect in enumerate(EFFECTS):
            values = null_std[:, members, e]
            signs = null_sign[:, members, e]
            estimated = ~np.isnan(values)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a draw with no estimate
                medians = (
                    np.nanmedian(values, axis=1) if values.shape[1] else np.full(n_draws, np.nan)
                )
                count = np.maximum(estimated.sum(axis=1), 1)
                positive = ((signs > 0) & estimated).sum(axis=1) / count
                negative = ((signs < 0) & estimated).sum(axis=1) / count
            dominant = np.maximum(positive, negative)
            row = observed.loc[
                (observed["outcome"] == outcome) & (observed["effect"] == effect)
            ].iloc[0]
            median, share = float(row["median"]), float(row["share_significant_dominant"])
            p_median = (1 + int((np.abs(medians) >= abs(median)).sum())) / (1 + n_draws)
            p_share = (1 + int((dominant >= share).sum())) / (1 + n_draws)
            rows.append(
                {
                    "outcome": outcome,
                    "effect": effect,
                    "n_specs": int(row["n_specs"]),
                    "median": median,
                    "p_median": p_median if np.isfinite(median) else np.nan,
                    "dominant_sign": int(row["dominant_sign"]),
                    "share_significant_dominant": share,
                    "p_share": p_share if np.isfinite(share) else np.nan,
                    # No estimated specification: no null distribution either.
                    "null_median_q025": _nan_quantile(medians, 0.025),
                    "null_median_q975": _nan_quantile(medians, 0.975),
                    "null_share_q95": _nan_quantile(
                        np.where(estimated.any(axis=1), dominant, np.nan), 0.95
                    ),
                }
            )
            null_rows.append(
                pd.DataFrame(
                    {
                        "draw": np.arange(n_draws),
                        "outcome": outcome,
                        "effect": effect,
                        "median": medians,
                        "share_significant_positive": positive,
                        "share_significant_negative": negative,
                        "share_significant_dominant": dominant,
                    }
                )
            )
    null = pd.concat(null_rows, ignore_index=True) if null_rows else pd.DataFrame()
    if len(null):
        null = null.sort_values(["draw"], kind="stable", ignore_index=True)
    return pd.DataFrame(rows), null


def bootstrap_test(
    panel: pd.DataFrame,
    roster: pd.DataFrame,
    forks: Mapping[str, Sequence[Any]] | None = None,
    rules: Iterable[Mapping[str, Any]] | None = None,
    *,
    n_draws: int = 500,
    weight_type: str = "rademacher",
    alpha: float = ALPHA,
    base: Mapping[str, Any] | None = None,
    residual_gap: float | Mapping[str, float] | None = None,
    seed: int = 20240601,
    engine: str = "local",
    jobs: int = 1,
    scheduler: Any = None,
    weights: W | None = None,
    measured: Mapping[tuple, Any] | None = None,
) -> CurveTest:
    r"""The observed curve and its null distribution: every specification in every draw.

    Simonsohn, Simmons & Nelson (2020, "Inference") impose the null on the
    data and re-estimate every specification on each null data set; here
    the null :math:`\beta_W = \beta_D = \beta_R = 0` is imposed in every
    specification (its restricted fit keeps the controls and effects), each
    draw multiplies the restricted residuals by one weight per **city**
    (:func:`~inertia.models.twfe_core.wild_weights`, seeded by ``(seed, 1)``,
    the same weights in every specification), and every specification is
    re-estimated on the draw by its own estimator (2SLS for ``eiv``) with its
    clustered SEs (module docstring). The curve statistics and p-values are
    per outcome (:class:`CurveTest`).

    Parameters
    ----------
    panel, roster, forks, rules
        See :func:`run_multiverse`.
    n_draws : int
        Bootstrap draws B (Rademacher with :math:`2^G \le B`: all sign vectors).
    weight_type : {"rademacher", "webb"}
    alpha : float
        Significance level of the "share significant" statistic.
    base, residual_gap
        See :func:`run_multiverse`.
    seed : int
        Seed of the bootstrap weights (drawn from ``(seed, 1)``).
    engine, jobs, scheduler, weights, measured
        See :func:`run_multiverse`.

    Returns
    -------
    CurveTest
        With ``scheme = "wild-<weight_type>"``.
    """
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 1:
        raise ParameterError(f"n_draws must be a positive integer; got {n_draws!r}.")
    forks, rules, base, specs = _declared(forks, rules, base)
    start = time.perf_counter()
    codes = roster.index if "code" not in roster.columns else roster["code"]
    context = _context(
        panel,
        roster,
        weights,
        seed=seed,
        residual_gap=residual_gap,
        alpha=alpha,
        boot_weights=wild_weights(len(codes), n_draws, weight_type, seed=(seed, 1)),
        measured=measured,
    )
    table, results = _run(context, specs, engine, jobs, scheduler)
    used = context.boot_weights.shape[1]  # 2^G under full enumeration
    position = {sid: j for j, sid in enumerate(specs["spec_id"])}
    null_std = np.full((used, len(specs), len(EFFECTS)), np.nan)
    null_sign = np.zeros((used, len(specs), len(EFFECTS)), dtype=np.int8)
    for result in results.values():
        where = [position[sid] for sid in result.spec_ids]
        assert result.null_std is not None and result.null_sign is not None
        null_std[:, where] = result.null_std
        null_sign[:, where] = result.null_sign
    pvalues, null = _curve_inference(table, list(specs["spec_id"]), null_std, null_sign, alpha)
    curve = _curve_result(table, (forks, rules, base, specs), engine, jobs, seed, start)
    return CurveTest(
        curve=curve,
        pvalues=pvalues,
        null=null,
        n_draws=used,
        seed=seed,
        seconds=curve.seconds,
        scheme=f"wild-{weight_type}",
    )


def curve_claim_name(outcome: str, effect: str, statistic: str = "median") -> str:
    """Name of a curve test's claim: ``curve_<effect>`` for chapter 4's outcome's median test.

    ``curve_share_<effect>`` for its share test; ``curve_level_...`` for the level's curve.

    Parameters
    ----------
    outcome, effect : str
    statistic : {"median", "share"}

    Returns
    -------
    str
    """
    level = "" if outcome == OUTCOME else "level_"
    share = "" if statistic == "median" else "share_"
    return f"curve_{level}{share}{effect}"


def curve_verdict(test: CurveTest, data_source: str, alpha: float = ALPHA) -> Any:
    """The chapter's verdicts: per curve and role, the median test and the share test.

    Parameters
    ----------
    test : CurveTest
    data_source : str
    alpha : float

    Returns
    -------
    ChapterVerdict
        ``07_robustness``: claims :func:`curve_claim_name`; ``estimate`` is the
        observed statistic, ``null_value`` the role effect under the null (0),
        with no interval (the test is a test of the whole curve, not an estimate).
    """
    from inertia.chapters.verdicts import ChapterVerdict, Claim

    words = {
        "shortfall_growth": "the growth of the shortfall from the planned path",
        "shortfall": "the level of the shortfall from the planned path",
    }
    claims = []
    method = (
        f"Simonsohn-Simmons-Nelson specification-curve test against {test.n_draws} curves of the "
        "restricted wild cluster bootstrap (the null of no role effect imposed in every "
        "specification, every specification re-estimated in every draw, one weight per city)"
    )
    for row in test.pvalues.itertuples():
        outcome, effect = str(row.outcome), str(row.effect)
        details = {
            "outcome": outcome,
            "dominant_sign": int(row.dominant_sign),
            "n_draws": int(test.n_draws),
            "null_median_q025": float(row.null_median_q025),
            "null_median_q975": float(row.null_median_q975),
            "null_share_q95": float(row.null_share_q95),
            "scheme": test.scheme,
        }
        for statistic, estimate, p_value, text in (
            (
                "median",
                float(row.median),
                float(row.p_median),
                "median standardised effect over the curve; two-sided, p = (1 + #{|m_b| >= "
                "|m|}) / (1 + B)",
            ),
            (
                "share",
                float(row.share_significant_dominant),
                float(row.p_share),
                "share of the curve significant (p < 0.05, city-clustered) with its dominant "
                "sign; p = (1 + #{s_b >= s}) / (1 + B)",
            ),
        ):
            rejected = bool(p_value < alpha) if np.isfinite(p_value) else None
            if rejected is None:
                verdict = "not estimable"
            elif rejected:
                verdict = "effect across the curve"
            else:
                verdict = "within the null curves"
            claims.append(
                Claim(
                    claim=curve_claim_name(outcome, effect, statistic),
                    statement=(
                        f"Across the specification curve of {words.get(outcome, outcome)}, role "
                        f"{effect} has an effect that curves without any role effect do not show."
                    ),
                    verdict=verdict,
                    rejected=rejected,
                    test=f"{method}; statistic: {text}",
                    statistic=f"{statistic} of the curve",
                    estimate=estimate,
                    se=float("nan"),
                    ci_low=float("nan"),
                    ci_high=float("nan"),
                    p_value=p_value,
                    alpha=alpha,
                    null_value=0.0,
                    n=int(row.n_specs),
                    details=details,
                )
            )
    return ChapterVerdict("07_robustness", data_source, tuple(claims))


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
    atomic_write(out, lambda tmp: pq.write_table(arrow, tmp))
    return out
