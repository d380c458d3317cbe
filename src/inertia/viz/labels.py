"""Labels in English or Chinese, chosen by the ``language`` parameter.

Every figure and table header goes through :func:`text`, :func:`city_name`,
:func:`cluster_name` or :func:`variable_name`, and every DataFrame column
header through :func:`column_header`, so a ``language: zh`` run switches them
all. City and cluster names come from the roster and
``variables.csv``, so no string is translated twice.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from inertia.synergy_measures import measure_spec

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

LANGUAGES = ("en", "zh")


def _reference() -> ModuleType:
    """:mod:`inertia.data.reference`, imported on first use.

    It imports pandas, and the runner, which publishes through
    :mod:`inertia.report.outputs`, must stay light.
    """
    from inertia.data import reference

    return reference


#: Every phrase of the figures and tables, once: key -> (English, Chinese).
#: Phrases with ``{placeholders}`` are formatted by :func:`text`.
PHRASES: dict[str, tuple[str, str]] = {
    # The manuscript (inertia.report.manuscript): numbered things and page furniture.
    "manuscript_fig": ("Figure {number}", "图 {number}"),
    "manuscript_tbl": ("Table {number}", "表 {number}"),
    "manuscript_eq": ("equation ({number})", "式 ({number})"),
    "manuscript_sec": ("Section {number}", "第 {number} 节"),
    "manuscript_app": ("Appendix {number}", "附录 {number}"),
    "manuscript_contents": ("Contents", "目录"),
    "manuscript_simulated": (
        "Simulated data. Every number in this edition comes from the synthetic replication "
        "panel, whose true parameters are known; none is a statistic of a real city.",
        "模拟数据。本版本中的所有数字均来自真实参数已知的合成复现面板，不是任何真实城市的统计数据。",
    ),
    "manuscript_real": (
        "Real data: China City Statistical Yearbook editions supplied by the user.",
        "真实数据：使用者提供的《中国城市统计年鉴》各版。",
    ),
    "manuscript_source_note": (
        "Source: {name} ({kind} of notebook {notebook}).",
        "来源：{name}（笔记本 {notebook} 的{kind}）。",
    ),
    "manuscript_pooled": ("Pooled", "合并"),
    "manuscript_figure": ("figure", "图"),
    "manuscript_table": ("table", "表"),
    # Shared by the chapters.
    "year": ("Year", "年份"),
    "cluster": ("Cluster", "城市群"),
    "city": ("City", "城市"),
    "variable": ("Variable", "变量"),
    "estimate": ("Estimate", "估计值"),
    "estimate_ci": ("Estimate (95% CI)", "估计值（95% 置信区间）"),
    "ci95": ("95% confidence interval", "95% 置信区间"),
    "not_significant": ("not significant", "不显著"),
    "median": ("median", "中位数"),
    "milestone": ("Milestone", "政策节点"),
    "simulated_data": ("Simulated data", "模拟数据"),
    # Regression tables.
    "observations": ("Observations", "观测值"),
    "cities": ("Cities", "城市数"),
    "within_r2": ("Within R²", "组内 R²"),
    "city_fe": ("City FE", "城市固定效应"),
    "year_fe": ("Year FE", "年份固定效应"),
    "yes": ("Yes", "是"),
    "no": ("No", "否"),
    "constant": ("Constant", "常数项"),
    "se_note": ("Standard errors in parentheses, {kind}.", "括号内为标准误（{kind}）。"),
    "se_note_mixed": ("Standard errors in parentheses: {parts}.", "括号内为标准误：{parts}。"),
    "se_note_part": ("{kind} in {models}", "{models}：{kind}"),
    "gdp_per_person": ("GDP per person, yuan", "人均 GDP（元）"),
    "share_present": ("Share of cities with a value", "有数据城市占比"),
    # Chapter 3: measures and the evidence of inertia.
    "public_service_level": ("Public-service level", "公共服务水平"),
    "required_closure": ("Gap closure the plan required", "规划要求的差距缩小"),
    "harness_size": ("Truth = null (size)", "真值为原假设（检验水平）"),
    "harness_power": ("Truth ≠ null (power)", "真值非原假设（检验功效）"),
    "harness_rejection": ("Rejection rate at 5%", "5% 水平下的拒绝率"),
    "harness_coverage": ("Coverage of the truth by the 95% interval", "95% 区间覆盖真值的比例"),
    "actual_closure": ("Log growth since the base year", "基期以来的对数增长"),
    "delivered_line": ("Commitment delivered (slope 1)", "承诺兑现（斜率为 1）"),
    "fitted_share": ("Delivered share {share}", "兑现比例 {share}"),
    "actual_synergy": ("Actual synergy S", "实际协同度 S"),
    "expected_synergy": ("Expected synergy E", "预期协同度 E"),
    "synergy_gap": ("Synergy gap E − S", "协同差距 E − S"),
    "gap_below": ("gap: S below E", "差距：S 低于 E"),
    "above": ("S above E", "S 高于 E"),
    "expected_rule": ("expected E", "预期 E"),
    "event_time": ("Years since the milestone", "距政策节点年数"),
    "years_relative": ("years relative to the milestone", "距政策节点（年）"),
    "effect_log_index": ("effect on the log index", "对公共服务指数对数的效应"),
    "est_twfe": ("TWFE (binned)", "双向固定效应（分组端点）"),
    "est_twfe_clusters_only": ("TWFE, cluster cities only", "双向固定效应（仅城市群城市）"),
    "est_sun_abraham": ("Sun-Abraham", "Sun-Abraham 交互加权"),
    "est_callaway_santanna": ("Callaway-Sant'Anna", "Callaway-Sant'Anna 组别-时期估计"),
    "est_imputation": ("Imputation (BJS)", "插补估计（BJS）"),
    "bacon_weight": ("weight in the TWFE estimate", "在双向固定效应估计中的权重"),
    "bacon_estimate": ("2x2 DiD estimate", "2×2 双重差分估计"),
    "bacon_never": ("treated vs never treated", "处理组 对 从未处理组"),
    "bacon_early": ("earlier vs later treated", "先处理 对 后处理"),
    "bacon_late": ("later vs earlier treated", "后处理 对 先处理（已处理为对照）"),
    "synergy_actual": ("actual synergy", "实际协同度"),
    "synergy_synthetic": ("synthetic cluster", "合成城市群"),
    "synergy_gap_sc": ("actual - synthetic", "实际 - 合成"),
    "placebo_donors": ("placebos (pseudo-clusters)", "安慰剂（伪城市群）"),
    "placebo_statistic": ("studentised placebo estimate", "安慰剂估计的 t 统计量"),
    "real_statistic": ("the clusters' estimate", "城市群的估计"),
    "placebo_clusters": ("placebo clusters", "安慰剂城市群"),
    "placebo_dates": ("placebo dates", "安慰剂时间"),
    "count": ("count", "次数"),
    "year_bins": ("-year bins", " 年分组"),
    "event_lead": ("lead", "政策前"),
    "event_lag": ("lag", "政策后"),
    "event_reference": ("reference (0)", "基准期 (0)"),
    "required_by_plan": ("required by the plan", "规划要求"),
    "not_estimated": ("not estimated\n(see notes)", "无法估计\n（见说明）"),
    "pretrend": ("pre-trend test", "事前趋势检验"),
    "gap_outcome": ("City gap to the cluster frontier", "城市与群内最优城市的差距"),
    "city_gap_change": ("change in city gap to the frontier", "与最优城市差距的变化"),
    "shortfall": ("Shortfall from the planned path", "相对规划路径的缺口"),
    "within": ("Within clusters", "群内差异"),
    "between_net": ("Between clusters (net)", "群间净差异"),
    "between_clusters": ("between clusters", "群间差异"),
    "transvariation": ("Transvariation", "超变密度"),
    "gini": ("Dagum Gini", "Dagum 基尼系数"),
    "theil": ("Theil index", "泰尔指数"),
    "total_gini": ("total Gini", "总基尼系数"),
    "total_theil": ("total Theil", "总泰尔指数"),
    "gini_contribution": ("contribution to the Gini ratio", "对基尼系数的贡献"),
    "theil_contribution": ("contribution to Theil T", "对泰尔指数的贡献"),
    "gini_title": ("Dagum Gini decomposition", "Dagum 基尼系数分解"),
    "theil_title": ("Theil decomposition", "泰尔指数分解"),
    "coupling_degree": ("Coupling coordination degree D", "耦合协调度 D"),
    "coupling_title": (
        "Coupling coordination of the six public-service domains",
        "六个公共服务领域的耦合协调度",
    ),
    "coupling_bar": ("coupling coordination degree D and grade", "耦合协调度 D 及等级"),
    "cities_sorted": ("{n} cities, by cluster and mean D", "{n} 个城市（按城市群和 D 均值排序）"),
    "dispersion": ("Dispersion", "离散程度"),
    "cv": ("Coefficient of variation", "变异系数"),
    "sd_log": ("SD of log level", "对数标准差"),
    "sigma_title": ("Sigma convergence (dotted lines: milestones)", "σ 收敛（虚线：政策节点）"),
    # Chapter 4: role deviation.
    "weakness": ("Role weakness", "角色弱化"),
    "deviation": ("Role deviation", "角色偏离"),
    "reinforcement": ("Role negative reinforcement", "角色负强化"),
    "role_index": ("{name} index", "{name}指数"),
    "frontier_gap": ("gap to the cluster's best performer", "与城市群最优城市的差距"),
    "morans_i": ("Moran's I", "莫兰指数"),
    "significant_at": ("significant (p < {alpha:g})", "显著（p < {alpha:g}）"),
    "expected_i": ("E[I] under no association", "无空间相关时的 E[I]"),
    "moran_title": ("Global Moran's I of the {variable}", "{variable}的全局莫兰指数"),
    "lisa_title": (
        "Local Moran clusters of the {variable} (p ≤ {significance:g})",
        "{variable}的局部莫兰聚类（p ≤ {significance:g}）",
    ),
    "lisa_HH": ("High-High", "高-高"),
    "lisa_HL": ("High-Low", "高-低"),
    "lisa_LH": ("Low-High", "低-高"),
    "lisa_LL": ("Low-Low", "低-低"),
    "coefficient_ci": ("Coefficient (95% CI)", "系数（95% 置信区间）"),
    "coefficient_truth": ("Coefficient (95% CI); × = truth", "系数（95% 置信区间）；× = 真值"),
    "role_effects_by_cluster": (
        "Role effects on the {variable} by cluster",
        "分城市群的角色效应：{variable}",
    ),
    "role_effects_two_se": (
        "Role effects on the {variable}, two SE types",
        "角色效应：{variable}（两种标准误）",
    ),
    # Chapters 5 and 6: the chain reaction and corrective measures.
    "ps_growth": ("Public-service growth", "公共服务增长"),
    "ps_growth_short": ("PS growth", "公共服务增长率"),
    "years_after": ("Years after the shock", "冲击后年数"),
    "periods_after": ("Observed periods after the shock", "冲击后观测期数"),
    "response": ("Response to a unit shock", "对单位冲击的响应"),
    "cumulative": ("Cumulative response of y", "y 的累计响应"),
    "shock_title": ("Unit shock to {variable}", "{variable}的单位冲击"),
    "path_title": (
        "Serial mediation W → D → R → y ({ci:.0%} CI)",
        "链式中介 W → D → R → y（{ci:.0%} 置信区间）",
    ),
    "path_note": (
        "Arrow width ∝ |estimate| (within a-paths and within b-paths); dashed: CI covers 0",
        "箭头宽度 ∝ |估计值|（a 路径、b 路径分别缩放）；虚线：置信区间含 0",
    ),
    "total_indirect": ("total indirect W → y: {value}", "W → y 总间接效应：{value}"),
    "synergy_gap_change": ("Change in E − S", "E − S 的变化"),
    "abs_gini_change": ("Change in the absolute Gini", "绝对基尼系数的变化"),
    "band_note": ("Median; bands 50%, 80%, 95% of draws", "中位数；阴影为 50%、80%、95% 区间"),
    "ps_gain": ("PS index gain by the plan horizon", "至规划期末公共服务指数提升"),
    "error_correlation": ("Error correlation ρ", "误差相关系数 ρ"),
    "indirect_effect": ("Indirect effect", "间接效应"),
    "sensitivity_title": (
        "Indirect effects when unmeasured confounding correlates the errors ({ci:.0%} band)",
        "未观测混杂使误差相关时的间接效应（{ci:.0%} 区间）",
    ),
    "pair_D_y": ("errors of D and y", "D 与 y 方程误差"),
    "pair_R_y": ("errors of R and y", "R 与 y 方程误差"),
    "pair_D_R": ("errors of D and R", "D 与 R 方程误差"),
    "path_indirect_W_D_y": ("W → D → y", "W → D → y"),
    "path_indirect_W_R_y": ("W → R → y", "W → R → y"),
    "path_indirect_W_D_R_y": ("W → D → R → y", "W → D → R → y"),
    "path_indirect_D_R_y": ("D → R → y", "D → R → y"),
    "path_total_indirect_W": ("W → y, all indirect paths", "W → y 全部间接路径"),
    # Chapter 7: robustness.
    "curve_title": ("Specification curve: {effect}", "设定曲线：{effect}"),
    "specification_rank": ("Specification (sorted by estimate)", "设定（按估计值排序）"),
    "significant_positive": ("significant, > 0", "显著为正"),
    "significant_negative": ("significant, < 0", "显著为负"),
    "baseline_specification": ("baseline", "基准设定"),
    "curve_title_outcome": (
        "Specification curve: {effect} on {outcome}",
        "设定曲线：{effect}对{outcome}",
    ),
    "standardised_effect": (
        "Standardised effect (SD of y per SD of x)",
        "标准化效应（每单位 x 标准差对应的 y 标准差）",
    ),
    "ci_clustered": ("95% CI, city-clustered", "95% 置信区间（城市聚类）"),
    "ci_driscoll_kraay": ("95% CI, Driscoll-Kraay", "95% 置信区间（Driscoll-Kraay）"),
    "null_curves_median": ("Median effect of the curve", "曲线中位数效应"),
    "share_significant_dominant": ("Share significant, dominant sign", "主导符号下显著占比"),
    "null_draws": ("Null curves (draws)", "原假设下曲线（抽样次数）"),
    "observed_curve": ("observed curve", "实际曲线"),
    "null_title": ("Curves under the null: {outcome}", "原假设下的设定曲线：{outcome}"),
    "shortfall_growth": ("Shortfall growth", "缺口增长"),
    "shortfall_level": ("Shortfall level", "缺口水平"),
    "no_estimate": ("no specification estimated", "无可估计的设定"),
}

#: Display names of the specification forks (columns of the multiverse table).
FORK_NAMES: dict[str, tuple[str, str]] = {
    "index_method": ("PS index", "公共服务指数"),
    "shortfall_reference": ("reference", "参照水平"),
    "horizon": ("horizon", "规划期"),
    "synergy_measure": ("synergy", "协同度"),
    "target_rule": ("target", "目标规则"),
    "role_weighting": ("role weights", "角色权重"),
    "role_method": ("role weights", "角色权重"),
    "reinforcement_rule": ("reinforcement definition", "负强化定义"),
    "growth_tilt": ("growth tilt", "增长偏向"),
    "spending_rule": ("spending", "支出规则"),
    "sample": ("sample", "样本"),
    "outcome": ("outcome", "因变量"),
    "estimator": ("estimator", "估计方法"),
    "time_effects": ("time effects", "时间固定效应"),
    "controls": ("controls", "控制变量"),
    "lags": ("lags", "滞后期数"),
    "se_type": ("SE", "标准误"),
}

#: Regression terms other than the role dimensions: term -> (English, Chinese).
#: The role dimensions themselves come from :data:`PHRASES`.
TERMS: dict[str, tuple[str, str]] = {
    "true_weakness": ("Role weakness (latent)", "角色弱化（潜变量）"),
    "true_deviation": ("Role deviation (latent)", "角色偏离（潜变量）"),
    "true_reinforcement": ("Role negative reinforcement (latent)", "角色负强化（潜变量）"),
    "W_weakness": ("Neighbours' role weakness", "邻近城市角色弱化"),
    "W_deviation": ("Neighbours' role deviation", "邻近城市角色偏离"),
    "W_reinforcement": ("Neighbours' role negative reinforcement", "邻近城市角色负强化"),
    "log_gdp_per_person": ("log GDP per person", "人均 GDP 对数"),
    "log_population": ("log population", "人口对数"),
    "log_gdp": ("log GDP", "GDP 对数"),
    "milestone_exposure_jjj": ("Milestone exposure, JJJ", "政策节点暴露度，京津冀"),
    "milestone_exposure_yrd": ("Milestone exposure, YRD", "政策节点暴露度，长三角"),
    "milestone_exposure_prd": ("Milestone exposure, PRD", "政策节点暴露度，珠三角"),
    "council_member": ("YRD council member", "长三角城市经济协调会成员"),
    "gap_lag1": ("Gap, lag 1", "差距（滞后一期）"),
    "shortfall_growth_lag1": ("Shortfall growth, lag 1", "差距增长（滞后一期）"),
    "fiscal_gap": ("Fiscal gap (weakness marker)", "财政缺口（弱化标识指标）"),
    "spending_shortfall": (
        "Spending per person below the cluster median",
        "人均支出低于城市群中位数",
    ),
    "non_livelihood_share": (
        "Non-livelihood budget share (deviation marker)",
        "非民生支出占比（偏离标识指标）",
    ),
    "growth_tilt": ("Science-spending tilt", "科技支出倾斜"),
    "growth_push": ("Growth push (reinforcement marker)", "增长冲动（负强化标识指标）"),
    "credit_intensity": ("Credit intensity", "信贷强度"),
    "neighbour_deviation": ("Neighbours' deviation", "邻近城市角色偏离"),
    "neighbour_deviation_marker": ("Neighbours' non-livelihood share", "邻近城市非民生支出占比"),
    "persistence": ("Persistence below the median", "持续低于中位数年数"),
    "required_change_jjj": ("Required closure per year, JJJ", "每年要求缩小的差距，京津冀"),
    "required_change_yrd": ("Required closure per year, YRD", "每年要求缩小的差距，长三角"),
    "required_change_prd": ("Required closure per year, PRD", "每年要求缩小的差距，珠三角"),
}
#: Terms labelled from :data:`PHRASES`.
ROLE_TERMS = ("weakness", "deviation", "reinforcement")

#: Table headers: column name -> (English, Chinese), for the columns that no
#: phrase, fork or term already names (those are in :data:`COLUMN_PHRASES`,
#: :data:`FORK_NAMES` and :func:`term_label`). A key with ``{column}`` is a
#: pattern: ``{header}`` is the header of the column it wraps. Statistical
#: symbols stay symbols in both languages.
COLUMNS: dict[str, tuple[str, str]] = {
    # Chapter 3: the comparison with the rest of China.
    "post_mean": ("Mean effect after the milestone", "政策后平均效应"),
    "p_city_clustered": ("p (clustered by city)", "p 值（按城市聚类）"),
    "pretrend_pvalue": ("p (leads jointly zero)", "p 值（政策前系数联合为零）"),
    "inference": ("Inference", "推断方法"),
    "p_one_sided": ("One-sided p", "单侧 p 值"),
    "p_two_sided": ("Two-sided p", "双侧 p 值"),
    "draws": ("Draws", "抽样次数"),
    "used_by_verdict": ("Used by the verdict", "用于结论"),
    "treated": ("Treated", "处理组"),
    "control": ("Control", "对照组"),
    "twfe": ("TWFE estimate", "双向固定效应估计"),
    "pre_rmspe": ("RMSPE before", "政策前均方根预测误差"),
    "post_rmspe": ("RMSPE after", "政策后均方根预测误差"),
    "ratio": ("RMSPE ratio", "均方根预测误差比"),
    "post_gap": ("Mean gap after", "政策后平均差距"),
    "placebo_pvalue": ("Placebo p", "安慰剂 p 值"),
    "placebo_statistic": ("Placebo statistic", "安慰剂检验统计量"),
    "m_bar": ("M̄", "M̄"),
    "lower": ("Lower bound", "下限"),
    "upper": ("Upper bound", "上限"),
    "excludes_zero": ("Excludes zero", "不含零"),
    "donors": ("Donors", "供体数"),
    "placebos": ("Placebos", "安慰剂数"),
    "donor": ("Donor", "供体"),
    "actual": ("Actual", "实际值"),
    "synthetic": ("Synthetic", "合成值"),
    "gap": ("Gap", "差距"),
    # Statistics.
    "n": ("N", "样本量"),
    "mean": ("Mean", "均值"),
    "sd": ("SD", "标准差"),
    "min": ("Min", "最小值"),
    "max": ("Max", "最大值"),
    "q05": ("5th percentile", "第 5 百分位数"),
    "25%": ("25th percentile", "第 25 百分位数"),
    "75%": ("75th percentile", "第 75 百分位数"),
    "q95": ("95th percentile", "第 95 百分位数"),
    "coef": ("Coefficient", "系数"),
    "beta": ("β", "β"),
    "se": ("Std. error", "标准误"),
    # Not the fork's "SE": tables with an se_type column have an se column too.
    "se_type": ("SE type", "标准误类型"),
    "t": ("t", "t"),
    "z": ("z", "z"),
    "p": ("p", "p"),
    "pvalue": ("p-value", "p 值"),
    "df": ("df", "自由度"),
    "statistic": ("Test statistic", "检验统计量"),
    "ci_low": ("95% CI, low", "95% 置信区间下限"),
    "ci_high": ("95% CI, high", "95% 置信区间上限"),
    "bc_low": ("Bias-corrected 95% CI, low", "偏差校正 95% 置信区间下限"),
    "bc_high": ("Bias-corrected 95% CI, high", "偏差校正 95% 置信区间上限"),
    "low": ("Interval, low", "区间下限"),
    "high": ("Interval, high", "区间上限"),
    "truth": ("True value", "真值"),
    "bias": ("Bias", "偏差"),
    "covered": ("Truth inside the interval", "区间覆盖真值"),
    "covered_bc": ("Truth inside the bias-corrected interval", "偏差校正区间覆盖真值"),
    "{column}_low": ("{header}, low", "{header}下限"),
    "{column}_high": ("{header}, high", "{header}上限"),
    "{column}_per_unit": ("{header} per unit", "{header}（每单位力度）"),
    "delta_{column}": ("Δ {header}", "{header}变化量"),
    # What a row is.
    "term": ("Regressor", "解释变量"),
    "dependent": ("Dependent variable", "被解释变量"),
    "endog": ("Endogenous variable", "内生变量"),
    "instruments": ("Instruments", "工具变量"),
    "model": ("Model", "模型"),
    "effects": ("Fixed effects", "固定效应"),
    "equation": ("Equation", "方程"),
    "path": ("Path", "路径"),
    "role": ("Role in the chain", "链中位置"),
    "description": ("Description", "说明"),
    "index": ("Index", "指数"),
    "measured index": ("Measured index", "测度指数"),
    "role effect": ("Role effect", "角色效应"),
    "dimension": ("Role dimension", "角色维度"),
    "component": ("Component", "构成指标"),
    "indicator": ("Indicator", "指标"),
    "domain": ("Domain", "领域"),
    "unit": ("Unit", "单位"),
    "block": ("Block", "参数组"),
    "parameter": ("Parameter", "参数"),
    "quantity": ("Quantity", "估计量"),
    "kind": ("Problem", "问题类型"),
    "reason": ("Reason", "原因"),
    "total": ("Total", "合计"),
    "all": ("All clusters", "全部城市群"),
    "share": ("Share", "占比"),
    # Chapter 1 and 3: data, measures, convergence and the synergy gap.
    "weight": ("Weight", "权重"),
    "domain_weight": ("Domain weight", "领域权重"),
    "grade": ("Coordination grade", "协调等级"),
    "band": ("Grade number", "等级编号"),
    "gini_within": ("Gini, within clusters", "基尼系数：群内差异"),
    "gini_between_net": ("Gini, between clusters (net)", "基尼系数：群间净差异"),
    "gini_transvariation": ("Gini, transvariation", "基尼系数：超变密度"),
    "gini_within_share": ("Share of Gini: within", "群内差异贡献率"),
    "gini_between_net_share": ("Share of Gini: between (net)", "群间净差异贡献率"),
    "gini_transvariation_share": ("Share of Gini: transvariation", "超变密度贡献率"),
    "theil_within": ("Theil, within clusters", "泰尔指数：群内差异"),
    "theil_between": ("Theil, between clusters", "泰尔指数：群间差异"),
    "theil_between_share": ("Share of Theil: between", "群间差异对泰尔指数的贡献率"),
    "slope": ("Slope per year", "年均斜率"),
    "n_years": ("Years", "年数"),
    "speed": ("Convergence speed", "收敛速度"),
    "half_life": ("Half-life", "半衰期"),
    "interval": ("Interval (years)", "间隔（年）"),
    "city and year effects": ("City and year effects", "城市与年份固定效应"),
    "year effects only": ("Year effects only", "仅年份固定效应"),
    "S": ("S", "S"),
    "E": ("E", "E"),
    "I": ("I", "I"),
    "efficiency": ("Synergy efficiency", "协同效率"),
    "milestone_year": ("Milestone year", "政策节点年份"),
    "last_year": ("Last year", "末年"),
    "post": ("After the milestone", "政策节点后"),
    "n_post": ("Years after the milestone", "政策节点后年数"),
    "S_milestone": ("S at the milestone", "政策节点年 S"),
    "S_last": ("S, last year", "末年 S"),
    "E_last": ("E, last year", "末年 E"),
    "gap_first_post": ("Gap, first year after", "政策节点后首年差距"),
    "gap_last": ("Gap, last year", "末年差距"),
    "gap_mean_post": ("Mean gap after the milestone", "政策节点后平均差距"),
    "efficiency_last": ("Efficiency, last year", "末年协同效率"),
    "label": ("Bin", "分组"),
    "years_from": ("From (years)", "起（年）"),
    "years_to": ("To (years)", "止（年）"),
    "reference": ("Reference bin", "基准组"),
    # Chapter 4: role deviation.
    "long_run": ("Long-run effect", "长期效应"),
    "partial_r2": ("Partial R²", "偏 R²"),
    "shea_r2": ("Shea's partial R²", "Shea 偏 R²"),
    "partial_F": ("Partial F", "偏 F 统计量"),
    "partial_F_p": ("p (partial F)", "偏 F 检验 p 值"),
    "p_rand": ("p (randomisation)", "随机化假设下 p 值"),
    "z_sim": ("z (permutations)", "置换检验 z 值"),
    "p_sim": ("Pseudo p (permutations)", "置换检验伪 p 值"),
    # Model names: the columns of the regression tables.
    "TWFE": ("TWFE", "双向固定效应"),
    "Pooled OLS": ("Pooled OLS", "混合 OLS"),
    "Random effects": ("Random effects", "随机效应"),
    "Between": ("Between", "组间估计"),
    "Static TWFE": ("Static TWFE", "静态双向固定效应"),
    "Dynamic TWFE": ("Dynamic TWFE", "动态双向固定效应"),
    "SLX TWFE": ("SLX TWFE", "SLX 双向固定效应"),
    "2SLS, own lag": ("2SLS, own lag", "2SLS（自身滞后项）"),
    "2SLS, neighbours' lag": ("2SLS, neighbours' lag", "2SLS（邻近城市滞后项）"),
    "Latent roles": ("Latent roles", "潜变量模型"),
    "Measured indices": ("Measured indices", "测度指数模型"),
    "Gap (clustered)": ("Gap (clustered)", "差距（聚类标准误）"),
    "Gap (Driscoll-Kraay)": ("Gap (Driscoll-Kraay)", "差距（Driscoll-Kraay 标准误）"),
    "Shortfall (clustered)": ("Shortfall (clustered)", "缺口（聚类标准误）"),
    "Shortfall (Driscoll-Kraay)": ("Shortfall (Driscoll-Kraay)", "缺口（Driscoll-Kraay 标准误）"),
    "Change in gap (clustered)": ("Change in gap (clustered)", "差距变化（聚类标准误）"),
    "Change in gap (Driscoll-Kraay)": (
        "Change in gap (Driscoll-Kraay)",
        "差距变化（Driscoll-Kraay 标准误）",
    ),
    # Chapters 5 and 6: the chain and corrective measures.
    "measure": ("Measure", "政策措施"),
    "size": ("Size", "措施力度"),
    "targets": ("Targets", "作用对象"),
    "parts": ("Parts", "组成措施"),
    "targeted": ("Share of cities targeted", "受措施覆盖城市占比"),
    "n_targeted": ("Cities targeted", "受措施覆盖城市数"),
    "horizon_year": ("Horizon year", "规划期末年份"),
    "rank": ("Rank", "排名"),
    "criterion": ("Criterion", "排序准则"),
    "prob_best": ("P(best)", "最优概率"),
    "runner_up": ("Runner-up", "次优措施"),
    "runner_up_dimension": ("Runner-up dimension", "次优措施维度"),
    "pair": ("Correlated errors", "相关的误差项"),
    "mediator_equation": ("Mediator's equation", "中介变量方程"),
    "later_equation": ("Later equation", "后续方程"),
    "rho_zero": ("ρ at which the effect vanishes", "效应为零时的 ρ"),
    "rho_band_zero": ("|ρ| from which the band covers 0", "区间包含 0 的最小 |ρ|"),
    "use": ("Use in the estimation", "估计中的用途"),
    "data": ("Data read", "所用数据"),
    "shared_with": ("Shares data with", "与之共用数据的指标"),
    "n_shared": ("Components sharing data", "共用数据的指标数"),
    "share_gap_closed": ("Share of the gap closed", "差距缩小比例"),
    "share_horizon_gap_closed": (
        "Share of the projected horizon gap closed",
        "占规划期末预测差距的缩小比例",
    ),
    "share_horizon_abs_gap_closed": (
        "Share of the projected absolute gap closed",
        "占规划期末预测绝对差距的缩小比例",
    ),
    "horizon_gap": ("E − S projected to the horizon", "规划期末预测 E − S"),
    "horizon_abs_gap": ("Absolute gap projected to the horizon", "规划期末预测绝对差距"),
    "projected_shortfall": ("Shortfall projected to the horizon", "规划期末预测缺口"),
    "share_shortfall_closed": ("Share of the projected shortfall closed", "预测缺口的缩小比例"),
    "shortfall_change_point": ("Change in the shortfall (point)", "规划缺口的变化（点估计）"),
    "change": ("Change of the component", "构成指标的变化量"),
    "within_sd": ("Within-city SD", "城市内标准差"),
    "two_way_sd": ("SD net of city and cluster-year effects", "剔除城市与群-年效应后的标准差"),
    "size_within_sd": ("Size in within-city SDs", "力度（城市内标准差倍数）"),
    "size_two_way_sd": ("Size in two-way SDs", "力度（双向标准差倍数）"),
    "max_within": ("Largest deviation from the city mean", "相对城市均值的最大偏离"),
    "share_as_large": ("Share of city-years deviating as much", "偏离同样大的城市-年份占比"),
    "share_in_own_range": (
        "Share of targeted cities in their own range",
        "仍在自身观测区间内的受覆盖城市占比",
    ),
    "mu": ("Mean growth per year", "年均增长"),
    "sigma": ("Residual SD per year", "年残差标准差"),
    "tau": ("SD of the common yearly growth", "共同年增长标准差"),
    "years": ("Years to the horizon", "距规划期末年数"),
    "shortfall_change": ("Change in the shortfall", "规划缺口的变化"),
    # Chapter 2 and the tables of several chapters: validity, coverage, the harness.
    "marker": ("Marker", "标识指标"),
    "expected_sign": ("Expected sign", "预期符号"),
    "sign_ok": ("Sign as expected", "符号符合预期"),
    "reads": ("Variables read", "所用变量"),
    "within_corr_other": (
        "Within-city correlation with the other component",
        "与另一成分的城市内相关",
    ),
    "within_corr_latent": (
        "Within-city correlation with the latent role",
        "与潜在角色的城市内相关",
    ),
    "reliability": ("Reliability", "信度"),
    "other": ("Other cities", "其他城市"),
    "scope": ("Scope", "范围"),
    "inertia": ("Inertia found", "存在协同惰性"),
    "instrument": ("Instrument", "工具变量"),
    "chapter": ("Chapter", "章节"),
    "estimand": ("Estimand", "估计对象"),
    "base_year": ("Base year", "基期年份"),
    "S_base": ("S in the base year", "基期 S"),
    "claim": ("Claim", "命题"),
    "coverage": ("Coverage of the 95% interval", "95% 区间覆盖率"),
    "rmse": ("RMSE", "均方根误差"),
    "mean_se": ("Mean SE", "平均标准误"),
    "se_ratio": ("Mean SE / SD of the estimates", "平均标准误与估计值标准差之比"),
    "signal": (
        "Distance of the truth from the null / SD of the estimates",
        "真值与原假设之差除以估计值标准差",
    ),
    "reps": ("Replications", "重复次数"),
    "target": ("Size, power and coverage targets", "检验水平、功效与覆盖率目标"),
    "meets": ("Target met", "达到目标"),
    "simulated_truth": ("Simulated truth", "模拟设定"),
    # Chapter 7: robustness.
    "n_specs": ("Specifications", "设定数"),
    "n_failed": ("Failed", "估计失败数"),
    "share_positive": ("Share > 0", "正值占比"),
    "share_negative": ("Share < 0", "负值占比"),
    "share_significant": ("Share significant", "显著占比"),
    "share_significant_same_sign": ("Share significant, same sign", "同号显著占比"),
    "p_median": ("p (median)", "中位数检验 p 值"),
    "p_share": ("p (share significant)", "显著占比检验 p 值"),
    "fork": ("Fork", "设定分支"),
    "n_levels": ("Levels", "选项数"),
    "eta_squared": ("η² (share of variance)", "η²（方差解释比例）"),
    "median_range": ("Range of level medians", "各选项中位数极差"),
    "low_level": ("Level with the lowest median", "中位数最低的选项"),
    "high_level": ("Level with the highest median", "中位数最高的选项"),
    "n_duplicates": ("Repeats of another specification", "与其他设定重复数"),
    "share_significant_positive": ("Share significant, > 0", "显著为正占比"),
    "share_significant_negative": ("Share significant, < 0", "显著为负占比"),
    "dominant_sign": ("Dominant sign", "主导符号"),
    "share_significant_dominant_dk": (
        "Share significant, dominant sign (Driscoll-Kraay)",
        "主导符号下显著占比（Driscoll-Kraay）",
    ),
    "reference_std": ("Baseline specification, standardised", "基准设定标准化效应"),
    "reference_estimate": ("Baseline specification, coefficient", "基准设定系数"),
    "null_median_q025": ("Null median, 2.5th percentile", "原假设中位数第 2.5 百分位数"),
    "null_median_q975": ("Null median, 97.5th percentile", "原假设中位数第 97.5 百分位数"),
    "null_share_q95": ("Null share, 95th percentile", "原假设显著占比第 95 百分位数"),
    "levels": ("Levels offered", "可选选项"),
    "baseline": ("Baseline level", "基准选项"),
    "restricted_when": ("Restricted when", "限制条件"),
    "same_as": ("Same estimates as", "估计值相同的选项"),
    "level": ("Level", "选项"),
    "headline_coef": ("Chapter 4 headline, coefficient", "第 4 章主回归系数"),
    "curve_coef": ("Curve baseline, coefficient", "曲线基准设定系数"),
    "headline_se": ("Chapter 4 headline, SE", "第 4 章主回归标准误"),
    "curve_se": ("Curve baseline, SE", "曲线基准设定标准误"),
    "headline_p": ("Chapter 4 headline, p", "第 4 章主回归 p 值"),
    "curve_p": ("Curve baseline, p", "曲线基准设定 p 值"),
    "n_headline": ("Chapter 4 headline, N", "第 4 章主回归样本量"),
    "n_curve": ("Curve baseline, N", "曲线基准设定样本量"),
    "coef_difference": ("Coefficient difference (absolute)", "系数绝对差异"),
    "se_difference": ("SE difference (relative)", "标准误相对差异"),
    "n_draws": ("Null draws", "原假设抽样次数"),
}

#: Columns headed by a phrase of :data:`PHRASES` (column -> phrase key), so
#: that a header that says what a figure says is translated once.
COLUMN_PHRASES: dict[str, str] = {
    "n_obs": "observations",
    "observations": "observations",
    "cities": "cities",
    "year": "year",
    "cluster": "cluster",
    "city": "city",
    "variable": "variable",
    "estimate": "estimate",
    "median": "median",
    "50%": "median",
    "milestone": "milestone",
    "event_time": "event_time",
    "required": "required_by_plan",
    "expected_I": "expected_i",
    "gini": "total_gini",
    "theil": "total_theil",
    "gap_change": "synergy_gap_change",
    "dispersion": "dispersion",
    "abs_gini_change": "abs_gini_change",
    "n_cities": "cities",
    "share_significant_dominant": "share_significant_dominant",
    "rejection_rate": "harness_rejection",
}

#: Columns that mean what another column of :data:`COLUMNS` means.
COLUMN_ALIASES: dict[str, str] = {
    "count": "n",
    "std": "sd",
    "p_value": "pvalue",
    "stat": "statistic",
    "true value": "truth",
    "true_value": "truth",
    "specifications": "n_specs",
    "grade_en": "grade",
    "grade_zh": "grade",
}


def check_language(language: str) -> str:
    """``language`` if it is one of :data:`LANGUAGES`, else a ValueError."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    return language


def _pick(pair: tuple[str, str], language: str) -> str:
    english, chinese = pair
    return chinese if check_language(language) == "zh" else english


def text(key: str, language: str = "en", **values: object) -> str:
    """The phrase ``key`` in ``language``, formatted with ``values`` when given.

    >>> text("role_index", "zh", name="角色弱化")
    '角色弱化指数'
    """
    template = _pick(PHRASES[key], language)
    return template.format(**values) if values else template


def synergy_label(measure: str, language: str = "en") -> str:
    """Display name of a synergy measure, from its registry entry.

    Parameters
    ----------
    measure : str
        A measure of :data:`inertia.synergy_measures.SYNERGY_REGISTRY`.
    language : {"en", "zh"}

    Returns
    -------
    str

    >>> synergy_label("dagum", "zh")
    '1 − Dagum 基尼系数'
    """
    return _pick(measure_spec(measure).labels, language)


def fork_name(column: str, language: str = "en") -> str:
    """Display name of a specification fork (``se_type`` -> "SE"); unknown columns as given."""
    return _pick(FORK_NAMES.get(column, (column, column)), language)


class TermLabels(dict):
    """Term -> label in one language; a term not listed is labelled by :func:`term_label`.

    A ``dict`` so that ``Series.map`` and the table and figure functions take it
    as it is; ``__missing__`` covers lags and cluster slopes.
    """

    def __init__(self, language: str = "en") -> None:
        self.language = check_language(language)
        super().__init__({term: term_label(term, language) for term in (*ROLE_TERMS, *TERMS)})

    def __missing__(self, term: str) -> str:
        """The label of a term not in the table (:func:`term_label`)."""
        return term_label(term, self.language)


def term_label(term: str, language: str = "en") -> str:
    """Display label of a regression term, lags ``<x>_lag<k>`` and cluster slopes ``<x>:<c>``.

    >>> term_label("deviation_lag2")
    'Role deviation, lag 2'
    >>> term_label("weakness:yrd", "zh")
    '角色弱化 × 长三角'
    """
    if term in ROLE_TERMS:
        return text(term, language)
    if term in TERMS:
        return _pick(TERMS[term], language)
    if ":" in term:
        base, cluster = term.split(":", 1)
        known = cluster in _reference().CLUSTER_NAMES and check_language(language) == "zh"
        shown = cluster_name(cluster, language) if known else cluster.upper()
        return f"{term_label(base, language)} × {shown}"
    if "_lag" in term:
        base, lag = term.rsplit("_lag", 1)
        if lag.isdigit():
            if check_language(language) == "zh":
                return f"{term_label(base, language)}（滞后 {lag} 期）"
            return f"{term_label(base, language)}, lag {lag}"
    return term


@cache
def _roster() -> pd.DataFrame:
    return _reference().cities()


def city_name(code: int, language: str = "en") -> str:
    """A roster city's name; synthetic units (benchmarks) keep their code."""
    roster = _roster()
    if code not in roster.index:
        return str(code)
    column = "name_zh" if check_language(language) == "zh" else "name_en"
    return str(roster.at[code, column])


def cluster_label(cluster: str, language: str = "en") -> str:
    """Short cluster label, as in cluster slopes: ``yrd`` -> YRD / 长三角."""
    if check_language(language) == "zh" and cluster.lower() in _reference().CLUSTER_NAMES:
        return cluster_name(cluster.lower(), language)
    return cluster.upper()


def _header_case(header: str, language: str) -> str:
    # Phrases and fork names are written for running text ("median"); headers start upper.
    return header[:1].upper() + header[1:] if language == "en" else header


def column_header(column: str, language: str = "en") -> str:
    """The table header of a DataFrame column; a column not known is shown as it is.

    Looked up in :data:`COLUMN_ALIASES`, :data:`COLUMNS`, :data:`COLUMN_PHRASES`,
    :data:`FORK_NAMES`, the cluster codes, :func:`term_label` and finally the
    patterns of :data:`COLUMNS` (``<x>_low``, ``delta_<x>`` ...) around a known column.

    >>> column_header("ci_low", "zh")
    '95% 置信区间下限'
    >>> column_header("delta_weakness")
    'Δ Role weakness'
    >>> column_header("year", "zh") == text("year", "zh")
    True
    """
    check_language(language)
    column = COLUMN_ALIASES.get(column, column)
    if column in COLUMNS:
        return _pick(COLUMNS[column], language)
    if column in COLUMN_PHRASES:
        return _header_case(text(COLUMN_PHRASES[column], language), language)
    if column in FORK_NAMES:
        return _header_case(fork_name(column, language), language)
    if column.lower() in _reference().CLUSTER_NAMES and column in (column.lower(), column.upper()):
        return cluster_label(column, language)
    label = term_label(column, language)
    if label != column:
        return label
    for key, pair in COLUMNS.items():
        if "{column}" not in key:
            continue
        prefix, suffix = key.split("{column}")
        inner = column[len(prefix) : len(column) - len(suffix)]
        if not inner or not column.startswith(prefix) or not column.endswith(suffix):
            continue
        header = column_header(inner, language)
        if header != inner:  # only around a column that has a header of its own
            return _pick(pair, language).format(header=header)
    return column


def cluster_name(cluster: str, language: str = "en") -> str:
    """``jjj`` -> Beijing-Tianjin-Hebei / 京津冀."""
    english, chinese = _reference().CLUSTER_NAMES[cluster]
    return chinese if check_language(language) == "zh" else english


def variable_name(variable: str, language: str = "en") -> str:
    """A canonical variable's description (English) or its yearbook header (Chinese)."""
    table = _reference().variables()
    if variable not in table.index:
        return variable
    if check_language(language) == "zh":
        return str(table.at[variable, "label_zh"])
    return str(table.at[variable, "description"])
