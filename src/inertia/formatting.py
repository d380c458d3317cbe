"""Numbers as text: the one formatter of sentences, figure labels and tables.

Two families live here.

* **Scalars for sentences and labels** -- :func:`number` (fixed decimals),
  :func:`significant` (significant digits), :func:`rounded` (significant
  digits in plain decimals), :func:`percent`, :func:`p_value`
  (``p = 0.034`` / ``p < 0.001``), :func:`interval` (``[0.120, 0.450]``) and
  :func:`count` (``5,185``). Every one of them shows a missing or non-finite
  value as its ``missing`` text and never writes a negative zero (``-0.000``
  reads as a sign that is not there).
* **Table columns** -- :func:`column_kind` and :func:`column_formatter`: one rule,
  decided per column from its name and its values, never per table (see
  :func:`column_formatter` for the rule). Tables made for reading use it; the
  CSV beside a table keeps full precision.

The module is at the bottom of the layers (``docs/design.md``): it imports no
other part of :mod:`inertia`.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from typing import Any, SupportsFloat

import numpy as np
import pandas as pd

#: Significant digits of a table column of estimates, at the column's scale.
TABLE_DIGITS = 3
#: Decimals of p-values and of shares (proportions) in tables.
TABLE_P_DECIMALS = 3
#: Most decimals a table column gets, however small its values.
TABLE_MAX_DECIMALS = 6

#: Column kinds of :func:`column_kind`.
KINDS = ("text", "flag", "year", "identifier", "count", "p_value", "share", "magnitude")

# Whole words of a column name ("p_sim", "pvalue", "share_significant", "prob_best") that
# say what its values are. Words, not substrings: "speed" has no "p", "shared_with" no "share".
_P_WORDS = {"p", "pvalue", "pval"}
_SHARE_WORDS = {"share", "shares", "prob", "probability", "rate", "coverage"}
_YEAR_WORDS = {"year", "year0"}
_IDENTIFIER_WORDS = {"id", "code", "seed"}


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _no_negative_zero(text: str) -> str:
    # "-0.000" and "-0" carry a sign the rounded value does not have.
    if text.startswith("-") and not any(c in "123456789" for c in text):
        return text[1:]
    return text


def number(value: SupportsFloat | None, digits: int = 3, *, missing: str = "n/a") -> str:
    """A number with a fixed count of decimals.

    Parameters
    ----------
    value : float or None
        The number.
    digits : int
        Decimals after the point.
    missing : str
        Text for ``None``, NaN and infinities.

    Returns
    -------
    str
        ``number(0.12345) == "0.123"``; ``number(-0.0001) == "0.000"`` (no
        negative zero).
    """
    if value is None or _missing(value):
        return missing
    return _no_negative_zero(f"{float(value):.{digits}f}")


def significant(value: SupportsFloat | None, digits: int = 3, *, missing: str = "n/a") -> str:
    """A number with ``digits`` significant digits (Python's ``g`` format).

    Parameters
    ----------
    value : float or None
        The number.
    digits : int
        Significant digits.
    missing : str
        Text for ``None``, NaN and infinities.

    Returns
    -------
    str
        ``significant(0.012345) == "0.0123"``, ``significant(123456) == "1.23e+05"``.
    """
    if value is None or _missing(value):
        return missing
    return _no_negative_zero(f"{float(value):.{digits}g}")


def rounded(value: SupportsFloat | None, digits: int = 3, *, missing: str = "n/a") -> str:
    """A number to ``digits`` significant digits, in plain decimals with thousands separators.

    Unlike :func:`significant` it never switches to scientific notation and
    never drops digits left of the point, which is what running text wants.

    Parameters
    ----------
    value : float or None
        The number.
    digits : int
        Significant digits (at least; whole digits are all kept).
    missing : str
        Text for ``None``, NaN and infinities.

    Returns
    -------
    str
        ``rounded(0.32545) == "0.325"``, ``rounded(-0.015246) == "-0.0152"``,
        ``rounded(1848) == "1,848"``, ``rounded(2.0) == "2.00"``.
    """
    if value is None or _missing(value):
        return missing
    x = float(value)
    if x == 0:
        return "0"
    decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
    return _no_negative_zero(f"{x:,.{decimals}f}")


def percent(share: float | None, decimals: int = 0, *, missing: str = "n/a") -> str:
    """A share (a proportion, 0.42) as a percentage (``42%``).

    Parameters
    ----------
    share : float or None
        The proportion; 1 is 100%.
    decimals : int
        Decimals of the percentage.
    missing : str
        Text for ``None``, NaN and infinities.

    Returns
    -------
    str
        ``percent(0.4249) == "42%"``, ``percent(0.4249, 1) == "42.5%"``.
    """
    if share is None or _missing(share):
        return missing
    return _no_negative_zero(f"{float(share):.{decimals}%}")


def p_value(p: float | None, decimals: int = 3, *, missing: str = "p = n/a") -> str:
    """A p-value for a sentence: ``p = 0.034``, or ``p < 0.001`` below the last decimal.

    Parameters
    ----------
    p : float or None
        The p-value.
    decimals : int
        Decimals shown; a p-value below ``10**-decimals`` is given as a bound.
    missing : str
        Text for ``None`` and NaN.

    Returns
    -------
    str
    """
    if p is None or _missing(p):
        return missing
    floor = 10.0**-decimals
    return f"p < {floor:.{decimals}f}" if float(p) < floor else f"p = {float(p):.{decimals}f}"


def interval(
    low: float | None, high: float | None, digits: int = 3, *, missing: str = "n/a"
) -> str:
    """An interval as ``[low, high]``, both ends with :func:`number`.

    Parameters
    ----------
    low, high : float or None
        The ends.
    digits : int
        Decimals of each end.
    missing : str
        Text of a missing end.

    Returns
    -------
    str
        ``interval(0.1204, 0.45) == "[0.120, 0.450]"``.
    """
    return f"[{number(low, digits, missing=missing)}, {number(high, digits, missing=missing)}]"


def count(value: SupportsFloat | None, *, missing: str = "") -> str:
    """A count as an integer with thousands separators (``5,185``).

    Parameters
    ----------
    value : int, float or None
        The count; a float must be whole.
    missing : str
        Text for ``None`` and NaN.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``value`` is not a whole number: a count that is not whole is a bug
        upstream, and rounding it here would hide it.
    """
    if value is None or _missing(value):
        return missing
    if isinstance(value, numbers.Integral):  # exact, however large
        return f"{int(value):,}"
    if float(value) != round(float(value)):
        raise ValueError(f"count: {value!r} is not a whole number")
    return f"{round(float(value)):,}"


# --------------------------------------------------------------------------- tables


def _words(name: Any) -> set[str]:
    if isinstance(name, tuple):  # a MultiIndex column: its lowest level names the values
        name = name[-1]
    return set(re.split(r"[^0-9a-z]+", str(name).lower())) - {""}


def _numeric(values: pd.Series) -> np.ndarray:
    """The finite numbers of ``values`` (bools and strings left out)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return np.zeros(0)
    if pd.api.types.is_numeric_dtype(values.dtype):
        array = values.to_numpy(dtype="float64", na_value=np.nan)
    else:
        array = np.array(
            [
                float(v)
                for v in values
                # mypy does not model the numeric tower: bool is a numbers.Real at run time.
                if isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_)  # type: ignore[unreachable]
            ],
            dtype="float64",
        )
    return array[np.isfinite(array)]


def column_kind(name: Any, values: pd.Series) -> str:
    """What a table column holds, from its name and its values.

    Parameters
    ----------
    name : str or tuple
        The machine column name (``"p_sim"``, ``"share_positive"``, ``"year"``);
        for a MultiIndex column, its lowest level.
    values : Series
        The column.

    Returns
    -------
    str
        One of :data:`KINDS`: ``"flag"`` (booleans), ``"text"`` (no numbers),
        ``"year"`` (a name word ``year`` and whole values), ``"identifier"``
        (a name word ``id``, ``code`` or ``seed`` and whole values), ``"p_value"`` (a
        name word ``p``/``pvalue``), ``"share"`` (a name word ``share``,
        ``prob``, ``rate`` or ``coverage``), ``"count"`` (every value whole),
        else ``"magnitude"``.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return "flag"
    finite = _numeric(values)
    if finite.size == 0:
        return "text"
    words = _words(name)
    whole = bool(np.all(finite == np.round(finite)))
    if whole and (words & _YEAR_WORDS or any(w.endswith("year") for w in words)):
        return "year"
    if whole and words & _IDENTIFIER_WORDS:
        return "identifier"
    if words & _P_WORDS:
        return "p_value"
    if words & _SHARE_WORDS:
        return "share"
    if whole:
        return "count"
    return "magnitude"


def scale_decimals(values: np.ndarray, digits: int = TABLE_DIGITS) -> int:
    """Decimals that give the column's typical value ``digits`` significant digits.

    The typical value is the median of the absolute non-zero values. Larger
    values keep all their integer digits. The result is at least 0 and may
    exceed :data:`TABLE_MAX_DECIMALS` (:func:`column_formatter` then writes the
    column in scientific notation).

    Parameters
    ----------
    values : ndarray
        The column's finite values.
    digits : int
        Significant digits of the typical value.

    Returns
    -------
    int
        ``scale_decimals([0.1041, 0.43]) == 3``; ``scale_decimals([457.4, 2907.3]) == 0``.
    """
    magnitudes = np.abs(np.asarray(values, dtype="float64"))
    magnitudes = magnitudes[np.isfinite(magnitudes) & (magnitudes > 0)]
    if magnitudes.size == 0:
        return 0
    exponent = math.floor(math.log10(float(np.median(magnitudes))))
    return int(max(digits - 1 - exponent, 0))


def column_formatter(name: Any, values: pd.Series) -> Callable[[Any], str]:
    """The display rule of one table column, by its kind and its scale.

    The rule, for every table:

    * **count** (every value whole): an integer with thousands separators, ``5,185``;
    * **year** and **identifier** (city codes, seeds): an integer without
      separators, ``2014``, ``110000``;
    * **p-value**: 3 decimals, ``0.042``, and ``<0.001`` below that;
    * **share** (proportions and probabilities): 3 decimals, ``0.783``;
    * **magnitude** (estimates, money, levels): the column's typical value
      (median absolute value) to 3 significant digits, all values of the column
      with the same decimals, thousands separators: ``0.104``, ``2.50``,
      ``1,470,602``; a column whose typical value needs more than
      :data:`TABLE_MAX_DECIMALS` decimals (below 1e-4) in scientific notation
      with 3 significant digits, ``2.50e-16``;
    * booleans and text as they are.

    Parameters
    ----------
    name : str or tuple
        The machine column name (not its display header).
    values : Series
        The column.

    Returns
    -------
    callable
        Value -> display text. Strings pass unchanged, missing values give ``""``.
    """
    kind = column_kind(name, values)
    decimals = scale_decimals(_numeric(values)) if kind == "magnitude" else 0

    def show(value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            return "" if value is None or value is pd.NA else str(value)
        if _missing(value):
            return ""
        if kind in ("year", "identifier"):
            return (
                str(int(value)) if isinstance(value, numbers.Integral) else str(round(float(value)))
            )
        if kind == "count":
            return count(value)
        if kind == "p_value":
            floor = 10.0**-TABLE_P_DECIMALS
            return (
                f"<{floor:.{TABLE_P_DECIMALS}f}"
                if float(value) < floor
                else number(value, TABLE_P_DECIMALS)
            )
        if kind == "share":
            return number(value, TABLE_P_DECIMALS)
        if decimals > TABLE_MAX_DECIMALS:
            return _no_negative_zero(f"{float(value):.{TABLE_DIGITS - 1}e}")
        return _no_negative_zero(f"{float(value):,.{decimals}f}")

    return show
