"""The specification curve's declarations (inertia.specification)."""

import numpy as np
import pandas as pd

from inertia import multiverse, specification


def test_in_curve_by_hand():
    # Four rows: estimated, failed (NaN), a duplicate, estimated again.
    table = pd.DataFrame(
        {
            "estimate": [0.1, np.nan, 0.1, -0.2],
            "duplicate_of": [None, None, "abc", None],
        }
    )
    assert specification.in_curve(table).tolist() == [True, False, False, True]
    # Without the duplicate column only the estimate decides.
    assert specification.in_curve(table[["estimate"]]).tolist() == [True, False, True, True]


def test_multiverse_uses_the_declarations():
    # The multiverse's forks and pins are built from these objects, not copies of them.
    assert multiverse.MODEL_FORKS["outcome"] is specification.OUTCOMES
    assert multiverse.MODEL_FORKS["estimator"] is specification.ESTIMATORS
    assert multiverse.in_curve is specification.in_curve
    assert set(specification.OUTCOME_PHRASES) == set(specification.OUTCOMES)
    for scope in specification.ESTIMATOR_SCOPE.values():
        assert set(scope) <= set(specification.ESTIMATORS)
