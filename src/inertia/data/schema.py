"""The canonical panel and its validation.

The canonical panel is one row per city-year, keyed on (``code``, ``year``),
with one float column per canonical variable in the unit given by
``data/reference/variables.csv``. Missing cells are NaN. Both sources, the
simulated replication panel and the CCSY importer, produce this shape, and
:func:`validate_panel` checks it with pandera before anything is written.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from inertia.data import reference
from inertia.errors import DataError

KEY = ["code", "year"]


def panel_schema(years: tuple[int, int] = (1990, 2035)) -> pa.DataFrameSchema:
    """Pandera schema of the canonical panel.

    Checks types, the key's uniqueness, that every code is on the roster (or,
    for synthetic rosters, a positive integer), the year range, and each
    variable's plausible range from ``variables.csv``.
    """
    variables = reference.variables()
    columns = {
        "code": pa.Column("int64", pa.Check.gt(0)),
        "year": pa.Column("int64", pa.Check.in_range(*years)),
    }
    for name, row in variables.iterrows():
        columns[name] = pa.Column(
            "float64",
            pa.Check.in_range(float(row["min"]), float(row["max"])),
            nullable=True,
            required=True,
        )
    return pa.DataFrameSchema(
        columns,
        unique=KEY,
        strict="filter",
        coerce=False,
        name="canonical panel",
    )


def validate_panel(
    panel: pd.DataFrame, *, source: str, years: tuple[int, int] = (1990, 2035)
) -> pd.DataFrame:
    """Validate ``panel`` against :func:`panel_schema`, raising a readable error.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel with ``code``, ``year`` and the variable columns.
    source : str
        Where the panel came from, named in the error message.
    years : (int, int)
        Allowed data years, inclusive.

    Returns
    -------
    DataFrame
        The validated panel, sorted by key, with only the schema's columns.

    Raises
    ------
    DataError
        Naming the column, the check and up to five offending rows.
    """
    try:
        valid = panel_schema(years).validate(panel, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.head(5)
        lines = [
            f"column {row.column!r}, check {row.check!r}, value {row.failure_case!r}"
            + (f", row {row.index}" if pd.notna(row.index) else "")
            for row in cases.itertuples()
        ]
        more = len(exc.failure_cases) - len(cases)
        raise DataError(
            f"The panel from {source} fails validation: "
            + "; ".join(lines)
            + (f"; and {more} more." if more > 0 else ".")
        ) from None
    return valid.sort_values(KEY).reset_index(drop=True)
