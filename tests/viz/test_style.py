"""The plotting style: Chinese glyphs render, and figures are byte-identical."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt

from inertia.report.outputs import Publisher
from inertia.viz import style


def _figure() -> plt.Figure:
    fig, ax = plt.subplots()
    ax.bar(["北京", "上海", "广州"], [3.0, 2.0, 1.0])
    ax.set_title("公共服务水平 Public-service level")
    return fig


def test_chinese_city_names_render_without_missing_glyphs(tmp_path: Path) -> None:
    style.use()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = _figure()
        fig.savefig(tmp_path / "zh.png")
        fig.savefig(tmp_path / "zh.svg")
        plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []


def test_published_figures_are_byte_identical(tmp_path: Path) -> None:
    style.use()
    first = Publisher(tmp_path / "a", data_source="ccsy").figure(_figure(), "f", caption="c.")
    second = Publisher(tmp_path / "b", data_source="ccsy").figure(_figure(), "f", caption="c.")
    assert first["files"] == second["files"]
    svg = (tmp_path / "a" / "figures" / "f.svg").read_text()
    assert "<dc:date>" not in svg


def test_simulated_figures_carry_the_note(tmp_path: Path) -> None:
    style.use()
    simulated = Publisher(tmp_path / "sim", data_source="simulated")
    real = Publisher(tmp_path / "real", data_source="ccsy")
    record = simulated.figure(_figure(), "f", caption="c.")
    real.figure(_figure(), "f", caption="c.")
    assert "Simulated data" in record["caption"]
    # The note is drawn on the figure itself, so the images differ.
    sim_png = (tmp_path / "sim" / "figures" / "f.png").read_bytes()
    real_png = (tmp_path / "real" / "figures" / "f.png").read_bytes()
    assert sim_png != real_png
