"""Importer for China City Statistical Yearbook (CCSY) prefecture-level workbooks.

Researchers usually hold the CCSY as one "cross-section" workbook per edition:
one sheet of some 120-260 columns, 4-6 merged header rows whose layout changes
from edition to edition, paired 全市 (whole city) / 市辖区 (urban districts)
columns, province subtotal rows among the cities, and OCR debris. This module
turns a directory of such workbooks (``.xlsx``, ``.xlsm`` or ``.xls``) into the
canonical panel (see :mod:`inertia.data.schema`) plus a quality report. It is
written for the family of editions, not for the editions at hand: every
variant is a rule below or a row of a reference table with its source, and a
value is never changed or guessed silently.

Stages
------
1. **Sheet and rows.** The data sheet is the sheet whose richest column holds
   the most known city names; the header rows are the rows above the first
   row whose name cell is a known city, province or total.
2. **Names** (:mod:`inertia.data.names`): every city name is resolved to the
   national roster (``data/reference/prefectures.csv``) by exact match, the
   alias table and the crosswalk's former names, Unicode normalisation with the
   CJK variant table, or a unique one-character match in its province block;
   the stage of each row is counted per edition. An unresolved name is an error
   when it could be a study city, else its row is reported and skipped.
3. **Layout by content.** Merged ranges are filled in (an unmerged layout has
   its group labels carried right). Each column's header cells, in whatever
   row order, are read by content: *scope* cells (全市 / Total City, 市辖区 /
   Districts under City), *unit* cells (``万元``, ``(10 000 yuan)``, ``单位：万元``)
   and *labels*. The *leaf* is the label of narrowest horizontal span (the most
   specific one); the others are its context. Brackets of every style are
   folded to ``()``, and an unbalanced bracket is closed around the unit next to
   it. The leaf matches a row of ``data/reference/ccsy_headers.csv`` when their
   keys are equal (the Chinese key keeps the CJK characters outside
   brackets; the English key the letters); ``A>B`` rows also need ``A`` in a
   context cell. Chinese and English naming different variables is an error.
4. **Units** (:mod:`inertia.data.units`): the units stated in the leaf, the
   unit cells and the context, in Chinese and in English; qualifiers such as
   the price basis are removed by rule. A stated unit of another dimension than
   the variable's, or a unit-like token that is no known unit, is an error.
   A header that states no unit, or whose units disagree (Chinese and English,
   or a group and its leaf),
   gets its unit from the **magnitude check** (:func:`infer_units`): each
   candidate unit must put the values inside the plausible range of
   ``variables.csv`` and, where an adjacent edition states its unit, give a
   median city ratio to that edition within :data:`EDITION_SHIFT`. One survivor
   is used and flagged ``unit_inferred``; none or several is an error naming
   the file, sheet, column and header.
5. **Scope.** The 全市 column is used; the 市辖区 series only when the workbook
   has no 全市 column for the variable (``scope_fallback``). Where an edition
   has both, a 市辖区 series above the 全市 one in most cities (labels swapped),
   or equal to it in nearly all cities (one series printed twice), is an error.
6. **Edition-wide checks** (:func:`check_editions`): each variable of each
   edition is compared with the same cities and scope in the adjacent
   editions. A median city ratio beyond :data:`EDITION_SHIFT` (or its inverse),
   a majority of cities jumping by ``shift_ratio``, or values that sit closer to
   the adjacent editions' 市辖区 series than to their 全市 series, is an error,
   unless a documented definition break lies between the two editions (the
   header map's definitions, or ``data/reference/definition_breaks.csv``), in
   which case it is reported as such. Single-city jumps are flagged and kept
   (:func:`flag_jumps`).

Numbers stored as text (``'1,234.5'``, full-width digits) are read as numbers
and counted; blank and ``-`` cells are missing; other text in a numeric column
is OCR debris, reported and left missing. The data year is the edition year
minus one (the 2006 edition reports 2005). python-calamine reads the seven real
editions in about 1 s (openpyxl's read-only mode in about 3.5 s, .xlsx only).
"""

from __future__ import annotations

import itertools
import math
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from inertia.data import reference
from inertia.data.names import (
    ALIASES_FILE,
    STAGES,
    CityResolver,
    Resolution,
    fold,
    load_aliases,
    normalise,
)
from inertia.data.schema import KEY, validate_panel
from inertia.data.units import Unit, UnitTable, has_latin, unit_table
from inertia.errors import DataError
from inertia.formatting import significant
from inertia.io import atomic_write_all
from inertia.paths import reference_dir

__all__ = [
    "QUALITY_COLUMNS",
    "QUALITY_KINDS",
    "CcsyImport",
    "HeaderMap",
    "check_editions",
    "column_letter",
    "coverage_table",
    "en_key",
    "flag_jumps",
    "import_ccsy",
    "infer_units",
    "load_aliases",
    "load_header_map",
    "run_import",
    "write_import",
    "zh_key",
]

HEADER_MAP_FILE = "ccsy_headers.csv"
BREAKS_FILE = "definition_breaks.csv"
DEFAULT_YEARS: tuple[int, int] = (1990, 2035)
#: Largest median city ratio between adjacent editions that is not a level shift ...
EDITION_SHIFT = 2.5
#: ... unless editions far apart allow more growth: at most this factor a year.
MAX_ANNUAL_GROWTH = 1.2
#: Share of cities jumping by ``shift_ratio`` that makes a jump edition-wide.
EDITION_JUMP_SHARE = 0.5
#: Share of values outside the plausible range that rules a candidate unit out.
RANGE_TOLERANCE = 0.02
#: A whole-city series whose city ratios to the adjacent edition's district series are
#: less dispersed than this share of those to its whole-city series is a swap.
SWAP_SPREAD = 0.6
#: Fewest common cities for a comparison of two editions or two scopes.
MIN_COMMON = 5
ROSTERS = ("national", "study")
QUALITY_COLUMNS = [
    "file",
    "sheet",
    "row",
    "column",
    "code",
    "year",
    "variable",
    "kind",
    "value",
    "message",
]
#: Quality-report kinds, from the most to the least actionable.
QUALITY_KINDS = (
    "ocr_debris",
    "implausible_value",
    "implausible_jump",
    "definition_break",
    "scope_fallback",
    "scope_unstated",
    "unit_inferred",
    "unit_conversion",
    "renamed_header",
    "name_repair",
    "name_unresolved",
    "duplicate_column",
    "duplicate_row",
    "city_missing",
    "variable_missing",
)
#: Per-edition counts of the quality report (columns of :attr:`CcsyImport.editions`).
EDITION_COUNTS = (
    *(f"names_{stage}" for stage in STAGES),
    "rows_skipped",
    "units_inferred",
    "numbers_from_text",
)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
MISSING_TOKENS = frozenset({"", "-", "--", "—", "——", "－", "…", "...", "……"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_NON_CJK = re.compile(r"[^\u3400-\u9fff]")
_NON_LETTER = re.compile(r"[^a-z]")
_PARENS = re.compile(r"\([^()]*\)")
# Characters that make a bracketed Chinese token a unit: (万元), (张), (千册、件), (%).
_UNIT_CHARS = frozenset("元人张册件辆顷米里吨户个所次时处床%‰")
_SCOPE_CITY = "city"
_SCOPE_DISTRICTS = "districts"
_SCOPE_RANK = {_SCOPE_CITY: 0, None: 1, _SCOPE_DISTRICTS: 2}
_SCOPE_WORDS = {_SCOPE_CITY: "全市", _SCOPE_DISTRICTS: "市辖区", None: "unstated"}


# --------------------------------------------------------------------------- results


@dataclass
class CcsyImport:
    """Result of :func:`import_ccsy`.

    Attributes
    ----------
    panel : DataFrame
        The validated canonical panel (``code``, ``year``, the variables of
        ``variables.csv``), one row per roster city and data year in which it
        was a prefecture-level city (or in which an edition lists it); NaN
        where the edition lacks the value.
    quality : DataFrame
        The quality report, columns :data:`QUALITY_COLUMNS`.
    coverage : DataFrame
        Share of roster cities with a value, by cluster (``other`` outside the
        three), variable and year (see :func:`coverage_table`).
    editions : DataFrame
        One row per workbook: file, sheet, edition and data year, header rows,
        city column, rows of study cities, other roster cities and province or
        total rows, and the counts :data:`EDITION_COUNTS` (names resolved at
        each stage, rows skipped outside the roster, units inferred, numbers
        read from text).
    provenance : DataFrame
        Where each panel value came from: code, year, variable, file, sheet,
        row, column, header, scope, unit and factor.
    roster : DataFrame
        The roster of the panel (:func:`inertia.data.reference.national_roster`,
        or the 63 study cities), indexed by code.
    """

    panel: pd.DataFrame
    quality: pd.DataFrame
    coverage: pd.DataFrame
    editions: pd.DataFrame
    provenance: pd.DataFrame = field(default_factory=pd.DataFrame)
    roster: pd.DataFrame = field(default_factory=pd.DataFrame)

    def issues(self, kind: str) -> pd.DataFrame:
        """Rows of the quality report of one ``kind``."""
        return self.quality[self.quality["kind"] == kind]

    def summary(self) -> str:
        """A few lines on what was imported and what the quality report lists."""
        years = sorted(self.panel["year"].unique().tolist())
        codes = set(self.panel["code"])
        study = len(codes & set(reference.cities().index))
        counts = self.quality["kind"].value_counts().sort_index()
        totals = self.editions[list(EDITION_COUNTS)].sum() if len(self.editions) else None
        lines = [
            f"Imported {len(self.editions)} edition(s): {len(codes)} prefecture-level cities "
            f"({study} study cities) x {len(years)} data years ({', '.join(map(str, years))}), "
            f"{len(self.panel)} city-years.",
        ]
        if totals is not None:
            stages = ", ".join(f"{int(totals[f'names_{s}'])} {s}" for s in STAGES)
            lines.append(
                f"Names resolved: {stages}; {int(totals['rows_skipped'])} row(s) skipped outside "
                f"the roster; {int(totals['units_inferred'])} unit(s) inferred; "
                f"{int(totals['numbers_from_text'])} number(s) read from text."
            )
            for edition in self.editions.itertuples():
                names = " / ".join(str(getattr(edition, f"names_{s}")) for s in STAGES)
                lines.append(
                    f"  {edition.data_year} ({edition.file}): names {names} "
                    f"({' / '.join(STAGES)}), {edition.rows_skipped} skipped, "
                    f"{edition.units_inferred} unit(s) inferred, {edition.numbers_from_text} "
                    "number(s) from text."
                )
        lines.append(
            "Quality report: "
            + (", ".join(f"{n} {kind}" for kind, n in counts.items()) or "nothing flagged")
            + " (see quality.csv and editions.csv; no value was changed silently)."
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class _Variant:
    """One row of the header map."""

    row: int
    header: str
    variable: str
    definition: str
    language: str  # "zh" or "en"
    key: str
    context: str


@dataclass(frozen=True)
class HeaderMap:
    """The header map of ``ccsy_headers.csv``, indexed for matching."""

    path: Path
    variants: tuple[_Variant, ...]

    def match(self, language: str, key: str, context: Sequence[str]) -> list[_Variant]:
        """Variants whose key equals ``key`` and whose context is in a ``context`` key."""
        return [
            variant
            for variant in self.variants
            if variant.language == language
            and variant.key == key
            and (not variant.context or any(variant.context in c for c in context))
        ]


@dataclass(frozen=True)
class _Cell:
    """One header cell of a column: sheet row, normalised text, horizontal span."""

    row: int
    text: str
    span: int


@dataclass
class _Column:
    """A data column of a workbook matched to a canonical variable."""

    index: int
    variable: str
    scope: str | None
    header: str
    variant: _Variant
    unit: Unit | None  # None: to be inferred
    candidates: tuple[Unit, ...]  # units to choose from when ``unit`` is None
    reason: str  # why the unit is inferred ("" when stated)
    factor: float = float("nan")
    inferred: bool = False


@dataclass
class _Sheet:
    name: str
    rows: list[tuple]
    merges: list[tuple[int, int, int, int]]


# --------------------------------------------------------------------------- text helpers


def _text(value: object) -> str:
    """Cell value as the importer reads it (:func:`inertia.data.names.normalise`)."""
    return normalise(value)


def _one_line(value: object) -> str:
    """Cell text with every run of whitespace (line breaks too) folded to one space."""
    return re.sub(r"\s+", " ", fold(value))


def _strip_parens(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _PARENS.sub("", text)
    return text


def zh_key(text: str) -> str:
    """Matching key of a Chinese header: its CJK characters outside brackets.

    ``'医院、卫生院床位数(张)'`` and ``'医院.卫生院床位数 (张) Number of Beds'``
    both give ``'医院卫生院床位数'``.
    """
    key = _NON_CJK.sub("", _strip_parens(repair_brackets(_text(text))))
    return key.removeprefix("其中")


def en_key(text: str) -> str:
    """Matching key of an English header: lower-case letters outside brackets."""
    key = _NON_LETTER.sub("", _strip_parens(repair_brackets(_text(text))).lower())
    for scope_phrase in ("totalcity", "districtsundercity"):
        key = key.replace(scope_phrase, "")
    return key


def repair_brackets(text: str, units: UnitTable | None = None) -> str:
    """Close unbalanced brackets around the unit or qualifier next to them.

    Brackets are already folded to ``()`` by :func:`inertia.data.names.normalise`.
    An unclosed ``(`` is closed after the longest known unit or qualifier that
    follows it, else before the next bracket or Latin letter, else at the end;
    an unopened ``)`` is opened before the longest known unit or qualifier
    that precedes it, else dropped.
    """
    if "(" not in text and ")" not in text:
        return text
    table = units or unit_table()
    words = sorted((*table.units, *table.zh_qualifiers), key=len, reverse=True)  # longest first
    out: list[str] = []
    depth_open: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth_open.append(len(out))
            out.append(ch)
        elif ch == ")":
            if depth_open:
                depth_open.pop()
                out.append(ch)
            else:
                before = "".join(out)
                word = next((w for w in words if before.rstrip().endswith(w)), None)
                if word is not None:
                    at = len(before.rstrip()) - len(word)
                    out = [*list(before[:at] + "(" + before[at:].rstrip()), ")"]
                # else: a stray ")" with nothing to close is dropped
        else:
            out.append(ch)
        i += 1
    while depth_open:
        start = depth_open.pop()
        rest = "".join(out[start + 1 :])
        word = next((w for w in words if rest.lstrip().startswith(w)), None)
        if word is not None:
            cut = start + 1 + (len(rest) - len(rest.lstrip())) + len(word)
        else:
            latin = re.search(r"[A-Za-z]", rest)
            cut = start + 1 + (latin.start() if latin and _CJK.search(rest) else len(rest))
        out.insert(cut, ")")
    return "".join(out)


def _scope_of(text: str) -> str | None:
    flat = re.sub(r"\s+", "", _text(text)).lower()
    districts = "市辖区" in flat or "districtsundercity" in flat
    city = "全市" in flat or "totalcity" in flat
    if districts and not city:
        return _SCOPE_DISTRICTS
    if city and not districts:
        return _SCOPE_CITY
    return None


def _is_scope_only(text: str) -> bool:
    return (
        _scope_of(text) is not None
        and zh_key(text) in ("", "全市", "市辖区")
        and en_key(text) == ""
    )


def _bracket_tokens(text: str) -> list[str]:
    return re.findall(r"\(([^()]*)\)", repair_brackets(text))


def _unit_only(text: str, units: UnitTable) -> Unit | None:
    """The unit of a cell that states only a unit (``万元``, ``(10 000 yuan)``, ``单位:万元``)."""
    flat = re.sub(r"[()]", " ", repair_brackets(text)).strip()
    flat = re.sub(r"^单位\s*[:：]?\s*", "", flat)
    if not flat:
        return None
    if _CJK.search(flat):
        cjk = _NON_CJK.sub("", flat)
        unit = units.parse_zh(flat)
        if unit is None:
            return None
        rest = cjk
        for qualifier in units.zh_qualifiers:
            rest = rest.replace(qualifier, "")
        latin = re.sub(r"[^A-Za-z0-9 .:]", " ", flat).strip()
        if rest != unit.label or (latin and units.parse_en(latin) is None and has_latin(latin)):
            return None
        return unit
    return units.parse_en(flat)


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --------------------------------------------------------------------------- reference tables


def load_header_map(path: Path | None = None) -> HeaderMap:
    """Read and check the header map (``data/reference/ccsy_headers.csv``).

    Columns: ``header`` (a Chinese or English header; ``A>B`` for a leaf ``B``
    under a group ``A``), ``variable``, ``definition``, ``note``. Units are not
    part of the map: they are read from each header (:mod:`inertia.data.units`).

    Raises
    ------
    DataError
        If a row names an unknown variable, has no text to match, or maps one
        header to two variables.
    """
    path, table = reference.read_table(
        path, HEADER_MAP_FILE, "the CCSY header map", describe=_one_line
    )
    required = {"header", "variable", "definition"}
    if missing := required - set(table.columns):
        raise DataError(f"The CCSY header map {path} lacks the columns {sorted(missing)}.")
    known = set(reference.variables().index)
    variants: list[_Variant] = []
    owner: dict[tuple[str, str, str], tuple[str, int]] = {}
    for number, row in enumerate(table.itertuples(index=False), start=2):
        where = f"The CCSY header map {path}, line {number}"
        if row.variable not in known:
            raise DataError(
                f"{where}, names the variable {row.variable!r}, which is not in variables.csv."
            )
        context, _, leaf = row.header.rpartition(">")
        language = "zh" if _CJK.search(leaf) else "en"
        key = zh_key(leaf) if language == "zh" else en_key(leaf)
        if not key:
            raise DataError(f"{where}, has the header {row.header!r}, which has no text to match.")
        context_key = zh_key(context) if context else ""
        other = owner.setdefault((language, key, context_key), (row.variable, number))
        if other[0] != row.variable:
            raise DataError(
                f"{where}, maps the header {row.header!r} to {row.variable}, but line {other[1]} "
                f"maps it to {other[0]}: a header must match one canonical variable."
            )
        variants.append(
            _Variant(number, row.header, row.variable, row.definition, language, key, context_key)
        )
    return HeaderMap(path, tuple(variants))


def load_definition_breaks(path: Path | None = None) -> pd.DataFrame:
    """Documented definition breaks by data year (``data/reference/definition_breaks.csv``).

    A row says that ``variable`` follows a new definition from data year
    ``first_year`` on, whatever the header says; a level change across that
    year is reported as a definition break, not an error.
    """
    path, table = reference.read_table(
        path,
        BREAKS_FILE,
        "the definition breaks",
        dtype={"first_year": "int64"},
        catch=(ValueError,),
        describe=_one_line,
    )
    unknown = sorted(set(table["variable"]) - set(reference.variables().index))
    if unknown:
        raise DataError(f"The definition breaks {path} name unknown variables {unknown}.")
    return table


# --------------------------------------------------------------------------- workbook reading


def _workbook_files(source: Path) -> list[Path]:
    if not source.exists():
        raise DataError(f"The CCSY source {source} does not exist.")
    if source.is_file():
        files = [source]
    else:
        files = sorted(
            path
            for path in source.iterdir()
            if path.is_file()
            and not path.name.startswith(("~$", "."))
            and path.suffix.lower() in WORKBOOK_SUFFIXES
        )
        if not files:
            raise DataError(
                f"The CCSY directory {source} holds no workbook (*.xlsx, *.xlsm, *.xls); put "
                "one prefecture-level edition per file there."
            )
    for path in files:
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            raise DataError(f"{path} is not an Excel workbook (.xlsx, .xlsm or .xls).")
    return files


def _merged_ranges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged cell ranges per sheet name, as 0-based (row0, col0, row1, col1).

    Read-only openpyxl does not expose merges, so they come from the sheet XML.
    """
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    }
    result: dict[str, list[tuple[int, int, int, int]]] = {}
    with zipfile.ZipFile(path) as archive:
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
        for sheet in book.iterfind("m:sheets/m:sheet", ns):
            target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            try:
                xml = archive.read(member)
            except KeyError:
                continue
            ranges = []
            for ref in re.findall(rb'<mergeCell ref="([A-Z]+\d+):([A-Z]+\d+)"', xml):
                (r0, c0), (r1, c1) = (_cell_ref(part.decode()) for part in ref)
                ranges.append((r0, c0, r1, c1))
            result[sheet.get("name", "")] = ranges
    return result


def _cell_ref(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match is not None
    col = 0
    for char in match.group(1):
        col = col * 26 + ord(char) - 64
    return int(match.group(2)) - 1, col - 1


def _unreadable(path: Path, exc: BaseException) -> DataError:
    kind = ".xls" if path.suffix.lower() == ".xls" else ".xlsx"
    return DataError(
        f"{path} is not a readable Excel workbook ({kind}): {type(exc).__name__}: {_one_line(exc)}."
    )


def _rectangular(rows: list[tuple]) -> list[tuple]:
    width = max((len(row) for row in rows), default=0)
    return [row + (None,) * (width - len(row)) for row in rows]


def _read_openpyxl(path: Path) -> list[_Sheet]:
    from openpyxl import load_workbook

    try:
        merges = _merged_ranges(path)
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl and zipfile raise assorted errors on bad files
        raise _unreadable(path, exc) from None
    try:
        sheets = []
        for worksheet in workbook.worksheets:
            if hasattr(worksheet, "reset_dimensions"):
                worksheet.reset_dimensions()  # a stale <dimension> tag would truncate rows
            rows = _rectangular([tuple(row) for row in worksheet.iter_rows(values_only=True)])
            sheets.append(_Sheet(worksheet.title, rows, merges.get(worksheet.title, [])))
    finally:
        workbook.close()
    return sheets


def _read_calamine(path: Path) -> list[_Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            rows = _rectangular(
                [
                    tuple(None if v == "" else v for v in row)
                    for row in sheet.to_python(skip_empty_area=False)
                ]
            )
            merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []]
            sheets.append(_Sheet(name, rows, merges))
    except Exception as exc:  # calamine raises its own error types on bad files
        raise _unreadable(path, exc) from None
    return sheets


def _read_workbook(path: Path, reader: str = "auto") -> list[_Sheet]:
    """All sheets of a workbook as row tuples; the file is only ever opened for reading.

    ``reader`` is ``"calamine"`` (python-calamine, about six times faster; reads
    .xls too), ``"openpyxl"`` (read-only mode; .xlsx and .xlsm only) or
    ``"auto"`` (calamine when installed, and always for .xls).
    """
    if path.suffix.lower() == ".xls" and reader != "calamine":
        try:
            import python_calamine
        except ImportError:
            raise DataError(
                f"{path} is a legacy .xls workbook, which needs python-calamine to be read; "
                "install the compendium's requirements (requirements.lock)."
            ) from None
        reader = "calamine"
    if reader == "auto":
        try:
            import python_calamine  # noqa: F401
        except ImportError:
            reader = "openpyxl"
        else:
            reader = "calamine"
    if reader == "calamine":
        return _read_calamine(path)
    if reader == "openpyxl":
        return _read_openpyxl(path)
    raise ValueError(f"unknown reader {reader!r}")


# --------------------------------------------------------------------------- header layout


def _find_city_column(sheet: _Sheet, names: CityResolver) -> tuple[int, int]:
    """(column index, number of known names) of the column richest in known city names."""
    best = (-1, 0)
    if not sheet.rows:
        return best
    counts = [0] * len(sheet.rows[0])
    for row in sheet.rows:
        for index, value in enumerate(row):
            if isinstance(value, str) and _CJK.search(value):
                if names.classify(value).kind in ("city", "outside"):
                    counts[index] += 1
    for index, count in enumerate(counts):
        if count > best[1]:
            best = (index, count)
    return best


def _header_cells(sheet: _Sheet, first_data_row: int) -> list[list[_Cell]]:
    """Per column, its header cells (sheet row, text, horizontal span), merges filled in.

    The span of a cell is the width of its merged range (1 if unmerged); in an
    unmerged layout, the run of columns with the same text in its row and in
    every row above. A group label spans its group, a leaf one or two columns.
    A cell repeated down a vertical merge is kept once.
    """
    width = len(sheet.rows[0])
    grid = [[repair_brackets(_text(v)) for v in sheet.rows[r]] for r in range(first_data_row)]
    merges = [m for m in sheet.merges if m[0] < first_data_row]
    for r0, c0, r1, c1 in merges:
        value = grid[r0][c0] if c0 < width else ""
        for r in range(r0, min(r1, first_data_row - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                grid[r][c] = value
    if not merges:
        # Unmerged layout: a group label stands in its first column only, so carry
        # it right over the blanks of every header row but the lowest one.
        for r in range(first_data_row - 1):
            for c in range(1, width):
                above_same = r == 0 or grid[r - 1][c] == grid[r - 1][c - 1]
                if not grid[r][c] and grid[r][c - 1] and above_same:
                    grid[r][c] = grid[r][c - 1]
    spans = [[1] * width for _ in range(first_data_row)]
    if merges:
        for r0, c0, r1, c1 in merges:
            for r in range(r0, min(r1, first_data_row - 1) + 1):
                for c in range(c0, min(c1, width - 1) + 1):
                    spans[r][c] = c1 - c0 + 1
    else:
        # A run of equal text under equal cells above it is one (carried) label.
        for r in range(first_data_row):
            c = 0
            while c < width:
                end = c
                while end + 1 < width and all(
                    grid[k][end + 1] == grid[k][c] for k in range(r + 1)
                ):
                    end += 1
                for k in range(c, end + 1):
                    spans[r][k] = end - c + 1
                c = end + 1
    columns = []
    for c in range(width):
        cells: list[_Cell] = []
        for r in range(first_data_row):
            text = grid[r][c]
            if text and (not cells or cells[-1].text != text):
                cells.append(_Cell(r, text, spans[r][c]))
        columns.append(cells)
    return columns


@dataclass
class _Match:
    variant: _Variant
    header: str
    scope: str | None
    units: list[Unit]  # distinct stated units (zh and en); several = they disagree
    stated: list[str]  # how they were written


def _units_of(
    text: str, units: UnitTable, where: str, header: str, variable: str
) -> tuple[list[Unit], list[str]]:
    """Units stated in the bracketed tokens of one header cell (Chinese and English)."""
    found: list[Unit] = []
    written: list[str] = []
    for token in _bracket_tokens(text):
        token = token.strip()
        if not token:
            continue
        if _CJK.search(token):
            unit = units.parse_zh(token)
            if unit is None:
                cjk = re.sub(r"[^\u3400-\u9fff%‰]", "", token)
                if (
                    cjk
                    and len(cjk) <= 6
                    and any(ch in _UNIT_CHARS for ch in cjk)
                    and not units.is_zh_qualifier(token)
                ):
                    raise DataError(
                        f"{where}: the header {header!r} ({variable}) states the unit {token!r}, "
                        f"which {units.path} does not know. Add it there (unit, dimension, scale "
                        "in the base unit, source) if it is a unit."
                    )
                continue
        elif has_latin(token):
            unit = units.parse_en(token)
            if unit is None:
                continue
        else:
            unit = units.parse_zh(token)  # % and ‰
            if unit is None:
                continue
        found.append(unit)
        written.append(token)
    return found, written


def _match_column(
    cells: list[_Cell], header_map: HeaderMap, units: UnitTable, where: str
) -> _Match | None:
    """Match one column's header cells to a variable; read its scope and stated units."""
    scope_cells = [c for c in cells if _is_scope_only(c.text)]
    unit_cells = [c for c in cells if c not in scope_cells and _unit_only(c.text, units)]
    labels = [c for c in cells if c not in scope_cells and c not in unit_cells]
    if not labels:
        return None
    narrowest = min(c.span for c in labels)
    leaves = sorted((c for c in labels if c.span == narrowest), key=lambda c: -c.row)
    context = sorted((c for c in labels if c.span != narrowest), key=lambda c: (c.span, -c.row))
    context_keys = [zh_key(c.text) for c in labels]
    matches: dict[str, tuple[_Variant, str]] = {}
    for leaf in leaves:
        others = [k for c, k in zip(labels, context_keys, strict=True) if c is not leaf]
        if key := zh_key(leaf.text):
            for variant in header_map.match("zh", key, others):
                matches.setdefault(variant.variable, (variant, leaf.text))
        if key := en_key(leaf.text):
            for variant in header_map.match("en", key, []):
                matches.setdefault(variant.variable, (variant, leaf.text))
    if not matches:
        return None
    header = " / ".join(_one_line(c.text) for c in cells)
    if len(matches) > 1:
        both = "; ".join(
            f"{variable} (by {_one_line(text)!r}, header map line {variant.row})"
            for variable, (variant, text) in matches.items()
        )
        raise DataError(
            f"{where}: the header {header!r} matches two canonical variables: {both}. "
            "Fix the header or make the variants in ccsy_headers.csv distinct."
        )
    variant, _ = next(iter(matches.values()))
    scopes = {_scope_of(c.text) for c in scope_cells}
    if len(scopes) == 1:
        scope = scopes.pop()
    else:
        scope = next(
            (s for s in (_scope_of(c.text) for c in [*leaves, *context]) if s is not None), None
        )
    # Units from every cell (leaf, unit cells, context): where they disagree, be it Chinese
    # and English or a group and its leaf, the magnitude check decides.
    stated: list[Unit] = []
    written: list[str] = []
    for cell in (*leaves, *unit_cells, *context):
        if cell in unit_cells:
            unit = _unit_only(cell.text, units)
            found, said = ([unit], [cell.text]) if unit else ([], [])
        else:
            found, said = _units_of(cell.text, units, where, header, variant.variable)
        stated += found
        written += said
    distinct: list[Unit] = []
    for unit in stated:
        if all((unit.dimension, unit.scale) != (u.dimension, u.scale) for u in distinct):
            distinct.append(unit)
    return _Match(variant, header, scope, distinct, written)


# --------------------------------------------------------------------------- values


def _parse_value(value: object) -> tuple[float, bool, bool]:
    """(number, is_debris, from_text); blank and '-' are missing (NaN, not debris)."""
    if value is None:
        return np.nan, False, False
    if isinstance(value, bool):
        return np.nan, True, False
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return (number, False, False) if np.isfinite(number) else (np.nan, True, False)
    text = fold(value).replace(" ", "")
    if text in MISSING_TOKENS:
        return np.nan, False, False
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if _NUMBER.match(text):
        return float(text), False, True
    return np.nan, True, False


def _debris_cells(
    sheet: _Sheet, data_rows: list[tuple[int, int | None]], city_col: int
) -> list[tuple[int, int, int | None, str]]:
    """(row, column, code, text) of every non-numeric cell in the numeric columns.

    A column counts as numeric when most of its filled data cells are numbers,
    which leaves out the city column and English-name columns.
    """
    found = []
    rows = [(r, code, sheet.rows[r]) for r, code in data_rows]
    for c in range(len(sheet.rows[0]) if sheet.rows else 0):
        if c == city_col:
            continue
        debris_cells = []
        numeric = 0
        for r, code, row in rows:
            value = row[c]
            if value is None:
                continue
            if type(value) in (int, float):  # the common case, kept cheap
                numeric += 1
                continue
            number, debris, _ = _parse_value(value)
            if debris:
                debris_cells.append((r, c, code, _one_line(value)))
            elif not np.isnan(number):
                numeric += 1
        if debris_cells and numeric >= len(debris_cells):
            found.extend(debris_cells)
    return found


def _edition_year(path: Path, title_texts: Iterable[str]) -> tuple[int, int, str]:
    """(edition year, data year, how it was found) from title rows and file name."""
    title_year = None
    for text in title_texts:
        match = re.search(r"((?:19|20)\d{2})\s*年(?!鉴)", text)
        if match:
            title_year = int(match.group(1))
            break
    stem = fold(path.stem)
    named = re.search(r"(?:年鉴|yearbook|ccsy)\D{0,3}((?:19|20)\d{2})", stem, re.IGNORECASE)
    numbers = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", stem)
    file_edition = (
        int(named.group(1)) if named else (int(numbers[0]) if len(numbers) == 1 else None)
    )
    if title_year is not None and file_edition is not None and file_edition - 1 != title_year:
        raise DataError(
            f"{path}: the file name names the {file_edition} edition (data year "
            f"{file_edition - 1}), but the title row gives the data year {title_year}. "
            "Rename the file after its edition year (data year + 1)."
        )
    if title_year is not None:
        return title_year + 1, title_year, "title row"
    if file_edition is not None:
        return file_edition, file_edition - 1, "file name"
    raise DataError(
        f"{path}: cannot tell the edition year: the title rows state no year (such as "
        "'中国2005年地级以上城市数据') and the file name holds no single edition year "
        "(such as '中国城市统计年鉴2006.xlsx')."
    )


# --------------------------------------------------------------------------- one edition


@dataclass
class _Edition:
    info: dict
    path: Path
    sheet: str
    quality: list[dict]
    columns: dict[str, _Column]  # the column used per variable
    scoped: dict[tuple[str, str | None], _Column]  # the first column per (variable, scope)
    raw: dict[int, dict[int, float]]  # column index -> code -> number as printed
    rows_of: dict[int, int]  # code -> 0-based sheet row
    cells: dict[tuple[int, int], int]  # (code, column index) -> 0-based sheet row

    @property
    def year(self) -> int:
        return int(self.info["data_year"])

    def note(self, kind: str, message: str, **where: object) -> None:
        self.quality.append(
            {
                "file": self.info["file"],
                "sheet": self.sheet,
                "row": where.get("row"),
                "column": where.get("column"),
                "code": where.get("code"),
                "year": self.year,
                "variable": where.get("variable"),
                "kind": kind,
                "value": where.get("value"),
                "message": message,
            }
        )

    def where(self, column: _Column) -> str:
        return f"{self.path}, sheet {self.sheet!r}, column {column_letter(column.index)}"

    def series(self, column: _Column) -> pd.Series:
        """The column's values in canonical units (its factor applied), by code."""
        values = pd.Series(self.raw.get(column.index, {}), dtype="float64")
        return values * column.factor


def _data_sheet(path: Path, names: CityResolver, reader: str) -> tuple[_Sheet, int, int]:
    """The data sheet of a workbook, its city-name column and its first data row.

    Parameters
    ----------
    path : Path
        The workbook.
    names : CityResolver
        Resolver of the city names.
    reader : str
        Workbook reader (see :func:`import_ccsy`).

    Returns
    -------
    sheet : _Sheet
        The non-empty sheet with the most known city names in one column.
    city_col : int
        That column (0-based).
    first : int
        The first data row (0-based): the first whose city cell is a known
        city, province or total; the rows above it are the header.

    Raises
    ------
    DataError
        An empty workbook, no column of city names, or city names in the first row.
    """
    sheets = _read_workbook(path, reader)
    nonempty = [s for s in sheets if any(v is not None and _text(v) for row in s.rows for v in row)]
    if not nonempty:
        shown = ", ".join(repr(s.name) for s in sheets) or "none"
        raise DataError(f"{path}: the workbook is empty (sheets: {shown}); no data to import.")
    found = [(sheet, *_find_city_column(sheet, names)) for sheet in nonempty]
    sheet, city_col, hits = max(found, key=lambda item: item[2])
    if hits == 0:
        shown = ", ".join(repr(s.name) for s in nonempty)
        raise DataError(
            f"{path}: no column of city names found in any sheet ({shown}); the data sheet "
            "needs a column of prefecture-level city names such as 北京市, 石家庄市."
        )
    # First data row: the first row whose city cell is a known city, province or total.
    first = next(
        r
        for r, row in enumerate(sheet.rows)
        if names.classify(row[city_col]).kind in ("city", "outside", "province", "total")
    )
    if first == 0:
        raise DataError(
            f"{path}, sheet {sheet.name!r}: the city names start in row 1, so there are no "
            "header rows naming the variables."
        )
    return sheet, city_col, first


def _new_edition(
    path: Path, sheet: _Sheet, city_col: int, first: int, years: tuple[int, int]
) -> _Edition:
    """An edition with its year, from the title rows or file name, and no columns or rows yet.

    Parameters
    ----------
    path : Path
        The workbook.
    sheet : _Sheet
        Its data sheet.
    city_col : int
        The city-name column (0-based).
    first : int
        The first data row (0-based).
    years : (int, int)
        Allowed data years, inclusive.

    Returns
    -------
    _Edition
        With ``info`` holding the file, sheet, years, header rows and city column.

    Raises
    ------
    DataError
        A data year outside ``years``.
    """
    title_texts = [_text(v) for row in sheet.rows[:first] for v in row if v is not None]
    edition_year, year, year_source = _edition_year(path, title_texts)
    if not years[0] <= year <= years[1]:
        raise DataError(
            f"{path}: data year {year} (edition {edition_year}, from the {year_source}) is "
            f"outside the allowed years {years[0]}-{years[1]}."
        )
    info = {
        "file": path.name,
        "sheet": sheet.name,
        "edition_year": edition_year,
        "data_year": year,
        "year_source": year_source,
        "header_rows": f"1-{first}",
        "city_column": column_letter(city_col),
    }
    return _Edition(info, path, sheet.name, [], {}, {}, {}, {}, {})


def _candidate_column(
    index: int, cells: list[_Cell], header_map: HeaderMap, units: UnitTable, where: str
) -> _Column | None:
    """A workbook column matched to a variable, with its stated unit or the units to infer from.

    Parameters
    ----------
    index : int
        The column (0-based).
    cells : list of _Cell
        Its header cells.
    header_map : HeaderMap
        The header map.
    units : UnitTable
        The unit table.
    where : str
        File, sheet and column, for messages.

    Returns
    -------
    _Column or None
        None when no variable matches the header. The factor to canonical
        units is set when the header states one unit; otherwise the candidate
        units and the reason they are to be inferred.

    Raises
    ------
    DataError
        A stated unit of another dimension than the variable's (and the
        errors of :func:`_match_column`).
    """
    matched = _match_column(cells, header_map, units, where)
    if matched is None:
        return None
    variable = matched.variant.variable
    canonical = units.units[reference.variables().loc[variable, "unit"]]
    for unit, written in zip(matched.units, matched.stated, strict=False):
        if unit.dimension != canonical.dimension:
            raise DataError(
                f"{where}: the header {matched.header!r} ({variable}) states the unit "
                f"{written!r}, a unit of {unit.dimension}, but {variable} is measured in "
                f"{canonical.label} ({canonical.dimension})."
            )
    stated_unit: Unit | None
    candidates_u: tuple[Unit, ...]
    if len(matched.units) == 1:
        stated_unit, candidates_u, reason = matched.units[0], (), ""
    elif matched.units:
        stated_unit, candidates_u = None, tuple(matched.units)
        reason = "its units disagree (" + " vs ".join(repr(w) for w in matched.stated) + ")"
    else:
        stated_unit, candidates_u = None, tuple(units.of_dimension(canonical.dimension))
        reason = "it states no unit"
    column = _Column(
        index, variable, matched.scope, matched.header, matched.variant, stated_unit,
        candidates_u, reason,
    )  # fmt: skip
    if stated_unit is not None:
        column.factor = stated_unit.factor_to(canonical)
    return column


def _header_candidates(
    path: Path,
    sheet: _Sheet,
    city_col: int,
    first: int,
    header_map: HeaderMap,
    units: UnitTable,
) -> dict[str, list[_Column]]:
    """Every column of the sheet whose header matches a variable, by variable.

    Parameters
    ----------
    path : Path
        The workbook.
    sheet : _Sheet
        Its data sheet.
    city_col : int
        The city-name column (0-based), skipped.
    first : int
        The first data row (0-based): the header is the rows above.
    header_map : HeaderMap
        The header map.
    units : UnitTable
        The unit table.

    Returns
    -------
    dict
        Variable -> its matching columns, left to right.

    Raises
    ------
    DataError
        No header matches a variable (and the errors of :func:`_candidate_column`).
    """
    candidates: dict[str, list[_Column]] = {}
    for index, cells in enumerate(_header_cells(sheet, first)):
        if index == city_col or not cells:
            continue
        where = f"{path}, sheet {sheet.name!r}, column {column_letter(index)}"
        column = _candidate_column(index, cells, header_map, units, where)
        if column is not None:
            candidates.setdefault(column.variable, []).append(column)
    if not candidates:
        raise DataError(
            f"{path}, sheet {sheet.name!r}: none of the header cells above row {first + 1} "
            f"matches a variable of {header_map.path}; is this a CCSY prefecture-level workbook?"
        )
    return candidates


def _choose_columns(edition: _Edition, candidates: dict[str, list[_Column]]) -> None:
    """Choose one column per variable (全市 first), noting repeats, fallbacks and gaps.

    Fills ``edition.scoped`` (the first column per variable and scope) and
    ``edition.columns`` (the column used per variable).

    Parameters
    ----------
    edition : _Edition
        The edition, changed in place.
    candidates : dict
        Variable -> its matching columns (:func:`_header_candidates`).

    Returns
    -------
    None
    """
    note = edition.note
    for variable, options in candidates.items():
        for option in options:
            edition.scoped.setdefault((variable, option.scope), option)
        best_rank = min(_SCOPE_RANK[o.scope] for o in options)
        best = [o for o in options if _SCOPE_RANK[o.scope] == best_rank]
        chosen = edition.columns[variable] = best[0]
        letter_v = column_letter(chosen.index)
        for other in best[1:]:
            note(
                "duplicate_column",
                f"{variable}: column {column_letter(other.index)} repeats the header of "
                f"column {letter_v}; column {letter_v} is used.",
                column=column_letter(other.index),
                variable=variable,
                value=other.header,
            )
        if chosen.scope == _SCOPE_DISTRICTS:
            note(
                "scope_fallback",
                f"{variable}: the edition has no 全市 (whole-city) column; the 市辖区 "
                "(urban districts) series is used.",
                column=letter_v,
                variable=variable,
                value=chosen.header,
            )
        elif chosen.scope is None:
            note(
                "scope_unstated",
                f"{variable}: the header states neither 全市 nor 市辖区; taken as whole city.",
                column=letter_v,
                variable=variable,
                value=chosen.header,
            )
    for variable in reference.variables().index:
        if variable not in edition.columns:
            note("variable_missing", f"{variable}: no header of this edition matches it.",
                 variable=variable)  # fmt: skip


def _read_rows(
    edition: _Edition,
    sheet: _Sheet,
    city_col: int,
    first: int,
    names: CityResolver,
    wanted: set[int],
) -> tuple[dict[str, int], list[tuple[int, int | None]]]:
    """Resolve every city name, keep the roster cities' numbers, skip the rest with a reason.

    Fills ``edition.rows_of`` and ``edition.raw``.

    Parameters
    ----------
    edition : _Edition
        The edition, changed in place.
    sheet : _Sheet
        Its data sheet.
    city_col : int
        The city-name column (0-based).
    first : int
        The first data row (0-based).
    names : CityResolver
        Resolver of the city names.
    wanted : set of int
        The columns whose numbers are read (every candidate column).

    Returns
    -------
    counts : dict
        Rows by kind (``study``, ``other``, ``outside``, ``province_or_total``),
        names by resolution stage (``names_<stage>``), ``rows_skipped`` and
        ``numbers_from_text``.
    data_rows : list of (int, int or None)
        Each data row (not blank, not a footnote) with its city code (None
        for rows other than a roster city).

    Raises
    ------
    DataError
        An unresolved name that could be a study city, or a city listed twice
        with different numbers.
    """
    letter, year = column_letter(city_col), edition.year
    counts = {"study": 0, "other": 0, "outside": 0, "province_or_total": 0}
    counts.update({f"names_{stage}": 0 for stage in STAGES})
    counts["rows_skipped"] = 0
    counts["numbers_from_text"] = 0
    data_range = range(first, len(sheet.rows))
    resolved = names.resolve_column([sheet.rows[r][city_col] for r in data_range], year=year)
    blocks = names.blocks(resolved)
    present = {r.code for r in resolved if r.kind == "city" and r.code is not None}
    data_rows: list[tuple[int, int | None]] = []
    for r, resolution, block in zip(data_range, resolved, blocks, strict=True):
        row = sheet.rows[r]
        raw = row[city_col]
        kind, code = resolution.kind, resolution.code
        if kind in ("blank", "footnote"):
            continue
        data_rows.append((r, code if kind == "city" else None))
        if kind in ("province", "total"):
            counts["province_or_total"] += 1
            continue
        if kind == "unresolved":
            _unresolved(edition, names, resolution, block, present, r, letter, raw)
            counts["rows_skipped"] += 1
            continue
        counts[f"names_{resolution.stage}"] += 1
        if resolution.stage != "exact":
            _note_repair(edition, names, resolution, r, letter, raw)
        if kind == "outside":
            counts["outside"] += 1
            counts["rows_skipped"] += 1
            continue
        assert code is not None
        record: dict[int, float] = {}
        for index in wanted:
            number, _, from_text = _parse_value(row[index])
            record[index] = number
            counts["numbers_from_text"] += from_text
        if code in edition.rows_of:
            _merge_duplicate(edition, names, code, record, r, letter, raw)
            continue
        counts["study" if code in names.study else "other"] += 1
        edition.rows_of[code] = r
        for index, number in record.items():
            edition.raw.setdefault(index, {})[code] = number
    return counts, data_rows


def _note_debris(
    edition: _Edition, sheet: _Sheet, data_rows: list[tuple[int, int | None]], city_col: int
) -> None:
    """Note every non-numeric cell of a numeric column (left missing, or not imported).

    Parameters
    ----------
    edition : _Edition
        The edition, whose quality notes grow.
    sheet : _Sheet
        Its data sheet.
    data_rows : list of (int, int or None)
        The data rows and their codes (:func:`_read_rows`).
    city_col : int
        The city-name column (0-based).

    Returns
    -------
    None
    """
    variable_of = {column.index: v for v, column in edition.columns.items()}
    for r, c, code, value in _debris_cells(sheet, data_rows, city_col):
        debris_variable = variable_of.get(c)
        imported = debris_variable is not None and code is not None
        edition.note(
            "ocr_debris",
            f"{debris_variable or 'unmapped column'}: cell holds {value!r}, not a number; "
            + ("left missing." if imported else "the cell is not imported."),
            row=r + 1,
            column=column_letter(c),
            code=code,
            variable=debris_variable,
            value=value,
        )


def _parse_edition(
    path: Path,
    header_map: HeaderMap,
    names: CityResolver,
    units: UnitTable,
    years: tuple[int, int],
    reader: str = "auto",
) -> _Edition:
    """Read one edition workbook: its year, one column per variable, the roster cities' rows.

    Parameters
    ----------
    path : Path
        The workbook.
    header_map : HeaderMap
        The header map.
    names : CityResolver
        Resolver of the city names.
    units : UnitTable
        The unit table.
    years : (int, int)
        Allowed data years, inclusive.
    reader : str, default "auto"
        Workbook reader (see :func:`import_ccsy`).

    Returns
    -------
    _Edition
        With its columns, raw numbers, sheet rows, quality notes and the
        per-edition counts in ``info``; units not stated are inferred later
        (:func:`infer_units`).

    Raises
    ------
    DataError
        The errors of the steps, and a sheet with no roster city below the header.
    """
    sheet, city_col, first = _data_sheet(path, names, reader)
    edition = _new_edition(path, sheet, city_col, first, years)
    candidates = _header_candidates(path, sheet, city_col, first, header_map, units)
    _choose_columns(edition, candidates)
    wanted = {
        column.index for variable_columns in candidates.values() for column in variable_columns
    }
    counts, data_rows = _read_rows(edition, sheet, city_col, first, names, wanted)
    _note_debris(edition, sheet, data_rows, city_col)
    if not edition.rows_of:
        raise DataError(
            f"{path}, sheet {sheet.name!r}: no row below the header names a roster city "
            f"(column {column_letter(city_col)})."
        )
    edition.info.update(
        {
            "study_rows": counts["study"],
            "other_roster_rows": counts["other"],
            "outside_rows": counts["outside"],
            "province_or_total_rows": counts["province_or_total"],
            "variables": len(edition.columns),
            **{f"names_{stage}": counts[f"names_{stage}"] for stage in STAGES},
            "rows_skipped": counts["rows_skipped"],
            "units_inferred": 0,
            "numbers_from_text": counts["numbers_from_text"],
        }
    )
    _check_scopes(edition)
    return edition


def _unresolved(
    edition: _Edition,
    names: CityResolver,
    resolution: Resolution,
    block: str | None,
    present: set[int],
    r: int,
    letter: str,
    raw: object,
) -> None:
    """An unresolved name: an error if it could be a study city, else a skipped row."""
    could_be = names.could_be_study_city(resolution, block, present, edition.year)
    place = f"in the {block} block" if block else "outside any province block"
    if could_be:
        shown = ", ".join(f"{names.names[c]} ({c})" for c in could_be[:5])
        raise DataError(
            f"{edition.path}, sheet {edition.sheet!r}, row {r + 1}, column {letter}: the city "
            f"name {_one_line(raw)!r} ({place}) matches no prefecture-level city of the roster "
            f"at any stage (exact, alias, normalised, one character), and it could be a study "
            f"city absent from this edition: {shown}. If it is a misspelling, add it to "
            f"{reference_dir() / ALIASES_FILE} (name, code, kind, note, source)."
        )
    edition.note(
        "name_unresolved",
        f"city name {_one_line(raw)!r} ({place}) matches no prefecture-level city of the roster; "
        "it cannot be a study city (all of its block are present), so the row is skipped.",
        row=r + 1,
        column=letter,
        value=_one_line(raw),
    )


def _note_repair(
    edition: _Edition, names: CityResolver, resolution: Resolution, r: int, letter: str, raw: object
) -> None:
    code = resolution.code
    target = names.names.get(code, "") if code is not None else "outside the roster"
    how = {
        "alias": f"alias table ({resolution.alias.note})" if resolution.alias else "alias table",
        "normalised": "Unicode and CJK-variant normalisation",
        "one_char": f"unique one-character match in the {resolution.province} block",
    }[resolution.stage or "alias"]
    edition.note(
        "name_repair",
        f"city name {_one_line(raw)!r} read as {target!r} by stage {resolution.stage}: {how}.",
        row=r + 1,
        column=letter,
        code=code,
        value=_one_line(raw),
    )


def _merge_duplicate(
    edition: _Edition,
    names: CityResolver,
    code: int,
    record: dict[int, float],
    r: int,
    letter: str,
    raw: object,
) -> None:
    """A city listed twice: a municipality's province and city rows may agree; else an error."""
    first = edition.rows_of[code]
    previous = {i: values.get(code, np.nan) for i, values in edition.raw.items()}
    clash = [
        i
        for i, number in record.items()
        if pd.notna(previous.get(i)) and pd.notna(number) and not np.isclose(previous[i], number)
    ]
    if code not in names.municipalities or clash:
        raise DataError(
            f"{edition.path}, sheet {edition.sheet!r}: duplicate city-year: {_one_line(raw)!r} "
            f"(code {code}, year {edition.year}) appears in row {first + 1} and row {r + 1} "
            f"(column {letter})."
        )
    for i, number in record.items():
        if pd.isna(previous.get(i)):
            edition.raw.setdefault(i, {})[code] = number
    edition.note(
        "duplicate_row",
        f"municipality listed twice (province and city rows); rows {first + 1} and {r + 1} "
        "agree and are merged.",
        row=r + 1,
        column=letter,
        code=code,
        value=_one_line(raw),
    )


def _check_scopes(edition: _Edition) -> None:
    """Within one edition: a 市辖区 series above its 全市 series, or equal to it, is an error.

    Every canonical variable is an extensive total, so a city's urban districts
    never exceed the whole city; most cities have counties outside their
    districts, so the two series differ in most cities.
    """
    for variable in edition.columns:
        city = edition.scoped.get((variable, _SCOPE_CITY))
        districts = edition.scoped.get((variable, _SCOPE_DISTRICTS))
        if city is None or districts is None:
            continue
        a = pd.Series(edition.raw.get(city.index, {}), dtype="float64")
        b = pd.Series(edition.raw.get(districts.index, {}), dtype="float64")
        both = pd.concat([a, b], axis=1, keys=["city", "districts"]).dropna()
        both = both[(both["city"] > 0) & (both["districts"] > 0)]
        if len(both) < MIN_COMMON:
            continue
        above = float((both["districts"] > both["city"] * 1.001).mean())
        equal = float(np.isclose(both["districts"], both["city"], rtol=1e-9).mean())
        where = (
            f"{edition.path}, sheet {edition.sheet!r}, columns {column_letter(city.index)} "
            f"(全市) and {column_letter(districts.index)} (市辖区)"
        )
        if above > 0.5:
            raise DataError(
                f"{where}: {variable}: the 市辖区 (urban districts) value exceeds the 全市 "
                f"(whole city) value in {above:.0%} of {len(both)} cities, which a total cannot "
                f"do; the scope labels of header {city.header!r} look swapped. Check the header "
                "rows of this edition."
            )
        if equal > 0.9:
            raise DataError(
                f"{where}: {variable}: the 全市 (whole city) and 市辖区 (urban districts) columns "
                f"are equal in {equal:.0%} of {len(both)} cities; one series is printed twice "
                f"under both scopes (header {city.header!r}), so neither can be trusted."
            )


# --------------------------------------------------------------------------- across editions


def _log_ratios(a: pd.Series, b: pd.Series) -> np.ndarray:
    """log(a / b) over the cities where both are positive."""
    both = pd.concat([a, b], axis=1, keys=["a", "b"]).dropna()
    both = both[(both["a"] > 0) & (both["b"] > 0)]
    return np.log(both["a"].to_numpy() / both["b"].to_numpy())


def _band(gap: int) -> tuple[float, float]:
    """Allowed (low, high) log median city ratio between editions ``gap`` years apart.

    From 1 / :data:`EDITION_SHIFT` to the larger of :data:`EDITION_SHIFT` and
    :data:`MAX_ANNUAL_GROWTH` to the power ``gap``: nominal totals grow, so
    distant editions may differ more upwards, never by much downwards.
    """
    high = max(math.log(EDITION_SHIFT), abs(gap) * math.log(MAX_ANNUAL_GROWTH))
    return -math.log(EDITION_SHIFT), high


def _spread(log_ratios: np.ndarray) -> float:
    """Interquartile range of log city ratios: small when two series move together."""
    q1, q3 = np.percentile(log_ratios, [25, 75])
    return float(q3 - q1)


def _neighbours(
    editions: list[_Edition],
    edition: _Edition,
    variable: str,
    scope: str | None,
    *,
    stated_only: bool,
) -> list[tuple[_Edition, _Column]]:
    """The nearest earlier and later editions with ``variable`` in ``scope`` (and a known unit)."""
    found = []
    ordered = sorted(editions, key=lambda e: e.year)
    earlier = [e for e in ordered if e.year < edition.year]
    later = [e for e in ordered if e.year > edition.year]
    for side in (reversed(earlier), later):
        for other in side:
            column = other.scoped.get((variable, scope))
            if column is None or math.isnan(column.factor):
                continue
            if stated_only and (column.unit is None or column.inferred):
                continue
            found.append((other, column))
            break
    return found


def infer_units(editions: list[_Edition], units: UnitTable | None = None) -> None:
    """Give every column without a stated (or an agreed) unit its unit by magnitude.

    For each candidate unit (every unit of the variable's dimension when the
    header states none; the stated units when Chinese and English disagree),
    the values converted to the canonical unit must

    * fall inside the plausible range of ``variables.csv`` for all but
      :data:`RANGE_TOLERANCE` of the cities, and
    * where an adjacent edition states its unit for the same variable and
      scope, have a median city ratio to it inside the band of :func:`_band`.

    Exactly one candidate must pass; it is used and flagged ``unit_inferred``.

    Raises
    ------
    DataError
        When no candidate or several pass, naming the file, sheet, column,
        header and the candidates' outcomes.
    """
    units = units or unit_table()
    variables = reference.variables()
    for edition in editions:
        for column in {id(c): c for c in edition.scoped.values()}.values():
            if column.unit is not None:
                continue
            row = variables.loc[column.variable]
            canonical = units.units[row["unit"]]
            values = pd.Series(edition.raw.get(column.index, {}), dtype="float64").dropna()
            values = values[values > 0]
            neighbours = _neighbours(
                editions, edition, column.variable, column.scope, stated_only=True
            )
            outcomes, passing = [], []
            for candidate in column.candidates:
                factor = candidate.factor_to(canonical)
                converted = values * factor
                outside = (
                    float(((converted < row["min"]) | (converted > row["max"])).mean())
                    if len(converted)
                    else 1.0
                )
                medians = [
                    (float(np.median(ratios)), _band(edition.year - other.year))
                    for other, other_column in neighbours
                    if len(ratios := _log_ratios(converted, other.series(other_column)))
                    >= MIN_COMMON
                ]
                ok = outside <= RANGE_TOLERANCE and all(lo < m < hi for m, (lo, hi) in medians)
                said = f"{candidate.label}: {outside:.0%} outside the plausible range"
                if medians:
                    said += ", median ratio to adjacent editions " + ", ".join(
                        f"{math.exp(m):.3g}" for m, _ in medians
                    )
                outcomes.append(said)
                if ok:
                    passing.append((candidate, factor))
            if len(passing) != 1:
                verdict = "no candidate unit fits" if not passing else "several units fit"
                raise DataError(
                    f"{edition.where(column)}: the header {column.header!r} ({column.variable}) "
                    f"needs its unit inferred because {column.reason}, but the magnitude check "
                    f"is ambiguous: {verdict} ({'; '.join(outcomes)}). State the unit in the "
                    "header, or import this edition together with its adjacent editions."
                )
            column.unit, column.factor = passing[0]
            column.inferred = True
            if edition.columns.get(column.variable) is column:
                edition.info["units_inferred"] += 1
                edition.note(
                    "unit_inferred",
                    f"{column.variable}: {column.reason}; the magnitude check gives "
                    f"{column.unit.label} (x {column.factor:g} to {canonical.label}; "
                    f"{'; '.join(outcomes)}).",
                    column=column_letter(column.index),
                    variable=column.variable,
                    value=column.unit.label,
                )


def _break_between(
    variable: str,
    old: tuple[_Edition, _Column],
    new: tuple[_Edition, _Column],
    breaks: pd.DataFrame,
) -> str | None:
    """The documented definition break between two editions of a variable, if any."""
    (old_edition, old_column), (new_edition, new_column) = old, new
    if old_column.variant.definition != new_column.variant.definition:
        return (
            f"definition changes from {old_column.variant.definition!r} to "
            f"{new_column.variant.definition!r} (ccsy_headers.csv)"
        )
    rows = breaks[
        (breaks["variable"] == variable)
        & (breaks["first_year"] > old_edition.year)
        & (breaks["first_year"] <= new_edition.year)
    ]
    if len(rows):
        row = rows.iloc[0]
        return f"{row['definition']} from {row['first_year']} ({row['source']})"
    return None


def check_editions(
    editions: list[_Edition], *, shift_ratio: float = 3.0, breaks: pd.DataFrame | None = None
) -> list[dict]:
    """Edition-wide level shifts and scope swaps between adjacent editions.

    For each variable and each pair of adjacent editions that hold it (the
    column used in the later edition compared with the same scope in the
    earlier one, over the cities both hold):

    * a median city ratio outside the band of :func:`_band` (below
      1 / :data:`EDITION_SHIFT`, above :data:`EDITION_SHIFT` or the growth that
      :data:`MAX_ANNUAL_GROWTH` allows over the years between the editions), or
      more than :data:`EDITION_JUMP_SHARE` of the cities ``shift_ratio`` or
      more away from that median, is a level shift;
    * a 全市 series that follows the other edition's 市辖区 series city by
      city more closely than its 全市 series (the interquartile range of the
      log city ratios to 市辖区 below :data:`SWAP_SPREAD` times that to 全市;
      common growth cancels out of a spread) is a district-for-city swap.

    A level shift across a documented definition break (the header map's
    definitions differ, or ``definition_breaks.csv`` dates one between the two
    data years) is reported as a ``definition_break`` row; any other shift or
    swap is an error.

    Returns
    -------
    list of dict
        Quality rows (``definition_break``).

    Raises
    ------
    DataError
        Naming the file, sheet, column, header, variable, the adjacent edition
        and the median ratio.
    """
    breaks = load_definition_breaks() if breaks is None else breaks
    ordered = sorted(editions, key=lambda e: e.year)
    rows: list[dict] = []
    for variable in reference.variables().index:
        held = [(e, e.columns[variable]) for e in ordered if variable in e.columns]
        for (old, old_used), (new, new_used) in itertools.pairwise(held):
            # Compare like with like: the same scope in both, where both have it.
            for a, b, column in ((new, old, new_used), (old, new, old_used)):
                if column.scope != _SCOPE_CITY:
                    continue
                city_b = b.scoped.get((variable, _SCOPE_CITY))
                districts_b = b.scoped.get((variable, _SCOPE_DISTRICTS))
                if city_b is None or districts_b is None:
                    continue
                to_city = _log_ratios(a.series(column), b.series(city_b))
                to_districts = _log_ratios(a.series(column), b.series(districts_b))
                if min(len(to_city), len(to_districts)) < MIN_COMMON:
                    continue
                spread_city, spread_districts = _spread(to_city), _spread(to_districts)
                if spread_districts < SWAP_SPREAD * spread_city:
                    raise DataError(
                        f"{a.where(column)}: {variable}: the 全市 (whole-city) values of header "
                        f"{column.header!r} follow the 市辖区 (urban districts) series of "
                        f"{b.info['file']} ({b.year}) city by city, not its 全市 series "
                        f"(interquartile range of the log city ratios {spread_districts:.3g} to "
                        f"市辖区, {spread_city:.3g} to 全市): this edition's whole-city column "
                        "holds the district series. Check its header rows."
                    )
            scope = new_used.scope
            old_same = old.scoped.get((variable, scope))
            if old_same is None:
                continue  # a scope fallback: no like-for-like comparison (reported as such)
            ratios = _log_ratios(new.series(new_used), old.series(old_same))
            if len(ratios) < MIN_COMMON:
                continue
            median = float(np.median(ratios))
            jumps = float((np.abs(ratios - median) >= math.log(shift_ratio)).mean())
            low, high = _band(new.year - old.year)
            if low < median < high and jumps <= EDITION_JUMP_SHARE:
                continue
            documented = _break_between(variable, (old, old_same), (new, new_used), breaks)
            said = (
                f"median city ratio {math.exp(median):.3g} to {old.info['file']} ({old.year}; "
                f"allowed {math.exp(low):.3g}-{math.exp(high):.3g}) over {len(ratios)} "
                f"cities, {jumps:.0%} of them {shift_ratio:g}x or more away from that median"
            )
            if documented is None:
                raise DataError(
                    f"{new.where(new_used)}: {variable}: edition-wide level shift of the "
                    f"header {new_used.header!r} ({_SCOPE_WORDS[scope]}, unit "
                    f"{new_used.unit.label if new_used.unit else '?'}): {said}. A unit or scope "
                    "error is likely; if it is a real definition break, add it with its source "
                    f"to {reference_dir() / BREAKS_FILE}."
                )
            rows.append(
                {
                    "file": new.info["file"],
                    "sheet": new.sheet,
                    "row": None,
                    "column": column_letter(new_used.index),
                    "code": None,
                    "year": new.year,
                    "variable": variable,
                    "kind": "definition_break",
                    "value": documented,
                    "message": f"{variable}: edition-wide level change ({said}) across a "
                    f"documented definition break: {documented}; values are not comparable "
                    "across it.",
                }
            )
    return rows


def _header_changes(editions: list[_Edition]) -> list[dict]:
    """Renamed headers and definition breaks between consecutive editions."""
    rows = []
    ordered = sorted(editions, key=lambda e: e.year)
    for variable in reference.variables().index:
        previous: tuple[_Edition, _Column] | None = None
        for edition in ordered:
            column = edition.columns.get(variable)
            if column is None:
                continue
            if previous is not None:
                old_edition, old = previous
                base = {
                    "file": edition.info["file"],
                    "sheet": edition.sheet,
                    "row": None,
                    "column": column_letter(column.index),
                    "code": None,
                    "year": edition.year,
                    "variable": variable,
                }
                old_year = old_edition.year
                if old.variant.header != column.variant.header:
                    rows.append(
                        {
                            **base,
                            "kind": "renamed_header",
                            "value": column.variant.header,
                            "message": f"{variable}: header {old.variant.header!r} "
                            f"({old_year}) renamed {column.variant.header!r} ({edition.year}).",
                        }
                    )
                if old.variant.definition != column.variant.definition:
                    rows.append(
                        {
                            **base,
                            "kind": "definition_break",
                            "value": column.variant.definition,
                            "message": f"{variable}: definition changes from "
                            f"{old.variant.definition!r} ({old_year}) to "
                            f"{column.variant.definition!r} ({edition.year}); "
                            "values are not comparable across the break.",
                        }
                    )
            previous = (edition, column)
    return rows


def flag_jumps(
    panel: pd.DataFrame,
    provenance: pd.DataFrame | None = None,
    *,
    dip_ratio: float = 1.8,
    shift_ratio: float = 3.0,
    notes: dict[tuple[str, int], str] | None = None,
) -> pd.DataFrame:
    """Flag implausible year-on-year movements; values are never changed.

    For each city and variable, consecutive observed values a, b, c are checked:

    * dip: ``b * dip_ratio <= min(a, c)`` (e.g. library books halving, then recovering);
    * spike: ``b >= dip_ratio * max(a, c)``;
    * shift: ``max(a, b) / min(a, b) >= shift_ratio`` between neighbours, when not
      part of a dip or spike (a level change such as a definition or unit break).

    Parameters
    ----------
    panel : DataFrame
        Canonical panel.
    provenance : DataFrame, optional
        :attr:`CcsyImport.provenance`, to name file, sheet, row and column.
    dip_ratio, shift_ratio : float
        Thresholds (> 1).
    notes : dict, optional
        (variable, year) -> explanation (a definition break, a 市辖区 fallback)
        appended to the message of any flag whose years include that year.

    Returns
    -------
    DataFrame
        Quality rows of kind ``implausible_jump``.
    """
    variables = [c for c in panel.columns if c not in KEY]
    long = panel.melt(id_vars=KEY, value_vars=variables, var_name="variable").dropna()
    long = long.sort_values(["code", "variable", "year"], kind="stable").reset_index(drop=True)
    group = long.groupby(["code", "variable"], sort=False)
    value = long["value"]
    prev_value, next_value = group["value"].shift(1), group["value"].shift(-1)
    prev_year, next_year = group["year"].shift(1), group["year"].shift(-1)
    positive = (value > 0) & (prev_value > 0) & (next_value > 0)
    dip = positive & (value * dip_ratio <= np.minimum(prev_value, next_value))
    spike = positive & ~dip & (value >= dip_ratio * np.maximum(prev_value, next_value))
    pattern = dip | spike
    # Cells next to a dip or spike belong to it; a step into or out of it is no shift.
    involved = pattern | pattern.groupby([long["code"], long["variable"]]).shift(
        1, fill_value=False
    )
    involved |= pattern.groupby([long["code"], long["variable"]]).shift(-1, fill_value=False)
    involved_prev = involved.groupby([long["code"], long["variable"]]).shift(1, fill_value=False)
    pair_ok = (value > 0) & (prev_value > 0)
    ratio = np.maximum(value, prev_value) / np.minimum(value, prev_value)
    shift = pair_ok & (ratio >= shift_ratio) & ~(involved & involved_prev)

    def fmt(v: float, y: float) -> str:
        return f"{significant(v, 6)} ({int(y)})"

    notes = notes or {}

    def explain(variable: str, *years: float) -> str:
        said = [notes[(variable, int(y))] for y in years if (variable, int(y)) in notes]
        return "".join(f" ({text})" for text in dict.fromkeys(said))

    messages = pd.Series("", index=long.index)
    for mask, label in ((dip, "one-year dip"), (spike, "one-year spike")):
        for i in long.index[mask]:
            year, variable = long.at[i, "year"], long.at[i, "variable"]
            messages[i] = (
                f"{label}: {fmt(prev_value[i], prev_year[i])}, {fmt(value[i], year)}, "
                f"{fmt(next_value[i], next_year[i])}" + explain(variable, year, next_year[i])
            )
    for i in long.index[shift & ~pattern]:
        year, variable = long.at[i, "year"], long.at[i, "variable"]
        messages[i] = (
            f"level shift: {fmt(prev_value[i], prev_year[i])} to {fmt(value[i], year)}, "
            f"ratio {ratio[i]:.2f}" + explain(variable, year)
        )
    flagged = long[messages != ""].copy()
    flagged["message"] = (
        flagged["variable"] + ": " + messages[messages != ""] + "; value kept as published."
    )
    flagged["kind"] = "implausible_jump"
    if provenance is not None and len(provenance):
        origin = provenance[["code", "year", "variable", "file", "sheet", "row", "column"]]
        flagged = flagged.merge(origin, on=["code", "year", "variable"], how="left")
    return flagged.reindex(columns=QUALITY_COLUMNS).reset_index(drop=True)


def coverage_table(panel: pd.DataFrame) -> pd.DataFrame:
    """Share of roster cities with a value, by cluster, variable and year.

    Cities outside the three clusters are counted under ``other``.

    Returns
    -------
    DataFrame
        Columns ``cluster``, ``variable``, ``year``, ``n_cities``, ``n_present``,
        ``share`` (n_present / n_cities, 0-1).
    """
    roster = reference.prefectures()["cluster"]
    variables = [c for c in panel.columns if c not in KEY]
    long = panel.melt(id_vars=KEY, value_vars=variables, var_name="variable")
    long["cluster"] = long["code"].map(roster).fillna("other")
    long["present"] = long["value"].notna()
    table = (
        long.groupby(["cluster", "variable", "year"], sort=True)["present"]
        .agg(n_cities="size", n_present="sum")
        .reset_index()
    )
    table["n_present"] = table["n_present"].astype("int64")
    table["share"] = table["n_present"] / table["n_cities"]
    return table


# --------------------------------------------------------------------------- public API


def _withhold_implausible(edition: _Edition, frame: pd.DataFrame) -> None:
    """Outside the study cities, a value outside the plausible range is reported and withheld.

    For a study city it stays and fails validation (an error naming the row);
    for another roster city, which no chapter analyses, it is reported as
    ``implausible_value`` and left missing, so that one cell of a control city
    cannot stop the import.
    """
    variables = reference.variables()
    study = set(reference.cities().index)
    for variable, column in edition.columns.items():
        low, high = float(variables.loc[variable, "min"]), float(variables.loc[variable, "max"])
        values = frame[variable]
        bad = values.notna() & ((values < low) | (values > high)) & ~frame["code"].isin(study)
        for code in frame.index[bad]:
            value = float(frame.at[code, variable])
            edition.note(
                "implausible_value",
                f"{variable}: {value:g} {variables.loc[variable, 'unit']} is outside the "
                f"plausible range {low:g}-{high:g} of variables.csv; withheld (left missing) "
                "for this city outside the study clusters.",
                row=edition.rows_of[int(code)] + 1,
                column=column_letter(column.index),
                code=int(code),
                variable=variable,
                value=f"{value:g}",
            )
            frame.at[code, variable] = np.nan


def _grid(roster: pd.DataFrame, editions: list[_Edition]) -> pd.DataFrame:
    """City-years of the panel: each roster city in each data year in which it existed.

    A city exists from its ``first_year`` to its ``last_year``; any city-year an
    edition lists is added.
    """
    rows = []
    for edition in editions:
        year = edition.year
        for code, city in roster.iterrows():
            first = city.get("first_year", pd.NA)
            last = city.get("last_year", pd.NA)
            existed = (pd.isna(first) or first <= year) and (pd.isna(last) or year <= last)
            if existed or code in edition.rows_of:
                rows.append((int(code), year))
    return pd.DataFrame(rows, columns=KEY)


def import_ccsy(
    directory: str | os.PathLike,
    *,
    years: tuple[int, int] = DEFAULT_YEARS,
    roster: str = "national",
    header_map: str | os.PathLike | None = None,
    aliases: str | os.PathLike | None = None,
    dip_ratio: float = 1.8,
    shift_ratio: float = 3.0,
    reader: str = "auto",
) -> CcsyImport:
    """Import every CCSY prefecture-level edition workbook in ``directory``.

    Parameters
    ----------
    directory : path
        A directory of workbooks (``.xlsx``, ``.xlsm``, ``.xls``; one edition
        each), or one workbook.
    years : (int, int)
        Allowed data years, inclusive; a workbook outside them is an error.
    roster : {"national", "study"}
        ``national`` (default) keeps every prefecture-level city of
        :func:`inertia.data.reference.prefectures`; ``study`` keeps the 63
        cities of the three clusters. Names are resolved against the national
        roster either way.
    header_map, aliases : path, optional
        Override ``data/reference/ccsy_headers.csv`` and ``city_aliases.csv``.
    dip_ratio, shift_ratio : float
        Thresholds of :func:`flag_jumps` (``shift_ratio`` also counts the
        cities of an edition-wide jump, see :func:`check_editions`).
    reader : {"auto", "calamine", "openpyxl"}
        Workbook reader; ``auto`` uses python-calamine when it is installed
        (.xls is always read with python-calamine).

    Returns
    -------
    CcsyImport
        Validated panel, quality report, coverage, editions (with the
        per-edition counts :data:`EDITION_COUNTS`), provenance and roster.

    Raises
    ------
    DataError
        For a missing path, a non-workbook, an empty workbook, no city column,
        an unresolved city name that could be a study city, a duplicate
        city-year, an unknown unit or one of another dimension, an ambiguous
        magnitude check, an edition-wide level shift or scope swap, a year
        outside ``years``, a header matching two variables, or a panel that
        fails :func:`inertia.data.schema.validate_panel`. The message names
        the file and, where it applies, the sheet, row, column and value.
    """
    if roster not in ROSTERS:
        raise DataError(f"roster must be one of {ROSTERS}, not {roster!r}.")
    source = Path(directory)
    files = _workbook_files(source)
    hmap = load_header_map(Path(header_map) if header_map else None)
    units = unit_table()
    names = CityResolver(load_aliases(Path(aliases) if aliases else None))
    editions = [_parse_edition(path, hmap, names, units, years, reader) for path in files]
    seen: dict[int, str] = {}
    for edition in editions:
        if edition.year in seen:
            raise DataError(
                f"Duplicate city-years: {seen[edition.year]} and {edition.info['file']} in "
                f"{source} both hold data year {edition.year}; keep one workbook per edition."
            )
        seen[edition.year] = edition.info["file"]
    infer_units(editions, units)
    checked = check_editions(editions, shift_ratio=shift_ratio)

    variables = list(reference.variables().index)
    table = reference.national_roster() if roster == "national" else reference.cities()
    if roster == "study":
        table = table.join(reference.prefectures()[["first_year", "last_year"]], how="left")
    keep = set(int(code) for code in table.index)
    parts, provenance = [], []
    for edition in editions:
        frame = pd.DataFrame(
            {v: edition.series(c) for v, c in edition.columns.items()}, dtype="float64"
        ).reindex(columns=variables)
        frame = frame[frame.index.isin(keep)]
        frame.insert(0, "year", edition.year)
        frame.insert(0, "code", frame.index.astype("int64"))
        for variable, column in edition.columns.items():
            canonical = reference.variables().loc[variable, "unit"]
            if column.factor != 1 and not column.inferred:
                assert column.unit is not None, "a stated unit is set when the column is matched"
                edition.note(
                    "unit_conversion",
                    f"{variable}: header unit {column.unit.label} converted to {canonical} "
                    f"(x {column.factor:g}).",
                    column=column_letter(column.index),
                    variable=variable,
                    value=column.unit.label,
                )
        _withhold_implausible(edition, frame)
        # Validate each edition on its own so that an error names the file and sheet row.
        named = frame.set_index(pd.Index([edition.rows_of[c] + 1 for c in frame["code"]]))
        named[["code", "year"]] = named[["code", "year"]].astype("int64")
        validate_panel(
            named,
            source=f"{edition.path} (sheet {edition.sheet!r}; row = sheet row)",
            years=years,
        )
        parts.append(frame.reset_index(drop=True))
        for code in frame["code"]:
            for variable, column in edition.columns.items():
                provenance.append(
                    {
                        "code": int(code),
                        "year": edition.year,
                        "variable": variable,
                        "file": edition.info["file"],
                        "sheet": edition.sheet,
                        "row": edition.rows_of[int(code)] + 1,
                        "column": column_letter(column.index),
                        "header": column.header,
                        "scope": _SCOPE_WORDS[column.scope],
                        "unit": column.unit.label if column.unit else "",
                        "factor": column.factor,
                    }
                )
        for code in sorted(keep - set(edition.rows_of)):
            city = table.loc[code]
            first, last = city.get("first_year", pd.NA), city.get("last_year", pd.NA)
            if (pd.isna(first) or first <= edition.year) and (
                pd.isna(last) or edition.year <= last
            ):
                edition.note(
                    "city_missing",
                    f"prefecture-level city {city['name_zh']} is not in this edition.",
                    code=code,
                )
    grid = _grid(table, editions)
    panel = grid.merge(pd.concat(parts, ignore_index=True), on=KEY, how="left")
    panel[variables] = panel[variables].astype("float64")
    panel = validate_panel(panel, source=str(source), years=years)

    provenance_table = pd.DataFrame(
        provenance,
        columns=["code", "year", "variable", "file", "sheet", "row", "column", "header",
                 "scope", "unit", "factor"],
    )  # fmt: skip
    quality_rows = [row for edition in editions for row in edition.quality]
    quality_rows += _header_changes(editions) + checked
    notes = {}
    for row in quality_rows:
        if row["kind"] == "definition_break":
            notes[(row["variable"], row["year"])] = f"definition break in {row['year']}"
        elif row["kind"] == "scope_fallback":
            notes[(row["variable"], row["year"])] = f"{row['year']} value is the 市辖区 series"
    jumps = flag_jumps(
        panel, provenance_table, dip_ratio=dip_ratio, shift_ratio=shift_ratio, notes=notes
    )
    quality = pd.concat(
        [pd.DataFrame(quality_rows, columns=QUALITY_COLUMNS), jumps], ignore_index=True
    )
    quality["code"] = quality["code"].astype("Int64")
    quality["row"] = quality["row"].astype("Int64")
    quality["year"] = quality["year"].astype("Int64")
    quality = quality.sort_values(["year", "file", "kind", "variable", "row"], kind="stable")
    editions_table = pd.DataFrame([e.info for e in editions]).sort_values("data_year")
    return CcsyImport(
        panel=panel,
        quality=quality.reset_index(drop=True),
        coverage=coverage_table(panel),
        editions=editions_table.reset_index(drop=True),
        provenance=provenance_table,
        roster=table.loc[sorted(set(panel["code"]) & keep)],
    )


def write_import(result: CcsyImport, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write ``panel.parquet``, ``quality.csv``, ``coverage.csv`` and ``editions.csv`` atomically.

    ``editions.csv`` holds one row per workbook with the per-edition counts of
    the quality report (:data:`EDITION_COUNTS`). The panel is validated again
    first; every file is written to a temporary file in ``out_dir`` and moved
    into place only when all are written (:func:`inertia.io.atomic_write_all`),
    so a failure leaves the previous outputs intact.

    Returns
    -------
    dict
        Output name -> path.
    """
    out = Path(out_dir)
    panel = validate_panel(result.panel, source="the CCSY import")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"Cannot create the output directory {out}: {exc}.") from None
    writers = {
        "panel.parquet": lambda p: panel.to_parquet(p, index=False),
        "quality.csv": lambda p: result.quality.to_csv(p, index=False),
        "coverage.csv": lambda p: result.coverage.to_csv(p, index=False),
        "editions.csv": lambda p: result.editions.to_csv(p, index=False),
    }
    try:
        atomic_write_all({out / name: write for name, write in writers.items()})
    except OSError as exc:
        raise DataError(f"Cannot write the CCSY import to {out}: {_one_line(exc)}.") from None
    return {name: out / name for name in writers}


def run_import(src_dir: Path, out_dir: Path) -> CcsyImport:
    """Import, validate and write: the body of ``inertia data import-ccsy DIR``."""
    result = import_ccsy(src_dir)
    write_import(result, out_dir)
    return result
