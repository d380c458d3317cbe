"""Text normalisation and city-name resolution for yearbook workbooks.

Every header cell and every city name of a workbook goes through
:func:`normalise`: Unicode NFKC (full-width brackets, digits, spaces and
compatibility ideographs folded), every bracket style folded to ``()``, and the
CJK lookalikes and variants of ``data/reference/cjk_variants.csv`` replaced by
their canonical character (巿 -> 市, 區 -> 区, the radical ⻓ -> 长, ...).

City names are resolved to the national roster
(:func:`inertia.data.reference.prefectures`) in stages; the stage is recorded
for every row and counted per edition in the quality report:

1. ``exact``: the name, without spaces, numbering and a final 市, equals a
   roster name;
2. ``alias``: the name is in ``data/reference/city_aliases.csv`` (known OCR
   misreadings) or is a former name in the crosswalk
   ``data/reference/prefecture_changes.csv`` (思茅 -> 普洱, 襄樊 -> 襄阳);
3. ``normalised``: as 1-2 after :func:`normalise` (NFKC and the variant table);
4. ``one_char``: a unique roster city of the same province block whose name
   differs in exactly one character (same length), among the cities of that
   province not already matched in the edition.

The province block of a row is the province of the last province row above
it, or, in a workbook without province rows, the common province of the
nearest resolved rows above and below. A name that no stage resolves is an
error when it could be a study city (a study city of its province block, or of
any province when the block is unknown, is otherwise absent from the edition);
otherwise the row is reported and skipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from inertia.data import reference
from inertia.errors import DataError

ALIASES_FILE = "city_aliases.csv"
VARIANTS_FILE = "cjk_variants.csv"
#: Resolution stages, in order.
STAGES = ("exact", "alias", "normalised", "one_char")

_CJK = re.compile(r"[\u3400-\u9fff]")
_NON_CJK = re.compile(r"[^\u3400-\u9fff]")
# A name key keeps every CJK character, radicals and compatibility ideographs included,
# so that a variant character is never dropped silently (⻢鞍山 must not read as 鞍山).
_NON_NAME = re.compile(
    r"[^\u2e80-\u2fdf\u3005\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)
_NUMBERING = re.compile(r"^(\d+[.、．]|\(\d+\)|[一二三四五六七八九十]+[、.])")
# Bracket characters folded to ( and ); NFKC already folds the full-width （）［］｛｝.
_OPEN = "([{【〔〖〈《「『"
_CLOSE = ")]}】〕〗〉》」』"
_BRACKETS = str.maketrans({**dict.fromkeys(_OPEN, "("), **dict.fromkeys(_CLOSE, ")")})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆"})
_TOTAL_WORDS = ("合计", "总计", "全国")
_FOOTNOTE_PREFIXES = ("注", "资料来源", "说明", "备注", "数据来源")
_PROVINCE_SUFFIXES = ("省", "自治区", "特别行政区")
#: Provinces and regions outside the roster's provinces that a table may list.
_OTHER_REGIONS = frozenset({"台湾", "香港", "澳门"})


# --------------------------------------------------------------------------- normalisation


@cache
def variant_table(path: Path | None = None) -> dict[str, str]:
    """The CJK lookalike and variant table: variant character -> canonical character.

    Raises
    ------
    DataError
        If a row maps more than one character, or maps a character twice.
    """
    path, table = reference.read_table(path, VARIANTS_FILE, "the CJK variant table")
    mapping: dict[str, str] = {}
    for number, row in enumerate(table.itertuples(index=False), start=2):
        if len(row.variant) != 1 or len(row.canonical) != 1:
            raise DataError(
                f"The CJK variant table {path}, line {number}: variant {row.variant!r} and "
                f"canonical {row.canonical!r} must be one character each."
            )
        if mapping.setdefault(row.variant, row.canonical) != row.canonical:
            raise DataError(
                f"The CJK variant table {path}, line {number}: {row.variant!r} is mapped twice."
            )
    return mapping


def fold(value: object) -> str:
    """Cell text with NFKC and bracket folding only (no variant table); stripped."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)
    return text.translate(_BRACKETS).strip()


def normalise(value: object) -> str:
    """Cell text as the importer reads it: :func:`fold`, then the CJK variant table."""
    text = fold(value)
    table = variant_table()
    if any(ch in table for ch in text):
        text = "".join(table.get(ch, ch) for ch in text)
    return text


def name_key(text: str) -> str:
    """City-name key: CJK characters without numbering and without a final 市."""
    clean = _NUMBERING.sub("", re.sub(r"\s+", "", text))
    key = _NON_NAME.sub("", clean)
    if key.endswith("市") and len(key) > 2:
        key = key[:-1]
    return key


def _raw_key(value: object) -> str:
    """The key of a name without NFKC or variants (stage 1 and 2 compare this)."""
    text = "" if value is None else str(value).translate(_INVISIBLE).strip()
    return name_key(text)


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class Alias:
    """A known name outside the roster's current names (an OCR misreading, a former name)."""

    name: str
    code: int | None  # None: known not to be a prefecture-level city of the roster
    kind: str
    note: str


@dataclass(frozen=True)
class Resolution:
    """How one city-column cell was read.

    ``kind`` is ``city``, ``outside`` (a listed non-roster name), ``province``,
    ``total``, ``blank``, ``footnote`` or ``unresolved``; ``stage`` is one of
    :data:`STAGES` for a city; ``province`` names the province of a province
    row or of the city.
    """

    kind: str
    code: int | None = None
    stage: str | None = None
    alias: Alias | None = None
    province: str | None = None
    detail: str = ""


def load_aliases(path: Path | None = None) -> dict[str, Alias]:
    """Known names outside the roster's current names, keyed by :func:`name_key`.

    Reads ``city_aliases.csv`` (columns ``name``, ``code``: a roster code or
    ``outside_roster``, ``kind``, ``note``, ``source``) and adds the former
    names of the crosswalk (``renamed`` rows of ``prefecture_changes.csv``).

    Raises
    ------
    DataError
        If an alias names a code that is not on the national roster.
    """
    path, table = reference.read_table(path, ALIASES_FILE, "the city alias list")
    roster = set(reference.prefectures().index)
    aliases: dict[str, Alias] = {}
    for number, row in enumerate(table.itertuples(index=False), start=2):
        code: int | None = None
        if row.code != "outside_roster":
            if not row.code.isdigit() or int(row.code) not in roster:
                raise DataError(
                    f"The city alias list {path}, line {number}, gives {row.name!r} the code "
                    f"{row.code!r}; use a code of data/reference/prefectures.csv or "
                    "'outside_roster'."
                )
            code = int(row.code)
        aliases[name_key(fold(row.name))] = Alias(row.name, code, row.kind, row.note)
    changes = reference.prefecture_changes()
    for row in changes[changes["event"] == "renamed"].itertuples():
        key = name_key(fold(row.old_name))
        aliases.setdefault(
            key,
            Alias(
                row.old_name,
                int(row.code),
                "former_name",
                f"renamed {row.name_zh} in {row.date[:4]} (prefecture_changes.csv)",
            ),
        )
    return aliases


def _one_char_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


class CityResolver:
    """Resolves the names of a workbook's city column to the national roster."""

    def __init__(self, aliases: dict[str, Alias], roster: pd.DataFrame | None = None):
        roster = reference.prefectures() if roster is None else roster
        self.roster = roster
        self.names = {int(code): str(name) for code, name in roster["name_zh"].items()}
        self.by_key = {name_key(name): code for code, name in self.names.items()}
        self.province_of = {int(code): str(p) for code, p in roster["province"].items()}
        self.provinces = frozenset(self.province_of.values()) | _OTHER_REGIONS
        self.aliases = aliases
        self.municipalities = {c for k, c in self.by_key.items() if k in _MUNICIPALITIES}
        study = reference.cities()
        self.study = frozenset(int(c) for c in study.index)

    # -- one cell --------------------------------------------------------------------
    def _lookup(self, key: str) -> tuple[int | None, Alias | None, bool]:
        """(code, alias, found) of a key in the roster names, then the aliases."""
        if key in self.by_key:
            return self.by_key[key], None, True
        if key in self.aliases:
            alias = self.aliases[key]
            return alias.code, alias, True
        return None, None, False

    def classify(self, value: object) -> Resolution:
        """Read one cell with stages 1-3 (stage 4 needs the province block)."""
        text = normalise(value)
        clean = _NUMBERING.sub("", re.sub(r"\s+", "", text))
        if not clean or not _CJK.search(clean):
            return Resolution("blank")
        if clean.startswith(_FOOTNOTE_PREFIXES) and len(clean) > 2:
            return Resolution("footnote")
        if any(word in clean for word in _TOTAL_WORDS):
            return Resolution("total")
        key = name_key(clean)
        if clean.endswith(_PROVINCE_SUFFIXES):
            return Resolution("province", province=_province_name(clean))
        raw = _raw_key(value)
        for stage, probe in (("raw", raw), ("normalised", key)):
            code, alias, found = self._lookup(probe)
            if not found:
                continue
            if stage == "raw":
                stage = "exact" if alias is None else "alias"
            if code is None:
                return Resolution("outside", stage=stage, alias=alias)
            return Resolution("city", code, stage, alias, self.province_of.get(code), detail=probe)
        if key in self.provinces:
            return Resolution("province", province=key)
        return Resolution("unresolved", detail=key)

    # -- a whole column --------------------------------------------------------------
    def resolve_column(
        self, cells: Sequence[object], *, year: int | None = None
    ) -> list[Resolution]:
        """Resolve every cell of a city column, with stage 4 inside province blocks.

        Parameters
        ----------
        cells : sequence
            The city-column cells of the data rows, top to bottom.
        year : int, optional
            Data year: a city that was not a prefecture-level city at the end of
            that year is not a stage-4 candidate.
        """
        found = [self.classify(cell) for cell in cells]
        block = self._blocks(found)
        taken = {r.code for r in found if r.kind == "city"}
        for i, resolution in enumerate(found):
            if resolution.kind != "unresolved" or block[i] is None:
                continue
            key = resolution.detail
            candidates = [
                code
                for code, province in self.province_of.items()
                if province == block[i]
                and code not in taken
                and self._exists(code, year)
                and _one_char_apart(key, name_key(self.names[code]))
            ]
            if len(candidates) == 1:
                code = candidates[0]
                taken.add(code)
                found[i] = Resolution(
                    "city", code, "one_char", None, block[i], detail=self.names[code]
                )
        return found

    def _exists(self, code: int, year: int | None) -> bool:
        if year is None:
            return True
        first = self.roster.at[code, "first_year"] if "first_year" in self.roster else pd.NA
        last = self.roster.at[code, "last_year"] if "last_year" in self.roster else pd.NA
        return (pd.isna(first) or first <= year) and (pd.isna(last) or year <= last)

    def _blocks(self, found: list[Resolution]) -> list[str | None]:
        """Province block of every row (see the module docstring)."""
        has_province_rows = any(
            r.kind == "province" and r.province in self.provinces for r in found
        )
        blocks: list[str | None] = [None] * len(found)
        if has_province_rows:
            current = None
            for i, r in enumerate(found):
                if r.kind == "province":
                    current = r.province
                elif r.kind == "total":
                    current = None
                blocks[i] = current
            # A municipality row (北京, 上海, ...) is its own block.
            return blocks
        provinces = [r.province if r.kind == "city" else None for r in found]
        for i in range(len(found)):
            above = next((p for p in reversed(provinces[:i]) if p), None)
            below = next((p for p in provinces[i + 1 :] if p), None)
            blocks[i] = above if above == below else None
        return blocks

    def could_be_study_city(
        self, resolution: Resolution, block: str | None, present: set[int], year: int | None
    ) -> list[int]:
        """Study cities an unresolved row could be: absent from the edition, in its block."""
        return sorted(
            code
            for code in self.study
            if code not in present
            and self._exists(code, year)
            and (block is None or self.province_of.get(code) == block)
        )

    def blocks(self, found: list[Resolution]) -> list[str | None]:
        """Public form of the province blocks of resolved rows."""
        return self._blocks(found)


def _province_name(text: str) -> str:
    key = _NON_CJK.sub("", text)
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省"):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key
