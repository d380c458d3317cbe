"""Chapter 5's layer: the components' data, the sensitivity analysis, the verdict details."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia.chapters import chain_reaction, role_deviation
from inertia.data.geometry import weights_for_roster
from inertia.data.simulate import simulate_panel
from inertia.measures.public_service import public_service_index
from inertia.measures.synergy import city_shortfall
from inertia.report import chain_text
from inertia.roles import COMPONENTS, RoleIndices


@pytest.fixture(scope="module")
def chapter():
    sim = simulate_panel(seed=5, scale="clusters")
    index = public_service_index(sim.panel, roster=sim.roster)
    shortfall = city_shortfall(index, sim.roster)
    roles = role_deviation.roles_for(sim.panel, sim.roster)
    frame = chain_reaction.chain_frame(
        role_deviation.estimation_frame(roles, shortfall, sim.roster),
        roles,
        weights_for_roster(sim.roster),
    )
    fit = chain_reaction.fit_chain(frame, roles, n_boot=99, seed=2)
    return {
        "roles": roles,
        "fit": fit,
        "sensitivity": chain_reaction.sensitivity_analysis(fit),
        "frame": frame,
        "shortfall": shortfall,
        "roster": sim.roster,
    }


def test_study_frame_is_chapter_4s_frame_with_the_neighbours_deviation(chapter) -> None:
    """The notebooks' one call equals the explicit composition of the fixture."""
    built = chain_reaction.study_frame(chapter["roles"], chapter["shortfall"], chapter["roster"])
    pd.testing.assert_frame_equal(built, chapter["frame"])
    assert {chain_reaction.NEIGHBOUR, chain_reaction.NEIGHBOUR_INSTRUMENT} <= set(built.columns)


def test_component_data_shows_reinforcement_shares_nothing_with_deviation(chapter) -> None:
    table = chain_reaction.component_data(chapter["roles"])
    assert len(table) == 6 and set(table["use"]) == {"marker", "instrument"}
    reinforcement = table[table["dimension"] == "reinforcement"]
    assert (reinforcement["n_shared"] == 0).all()
    # Weakness and deviation both divide by the budget expenditure: the overlap is shown.
    fiscal = table.set_index("component").loc["fiscal_gap"]
    assert "non_livelihood_share (budget_expenditure)" in fiscal["shared_with"]
    sentence = chain_text.overlap_sentence(table)
    assert "role deviation and negative reinforcement share no data" in sentence
    assert "budget_expenditure" in sentence and "partly definitional" in sentence
    # With the imitation definition, reinforcement reads deviation data and the table says so.
    imitation = RoleIndices(
        frame=pd.DataFrame(),
        weights=pd.DataFrame(),
        method="standardised",
        components={**COMPONENTS, "reinforcement": ("neighbour_deviation", "persistence")},
    )
    persistence = chain_reaction.component_data(imitation).set_index("component").loc["persistence"]
    assert "non_livelihood_share" in persistence["shared_with"]


def test_sensitivity_table_rows_cross_zero_where_they_say(chapter) -> None:
    table = chapter["sensitivity"].table
    assert set(table["pair"]) == {"D_y", "R_y", "D_R"}
    assert set(table["path"]) == {
        "indirect_W_D_y", "indirect_W_R_y", "indirect_W_D_R_y", "indirect_D_R_y",
        "total_indirect_W",
    }  # fmt: skip
    estimates = chapter["fit"].paths.set_index("path")["estimate"]
    np.testing.assert_allclose(table["estimate"], estimates.loc[table["path"]].to_numpy())
    assert table["rho_zero"].abs().lt(1).all()
    for row in table.itertuples():
        again = chain_reaction.sensitivity_analysis(chapter["fit"], rho=[row.rho_zero]).curves
        value = again.query("pair == @row.pair and path == @row.path")["estimate"].iloc[0]
        assert value == pytest.approx(0.0, abs=1e-12)
        # The band covers zero no later than the estimate does.
        assert row.rho_band_zero <= abs(row.rho_zero) + 0.01
    # Deviation-outcome confounding leaves the path through reinforcement alone untouched.
    assert table.query("pair == 'D_y' and path == 'indirect_D_R_y'").empty


def test_verdict_carries_where_the_indirect_claims_vanish(chapter) -> None:
    verdict = chain_reaction.chapter_verdict(
        chapter["fit"], "simulated", sensitivity=chapter["sensitivity"]
    )
    claims = {c.claim: c for c in verdict.claims}
    chain_claim = claims["indirect_chain"].details
    table = chapter["sensitivity"].table.set_index(["path", "pair"])
    assert chain_claim["rho_zero"]["R_y"] == pytest.approx(
        table.loc[("indirect_W_D_R_y", "R_y"), "rho_zero"]
    )
    # D-R confounding moves a2 and a3 so that W's total effect on R, hence the total
    # indirect effect, stays as it is (a1 b3 kappa - a1 b3 kappa): no row for that pair.
    assert set(claims["total_indirect_weakness"].details["rho_zero"]) == {"D_y", "R_y"}
    assert "rho_zero" not in claims["link_weakness_deviation"].details
    sentence = chain_text.sensitivity_sentence(chapter["sensitivity"].table)
    smallest = chapter["sensitivity"].table["rho_zero"].abs().min()
    assert f"{smallest:.2f}" in sentence and "most fragile" in sentence
