"""Figures of chapters 05 and 06 build, with the expected artists and labels."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.patches import FancyArrowPatch

from inertia.errors import ParameterError
from inertia.models.mediation import PATHS, path_values
from inertia.viz import chain_figures, style

COEFFICIENTS = np.array([0.3, 0.3, -0.01, -0.05, -0.08, -0.02])


@pytest.fixture(autouse=True)
def _style() -> None:
    style.use()  # registers the CJK font for the Chinese labels


@pytest.fixture
def paths() -> pd.DataFrame:
    estimates = path_values(COEFFICIENTS)
    width = np.array([0.1, 0.1, 0.05, 0.01, 0.01, 0.01, *[0.01] * 8])
    return pd.DataFrame(
        {
            "path": [p for p, _ in PATHS],
            "description": [d for _, d in PATHS],
            "estimate": estimates,
            "ci_low": estimates - width,
            "ci_high": estimates + width,
            "bc_low": estimates - width,
            "bc_high": estimates + width,
            "ci": 0.95,
        }
    )


def _by_gid(fig, kind):
    return {a.get_gid(): a for a in fig.axes[0].findobj(kind) if a.get_gid()}


def test_path_diagram_boxes_arrows_and_labels(paths) -> None:
    fig = chain_figures.path_diagram(paths)
    texts = _by_gid(fig, matplotlib.text.Text)
    assert {"node_W", "node_D", "node_R", "node_y"} <= set(texts)
    assert "Role weakness" in texts["node_W"].get_text().replace("\n", " ")
    arrows = _by_gid(fig, FancyArrowPatch)
    assert set(arrows) == {f"arrow_{name}" for name, *_ in chain_figures.ARROWS}
    # Width proportional to |estimate| within the a-paths: a1 = a2 > |a3|.
    assert arrows["arrow_a1_W_D"].get_linewidth() == pytest.approx(
        arrows["arrow_a2_D_R"].get_linewidth()
    )
    assert arrows["arrow_a1_W_D"].get_linewidth() > arrows["arrow_a3_W_R"].get_linewidth()
    # ... and within the b-paths: |b2| > |b1| > |b3|.
    widths = [arrows[f"arrow_direct_{v}_y"].get_linewidth() for v in ("D", "W", "R")]
    assert widths == sorted(widths, reverse=True)
    # a3 = -0.01 with interval [-0.06, 0.04] covers zero: dashed; a1 does not: solid.
    assert arrows["arrow_a3_W_R"].get_linestyle() != arrows["arrow_a1_W_D"].get_linestyle()
    assert texts["label_a1_W_D"].get_text() == "W→D: 0.300 [0.200, 0.400]"
    assert texts["label_direct_R_y"].get_text() == "R→y: -0.020 [-0.030, -0.010]"
    plt.close(fig)


def test_path_diagram_in_chinese_and_bad_input(paths) -> None:
    fig = chain_figures.path_diagram(paths, "zh", interval="bc")
    texts = _by_gid(fig, matplotlib.text.Text)
    assert "角色弱化" in texts["node_W"].get_text().replace("\n", "")
    plt.close(fig)
    with pytest.raises(ParameterError, match="lacks"):
        chain_figures.path_diagram(paths[paths["path"] != "a2_D_R"])
    with pytest.raises(ParameterError, match="interval"):
        chain_figures.path_diagram(paths, interval="bca")


def _shock_table() -> pd.DataFrame:
    rows = []
    for h in range(4):
        for role in ("x", "m1", "m2", "y"):
            value = 0.5**h
            rows.append(
                {
                    "horizon": h,
                    "role": role,
                    "estimate": value,
                    "low": value - 0.1,
                    "high": value + 0.1,
                    "cumulative": value * (h + 1),
                    "cumulative_low": value * h,
                    "cumulative_high": value * (h + 2),
                }
            )
    table = pd.DataFrame(rows)
    table.attrs["shock"] = "weakness"
    return table


def test_shock_figure_has_five_panels_with_bands() -> None:
    fig = chain_figures.shock_figure(_shock_table())
    assert len(fig.axes) == 5
    for ax in fig.axes:
        assert any(isinstance(c, PolyCollection) for c in ax.collections)
        assert len(ax.lines) >= 2  # response and zero line
    assert fig.axes[0].get_title() == "Role weakness"
    assert "Role weakness" in fig._suptitle.get_text()
    assert fig.axes[0].get_xlabel() == "Years after the shock"
    plt.close(fig)


def test_fan_chart_grid_bands_and_labels() -> None:
    rows = []
    for cluster in ("jjj", "prd"):
        for measure in ("a", "b", "c"):
            for step, year in enumerate(range(2023, 2027), start=1):
                centre = -0.01 * step
                rows.append(
                    {
                        "measure": measure,
                        "cluster": cluster,
                        "year": year,
                        "quantity": "gap_change",
                        **{
                            q: centre + offset * step
                            for q, offset in zip(
                                ("q02_5", "q10", "q25", "q50", "q75", "q90", "q97_5"),
                                (-0.003, -0.002, -0.001, 0.0, 0.001, 0.002, 0.003),
                                strict=True,
                            )
                        },
                    }
                )
    fig = chain_figures.fan_chart(pd.DataFrame(rows), measure_labels={"a": "Transfer"})
    assert len(fig.axes) == 6
    first = fig.axes[0]
    assert first.get_title() == "Transfer" and fig.axes[1].get_title() == "b"
    assert first.get_ylabel() == "Beijing-Tianjin-Hebei"
    assert fig.axes[3].get_ylabel() == "Pearl River Delta"
    assert sum(isinstance(c, PolyCollection) for c in first.collections) == 3
    median = first.lines[0]
    assert median.get_ydata()[0] == 0.0 and median.get_ydata()[-1] == pytest.approx(-0.04)
    plt.close(fig)
    with pytest.raises(ParameterError, match="no 'shortfall_change'"):
        chain_figures.fan_chart(pd.DataFrame(rows), quantity="shortfall_change")


def test_sensitivity_figure_one_panel_per_path_with_bands_and_crossings() -> None:
    rho = np.round(np.arange(-0.95, 0.951, 0.05), 2)
    curves, table = [], []
    for path, pairs in (("indirect_W_D_y", ("D_y", "R_y")), ("indirect_D_R_y", ("R_y",))):
        for pair in pairs:
            estimate = 0.05 - 0.1 * rho
            curves.append(
                pd.DataFrame(
                    {"pair": pair, "path": path, "rho": rho, "estimate": estimate,
                     "low": estimate - 0.02, "high": estimate + 0.02}
                )
            )  # fmt: skip
            table.append({"path": path, "pair": pair, "rho_zero": 0.5})
    fig = chain_figures.sensitivity_figure(pd.concat(curves), pd.DataFrame(table))
    drawn = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert [ax.get_title() for ax in drawn] == ["W → D → y", "D → R → y"]
    assert {line.get_gid() for line in drawn[0].lines if line.get_gid()} == {
        "curve_indirect_W_D_y_D_y",
        "curve_indirect_W_D_y_R_y",
    }
    assert all(any(isinstance(c, PolyCollection) for c in ax.collections) for ax in drawn)
    # Lines beyond |rho| = 0.9 are not drawn; the crossing is a vertical line at 0.5.
    xs = np.concatenate([line.get_xdata() for line in drawn[1].lines if line.get_gid()])
    assert np.abs(xs).max() <= 0.9 + 1e-12
    assert any(
        np.allclose(line.get_xdata(), [0.5, 0.5]) for line in drawn[1].lines if not line.get_gid()
    )
    assert drawn[1].get_xlabel() == "Error correlation ρ"
    plt.close(fig)
    chinese = chain_figures.sensitivity_figure(pd.concat(curves), pd.DataFrame(table), "zh")
    assert "误差" in chinese._suptitle.get_text()
    plt.close(chinese)
    with pytest.raises(ParameterError, match="columns"):
        chain_figures.sensitivity_figure(pd.DataFrame({"rho": [0.0]}), pd.DataFrame())
