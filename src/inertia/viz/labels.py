"""Labels in English or Chinese, chosen by the ``language`` parameter.

Every figure and table header goes through :func:`text`, :func:`city_name`,
:func:`cluster_name` or :func:`variable_name`, so a ``language: zh`` run
switches them all. City and cluster names come from the roster and
``variables.csv``, so no string is translated twice.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from inertia.data import reference

LANGUAGES = ("en", "zh")

#: Phrases used in figures and tables: key -> (English, Chinese).
PHRASES: dict[str, tuple[str, str]] = {
    "year": ("Year", "年份"),
    "cluster": ("Cluster", "城市群"),
    "city": ("City", "城市"),
    "variable": ("Variable", "变量"),
    "share_present": ("Share of cities with a value", "有数据城市占比"),
    "public_service_level": ("Public-service level", "公共服务水平"),
    "actual_synergy": ("Actual synergy S", "实际协同度 S"),
    "expected_synergy": ("Expected synergy E", "预期协同度 E"),
    "synergy_gap": ("Synergy gap E − S", "协同差距 E − S"),
    "milestone": ("Milestone", "政策节点"),
    "event_time": ("Years since the milestone", "距政策节点年数"),
    "estimate": ("Estimate", "估计值"),
    "ci95": ("95% confidence interval", "95% 置信区间"),
    "within": ("Within clusters", "群内差异"),
    "between_net": ("Between clusters (net)", "群间净差异"),
    "transvariation": ("Transvariation", "超变密度"),
    "gini": ("Dagum Gini", "Dagum 基尼系数"),
    "theil": ("Theil index", "泰尔指数"),
    "coupling_degree": ("Coupling coordination degree D", "耦合协调度 D"),
    "dispersion": ("Dispersion", "离散程度"),
    "cv": ("Coefficient of variation", "变异系数"),
    "sd_log": ("SD of log level", "对数标准差"),
    "weakness": ("Role weakness", "角色弱化"),
    "deviation": ("Role deviation", "角色偏离"),
    "reinforcement": ("Role negative reinforcement", "角色负强化"),
    "shortfall": ("Shortfall from the planned path", "相对规划路径的缺口"),
    "morans_i": ("Moran's I", "莫兰指数"),
    "gdp_per_person": ("GDP per person, yuan", "人均 GDP（元）"),
    "simulated_data": ("Simulated data", "模拟数据"),
}


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    return language


def text(key: str, language: str = "en") -> str:
    """The phrase ``key`` in ``language``."""
    english, chinese = PHRASES[key]
    return chinese if check_language(language) == "zh" else english


@cache
def _roster() -> pd.DataFrame:
    return reference.cities()


def city_name(code: int, language: str = "en") -> str:
    """A roster city's name; synthetic units (benchmarks) keep their code."""
    roster = _roster()
    if code not in roster.index:
        return str(code)
    column = "name_zh" if check_language(language) == "zh" else "name_en"
    return str(roster.at[code, column])


def cluster_name(cluster: str, language: str = "en") -> str:
    """``jjj`` -> Beijing-Tianjin-Hebei / 京津冀."""
    english, chinese = reference.CLUSTER_NAMES[cluster]
    return chinese if check_language(language) == "zh" else english


def variable_name(variable: str, language: str = "en") -> str:
    """A canonical variable's description (English) or its yearbook header (Chinese)."""
    table = reference.variables()
    if variable not in table.index:
        return variable
    if check_language(language) == "zh":
        return str(table.at[variable, "label_zh"])
    return str(table.at[variable, "description"])
