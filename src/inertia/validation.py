r"""The size-and-power harness: does each chapter's verdict change when the truth changes?

Each replication draws the simulated panel (:mod:`inertia.data.simulate`)
under one *truth* and runs on the **measured** data exactly the functions the
chapter notebooks call (no latent variable enters as a regressor):

* chapter 3: :func:`~inertia.measures.public_service.public_service_index`,
  :func:`~inertia.measures.synergy.city_shortfall`,
  :func:`~inertia.chapters.inertia_evidence.delivery_test` and its verdict;
* chapter 4: :func:`~inertia.chapters.role_deviation.roles_for`,
  :func:`~inertia.chapters.role_deviation.estimation_frame`,
  :func:`~inertia.chapters.role_deviation.headline` and its verdict;
* chapter 5: :func:`~inertia.chapters.chain_reaction.chain_frame`,
  :func:`~inertia.chapters.chain_reaction.fit_chain` and its verdict;
* chapter 6: :func:`~inertia.chapters.corrective_measures.run` (the
  whole-pipeline scenarios) for the levers of :data:`SCENARIO_MEASURES` and
  its verdict, whose true values come from
  :func:`~inertia.chapters.corrective_measures.true_effects` (zero for every
  lever when the roles have no effect: the null of a lever without effect).
* chapter 7: the specification-curve test
  (:func:`~inertia.multiverse.bootstrap_test`, :func:`~inertia.multiverse.curve_verdict`)
  on a smaller curve, :func:`~inertia.multiverse.harness_forks` (24 specifications
  of the growth outcome: the three estimators, both time effects, both
  reinforcement definitions, a lag) with :data:`CURVE_DRAWS` null draws, reusing
  the replication's index and role indices. The default curve (1,848
  specifications) with 500 draws costs seconds per replication, too much for
  hundreds of replications under four truths; the smaller curve keeps what the
  test must handle (2SLS and OLS specifications, markers and composites, two
  definitions of R, lags). Its rows have no interval: the curve's median is a
  standardised statistic with no true value, so only the rejection rates count.

The truths (:data:`TRUTHS`) are the embedded default and one switch per claim
(:func:`~inertia.data.simulate.simulation_params`): the plans delivered (no
inertia), no role effects, no chain. Every replication uses the same panel
seed under every truth (common random numbers), derived from the master seed
and the replication number only, so the table does not depend on the engine
or on the number of workers.

For each (claim, truth) the summary reports the rejection rate of the
claim's test at its level, the coverage of the true value by the reported
95% interval, the bias and RMSE of the estimate, and whether the targets hold:
size (rejection rate when the truth is the null) between 0.02 and 0.08, power
(when it is not) at least 0.80, coverage between 0.92 and 0.98. Where a
target fails, ``reason`` says why in plain words, from the numbers.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from inertia.errors import ParameterError
from inertia.formatting import number, significant

__all__ = [
    "IDENTIFICATION_TRUTHS",
    "SCENARIO_MEASURES",
    "TARGETS",
    "TRUTHS",
    "ValidationResult",
    "replicate",
    "replicate_identification",
    "summarise",
    "validate",
    "validate_identification",
]

#: The truths of the harness: name -> switches of :func:`simulation_params`.
TRUTHS: dict[str, dict[str, Any]] = {
    "default": {},
    "plans_delivered": {"plan_delivery": 1.0},
    "no_role_effects": {"role_effects": "zero"},
    "no_chain": {"chain": "zero"},
}
#: The default measures whose scenario the harness checks. Cost sharing is left out: it
#: removes a term centred on the cluster median, so its mean effect is near zero by
#: construction and its truth rests on the neighbours' latent deviation.
SCENARIO_MEASURES = ("fiscal_transfer", "evaluation_reform")
#: Null draws of the specification-curve test per replication (p-values in steps of 1/200).
CURVE_DRAWS = 199
class _Targets(TypedDict):
    size: tuple[float, float]
    power: float
    coverage: tuple[float, float]


#: Targets of every headline test.
TARGETS: _Targets = {"size": (0.02, 0.08), "power": 0.80, "coverage": (0.92, 0.98)}
#: Where each claim's true value sits in ``truth["estimands"]``.
_ROLE_CLAIMS = {f"effect_{d}": d for d in ("weakness", "deviation", "reinforcement")}
_CHAIN_CLAIMS = {
    "link_weakness_deviation": ("weakness_to_deviation",),
    "link_deviation_reinforcement": ("deviation_to_reinforcement",),
    "link_weakness_reinforcement": ("weakness_to_reinforcement",),
    "indirect_chain": ("indirect", "weakness_deviation_reinforcement_shortfall"),
}


def _curve_dimension(claim: str) -> str | None:
    """The role of a growth-curve test claim (``curve_<role>``, ``curve_share_<role>``)."""
    if not claim.startswith("curve_") or claim.startswith("curve_level_"):
        return None
    role = claim.removeprefix("curve_").removeprefix("share_")
    return role if role in _ROLE_CLAIMS.values() else None


def true_value(claim: str, truth: Mapping[str, Any]) -> float:
    """The true value of a claim's statistic in a simulated panel's truth.

    Parameters
    ----------
    claim : str
        A claim name of the chapters' verdicts.
    truth : dict
        ``SimulatedPanel.truth``.

    Returns
    -------
    float
        NaN for a claim without a stated truth.
    """
    estimands = truth["estimands"]
    if claim == "inertia":
        return float(estimands["inertia"]["delivered_share"]["pooled"])
    if claim.startswith("inertia_"):
        return float(estimands["inertia"]["delivered_share"][claim.removeprefix("inertia_")])
    if claim in _ROLE_CLAIMS:
        return float(estimands["roles"]["effect_on_shortfall_growth"][_ROLE_CLAIMS[claim]])
    if _curve_dimension(claim) is not None:
        # The curve's test is of "no role effect": its truth is the role's effect.
        return float(estimands["roles"]["effect_on_shortfall_growth"][_curve_dimension(claim)])
    if claim in _CHAIN_CLAIMS:
        value: Any = estimands["chain"]
        for key in _CHAIN_CLAIMS[claim]:
            value = value[key]
        return float(value)
    if claim == "total_indirect_weakness":
        chain = estimands["chain"]
        indirect = chain["indirect"]
        return float(
            indirect["weakness_deviation_shortfall"]
            + indirect["weakness_reinforcement_shortfall"]
            + indirect["weakness_deviation_reinforcement_shortfall"]
        )
    return float("nan")


@dataclass(frozen=True)
class _Context:
    """What every replication shares: the master seed and the settings."""

    seed: int
    n_boot: int
    truths: dict[str, dict[str, Any]]


#: The role measurement of chapter 4's defaults (the replication's ``roles``).
_BASELINE_ROLES = ("standardised", "lock_in", "log_ratio")


def _panel_seed(master: int, replication: int) -> int:
    """The panel seed of replication ``replication``: the same under every truth."""
    return int(np.random.SeedSequence([int(master), int(replication)]).generate_state(1)[0])


def replicate(
    replication: int,
    truth: str,
    *,
    seed: int = 20240601,
    n_boot: int = 199,
    switches: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One replication under one truth: every chapter's headline claims on measured data.

    Parameters
    ----------
    replication : int
        Replication number (with ``seed``, it fixes the panel seed).
    truth : str
        Name of the truth (a key of :data:`TRUTHS`, or any label with ``switches``).
    seed : int
        Master seed of the harness.
    n_boot : int
        City-bootstrap draws of the chain.
    switches : mapping, optional
        Switches of :func:`~inertia.data.simulate.simulation_params` (default:
        ``TRUTHS[truth]``).

    Returns
    -------
    list of dict
        One row per claim: ``replication``, ``truth``, ``chapter``, ``claim``,
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``rejected``,
        ``null_value``, ``true_value``, ``panel_seed``.
    """
    from inertia import multiverse
    from inertia.chapters import (
        chain_reaction,
        corrective_measures,
        inertia_evidence,
        role_deviation,
    )
    from inertia.data.geometry import weights_for_roster
    from inertia.data.simulate import simulate_panel, simulation_params
    from inertia.measures.public_service import public_service_index
    from inertia.measures.synergy import city_shortfall, plan_schedule

    switches = TRUTHS[truth] if switches is None else dict(switches)
    panel_seed = _panel_seed(seed, replication)
    sim = simulate_panel(panel_seed, params=simulation_params(**switches))
    # Chapters 3 (the delivery test) to 5 run on the cluster cities, as their notebooks do.
    roster = sim.roster[sim.roster["cluster"].notna()]
    panel = sim.panel[sim.panel["code"].isin(roster.index)].reset_index(drop=True)
    index = public_service_index(panel, roster=roster)
    schedule = plan_schedule(sorted(roster["cluster"].unique()))
    verdicts = [
        inertia_evidence.chapter_verdict(
            inertia_evidence.delivery_test(index, schedule), "simulated"
        )
    ]
    shortfall = city_shortfall(index, roster)
    roles = role_deviation.roles_for(panel, roster)
    frame = role_deviation.estimation_frame(roles, shortfall, roster)
    fit = role_deviation.headline(frame, roles)
    verdicts.append(role_deviation.chapter_verdict(fit, roles, "simulated"))
    weights = weights_for_roster(roster)
    chain_data = chain_reaction.chain_frame(frame, roles, weights)
    chain = chain_reaction.fit_chain(chain_data, roles, n_boot=n_boot, seed=panel_seed)
    verdicts.append(chain_reaction.chapter_verdict(chain, "simulated"))
    scenario_truth = _scenario_claims(
        corrective_measures, chain_data, shortfall, chain, sim, roster
    )
    verdicts.append(scenario_truth.pop("verdict"))
    curve = multiverse.bootstrap_test(
        panel,
        roster,
        *multiverse.harness_forks(),
        n_draws=CURVE_DRAWS,
        seed=panel_seed,
        weights=weights,
        measured={("index", "geometric"): index, ("roles", *_BASELINE_ROLES): roles},
    )
    verdicts.append(multiverse.curve_verdict(curve, "simulated"))
    rows = []
    for verdict in verdicts:
        for claim in verdict.claims:
            # The curve's statistics are standardised and have no true value: their
            # rows keep the test's rejection only.
            is_curve = verdict.chapter == "07_robustness"
            rows.append(
                {
                    "replication": int(replication),
                    "truth": truth,
                    "chapter": verdict.chapter,
                    "claim": claim.claim,
                    "estimate": float("nan") if is_curve else claim.estimate,
                    "se": claim.se,
                    "ci_low": claim.ci_low,
                    "ci_high": claim.ci_high,
                    "p_value": claim.p_value,
                    "rejected": claim.rejected,
                    "null_value": claim.null_value,
                    "true_value": scenario_truth.get(
                        claim.claim, true_value(claim.claim, sim.truth)
                    ),
                    "panel_seed": panel_seed,
                }
            )
    return rows


def _scenario_claims(
    chapter: Any,
    chain_data: pd.DataFrame,
    shortfall: pd.DataFrame,
    chain: Any,
    sim: Any,
    roster: pd.DataFrame,
) -> dict[str, Any]:
    """Chapter 6's verdict on one panel (key ``verdict``) and each claim's true value.

    ``roster`` is the cluster cities the chapters run on (the simulation's roster is national).
    """
    from inertia.scenarios import default_measures

    measures = [m for m in default_measures() if m.name in SCENARIO_MEASURES]
    levers = chapter.lever_frame(chain_data, chain)
    result = chapter.run(
        measures, levers, shortfall, chain, roster, seed=int(chain.seed), paths=False
    )
    truths = chapter.true_effects(result, measures, levers, sim.truth, sim.latent)
    pooled = truths[truths["cluster"] == "all"]
    out: dict[str, Any] = {f"scenario_{r.measure}": float(r.truth) for r in pooled.itertuples()}
    out["verdict"] = chapter.chapter_verdict(result, "simulated")
    return out


def _replicate_task(context: _Context, task: tuple[int, str], _seed: Any) -> list[dict[str, Any]]:
    replication, truth = task
    return replicate(
        replication,
        truth,
        seed=context.seed,
        n_boot=context.n_boot,
        switches=context.truths[truth],
    )


def _reason(row: Mapping[str, Any]) -> str:
    """Why a target fails, in plain words (empty when every target holds)."""
    reasons = []
    kind, rate = row["kind"], row["rejection_rate"]
    if kind == "size" and not TARGETS["size"][0] <= rate <= TARGETS["size"][1]:
        if rate > TARGETS["size"][1] and not np.isfinite(row["se_ratio"]):
            # A test without an SE (the specification curve's): the rate and its noise only.
            mcse = float(np.sqrt(0.05 * 0.95 / row["reps"]))
            reasons.append(
                f"over-rejects under the null ({rate:.2f}; Monte Carlo SE of a 0.05 rate "
                f"{mcse:.3f} at {row['reps']} replications)"
            )
        elif rate > TARGETS["size"][1]:
            reasons.append(
                f"over-rejects under the null ({rate:.2f}): the reported SEs are "
                f"{row['se_ratio']:.2f} of the estimates' spread"
            )
        else:
            reasons.append(
                f"conservative under the null ({rate:.2f}): the test of a product of paths "
                "that are all zero rejects less than its level"
                if row["claim"].startswith(("indirect", "total_indirect"))
                else f"conservative under the null ({rate:.2f})"
            )
    if kind == "power" and rate < TARGETS["power"]:
        reasons.append(
            f"power {rate:.2f}: the true value is {row['signal']:.1f} times the estimate's "
            "spread, too small to detect reliably with these cities and years"
            if np.isfinite(row["signal"])
            else f"power {rate:.2f}: the test misses an effect that is there in "
            f"{1 - rate:.0%} of the panels"
        )
    coverage = row["coverage"]
    low, high = TARGETS["coverage"]
    if np.isfinite(coverage) and not low <= coverage <= high:
        cause = (
            f"bias {row['bias']:.3g} is {abs(row['bias']) / row['sd']:.2f} of the spread"
            if row["sd"] > 0 and abs(row["bias"]) > 0.25 * row["sd"]
            else f"the reported SEs are {row['se_ratio']:.2f} of the estimates' spread"
        )
        # The Monte Carlo error of a coverage rate says whether a miss is noise.
        mcse = float(np.sqrt(0.95 * 0.05 / row["reps"]))
        reasons.append(
            f"coverage {coverage:.2f}: {cause} (Monte Carlo SE of the coverage "
            f"{mcse:.3f} at {row['reps']} replications)"
        )
    return "; ".join(reasons)


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """One row per (claim, truth): rejection rate, coverage, bias, RMSE and the targets.

    Parameters
    ----------
    replications : DataFrame
        Rows of :func:`replicate`.

    Returns
    -------
    DataFrame
        ``chapter``, ``claim``, ``truth``, ``kind`` (``size`` when the truth is
        the claim's null value, else ``power``), ``true_value``,
        ``rejection_rate``, ``coverage``, ``bias``, ``rmse``, ``sd`` (of the
        estimates), ``mean_se``, ``se_ratio`` (mean SE over sd), ``signal``
        (distance of the truth from the null over sd), ``reps``, ``target``,
        ``meets`` and ``reason``.
    """
    rows = []
    for (chapter, claim, truth), part in replications.groupby(
        ["chapter", "claim", "truth"], sort=False
    ):
        estimate = part["estimate"].astype(float)
        value = float(part["true_value"].mean())
        null = float(part["null_value"].iloc[0])
        finite = estimate.notna() & part["true_value"].notna()
        kind = "size" if np.isclose(value, null, atol=1e-12) else "power"
        covered = (part["ci_low"] <= part["true_value"]) & (part["true_value"] <= part["ci_high"])
        sd = float(estimate[finite].std(ddof=1)) if finite.sum() > 1 else float("nan")
        error = estimate[finite] - part["true_value"][finite]
        row = {
            "chapter": chapter,
            "claim": claim,
            "truth": truth,
            "kind": kind,
            "true_value": value,
            "rejection_rate": float(part["rejected"].astype(float).mean()),
            "coverage": float(covered[finite].mean()) if finite.any() else float("nan"),
            "bias": float(error.mean()) if finite.any() else float("nan"),
            "rmse": float(np.sqrt((error**2).mean())) if finite.any() else float("nan"),
            "sd": sd,
            "mean_se": float(part["se"].mean()),
            "reps": len(part),
        }
        row["se_ratio"] = row["mean_se"] / sd if sd > 0 else float("nan")
        row["signal"] = abs(value - null) / sd if sd > 0 else float("nan")
        # A test without an interval (the specification curve's) has no coverage target.
        interval = bool((part["ci_low"].notna() & part["ci_high"].notna()).any())
        coverage_target = ", coverage 0.92-0.98" if interval else " (no interval)"
        if kind == "size":
            row["target"] = f"size 0.02-0.08{coverage_target}"
        else:
            row["target"] = f"power >= 0.80{coverage_target}"
        row["reason"] = _reason(row)
        row["meets"] = row["reason"] == ""
        rows.append(row)
    columns = [
        "chapter", "claim", "truth", "kind", "true_value", "rejection_rate", "coverage",
        "bias", "rmse", "sd", "mean_se", "se_ratio", "signal", "reps", "target", "meets",
        "reason",
    ]  # fmt: skip
    return pd.DataFrame(rows)[columns].sort_values(
        ["chapter", "claim", "truth"], ignore_index=True
    )


@dataclass(frozen=True)
class ValidationResult:
    """The harness's replications and their summary.

    Attributes
    ----------
    replications : DataFrame
        One row per (replication, truth, claim) (:func:`replicate`).
    summary : DataFrame
        :func:`summarise`.
    settings : dict
        ``reps``, ``seed``, ``n_boot``, ``truths``.
    """

    replications: pd.DataFrame
    summary: pd.DataFrame
    settings: dict[str, Any]


def _run_suite(
    task: Any, label: str, reps: Any, context: _Context, *, engine: str, jobs: int, scheduler: Any
) -> pd.DataFrame:
    """Every (replication, truth) of one suite through :func:`inertia.engine.map_tasks`."""
    from inertia.engine import map_tasks

    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 2:
        raise ParameterError(f"validate: reps must be an integer >= 2; got {reps!r}.")
    tasks = [(r, name) for r in range(reps) for name in context.truths]
    results = map_tasks(
        task,
        tasks,
        context=context,
        engine=engine,
        jobs=jobs,
        scheduler=scheduler,
        seed=None,
        names=[f"{label}-{r}-{name}" for r, name in tasks],
    )
    return pd.DataFrame([row for rows in results for row in rows])


def validate(
    reps: int = 200,
    *,
    seed: int = 20240601,
    jobs: int = 1,
    engine: str = "local",
    scheduler: Any = None,
    n_boot: int = 199,
    truths: Mapping[str, Mapping[str, Any]] | None = None,
) -> ValidationResult:
    """Run the harness: ``reps`` replications under every truth, then summarise.

    Parameters
    ----------
    reps : int
        Replications per truth.
    seed : int
        Master seed (the panel seed of replication ``r`` derives from it and ``r``).
    jobs : int
        Worker processes (local) or LocalCluster workers (dask).
    engine : {"local", "dask"}
        :func:`inertia.engine.map_tasks`.
    scheduler : optional
        A dask scheduler address, client or cluster (``dask_jobqueue`` ...).
    n_boot : int
        City-bootstrap draws of the chain per replication.
    truths : mapping, optional
        Truth name -> switches (default :data:`TRUTHS`).

    Returns
    -------
    ValidationResult

    Raises
    ------
    ParameterError
        For fewer than 2 replications or a bad engine.
    """
    settings = _suite_settings(None, reps, seed, ("n_boot", n_boot), truths or TRUTHS)
    replications = _run_suite(
        _replicate_task, "replication", reps, _Context(int(seed), int(n_boot), settings["truths"]),
        engine=engine, jobs=jobs, scheduler=scheduler,
    )  # fmt: skip
    return ValidationResult(replications, summarise(replications), settings)


def _suite_settings(
    suite: str | None,
    reps: int,
    seed: int,
    draws: tuple[str, int],
    truths: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """The settings a suite's result records, which also key its cache entry.

    ``suite`` is recorded unless None (the replication suite); ``draws`` is the
    suite's name and number of draws per replication.
    """
    named = {} if suite is None else {"suite": suite}
    draws_name, n_draws = draws
    return {
        **named,
        "reps": reps,
        "seed": int(seed),
        draws_name: int(n_draws),
        "truths": {name: dict(value) for name, value in truths.items()},
    }


def _cached_suite(
    cache_dir: str | Path,
    entry: str,
    suite: Callable[..., ValidationResult],
    recorded: tuple[str | None, str, Mapping[str, Mapping[str, Any]]],
    settings: Mapping[str, Any],
) -> ValidationResult:
    """``suite(**settings)`` through the cache, keyed by the settings its result records.

    ``recorded`` is the suite's name in its settings (or None), the name of its
    draws and its default truths (:func:`_suite_settings`); the settings not
    given take the defaults of ``suite``'s signature, so the key cannot drift
    from what the suite would run.
    """
    label, draws_name, default_truths = recorded
    parameters = inspect.signature(suite).parameters
    given = {name: settings.get(name, parameter.default) for name, parameter in parameters.items()}
    key_settings = _suite_settings(
        label, given["reps"], given["seed"], (draws_name, given[draws_name]),
        given["truths"] or default_truths,
    )  # fmt: skip
    return _cached_result(cache_dir, entry, key_settings, lambda: suite(**settings))


def cache_key(settings: Mapping[str, Any]) -> str:
    """A key of the harness's inputs: its settings and every file of the package.

    Parameters
    ----------
    settings : mapping
        ``reps``, ``seed``, ``n_boot``, ``truths``.

    Returns
    -------
    str
        Hex SHA-256.
    """
    from inertia.paths import reference_dir

    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    package = Path(__file__).resolve().parent
    files = [(p.relative_to(package).as_posix(), p) for p in sorted(package.rglob("*.py"))]
    files += [(f"reference/{p.name}", p) for p in sorted(reference_dir().glob("*.csv"))]
    for name, path in files:
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_validate(cache_dir: str | Path, **settings: Any) -> ValidationResult:
    """:func:`validate`, reusing an earlier result of the same code and settings.

    The harness depends only on the package, the reference tables and its
    settings, not on the data of a run, so two runs of the chapters (the
    simulated and the CCSY run) compute it once. The cache is written
    atomically and keyed by :func:`cache_key`; engine and jobs do not enter
    the key because they do not change the result.

    Parameters
    ----------
    cache_dir : path
        Folder of cached results.
    **settings
        Arguments of :func:`validate`.

    Returns
    -------
    ValidationResult
    """
    return _cached_suite(cache_dir, "validation", validate, (None, "n_boot", TRUTHS), settings)


def _cached_result(
    cache_dir: str | Path, suite: str, key_settings: dict[str, Any], compute: Any
) -> ValidationResult:
    """The cached replications of one suite and settings, computed once.

    An exclusive lock on the entry makes a second process (the other run's
    notebook, started side by side by ``reproduce --jobs 2``) wait for the first
    and read its result instead of computing the same harness again.
    """
    import fcntl

    from inertia.io import atomic_write

    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{suite}-{cache_key(key_settings)[:16]}.parquet"
    with open(path.with_suffix(".lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            replications = pd.read_parquet(path)
            return ValidationResult(replications, summarise(replications), key_settings)
        result = compute()
        atomic_write(path, lambda tmp: result.replications.to_parquet(tmp, index=False))
        return result


def print_table(summary: pd.DataFrame, write: Any = print) -> None:
    """Print the summary as an aligned text table.

    Parameters
    ----------
    summary : DataFrame
        :func:`summarise`.
    write : callable
        Where each line goes.
    """
    shown = summary[
        ["claim", "truth", "kind", "true_value", "rejection_rate", "coverage", "bias", "rmse",
         "meets"]
    ].copy()
    for column in ("true_value", "bias", "rmse"):
        shown[column] = shown[column].map(lambda v: significant(v, 4))
    for column in ("rejection_rate", "coverage"):
        shown[column] = shown[column].map(lambda v: number(v, 3))
    for line in shown.to_string(index=False).splitlines():
        write(line)
    failing = summary[~summary["meets"]]
    for _, row in failing.iterrows():
        write(f"  {row['claim']} ({row['truth']}): {row['reason']}")


def parse_truths(values: Sequence[str] | None) -> dict[str, dict[str, Any]] | None:
    """Truth names given on the command line, checked against :data:`TRUTHS`.

    Parameters
    ----------
    values : sequence of str, optional

    Returns
    -------
    dict or None
    """
    if not values:
        return None
    unknown = [v for v in values if v not in TRUTHS]
    if unknown:
        raise ParameterError(f"Unknown truth(s) {unknown}; the truths are {list(TRUTHS)}.")
    return {name: TRUTHS[name] for name in values}


# --------------------------------------------------------------------------- identification suite

#: Truths of the identification suite: the default (staggered milestones whose effects differ
#: by cluster and grow with event time) and no milestone effect at all.
IDENTIFICATION_TRUTHS: dict[str, dict[str, Any]] = {
    "default": {},
    "no_milestone_effect": {"milestones": "none"},
}
#: Event times of the per-event-time rows (the post mean and the pre mean are always shown).
IDENTIFICATION_EVENT_TIMES = (1, 3, 5)


def _identification_truth(truth: Mapping[str, Any], name: str) -> float:
    """True value of an identification row (``<estimator>: post``, ``: pre`` or ``: e=k``)."""
    att = truth["estimands"]["milestone_att"]
    if name == "milestone_effect" or name.endswith(": post"):
        return float(att["post_mean"])
    if name.endswith(": pre"):
        return 0.0
    event = int(name.rsplit("e=", 1)[1])
    pooled = {int(k): v for k, v in att["pooled"].items()}
    return float(pooled.get(event, float("nan")))


def replicate_identification(
    replication: int,
    truth: str,
    *,
    seed: int = 20240601,
    randomisation_draws: int = 199,
    switches: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One replication of chapter 3's comparison with the rest of China.

    Draws the national simulated panel, measures the public-service index on
    every city and runs :func:`~inertia.chapters.inertia_evidence.identification`
    (every estimator; randomisation over placebo clusters with
    ``randomisation_draws`` draws; no wild bootstrap and no placebo dates,
    which the verdict does not use) and the chapter's verdict. Rows: the
    verdict's ``milestone_effect`` claim and, for every estimator, its mean
    effect over the post-milestone window (``<estimator>: post``), its mean
    lead from :math:`-w` to :math:`-2` (``: pre``, truth 0) and its
    coefficients at :data:`IDENTIFICATION_EVENT_TIMES` (``: e=k``), each
    with its city-clustered interval and two-sided test of zero.

    Parameters
    ----------
    replication : int
    truth : str
        A key of :data:`IDENTIFICATION_TRUTHS` (or any label with ``switches``).
    seed : int
    randomisation_draws : int
    switches : mapping, optional

    Returns
    -------
    list of dict
        The columns of :func:`replicate`.
    """
    from scipy import stats

    from inertia.chapters import inertia_evidence
    from inertia.data.simulate import simulate_panel, simulation_params
    from inertia.measures.public_service import public_service_index
    from inertia.measures.synergy import plan_schedule

    switches = IDENTIFICATION_TRUTHS[truth] if switches is None else dict(switches)
    panel_seed = _panel_seed(seed, replication)
    sim = simulate_panel(panel_seed, params=simulation_params(**switches))
    index = public_service_index(sim.panel, roster=sim.roster)
    schedule = plan_schedule(sorted(sim.roster["cluster"].dropna().unique()))
    found = inertia_evidence.identification(
        index, sim.roster, schedule, randomisation_draws=randomisation_draws, wild_draws=0,
        seed=panel_seed, dates=False,
    )
    delivery = inertia_evidence.delivery_test(index, schedule)
    verdict = inertia_evidence.chapter_verdict(delivery, "simulated", found)
    base = {"replication": int(replication), "truth": truth, "panel_seed": panel_seed}
    rows = []
    for claim in verdict.claims:
        if claim.claim != "milestone_effect":
            continue
        rows.append(
            {**base, "chapter": verdict.chapter, "claim": claim.claim,
             "estimate": claim.estimate, "se": claim.se, "ci_low": claim.ci_low,
             "ci_high": claim.ci_high, "p_value": claim.p_value, "rejected": claim.rejected,
             "null_value": 0.0, "true_value": _identification_truth(sim.truth, claim.claim)}
        )
    for name, fit in found.fits.items():
        critical = stats.t.ppf(0.975, fit.cities - 1)
        items = {
            f"{name}: post": fit.mean_of(range(fit.post[0], fit.post[1] + 1)),
            f"{name}: pre": fit.mean_of(range(-fit.window, -1)),
        }
        for event in IDENTIFICATION_EVENT_TIMES:
            row = fit.coefficient(event)
            items[f"{name}: e={event}"] = (float(row["coef"]), float(row["se"]))
        for label, (estimate, se) in items.items():
            p_value = (
                float(2 * stats.t.sf(abs(estimate / se), fit.cities - 1)) if se > 0 else np.nan
            )
            rows.append(
                {**base, "chapter": "03_identification", "claim": label, "estimate": estimate,
                 "se": se, "ci_low": estimate - critical * se, "ci_high": estimate + critical * se,
                 "p_value": p_value, "rejected": bool(p_value < 0.05), "null_value": 0.0,
                 "true_value": _identification_truth(sim.truth, label)}
            )
    return rows


def _replicate_identification_task(
    context: _Context, task: tuple[int, str], _seed: Any
) -> list[dict[str, Any]]:
    replication, truth = task
    return replicate_identification(
        replication, truth, seed=context.seed, randomisation_draws=context.n_boot,
        switches=context.truths[truth],
    )


def validate_identification(
    reps: int = 100,
    *,
    seed: int = 20240601,
    jobs: int = 1,
    engine: str = "local",
    scheduler: Any = None,
    randomisation_draws: int = 199,
    truths: Mapping[str, Mapping[str, Any]] | None = None,
) -> ValidationResult:
    """The identification suite: ``reps`` national panels under every identification truth.

    Parameters
    ----------
    reps : int
        Replications per truth.
    seed : int
    jobs, engine, scheduler
        As in :func:`validate`.
    randomisation_draws : int
        Placebo-cluster draws of the verdict's randomisation inference.
    truths : mapping, optional
        Default :data:`IDENTIFICATION_TRUTHS`.

    Returns
    -------
    ValidationResult
        ``settings`` has ``reps``, ``seed``, ``randomisation_draws``, ``truths``
        and ``suite = "identification"``.
    """
    settings = _suite_settings(
        "identification", reps, seed, ("randomisation_draws", randomisation_draws),
        truths or IDENTIFICATION_TRUTHS,
    )  # fmt: skip
    replications = _run_suite(
        _replicate_identification_task, "identification", reps,
        _Context(int(seed), int(randomisation_draws), settings["truths"]),
        engine=engine, jobs=jobs, scheduler=scheduler,
    )  # fmt: skip
    return ValidationResult(replications, summarise(replications), settings)


def cached_validate_identification(cache_dir: str | Path, **settings: Any) -> ValidationResult:
    """:func:`validate_identification`, reusing an earlier result of the same code and settings.

    Parameters
    ----------
    cache_dir : path
    **settings
        Arguments of :func:`validate_identification`.

    Returns
    -------
    ValidationResult
    """
    return _cached_suite(
        cache_dir, "identification", validate_identification,
        ("identification", "randomisation_draws", IDENTIFICATION_TRUTHS), settings,
    )  # fmt: skip
