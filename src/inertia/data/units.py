"""Units of yearbook headers: parsing Chinese, English and bilingual units by rule.

``data/reference/units.csv`` lists each unit with its dimension (money,
persons, beds, volumes, vehicles, area) and its scale in the dimension's base
unit (元, 人, 张, 册, 辆, 平方米), the English words of each base unit, and
the qualifiers that are not part of a unit (price basis 当年价格 / current
prices, 年末, 单位).

* A Chinese unit token (``(万元)``, ``(万元,当年价)``, ``单位：万元``) is read by
  keeping its CJK characters and % / ‰, removing the qualifiers, and looking
  the rest up in the table.
* An English unit token (``(10 000 yuan)``, ``(100 million yuan)``,
  ``(10 000 sq.m)``, ``(bed)``, ``(hectare)``) is a multiplier (digits with
  spaces or commas, or the words thousand / million / billion, possibly
  combined as ``100 million``) followed by the English word of a unit of the
  table; qualifiers are removed first.
* The conversion factor to a canonical unit (``variables.csv``) is the ratio
  of the scales, for units of the same dimension only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from inertia.data import reference
from inertia.errors import DataError

UNITS_FILE = "units.csv"
_WORD_MULTIPLIERS = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Unit:
    """A unit: its Chinese label, dimension and scale in the dimension's base unit."""

    label: str
    dimension: str
    scale: float

    def factor_to(self, other: Unit) -> float:
        """Multiply a value in this unit by this factor to express it in ``other``."""
        return self.scale / other.scale


@dataclass(frozen=True)
class UnitTable:
    """The units and qualifiers of ``units.csv``."""

    path: Path
    units: dict[str, Unit]
    base_words: dict[str, Unit]  # English word -> the unit it names
    zh_qualifiers: tuple[str, ...]
    en_qualifiers: tuple[str, ...]

    def by_scale(self, dimension: str, scale: float) -> Unit:
        """The first listed unit of ``dimension`` with ``scale`` (an English unit's label)."""
        for unit in self.units.values():
            if unit.dimension == dimension and unit.scale == scale:
                return unit
        base = next(u for u in self.units.values() if u.dimension == dimension and u.scale == 1)
        return Unit(f"{scale:g} {base.label}", dimension, scale)

    def of_dimension(self, dimension: str) -> list[Unit]:
        """Units of one dimension, one per scale, smallest first."""
        seen: dict[float, Unit] = {}
        for unit in self.units.values():
            if unit.dimension == dimension:
                seen.setdefault(unit.scale, unit)
        return [seen[s] for s in sorted(seen)]

    def parse_zh(self, token: str) -> Unit | None:
        """A Chinese unit token, qualifiers removed; ``None`` if it is not a unit."""
        text = re.sub(r"[^\u3400-\u9fff%‰]", "", token)
        for qualifier in self.zh_qualifiers:
            text = text.replace(qualifier, "")
        return self.units.get(text) if text else None

    def is_zh_qualifier(self, token: str) -> bool:
        """Whether a Chinese token holds qualifiers only (当年价格)."""
        text = re.sub(r"[^\u3400-\u9fff]", "", token)
        for qualifier in self.zh_qualifiers:
            text = text.replace(qualifier, "")
        return not text and bool(re.search(r"[\u3400-\u9fff]", token))

    def parse_en(self, token: str) -> Unit | None:
        """An English unit token (``10 000 yuan``); ``None`` if it is not a unit."""
        text = " " + token.lower().replace("：", ":") + " "
        text = re.sub(r"\bunits?\s*:", " ", text)
        for qualifier in self.en_qualifiers:
            text = re.sub(rf"(?<![a-z]){re.escape(qualifier)}(?![a-z])", " ", text)
        text = re.sub(r"[,;/]+", " ", text).strip()
        match = re.fullmatch(
            r"((?:\d[\d\s]*)?)\s*((?:(?:hundred|thousand|million|billion)\s*)*)"
            r"([a-z][a-z0-9.\s]*?)\.?",
            text,
        )
        if not match:
            return None
        digits, words, base = match.groups()
        named = self.base_words.get(re.sub(r"\s+", " ", base).strip())
        if named is None:
            return None
        multiplier = float(digits.replace(" ", "")) if digits.strip() else 1.0
        for word in words.split():
            multiplier *= _WORD_MULTIPLIERS[word]
        if multiplier == 1:
            return named
        return self.by_scale(named.dimension, multiplier * named.scale)


@cache
def unit_table(path: Path | None = None) -> UnitTable:
    """Read and check ``data/reference/units.csv``.

    Raises
    ------
    DataError
        For a non-positive scale, a unit listed twice, or an English word of
        two dimensions.
    """
    path, table = reference.read_table(path, UNITS_FILE, "the unit table")
    units: dict[str, Unit] = {}
    words: dict[str, Unit] = {}
    zh_qualifiers: list[str] = []
    en_qualifiers: list[str] = []
    for number, row in enumerate(table.itertuples(index=False), start=2):
        english = [w.strip().lower() for w in row.en.split("|") if w.strip()]
        if row.dimension == "qualifier":
            zh_qualifiers.append(row.unit)
            en_qualifiers.extend(english)
            continue
        try:
            scale = float(row.scale)
        except ValueError:
            scale = float("nan")
        if not scale > 0:
            raise DataError(
                f"The unit table {path}, line {number}: scale {row.scale!r} of "
                f"{row.unit!r} must be a positive number."
            )
        if row.unit in units:
            raise DataError(f"The unit table {path}, line {number}: {row.unit!r} is listed twice.")
        units[row.unit] = Unit(row.unit, row.dimension, scale)
        for word in english:
            if words.setdefault(word, units[row.unit]) != units[row.unit]:
                raise DataError(
                    f"The unit table {path}, line {number}: the English word "
                    f"{word!r} names two units."
                )
    # Longest qualifiers first, so that 当年价格 goes before 当年价.
    return UnitTable(
        path,
        units,
        words,
        tuple(sorted(zh_qualifiers, key=len, reverse=True)),
        tuple(sorted(en_qualifiers, key=len, reverse=True)),
    )


def has_latin(text: str) -> bool:
    """Whether ``text`` has a Latin letter (an English token)."""
    return bool(_LATIN.search(text))
