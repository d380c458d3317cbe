"""Every chapter runs end to end on a synthetic roster larger than the real one.

The county panel (2,800 units) is measured by ``benchmarks/scale.py``; here the
national roster (290 units, no boundaries) guards the code paths that differ
from the 63-city default: maps of discs, nearest-neighbour weights, the
unlabelled coupling heatmap, and sample sizes the default never reaches.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


@pytest.fixture(scope="module")
def national_run(chapters: Path) -> Path:
    """The shared execution's ``national`` run (the simulated run, ``scale: national``)."""
    return chapters


def test_national_roster_runs_every_chapter(national_run: Path) -> None:
    panel = pd.read_parquet(national_run / "processed" / "national" / "panel.parquet")
    assert panel["code"].nunique() == 290
    manifest = json.loads((national_run / "reports" / "MANIFEST.json").read_text())
    notebooks = {Path(o["notebook"]).stem for o in manifest["outputs"] if o["run"] == "national"}
    assert notebooks == {
        "01_data",
        "02_validation",
        "03_inertia_evidence",
        "04_role_deviation",
        "05_chain_reaction",
        "06_corrective_measures",
        "07_robustness",
    }


def test_maps_are_drawn_for_a_roster_without_boundaries(national_run: Path) -> None:
    figures = national_run / "reports" / "figures" / "national"
    for name in ("cluster_map", "ps_map_last", "map_deviation", "local_moran_maps"):
        assert (figures / f"{name}.svg").stat().st_size > 10_000, name
    assert (figures / "scenario_gains_map.svg").exists()
    captions = {
        o["name"]: o["caption"]
        for o in json.loads((national_run / "reports" / "MANIFEST.json").read_text())["outputs"]
        if o["run"] == "national"
    }
    assert "6-nearest-neighbour" in captions["local_moran_maps"]
