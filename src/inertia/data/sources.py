"""One entry point to the canonical panel, whichever the source.

``data_source: simulated | ccsy`` in ``params.yaml`` switches every chapter
between the simulated replication panel and the user's yearbook workbooks.
Notebook ``01_data`` calls :func:`build_panel` and publishes the bundle into
the run's processed folder; later chapters call :func:`load_panel`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from inertia.errors import DataError, ParameterError

SOURCE_LABELS = {
    "simulated": "simulated replication panel",
    "ccsy": "China City Statistical Yearbook (CCSY), prefecture-level editions",
}


@dataclass
class PanelBundle:
    """The canonical panel with what came with it.

    Attributes
    ----------
    panel : DataFrame
        Canonical panel (``code``, ``year``, the variables of ``variables.csv``).
    roster : DataFrame
        The cities, indexed by code, with ``cluster`` and names. A CCSY panel
        holds every prefecture-level city (:func:`inertia.data.reference.national_roster`;
        ``cluster`` is NaN outside the three clusters); :meth:`restrict` keeps
        the cities of the clusters asked for.
    source : str
        ``"simulated"`` or ``"ccsy"``.
    truth : dict or None
        True parameters (simulated only).
    latent : DataFrame or None
        True latent variables (simulated only).
    quality : DataFrame or None
        Data-quality report (CCSY only).
    coverage : DataFrame or None
        Coverage by cluster, variable and year (CCSY only).
    """

    panel: pd.DataFrame
    roster: pd.DataFrame
    source: str
    truth: dict[str, Any] | None = None
    latent: pd.DataFrame | None = None
    quality: pd.DataFrame | None = None
    coverage: pd.DataFrame | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The data source in words (:data:`SOURCE_LABELS`)."""
        return SOURCE_LABELS[self.source]

    @property
    def years(self) -> list[int]:
        """The panel's years, ascending."""
        return sorted(self.panel["year"].unique().tolist())

    def restrict(
        self, clusters: list[str] | tuple[str, ...], *, controls: bool = False
    ) -> PanelBundle:
        """The bundle for the cities of ``clusters``, with or without the never-treated cities.

        Parameters
        ----------
        clusters : list of str
            Clusters kept.
        controls : bool, default False
            Keep the cities outside every cluster (the never-treated comparison
            group of chapter 3); the cities of clusters not asked for go in
            any case (they were treated, at other dates).
        """
        known = set(self.roster["cluster"].dropna())
        unknown = sorted(set(clusters) - known)
        if unknown:
            raise ParameterError(
                f"clusters {unknown} are not in the {self.label} roster (it has {sorted(known)})."
            )
        chosen = self.roster["cluster"].isin(clusters)
        if controls:
            chosen |= self.roster["cluster"].isna()
        roster = self.roster[chosen]
        keep = self.panel["code"].isin(roster.index)
        latent = None
        if self.latent is not None:
            latent = self.latent[self.latent["code"].isin(roster.index)].reset_index(drop=True)
        return PanelBundle(
            self.panel[keep].reset_index(drop=True),
            roster,
            self.source,
            self.truth,
            latent,
            self.quality,
            self.coverage,
            self.extra,
        )


def _resolve(folder: str | Path) -> Path:
    from inertia.paths import project_root

    path = Path(folder)
    return path if path.is_absolute() else project_root() / path


def build_panel(
    data_source: str,
    *,
    seed: int = 20240601,
    years: tuple[int, int] | list[int] = (2005, 2022),
    scale: str = "default",
    ccsy_dir: str | Path = "data/raw/ccsy",
    simulation: dict[str, Any] | None = None,
) -> PanelBundle:
    """Build the canonical panel from the chosen source.

    Parameters
    ----------
    data_source : {"simulated", "ccsy"}
    seed, scale : simulation seed and roster size (simulated only)
    years : (first, last)
        Data years kept, inclusive.
    ccsy_dir : path
        Folder of CCSY edition workbooks (relative to the project root).
    simulation : dict, optional
        Switches of the simulated truth (:func:`inertia.data.simulate.simulation_params`).

    Returns
    -------
    PanelBundle
    """
    first, last = int(years[0]), int(years[1])
    if data_source == "simulated":
        from inertia.data.simulate import simulate_panel, simulation_params

        sim = simulate_panel(
            seed=seed,
            years=(first, last),
            scale=scale,
            params=simulation_params(**(simulation or {})),
        )
        return PanelBundle(sim.panel, sim.roster, "simulated", truth=sim.truth, latent=sim.latent)
    if data_source == "ccsy":
        from inertia.data.ccsy import import_ccsy

        result = import_ccsy(_resolve(ccsy_dir), years=(first, last))
        return PanelBundle(
            result.panel,
            result.roster,
            "ccsy",
            quality=result.quality,
            coverage=result.coverage,
            extra={"editions": result.editions},
        )
    raise ParameterError(f"data_source must be 'simulated' or 'ccsy', not {data_source!r}.")


def load_panel(processed_dir: str | Path | None, *, expect: str | None = None) -> PanelBundle:
    """Read the bundle that notebook ``01_data`` published into ``processed_dir``.

    Raises
    ------
    DataError
        When the folder has no panel (run ``01_data`` first) or holds a panel
        from another source than ``expect``.
    """
    folder = Path(processed_dir) if processed_dir else Path(".inertia/interactive/processed")
    panel_path = folder / "panel.parquet"
    if not panel_path.is_file():
        raise DataError(
            f"{panel_path} does not exist: execute notebook 01_data first "
            f"(make chapter NB=01_data)."
        )
    meta = json.loads((folder / "source.json").read_text(encoding="utf-8"))
    source = meta["data_source"]
    if expect is not None and source != expect:
        raise DataError(
            f"{folder} holds a {SOURCE_LABELS[source]} panel, but data_source is {expect!r}: "
            f"re-run notebook 01_data with data_source={expect!r}."
        )
    roster = pd.read_parquet(folder / "roster.parquet").set_index("code")
    bundle = PanelBundle(pd.read_parquet(panel_path), roster, source)
    if (folder / "truth.json").is_file():
        bundle.truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    if (folder / "latent.parquet").is_file():
        bundle.latent = pd.read_parquet(folder / "latent.parquet")
    if (folder / "quality.parquet").is_file():
        bundle.quality = pd.read_parquet(folder / "quality.parquet")
    return bundle


def publish_bundle(bundle: PanelBundle, publisher: Any) -> None:
    """Write the bundle's data artefacts through a notebook's Publisher."""
    publisher.data(bundle.panel, "panel")
    publisher.data(bundle.roster.reset_index(), "roster")
    publisher.text("source", {"data_source": bundle.source, "label": bundle.label})
    if bundle.truth is not None:
        publisher.text("truth", bundle.truth)
    if bundle.latent is not None:
        publisher.data(bundle.latent, "latent")
    if bundle.quality is not None:
        publisher.data(bundle.quality.astype({"value": "string"}, errors="ignore"), "quality")


def read_artefacts(
    processed_dir: str | Path | None,
    needed: dict[str, str],
    bundle: PanelBundle,
) -> dict[str, pd.DataFrame]:
    """Upstream notebooks' data artefacts, restricted to ``bundle``'s cities and clusters.

    Parameters
    ----------
    processed_dir : path or None
        The run's processed folder (``None``: the interactive one).
    needed : dict
        Artefact name -> the notebook that publishes it, named in the error.
    bundle : PanelBundle
        Rows of other cities (or clusters) than the bundle's are dropped.

    Raises
    ------
    DataError
        Naming the missing file and the notebook to execute first.
    """
    folder = Path(processed_dir) if processed_dir else Path(".inertia/interactive/processed")
    frames = {}
    for name, notebook in needed.items():
        path = folder / f"{name}.parquet"
        if not path.is_file():
            raise DataError(
                f"{path} does not exist: it is published by notebook {notebook}; execute that "
                f"notebook first (make chapter NB={notebook})."
            )
        frame = pd.read_parquet(path)
        if "code" in frame.columns:
            frame = frame[frame["code"].isin(bundle.roster.index)]
        elif "cluster" in frame.columns:
            frame = frame[frame["cluster"].isin(bundle.roster["cluster"].unique())]
        frames[name] = frame.reset_index(drop=True)
    return frames
