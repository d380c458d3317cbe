r"""The public-service level PS_it of a city-year (chapter 3, docs/design.md section 2).

PS_it is a composite of ten per-person indicators in six domains, built
from the canonical panel (units from ``data/reference/variables.csv``):

=============== =========================== ========================= =======================
domain          indicator                   formula (panel units)     unit
=============== =========================== ========================= =======================
education       ``teachers_per_10k``        secondary_teachers / pop  teachers per 10k people
health          ``beds_per_10k``            hospital_beds / pop       beds per 10k people
health          ``doctors_per_10k``         doctors / pop             doctors per 10k people
social_security ``pension_insured_pc``      pension_insured / pop/1e4 participants per person
social_security ``medical_insured_pc``      medical_insured / pop/1e4 participants per person
social_security ``unemployment_insured_pc`` unemployment_insured /... participants per person
culture         ``books_per_100``           10 * library_books / pop  volumes per 100 people
transport       ``buses_per_10k``           buses / pop               buses per 10k people
transport       ``road_area_pc``            road_area / pop           m2 per person
environment     ``green_area_pc``           green_area / pop          m2 per person
=============== =========================== ========================= =======================

Education spending per person is deliberately *not* an indicator: it is the
budget line of role deviation's main component (the livelihood share of the
budget, :mod:`inertia.roles`), and the outcome and the role indices must not
share a budget line, or their correlation would be partly definitional. The
index measures service outputs; the role indices measure budget inputs.

``pop`` is the registered (hukou) population in 10k persons. Where a city
lacks it in a year, it is interpolated linearly between the city's observed
years, or carried from the nearest observed year at the ends of its series:
population moves slowly, while switching to the resident population would
break the series (resident and registered populations differ by a factor of
up to four in migrant-receiving cities). Only a city that never reports its
registered population uses its resident population. The column
``pop_source`` of :func:`indicator_table` says which was used (``registered``,
``registered_interpolated``, ``registered_carried``, ``resident``). (Unit checks:
千册 x 1000 / (万人 x 1e4) x 100 = 10 x books / pop;
万平方米 / 万人 = m2 per person; 公顷 x 1e4 m2 / (万人 x 1e4) = m2 per person.)
All indicators are benefit indicators (direction +1).

Weighting (``method``, :data:`INDEX_METHODS`)
---------------------------------------------
* ``geometric`` (default): the weighted geometric mean of each indicator's
  ratio to its pooled median, :math:`P_{it} = \exp\sum_j w_j \ln(x_{itj}/m_j)`,
  with equal weights per domain (1/6), split equally within a domain. It is
  the aggregation of the UNDP Human Development Index since 2010 (UNDP 2010,
  *Human Development Report*, technical note 1). Its logarithm is linear in the
  log indicators, so gaps and growth are in log points and do not depend on
  the other cities in the sample; its weights are fixed in advance, so they
  reward no dispersion. :math:`P = 1` is the pooled median city-year.
* ``entropy``: pooled entropy weights on min-max scaled indicators (the
  "panel entropy" method). Entropy weights reward dispersion, not validity:
  a noisy indicator gets a large weight. Kept for comparison.
* ``topsis``: entropy-weighted TOPSIS closeness on min-max normalised indicators.
* ``equal``: equal weights per indicator on min-max scaled indicators.

Missing indicators (the imputation rule)
----------------------------------------
Weighting needs a complete matrix, so missing indicator cells are filled by
a fixed, reported sequence, per indicator:

1. ``interpolated``: linear interpolation over years within the city, only
   between two observed years of that city;
2. ``carried``: at the start or end of a city's series, the nearest observed
   value of the same city (constant extrapolation, no trend extrapolated);
3. ``cluster_median``: when the city never reports the indicator, the median
   of the other cities of its cluster in that year;
4. ``year_median``: if the whole cluster lacks it that year, the median of
   all cities that year.

Cells still missing after step 4 (an indicator missing for every city in a
year) make the row drop out, and are counted as ``dropped``. The result
reports the count of cells per indicator and rule (``imputed``) and a
cell-level mask (``imputed_mask``); nothing is filled silently. Pass
``impute=False`` to drop every incomplete city-year instead. For the
``geometric`` method a value of zero or less cannot enter a logarithm; such
cells are treated as missing and counted in ``nonpositive``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from inertia.data import reference
from inertia.errors import DataError, ParameterError
from inertia.measures.weighting import entropy_weights, minmax_scale, topsis
from inertia.options import IndexMethod

__all__ = [
    "DOMAINS",
    "INDEX_METHODS",
    "INDICATORS",
    "PublicServiceIndex",
    "cluster_of",
    "indicator_table",
    "population",
    "public_service_index",
]

KEY = ["code", "year"]

#: The six public-service domains, in reporting order.
DOMAINS: tuple[str, ...] = (
    "education",
    "health",
    "social_security",
    "culture",
    "transport",
    "environment",
)

#: indicator -> (domain, numerator variable, multiplier on numerator / pop, unit).
#: pop is in 10k persons, so ``multiplier * numerator / pop`` gives the unit.
INDICATORS: dict[str, tuple[str, str, float, str]] = {
    "teachers_per_10k": ("education", "secondary_teachers", 1.0, "teachers per 10k people"),
    "beds_per_10k": ("health", "hospital_beds", 1.0, "beds per 10k people"),
    "doctors_per_10k": ("health", "doctors", 1.0, "doctors per 10k people"),
    "pension_insured_pc": ("social_security", "pension_insured", 1e-4, "participants per person"),
    "medical_insured_pc": ("social_security", "medical_insured", 1e-4, "participants per person"),
    "unemployment_insured_pc": (
        "social_security",
        "unemployment_insured",
        1e-4,
        "participants per person",
    ),
    "books_per_100": ("culture", "library_books", 10.0, "volumes per 100 people"),
    "buses_per_10k": ("transport", "buses", 1.0, "buses per 10k people"),
    "road_area_pc": ("transport", "road_area", 1.0, "m2 of road per person"),
    "green_area_pc": ("environment", "green_area", 1.0, "m2 of green space per person"),
}

#: Index weighting methods (parameter ``index_method``); the first is the default.
INDEX_METHODS: tuple[str, ...] = ("geometric", "entropy", "topsis", "equal")

IMPUTATION_RULES: tuple[str, ...] = (
    "interpolated",
    "carried",
    "cluster_median",
    "year_median",
    "dropped",
)


def indicator_domains() -> pd.DataFrame:
    """Indicator metadata: domain, source variable and unit, indexed by indicator.

    Returns
    -------
    DataFrame
        Indexed by ``indicator``: ``domain``, ``variable`` and ``unit``.
    """
    return pd.DataFrame(
        [
            {"indicator": name, "domain": dom, "variable": var, "unit": unit}
            for name, (dom, var, _, unit) in INDICATORS.items()
        ]
    ).set_index("indicator")


def cluster_of(roster: pd.DataFrame | pd.Series | None = None) -> pd.Series:
    """Map city code -> cluster from a roster.

    Parameters
    ----------
    roster : DataFrame, Series or None
        ``None`` uses :func:`inertia.data.reference.cities`. A DataFrame needs a
        ``cluster`` column and the code either as index or as a ``code`` column;
        a Series maps code to cluster directly.

    Returns
    -------
    Series
        Cluster names indexed by integer ``code``, named ``cluster``.
    """
    if roster is None:
        roster = reference.cities()
    if isinstance(roster, pd.DataFrame):
        if "cluster" not in roster.columns:
            raise ParameterError(
                f"The roster needs a 'cluster' column; it has {list(roster.columns)}."
            )
        table = roster.set_index("code") if "code" in roster.columns else roster
        mapping = table["cluster"]
    elif isinstance(roster, pd.Series):
        mapping = roster
    else:
        raise ParameterError(
            f"The roster must be a DataFrame or Series, got {type(roster).__name__}."
        )
    mapping = mapping.copy()
    mapping.index = pd.Index(mapping.index.astype("int64"), name="code")
    mapping.name = "cluster"
    return mapping


def _clusters_for(
    codes: pd.Index | pd.Series, roster: pd.DataFrame | pd.Series | None
) -> pd.Series:
    """Cluster of each code (aligned on ``codes``), raising on codes not on the roster."""
    mapping = cluster_of(roster)
    codes = pd.Index(codes)
    unknown = sorted(set(codes) - set(mapping.index))
    if unknown:
        raise DataError(
            f"City codes {unknown[:10]} (of {len(unknown)}) in the panel are not on the "
            "roster, so their cluster is unknown; add them to the roster or drop them."
        )
    return pd.Series(mapping.reindex(codes).to_numpy(), index=codes, name="cluster")


def population(panel: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The population denominator of every per-person measure (module docstring).

    Registered population; where a city lacks it in a year, interpolated
    linearly between the city's observed years or carried from the nearest
    one; the resident population only for a city that never reports the
    registered one. Nonpositive values are treated as missing.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel with ``code``, ``year``, ``pop_registered``, ``pop_resident``.

    Returns
    -------
    (Series, Series)
        The population (10k persons) and its source (``registered``,
        ``registered_interpolated``, ``registered_carried``, ``resident``,
        missing), aligned on ``panel``'s index.
    """
    ordered = panel.sort_values(KEY)
    registered = ordered["pop_registered"].astype("float64").where(lambda v: v > 0)
    resident = ordered["pop_resident"].astype("float64").where(lambda v: v > 0)
    codes, years = ordered["code"].to_numpy(), ordered["year"].astype("float64")
    year_seen = years.where(registered.notna())
    before, after = registered.groupby(codes).ffill(), registered.groupby(codes).bfill()
    before_year, after_year = year_seen.groupby(codes).ffill(), year_seen.groupby(codes).bfill()
    share = (years - before_year) / (after_year - before_year)
    interpolated = registered.fillna(before + (after - before) * share)
    carried = interpolated.fillna(before).fillna(after)
    pop = carried.fillna(resident)
    source = pd.Series(
        np.select(
            [registered.notna(), interpolated.notna(), carried.notna(), resident.notna()],
            ["registered", "registered_interpolated", "registered_carried", "resident"],
            default="",
        ),
        index=ordered.index,
    ).replace("", pd.NA)
    return pop.reindex(panel.index), source.astype("string").reindex(panel.index)


def indicator_table(panel: pd.DataFrame) -> pd.DataFrame:
    """Per-person public-service indicators of each city-year (no imputation).

    Parameters
    ----------
    panel : DataFrame
        Canonical panel (see :mod:`inertia.data.schema`): ``code``, ``year`` and
        the raw variables in the units of ``variables.csv``.

    Returns
    -------
    DataFrame
        Columns ``code``, ``year``, ``pop`` (10k persons), ``pop_source``
        (module docstring; missing where no population is known) and the ten indicators
        of :data:`INDICATORS` in the units documented there. The domain of each
        indicator is in ``.attrs["domain"]`` (and :func:`indicator_domains`).
        Cells are NaN where the numerator or both populations are missing.
    """
    needed = ["code", "year", "pop_registered", "pop_resident"] + [
        var for _, var, _, _ in INDICATORS.values()
    ]
    missing = [col for col in needed if col not in panel.columns]
    if missing:
        raise DataError(
            f"The panel lacks the columns {missing} needed for the public-service indicators."
        )
    ordered = panel.sort_values(KEY)
    pop, source = population(ordered)
    table = pd.DataFrame(
        {
            "code": ordered["code"].astype("int64"),
            "year": ordered["year"].astype("int64"),
            "pop": pop,
            "pop_source": source,
        }
    )
    panel = ordered
    for name, (_, var, multiplier, _) in INDICATORS.items():
        table[name] = multiplier * panel[var].astype("float64") / pop
    table = table.sort_values(KEY).reset_index(drop=True)
    table.attrs["domain"] = {name: spec[0] for name, spec in INDICATORS.items()}
    return table


def _impute(values: pd.DataFrame, cluster: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill missing indicator cells by the documented rule.

    ``values`` is indexed by (code, year) and sorted; ``cluster`` is aligned
    on it. Returns the filled frame and a same-shape frame of rule labels
    (empty string where the cell was observed).
    """
    rule = pd.DataFrame("", index=values.index, columns=values.columns)
    years = values.index.get_level_values("year").to_numpy()
    codes = values.index.get_level_values("code").to_numpy()
    # Previous and next observed value (and its year) within the city, vectorised
    # through grouped forward/backward fills instead of a loop over cities.
    observed_year = pd.DataFrame(
        np.repeat(years[:, None].astype("float64"), values.shape[1], axis=1),
        index=values.index,
        columns=values.columns,
    ).where(values.notna())
    by_city = values.groupby(codes, sort=False)
    year_by_city = observed_year.groupby(codes, sort=False)
    before, after = by_city.ffill(), by_city.bfill()
    before_year, after_year = year_by_city.ffill(), year_by_city.bfill()
    # Linear in the year, so uneven gaps between observed years are weighted correctly.
    share = (years[:, None] - before_year) / (after_year - before_year)
    inside = values.fillna(before + (after - before) * share)
    rule = rule.mask(values.isna() & inside.notna(), "interpolated")
    carried = inside.fillna(before).fillna(after)
    rule = rule.mask(inside.isna() & carried.notna(), "carried")
    keys = [cluster.to_numpy(), years]
    cluster_median = values.groupby(keys).transform("median")
    cluster_median.index = values.index
    filled = carried.fillna(cluster_median)
    rule = rule.mask(carried.isna() & filled.notna(), "cluster_median")
    year_median = values.groupby(years).transform("median")
    year_median.index = values.index
    final = filled.fillna(year_median)
    rule = rule.mask(filled.isna() & final.notna(), "year_median")
    rule = rule.mask(final.isna(), "dropped")
    return final, rule


def geometric_weights(names: list[str] | None = None) -> pd.Series:
    """Equal weight per domain, split equally among the domain's indicators.

    Parameters
    ----------
    names : list of str, optional
        Indicators (default: all of :data:`INDICATORS`).

    Returns
    -------
    Series
        Weights summing to 1, indexed by indicator.
    """
    names = list(INDICATORS) if names is None else list(names)
    domain = indicator_domains()["domain"].reindex(names)
    per_domain = domain.value_counts()
    weights = 1.0 / domain.nunique() / domain.map(per_domain).astype(float)
    return pd.Series(weights.to_numpy(), index=names, name="weight")


@dataclass(frozen=True)
class PublicServiceIndex:
    """The public-service index and everything needed to audit it.

    Attributes
    ----------
    scores : Series
        PS_it indexed by (``code``, ``year``), named ``ps``. For ``geometric``
        it is the weighted geometric mean of the indicators' ratios to their
        pooled medians (positive; 1 = the median city-year); for ``entropy``
        and ``equal`` it is the weighted sum of min-max scaled indicators in
        ``[shift, 1 + shift]``; for ``topsis`` the closeness in [0, 1].
    weights : DataFrame
        One row per indicator: ``indicator``, ``domain``, ``unit``, ``weight``
        (summing to 1) and ``domain_weight`` (the domain's total weight).
    domain_scores : DataFrame
        The six domain subsystem scores U_k (columns :data:`DOMAINS`), indexed
        like ``scores``, in ``[shift / (1 + shift), 1]``: for the min-max
        methods the weight-averaged scaled indicators of the domain divided by
        ``1 + shift``; for ``geometric`` the domain's weighted log mean ratio,
        min-max scaled over all city-years in the same way. Used by coupling
        coordination and the Meng-Han synergy degree.
    method : str
        One of :data:`INDEX_METHODS`.
    shift : float
        The min-max shift used.
    indicators : DataFrame
        The indicator matrix after imputation, indexed by (``code``, ``year``).
    imputed : DataFrame
        Count of cells per indicator (rows) and imputation rule (columns, see
        :data:`IMPUTATION_RULES`), with a ``total`` row.
    imputed_mask : DataFrame
        Rule applied to each cell (empty string where observed), same index and
        columns as the raw indicator matrix.
    population_source : Series
        ``registered`` / ``resident`` / missing for each city-year.
    cluster : Series
        Cluster of each city-year, aligned on ``scores``.
    nonpositive : int
        Indicator cells of zero or less treated as missing (``geometric`` only).
    """

    scores: pd.Series
    weights: pd.DataFrame
    domain_scores: pd.DataFrame
    method: str
    shift: float
    indicators: pd.DataFrame
    imputed: pd.DataFrame
    imputed_mask: pd.DataFrame
    population_source: pd.Series
    cluster: pd.Series
    nonpositive: int = 0

    @property
    def n_imputed(self) -> int:
        """Number of indicator cells filled by imputation (dropped cells excluded)."""
        return int(self.imputed.loc["total"].drop("dropped").sum())

    @property
    def log_scale(self) -> bool:
        """True when gaps are measured in log points (``geometric``), else in index units."""
        return self.method == "geometric"

    @property
    def levels(self) -> pd.Series:
        """The scale on which gaps and growth are measured: ln PS (geometric) or PS.

        Returns
        -------
        Series
            Indexed like ``scores``, named ``level``.
        """
        values = np.log(self.scores) if self.log_scale else self.scores
        return values.rename("level")

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: code, year, cluster, ps and the six domain scores.

        Returns
        -------
        DataFrame
            One row per city-year: ``code``, ``year``, ``cluster``, ``ps`` and the
            domain scores.
        """
        frame = pd.concat([self.cluster, self.scores, self.domain_scores], axis=1)
        return frame.reset_index()


def _scaled_domain_scores(
    values: pd.DataFrame, weights: pd.Series, domain: pd.Series, shift: float
) -> pd.DataFrame:
    """Weighted domain means of ``values``, mapped into ``[shift / (1 + shift), 1]``."""
    weighted = values.mul(weights, axis=1)
    domain_weight = weights.groupby(domain).sum()
    domain_sums = weighted.T.groupby(domain).sum().T
    return domain_sums.div(domain_weight, axis=1)[list(DOMAINS)]


def public_service_index(
    panel: pd.DataFrame,
    method: IndexMethod = "geometric",
    shift: float = 1e-4,
    *,
    roster: pd.DataFrame | pd.Series | None = None,
    impute: bool = True,
) -> PublicServiceIndex:
    r"""Composite public-service level PS_it of each city-year.

    * ``geometric`` (default): :math:`PS_{it} = \exp\sum_j w_j \ln(x_{itj}/m_j)`
      with :math:`m_j` the median of indicator :math:`j` over **all** city-years
      (so scores compare across years) and :func:`geometric_weights` (1/6 per
      domain); UNDP (2010), *Human Development Report*, technical note 1.

    The other methods min-max scale the indicators over all city-years
    together (the pooled "panel entropy" design):
    :math:`x'_{itj} = (x_{itj} - \min x_{\cdot j}) / (\max x_{\cdot j} - \min x_{\cdot j}) + s`.

    * ``entropy``: :math:`PS_{it} = \sum_j w_j x'_{itj}` with pooled
      entropy weights :math:`w_j` (Shannon 1948; the panel entropy method of
      e.g. Yang & Sun 2015). The shift :math:`s` keeps :math:`\ln p` finite.
    * ``topsis``: entropy-weighted TOPSIS closeness (Hwang & Yoon 1981) on the
      min-max normalised indicators.
    * ``equal``: :math:`w_j = 1/10` per indicator.

    The domain score of domain :math:`k` is
    :math:`U_{itk} = \sum_{j\in k} w_j x'_{itj} / ((1 + s)\sum_{j\in k} w_j)` with the
    method's weights (entropy weights for ``topsis``), in :math:`(0, 1]`; for
    ``geometric`` the same formula applied to the min-max scaled weighted log
    ratios of the domain.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel.
    method : {"geometric", "entropy", "topsis", "equal"}
    shift : float, default 1e-4
        Min-max shift :math:`s` (see :func:`inertia.measures.weighting.minmax_scale`).
    roster : DataFrame or Series, optional
        Code -> cluster, for the cluster-year median step of imputation and the
        ``cluster`` attribute; defaults to the 63-city reference roster.
    impute : bool, default True
        Apply the imputation rule of the module docstring; ``False`` drops every
        city-year with a missing indicator (counted as ``dropped``).

    Returns
    -------
    PublicServiceIndex
    """
    if method not in INDEX_METHODS:
        raise ParameterError(
            f"index_method must be one of {list(INDEX_METHODS)}; got {method!r}."
        )
    table = indicator_table(panel)
    names = list(INDICATORS)
    raw = table.set_index(KEY)[names]
    nonpositive = 0
    if method == "geometric":
        bad = raw <= 0
        nonpositive = int(bad.to_numpy().sum())
        raw = raw.mask(bad)
    cluster = _clusters_for(raw.index.get_level_values("code"), roster)
    cluster.index = raw.index
    if impute:
        filled, rule = _impute(raw, cluster)
    else:
        filled = raw
        rule = pd.DataFrame("", index=raw.index, columns=names).mask(raw.isna(), "dropped")
    counts = pd.DataFrame(
        {name: (rule == name).sum() for name in IMPUTATION_RULES}, index=names
    ).astype("int64")
    counts.loc["total"] = counts.sum()
    complete = filled.dropna()
    # A row with any indicator still missing drops out whole: count its cells as dropped.
    incomplete_rows = filled.index.difference(complete.index)
    if len(incomplete_rows):
        row_mask = rule.index.isin(incomplete_rows)
        rule.loc[row_mask] = rule.loc[row_mask].mask(rule.loc[row_mask] == "", "dropped")
        counts = pd.DataFrame(
            {name: (rule == name).sum() for name in IMPUTATION_RULES}, index=names
        ).astype("int64")
        counts.loc["total"] = counts.sum()
    if len(complete) < 2:
        raise DataError(
            f"Only {len(complete)} city-year(s) have all public-service indicators; "
            "the index needs at least two."
        )
    directions = pd.Series(1, index=names)
    meta = indicator_domains()
    domain = meta["domain"]
    if method == "geometric":
        weights = geometric_weights(names)
        log_ratio = np.log(complete / complete.median())
        scores = np.exp(log_ratio.mul(weights, axis=1).sum(axis=1))
        domain_logs = _scaled_domain_scores(log_ratio, weights, domain, shift)
        domain_scores = minmax_scale(domain_logs, pd.Series(1, index=list(DOMAINS)), shift=shift)
    else:
        scaled = minmax_scale(complete, directions, shift=shift)
        if method == "equal":
            weights = pd.Series(1.0 / len(names), index=names, name="weight")
        else:
            weights = entropy_weights(complete, directions, shift=shift, pooled=True)
        if method == "topsis":
            scores = topsis(complete, weights, directions, normalization="minmax")
        else:
            scores = scaled.mul(weights, axis=1).sum(axis=1)
        domain_scores = _scaled_domain_scores(scaled, weights, domain, shift)
    scores = scores.rename("ps")
    # Weighted means of values in [s, 1 + s], divided by 1 + s, lie in (0, 1]: the range
    # coupling coordination and order degrees require. Clip only float rounding (1 + 2e-16).
    domain_scores = (domain_scores[list(DOMAINS)] / (1.0 + shift)).clip(upper=1.0)
    domain_weight = weights.groupby(domain).sum()
    weight_table = pd.DataFrame(
        {
            "indicator": names,
            "domain": domain.reindex(names).to_numpy(),
            "unit": meta["unit"].reindex(names).to_numpy(),
            "weight": weights.reindex(names).to_numpy(),
        }
    )
    weight_table["domain_weight"] = weight_table["domain"].map(domain_weight)
    source = table.set_index(KEY)["pop_source"].rename("pop_source")
    return PublicServiceIndex(
        scores=scores,
        weights=weight_table,
        domain_scores=domain_scores,
        method=method,
        shift=float(shift),
        indicators=complete,
        imputed=counts,
        imputed_mask=rule,
        population_source=source,
        cluster=cluster.reindex(complete.index),
        nonpositive=nonpositive,
    )
