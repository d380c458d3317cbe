"""Parameters of the compendium: one ``params.yaml``, validated before anything runs.

``params.yaml`` holds the chapter parameters shared by every run, and a
``runs:`` block naming the runs of the chapters (the default ``simulated``
run and a ``ccsy`` run on real yearbook data). On the command line,
papermill's convention ``-p KEY VALUE`` overrides any parameter for every
selected run. Values given with ``-p`` are parsed as YAML literals (never
evaluated as Python), so ``-p clusters '[jjj, prd]'`` and ``-p years
'[2008, 2020]'`` work, and ``-p clusters '__import__("os")'`` is just an
invalid string.

Every parameter is checked against :class:`ChapterParams` (type, allowed
values, ranges); unknown keys are refused with the list of known ones.
Papermill by itself only warns about them.
"""

from __future__ import annotations

import difflib
import os
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from inertia import synergy_measures
from inertia.errors import ParameterError
from inertia.options import (
    Cluster,
    Comparison,
    DataSource,
    IndexMethod,
    Language,
    MultiversePreset,
    Reinforcement,
    RoleMethod,
    Scale,
    SeType,
    TargetRule,
)

#: Parameters the runner injects itself; users never set them.
RUNNER_PARAMS = ("output_dir", "processed_dir", "run_name")

#: Parameters that a run reads only under a condition: name -> (parameter, value).
#: ``ccsy_dir`` names the yearbook workbooks, read only from the CCSY source;
#: ``scale`` sizes the simulated roster, read only by the simulation
#: (:func:`inertia.data.sources.build_panel`), and so is ``simulation``, the
#: simulated truth. A run that does not read a
#: parameter neither receives it nor depends on it in the runner's cache, so
#: pointing ``INERTIA_CCSY_DIR`` elsewhere re-executes no simulated notebook.
READ_WHEN: dict[str, tuple[str, Any]] = {
    "ccsy_dir": ("data_source", "ccsy"),
    "scale": ("data_source", "simulated"),
    "simulation": ("data_source", "simulated"),
}


#: Parameters whose allowed values a registry declares instead of a ``Literal``:
#: name -> the values, read at validation time so that a registered value is accepted.
REGISTERED_CHOICES: dict[str, Callable[[], tuple[str, ...]]] = {
    "synergy_measure": synergy_measures.synergy_measures,
}


def _check_choice(key: str, value: Any) -> Any:
    """``value`` if it is one of the registered choices of ``key``, as a Literal checks it."""
    allowed = REGISTERED_CHOICES[key]()
    if isinstance(value, str) and value in allowed:
        return value
    quoted = [repr(choice) for choice in allowed]
    expected = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})


def _reported_as_value_error(parse: Callable[[Any], object], value: Any) -> None:
    """Parse a section with its own parser; its ParameterError becomes pydantic's ValueError.

    Pydantic reports a validator's ``ValueError`` with the parameter's name, so
    the parser's message reaches the user as the error of that parameter.
    """
    try:
        parse(value)
    except ParameterError as exc:
        raise ValueError(str(exc)) from None


class ChapterParams(BaseModel):
    """Every parameter a chapter notebook can take, with its allowed values."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    data_source: DataSource = "simulated"
    seed: int = Field(20240601, ge=0, le=2**32 - 1, description="master seed of every draw")
    years: tuple[int, int] = Field((2005, 2022), description="first and last data year")
    clusters: tuple[Cluster, ...] = ("jjj", "yrd", "prd")
    scale: Scale = Field(
        "default",
        description="simulated roster: default (the national roster, never-treated cities "
        "outside the clusters), clusters (the 63 cluster cities), national or county "
        "(synthetic rosters for benchmarks)",
    )
    comparison: Comparison = Field(
        "never_treated",
        description="chapter 3's comparison group: never_treated (the prefecture cities "
        "outside the clusters) or none (the cluster cities only, the TWFE view)",
    )
    ccsy_dir: str = Field("data/raw/ccsy", description="folder of CCSY edition workbooks")
    simulation: dict[str, Any] = Field(
        default_factory=dict,
        description="truth of the simulated panel {plan_delivery, role_effects, chain, "
        "milestones}; empty: the embedded default",
    )
    index_method: IndexMethod = "geometric"
    synergy_measure: str = Field(
        "dagum", description="actual-synergy measure (inertia.synergy_measures.SYNERGY_REGISTRY)"
    )
    target_rule: TargetRule = "plan"
    plan_residual_gap: dict[str, float] = Field(
        default_factory=dict,
        description="share of each cluster's milestone gap its plan tolerates at the horizon "
        "{cluster: share}; empty: data/reference/plan_targets.csv",
    )
    role_method: RoleMethod = "standardised"
    reinforcement: Reinforcement = "lock_in"
    event_window: int = Field(5, ge=2, le=10)
    se: SeType = "clustered"
    language: Language = "en"
    bootstrap_draws: int = Field(1000, ge=50, le=100_000, description="city-bootstrap draws")
    scenario_draws: int = Field(
        1000, ge=100, le=100_000, description="whole-pipeline city-bootstrap draws of the scenarios"
    )
    multiverse_preset: MultiversePreset = Field(
        "default", description="built-in fork set: default (>= 1,000 specifications) or small"
    )
    multiverse: dict[str, Any] = Field(
        default_factory=dict,
        description="forks and exclusion rules {forks: {...}, rules: [...]}; empty: the preset",
    )
    curve_draws: int = Field(
        500,
        ge=10,
        le=10_000,
        description="null draws of the specification-curve test, every specification in each",
    )
    validation_reps: int = Field(
        200, ge=2, le=10_000, description="replications per truth of the validation harness"
    )
    validation_boot: int = Field(
        199, ge=19, le=10_000, description="chain bootstrap draws per harness replication"
    )
    validation_jobs: int = Field(
        2, ge=1, le=256, description="worker processes of the harness (results do not depend on it)"
    )
    randomisation_draws: int = Field(
        999, ge=19, le=100_000,
        description="placebo assignments of chapter 3's randomisation inference",
    )
    wild_bootstrap_draws: int = Field(
        999, ge=99, le=100_000, description="draws of chapter 3's wild cluster bootstrap"
    )
    identification_reps: int = Field(
        0, ge=0, le=10_000,
        description="replications per truth of the harness's identification suite; 0: half "
        "of validation_reps (at least 2)",
    )
    identification_draws: int = Field(
        199, ge=19, le=10_000,
        description="placebo-cluster draws per replication of the identification suite",
    )
    scenarios: list[dict[str, Any]] = Field(
        default_factory=list,
        description="user-defined corrective measures; empty means the default measures",
    )

    @field_validator("synergy_measure", mode="before")
    @classmethod
    def _check_synergy_measure(cls, value: Any) -> Any:
        return _check_choice("synergy_measure", value)

    @field_validator("years", mode="before")
    @classmethod
    def _years_from_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            return tuple(value)
        return value

    @field_validator("clusters", mode="before")
    @classmethod
    def _clusters_from_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            return tuple(value)
        if isinstance(value, str):
            raise ValueError("must be a list of cluster codes, e.g. [jjj, yrd, prd]")
        return value

    @field_validator("years")
    @classmethod
    def _check_years(cls, value: tuple[int, int]) -> tuple[int, int]:
        first, last = value
        if not 1990 <= first < last <= 2035:
            raise ValueError("must be [first, last] with 1990 <= first < last <= 2035")
        if last - first < 4:
            raise ValueError("must span at least 5 years for the panel models")
        return value

    @field_validator("clusters")
    @classmethod
    def _check_clusters(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("must name at least one cluster")
        if len(set(value)) != len(value):
            raise ValueError("must not repeat a cluster")
        return value

    @field_validator("scenarios")
    @classmethod
    def _check_scenarios(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if value:
            from inertia.scenarios import measures_from_params

            _reported_as_value_error(measures_from_params, value)
        return value

    @field_validator("multiverse")
    @classmethod
    def _check_multiverse(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value:
            from inertia.multiverse import expand, parse_multiverse

            _reported_as_value_error(lambda section: expand(*parse_multiverse(section)), value)
        return value

    @field_validator("simulation")
    @classmethod
    def _check_simulation(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value:
            from inertia.data.simulate import simulation_params

            unknown = sorted(set(value) - {"plan_delivery", "role_effects", "chain", "milestones"})
            if unknown:
                raise ValueError(
                    f"unknown switch(es) {unknown}; the switches are plan_delivery, "
                    "role_effects, chain and milestones"
                )
            _reported_as_value_error(lambda switches: simulation_params(**switches), value)
        return value

    @field_validator("plan_residual_gap", mode="before")
    @classmethod
    def _check_residual_gap(cls, value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for cluster, share in value.items():
                if cluster not in ("jjj", "yrd", "prd"):
                    raise ValueError(f"unknown cluster {cluster!r}; use jjj, yrd or prd")
                if isinstance(share, bool) or not isinstance(share, int | float):
                    raise ValueError(f"the share for {cluster} must be a number")
                if not 0.0 <= float(share) < 1.0:
                    raise ValueError(f"the share for {cluster} must be in [0, 1)")
                out[cluster] = float(share)
            return out
        return value


class RunSpec(BaseModel):
    """One named run of the chapters."""

    model_config = ConfigDict(extra="forbid", strict=True)

    description: str
    params: dict[str, Any] = {}
    requires_dir: str | None = Field(
        None, description="parameter naming a folder that must exist for the run to be enabled"
    )


@dataclass(frozen=True)
class Run:
    """A resolved run: its name, validated parameters and whether it can run."""

    name: str
    description: str
    params: ChapterParams
    enabled: bool = True
    skip_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Parameters as plain JSON-friendly values (lists, not tuples)."""
        return _plain(self.params.model_dump())

    def reads(self, name: str) -> bool:
        """Whether this run reads parameter ``name`` at all (:data:`READ_WHEN`)."""
        condition = READ_WHEN.get(name)
        if condition is None:
            return True
        key, value = condition
        return getattr(self.params, key) == value


@dataclass(frozen=True)
class Config:
    """The whole ``params.yaml`` after overrides and validation."""

    runs: tuple[Run, ...]
    path: Path
    overrides: dict[str, Any] = field(default_factory=dict)

    def select(self, names: Iterable[str] | None) -> tuple[Run, ...]:
        """The runs named (all when ``names`` is empty); unknown names are refused."""
        if not names:
            return self.runs
        known = {run.name: run for run in self.runs}
        chosen = []
        for name in names:
            if name not in known:
                raise ParameterError(
                    f"Unknown run {name!r}: {self.path} declares {', '.join(known)}."
                )
            chosen.append(known[name])
        return tuple(chosen)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def known_keys() -> list[str]:
    """Names of every user-settable parameter."""
    return list(ChapterParams.model_fields)


def _describe_allowed(key: str) -> str:
    if key in REGISTERED_CHOICES:
        return "one of " + ", ".join(REGISTERED_CHOICES[key]())
    info = ChapterParams.model_fields[key]
    annotation = info.annotation
    args = getattr(annotation, "__args__", ())
    literals = [a for a in args if isinstance(a, str)]
    if literals:
        return "one of " + ", ".join(literals)
    nested = [getattr(a, "__args__", ()) for a in args]
    nested_literals = [x for group in nested for x in group if isinstance(x, str)]
    if nested_literals:
        return "a list drawn from " + ", ".join(nested_literals)
    symbols = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    bounds = [
        f"{symbols[attr]} {getattr(m, attr)}"
        for m in info.metadata
        for attr in symbols
        if getattr(m, attr, None) is not None
    ]
    if typing.get_origin(annotation) in (list, dict):
        return ("a list" if typing.get_origin(annotation) is list else "a mapping") + (
            f" ({info.description})" if info.description else ""
        )
    text = "an " if getattr(annotation, "__name__", "") == "int" else "a "
    text += {
        "int": "integer",
        "float": "number",
        "str": "string",
        "tuple": "pair [first, last]",
    }.get(getattr(annotation, "__name__", ""), str(annotation))
    if bounds:
        text += " " + " and ".join(bounds)
    if info.description:
        text += f" ({info.description})"
    return text


def _refuse_unknown(keys: Iterable[str], where: str) -> None:
    allowed = known_keys()
    for key in keys:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ParameterError(
                f"Unknown parameter {key!r} in {where}.{hint} "
                f"Known parameters: {', '.join(allowed)}."
            )


def validate(values: Mapping[str, Any], where: str) -> ChapterParams:
    """Validate a complete set of chapter parameters, or raise a readable ParameterError."""
    _refuse_unknown(values, where)
    try:
        chapter = ChapterParams(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else "?"
            given = error.get("input")
            problems.append(
                f"{key} = {given!r} is invalid ({error['msg']}); allowed: {_describe_allowed(key)}"
            )
        raise ParameterError(
            f"Invalid parameter in {where}: " + "; ".join(problems) + "."
        ) from None
    synthetic = chapter.data_source == "simulated" and chapter.scale in ("national", "county")
    if synthetic and chapter.comparison == "never_treated":
        # The synthetic benchmark rosters hold cluster cities only: no never-treated controls.
        raise ParameterError(
            f"Invalid parameters in {where}: comparison = 'never_treated' needs cities outside "
            f"the clusters, and the synthetic scale = {chapter.scale!r} roster has none; set "
            "comparison: none, or use scale: default (the national roster)."
        )
    return chapter


def parse_overrides(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``-p KEY VALUE`` pairs into values, parsing each VALUE as a YAML literal.

    Unknown keys are refused here, before any notebook starts.
    """
    overrides: dict[str, Any] = {}
    for key, raw in pairs:
        _refuse_unknown([key], "the command line")
        if key in RUNNER_PARAMS:
            raise ParameterError(
                f"Parameter {key!r} is set by the runner and cannot be overridden."
            )
        try:
            value = yaml.safe_load(raw) if raw.strip() else raw
        except yaml.YAMLError:
            value = raw
        overrides[key] = value
    return overrides


def load(path: Path, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read ``params.yaml``, apply overrides, validate every run.

    Parameter precedence, lowest first: the model defaults, the top level of
    ``params.yaml``, the run's own ``params``, then command-line overrides.
    The environment variable ``INERTIA_CCSY_DIR``, when set, replaces
    ``ccsy_dir`` unless the command line sets it.
    """
    overrides = dict(overrides or {})
    if not path.is_file():
        raise ParameterError(f"Parameter file {path} does not exist.")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ParameterError(f"{path} must be a mapping of parameter names to values.")
    runs_block = document.pop("runs", None) or {"simulated": {"description": "Simulated data"}}
    base = dict(document)
    _refuse_unknown(base, str(path))
    if "ccsy_dir" not in overrides and os.environ.get("INERTIA_CCSY_DIR"):
        overrides["ccsy_dir"] = os.environ["INERTIA_CCSY_DIR"]

    root = path.resolve().parent
    runs = []
    for name, raw_spec in runs_block.items():
        try:
            spec = RunSpec(**(raw_spec or {}))
        except (ValidationError, TypeError) as exc:
            raise ParameterError(f"Run {name!r} in {path} is malformed: {exc}") from None
        _refuse_unknown(spec.params, f"run {name!r} of {path}")
        merged = {**base, **spec.params, **overrides}
        params = validate(merged, f"run {name!r} ({path} with command-line overrides)")
        enabled, reason = True, ""
        if spec.requires_dir:
            folder = Path(getattr(params, spec.requires_dir))
            folder = folder if folder.is_absolute() else root / folder
            if not folder.is_dir():
                enabled = False
                reason = (
                    f"run {name!r} skipped: {spec.requires_dir} = {folder} does not exist "
                    f"(set INERTIA_CCSY_DIR or -p {spec.requires_dir} DIR to enable it)"
                )
        runs.append(Run(name, spec.description, params, enabled, reason))
    return Config(tuple(runs), path, overrides)
