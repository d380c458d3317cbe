# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: id,tags,-all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3.11 (inertia)
#     language: python
#     name: inertia
# ---

# %% [markdown] id="02-00"
# # 02 · Validation: can each chapter's verdict fail?
#
# A verdict is evidence only if it changes when the truth changes. This appendix draws
# `validation_reps` simulated panels under each of four truths (`docs/simulation.md`):
#
# * **default**: the embedded truth, in which the plans deliver a quarter to a third of their
#   commitments and every role effect and chain link is present;
# * **plans_delivered**: the commitments are met (no inertia);
# * **no_role_effects**: the roles do not affect public-service growth;
# * **no_chain**: the roles are not linked (W does not drive D, D does not drive R).
#
# On each panel it runs, on the **measured** data only, exactly the functions chapters 3 to 6
# call (`inertia.validation`; for chapter 6 the fiscal transfer and the evaluation reform, whose
# true effect is zero when the roles have no effect), and records each headline test. For
# every (claim, truth) the
# table reports how often the test rejects at 5% (its size when the truth is the null, its
# power otherwise), how often the reported 95% interval covers the truth, and the bias and RMSE
# of the estimate. The targets are size between 0.02 and 0.08, power at least 0.80 and
# coverage between 0.92 and 0.98; where a target fails the table says why, and the chapters
# quote it where they report the test.
#
# The harness depends only on the code and these parameters, not on a run's data: the CCSY run
# shows the same table, computed once. `python -m inertia validate` runs it from the command
# line.

# %% id="02-01" tags=["parameters"]
# Quoted types are inertia.options' (imported below); the runner replaces the
# values with validated ones from params.yaml.
seed: int = 20240601
validation_reps: int = 200
validation_boot: int = 199
validation_jobs: int = 2
identification_reps: int = 0
identification_draws: int = 199
language: "Language" = "en"
# Set by the runner; leave as None when working interactively.
output_dir: "SetByRunner" = None
processed_dir: "SetByRunner" = None
run_name: "SetByRunner" = None

# %% id="02-02"
from pathlib import Path

from IPython.display import Markdown, display

from inertia import validation as harness
from inertia.options import Language, SetByRunner
from inertia.report import validation_text
from inertia.report.outputs import Publisher
from inertia.viz import style
from inertia.viz.validation_figures import harness_figure

style.use()
# The harness draws simulated panels whatever the run's data source.
pub = Publisher(output_dir, processed_dir, data_source="simulated", language=language)
cache = Path(processed_dir).parent / "validation-cache" if processed_dir else Path(".inertia")
result = harness.cached_validate(
    cache,
    reps=validation_reps,
    seed=seed,
    jobs=validation_jobs,
    n_boot=validation_boot,
)
summary = result.summary
pub.data(summary, "validation")

# %% [markdown] id="02-03"
# ## Size, power and coverage of every headline test

# %% id="02-04"
# The `truth` column names the simulated world; its header must not read "true value".
pub.table(
    summary.rename(columns={"truth": "simulated_truth"}),
    "validation_harness",
    caption=f"Validation harness: {validation_reps} simulated panels per truth (master seed "
    f"{seed}); for each claim and truth the rejection rate of its test at 5%, the coverage of "
    "the truth by the 95% interval, bias and RMSE of the estimate, and whether the targets hold "
    "(size 0.02-0.08, power ≥ 0.80, coverage 0.92-0.98), with the reason where one fails.",
)
pub.figure(
    harness_figure(summary, language=language),
    "validation_harness",
    caption=f"Rejection rate at 5% (left; shaded: the size target 0.02-0.08 and the power "
    f"target ≥ 0.80) and coverage of the 95% interval (right; shaded: 0.92-0.98) of every "
    f"headline test, {validation_reps} simulated panels per truth.",
)
display(Markdown(validation_text.harness_sentence(summary)))

# %% [markdown] id="02-05"
# ## Chapter 3 against the rest of China: the estimators under staggered, heterogeneous effects
#
# A second suite draws national panels (every prefecture city; those outside the clusters
# never treated) under two truths: the **default**, in which each cluster's milestone effect
# differs and grows with event time, and **no_milestone_effect**. On each it runs chapter 3's
# estimators (`inertia.chapters.inertia_evidence.identification`) on the measured log index
# and compares them with the true event-time effects written beside the data: for every
# estimator its mean effect over the post-milestone window (`: post`), its mean lead (`: pre`,
# truth zero) and its coefficients at event times 1, 3 and 5; and the verdict's claim
# `milestone_effect`, tested by randomisation over placebo clusters. Intervals are clustered by
# city; the rejection rate is that of a two-sided test of zero (of the one-sided randomisation
# test for `milestone_effect`).

# %% id="02-06"
ident_reps = identification_reps or max(2, validation_reps // 2)
identification = harness.cached_validate_identification(
    cache,
    reps=ident_reps,
    seed=seed,
    jobs=validation_jobs,
    randomisation_draws=identification_draws,
)
ident_summary = identification.summary
pub.data(ident_summary, "validation_identification")
pub.table(
    ident_summary.rename(columns={"truth": "simulated_truth"}),
    "validation_identification",
    caption=f"Identification suite: {ident_reps} simulated national panels per truth (master "
    f"seed {seed}); for every estimator of chapter 3 and event time, the rejection rate of the "
    "two-sided test of zero at 5%, the coverage of the true effect by the 95% interval (SEs "
    "clustered by city), bias and RMSE; milestone_effect: the verdict's claim, tested by "
    f"randomisation over {identification_draws} placebo-cluster draws.",
)
pub.figure(
    harness_figure(ident_summary, language=language),
    "validation_identification",
    caption=f"Rejection rate at 5% and coverage of the 95% interval of chapter 3's estimators, "
    f"{ident_reps} simulated national panels per truth.",
)
display(Markdown(validation_text.identification_sentence(ident_summary)))
