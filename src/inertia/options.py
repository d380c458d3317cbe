"""The named choices of a run as types: one home for the schema, the library and the notebooks.

Each choice alias lists the values a parameter of ``params.yaml`` may take
(:class:`inertia.params.ChapterParams` validates them); the library's
signatures and the chapter notebooks' parameters cells are annotated with the
same alias, so that the type checker holds a notebook's call to the values the
function accepts. Adding a value is one edit here (and its implementation);
see docs/extending.md, "A parameter". :data:`SetByRunner` types the
parameters the runner injects itself.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = [
    "Cluster",
    "Comparison",
    "DataSource",
    "IndexMethod",
    "Language",
    "MultiversePreset",
    "Reinforcement",
    "RoleMethod",
    "Scale",
    "SeType",
    "SetByRunner",
    "TargetRule",
]

#: The three city clusters: Beijing-Tianjin-Hebei, Yangtze River Delta, Pearl River Delta.
Cluster: TypeAlias = Literal["jjj", "yrd", "prd"]
#: Where the panel comes from: the simulated replication panel or the CCSY workbooks.
DataSource: TypeAlias = Literal["simulated", "ccsy"]
#: The simulated roster.
Scale: TypeAlias = Literal["default", "clusters", "national", "county"]
#: Chapter 3's comparison group: the never-treated prefecture cities, or none.
Comparison: TypeAlias = Literal["never_treated", "none"]
#: How the public-service index aggregates its indicators.
IndexMethod: TypeAlias = Literal["geometric", "entropy", "topsis", "equal"]
#: What synergy the commitments imply: the plans' targets or the cluster frontier.
TargetRule: TypeAlias = Literal["plan", "frontier"]
#: How the role-deviation indices weigh their components.
RoleMethod: TypeAlias = Literal["standardised", "entropy", "equal"]
#: The definition of negative reinforcement.
Reinforcement: TypeAlias = Literal["lock_in", "imitation"]
#: Standard errors: clustered by city, or Driscoll-Kraay.
SeType: TypeAlias = Literal["clustered", "driscoll-kraay"]
#: The language of sentences, labels and figures.
Language: TypeAlias = Literal["en", "zh"]
#: The specification curve's built-in fork set.
MultiversePreset: TypeAlias = Literal["default", "small"]
#: A folder or run name the runner injects (``output_dir``, ``processed_dir``,
#: ``run_name``); None when a notebook is worked on interactively. An alias, because
#: papermill's reading of a parameters cell does not parse ``str | None``.
SetByRunner: TypeAlias = str | None
