"""Importer for China City Statistical Yearbook (CCSY) prefecture-level workbooks.

Researchers usually hold the CCSY as one "cross-section" workbook per edition:
one sheet of some 120-260 columns, 4-6 merged header rows whose layout changes
from edition to edition, paired 全市 (whole city) / 市辖区 (urban districts)
columns, province subtotal rows among the cities, and OCR debris. This module
turns a directory of such workbooks into the canonical panel (see
:mod:`inertia.data.schema`) plus a quality report, and never changes a value
silently:

* the data sheet, the header rows, the city column and the units are found by
  content, not by position, so that other editions import too;
* headers are mapped to canonical variables through
  ``data/reference/ccsy_headers.csv`` (header variant -> variable, unit,
  conversion factor to the canonical unit of ``variables.csv``, definition);
* city names are mapped to the roster's six-digit codes; names outside the
  roster (the other ~230 prefecture-level cities, historical names, known OCR
  misspellings) are listed in ``data/reference/city_aliases.csv``; any other
  name is an error;
* every repair, unit conversion, fallback to the 市辖区 series, renamed header,
  definition break, OCR debris cell and implausible jump is a row of the
  quality report (file, sheet, row, column, code, year, variable, kind, value,
  message).

The data year is the edition year minus one (the 2006 edition reports 2005).

How a workbook is read
----------------------
1. The data sheet is the sheet whose richest column holds the most known city
   names (roster, ``city_aliases.csv``); a promotional sheet has none.
2. The header rows are the rows above the first row whose name cell is a known
   city, province or total. Merged ranges are filled in (from the sheet XML or
   python-calamine); an unmerged layout has its group labels carried right.
3. Each column's header path (its header cells, top to bottom) gives:
   the *scope* (the lowest cell naming 全市/Total City or 市辖区/Districts under
   City, e.g. ``财政(全市)``); the *leaf* (the lowest Chinese label that is not a
   scope word); the *unit* (the first parenthesised unit token such as
   ``(万元)``, searched in the leaf, the cells below it, then upwards).
4. The leaf matches a map row when their keys are equal: the Chinese key keeps
   only CJK characters outside parentheses (``医院.卫生院床位数(张)`` ->
   ``医院卫生院床位数``); ``A>B`` rows also need ``A`` in a cell above (the 2006
   layout ``专任教师数(人) / 普通中学``). English rows match the English part of
   bilingual headers; Chinese and English naming different variables is an
   error. The factor comes from the (variable, unit) pair; a row with an empty
   unit is the assumption used when a header states none.

python-calamine imports the seven real editions in about 1 s, openpyxl's
read-only mode in about 3.5 s; both give identical results.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from inertia.data import reference
from inertia.data.schema import KEY, validate_panel
from inertia.errors import DataError
from inertia.paths import reference_dir

HEADER_MAP_FILE = "ccsy_headers.csv"
ALIASES_FILE = "city_aliases.csv"
DEFAULT_YEARS: tuple[int, int] = (1990, 2035)
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
    "implausible_jump",
    "definition_break",
    "scope_fallback",
    "scope_unstated",
    "unit_conversion",
    "unit_assumed",
    "renamed_header",
    "name_repair",
    "duplicate_column",
    "duplicate_row",
    "city_missing",
    "variable_missing",
)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
MISSING_TOKENS = frozenset({"", "-", "--", "—", "——", "－", "…", "...", "……"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_NON_CJK = re.compile(r"[^\u3400-\u9fff]")
_NON_LETTER = re.compile(r"[^a-z]")
_PARENS = re.compile(r"\([^()]*\)")
_NUMBERING = re.compile(r"^(\d+[.、．]|\(\d+\)|[一二三四五六七八九十]+[、.])")
# Characters that make a parenthesised token a unit: (万元), (张), (千册、件), (%).
_UNIT_CHARS = frozenset("元人张册件辆顷米里吨户个所次时处床%‰")
_SCOPE_CITY = "city"
_SCOPE_DISTRICTS = "districts"
_SCOPE_RANK = {_SCOPE_CITY: 0, None: 1, _SCOPE_DISTRICTS: 2}
_MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆"})
_PROVINCES = frozenset(
    {
        "河北",
        "山西",
        "内蒙古",
        "辽宁",
        "吉林",
        "黑龙江",
        "江苏",
        "浙江",
        "安徽",
        "福建",
        "江西",
        "山东",
        "河南",
        "湖北",
        "湖南",
        "广东",
        "广西",
        "海南",
        "四川",
        "贵州",
        "云南",
        "西藏",
        "陕西",
        "甘肃",
        "青海",
        "宁夏",
        "新疆",
        "台湾",
        "香港",
        "澳门",
    }
)
_TOTAL_WORDS = ("合计", "总计", "全国")
_FOOTNOTE_PREFIXES = ("注", "资料来源", "说明", "备注", "数据来源")


# --------------------------------------------------------------------------- results


@dataclass
class CcsyImport:
    """Result of :func:`import_ccsy`.

    Attributes
    ----------
    panel : DataFrame
        The validated canonical panel (``code``, ``year``, 17 variables), one row
        per roster city and data year; NaN where the edition lacks the value.
    quality : DataFrame
        The quality report, columns :data:`QUALITY_COLUMNS`.
    coverage : DataFrame
        Share of roster cities with a value, by cluster, variable and year
        (see :func:`coverage_table`).
    editions : DataFrame
        One row per workbook: file, sheet, edition and data year, header rows,
        city column, and how many rows were roster cities, other cities and
        province or total rows.
    provenance : DataFrame
        Where each panel value came from: code, year, variable, file, sheet,
        row, column, header, unit and factor.
    """

    panel: pd.DataFrame
    quality: pd.DataFrame
    coverage: pd.DataFrame
    editions: pd.DataFrame
    provenance: pd.DataFrame = field(default_factory=pd.DataFrame)

    def issues(self, kind: str) -> pd.DataFrame:
        """Rows of the quality report of one ``kind``."""
        return self.quality[self.quality["kind"] == kind]

    def summary(self) -> str:
        """A few lines on what was imported and what the quality report lists."""
        years = sorted(self.panel["year"].unique().tolist())
        counts = self.quality["kind"].value_counts().sort_index()
        lines = [
            f"Imported {len(self.editions)} edition(s): {self.panel['code'].nunique()} roster "
            f"cities x {len(years)} data years ({', '.join(map(str, years))}), "
            f"{len(self.panel)} city-years.",
            "Quality report: "
            + (", ".join(f"{n} {kind}" for kind, n in counts.items()) or "nothing flagged")
            + " (see quality.csv; no value was changed).",
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Variant:
    """One row of the header map."""

    row: int
    header: str
    variable: str
    unit: str
    factor: float
    definition: str
    language: str  # "zh" or "en"
    key: str
    context: str


@dataclass(frozen=True)
class HeaderMap:
    """The header map of ``ccsy_headers.csv``, indexed for matching."""

    path: Path
    variants: tuple[_Variant, ...]
    factors: dict[tuple[str, str], float]

    def match(self, language: str, key: str, ancestors: Sequence[str]) -> list[_Variant]:
        """Variants whose key equals ``key`` and whose context is among ``ancestors``."""
        return [
            variant
            for variant in self.variants
            if variant.language == language
            and variant.key == key
            and (not variant.context or any(variant.context in a for a in ancestors))
        ]


@dataclass(frozen=True)
class _Alias:
    name: str
    code: int | None  # None = outside the roster
    kind: str
    note: str


@dataclass(frozen=True)
class _Column:
    """A data column of a workbook matched to a canonical variable."""

    index: int
    variable: str
    scope: str | None
    header: str
    variant: _Variant
    unit: str
    factor: float


@dataclass
class _Sheet:
    name: str
    rows: list[tuple]
    merges: list[tuple[int, int, int, int]]


# --------------------------------------------------------------------------- text helpers


def _text(value: object) -> str:
    """Cell value as NFKC-normalised text (full-width brackets, digits, spaces folded)."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _one_line(value: object) -> str:
    """Cell text with every run of whitespace (line breaks too) folded to one space."""
    return re.sub(r"\s+", " ", _text(value))


def _strip_parens(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _PARENS.sub("", text)
    return text


def zh_key(text: str) -> str:
    """Matching key of a Chinese header: its CJK characters outside parentheses.

    ``'医院、卫生院床位数(张)'`` and ``'医院.卫生院床位数 (张) Number of Beds'``
    both give ``'医院卫生院床位数'``.
    """
    key = _NON_CJK.sub("", _strip_parens(_text(text)))
    return key.removeprefix("其中")


def en_key(text: str) -> str:
    """Matching key of an English header: lower-case letters outside parentheses."""
    key = _NON_LETTER.sub("", _strip_parens(_text(text)).lower())
    for scope_phrase in ("totalcity", "districtsundercity"):
        key = key.replace(scope_phrase, "")
    return key


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
    return zh_key(text) in ("", "全市", "市辖区") and en_key(text) == ""


def _unit_tokens(text: str) -> list[str]:
    """Parenthesised unit tokens of a header, normalised to CJK plus % and ‰."""
    tokens = []
    for inner in re.findall(r"\(([^()]*)\)", _text(text)):
        token = re.sub(r"[^\u3400-\u9fff%‰]", "", inner)
        if token and len(token) <= 6 and any(ch in _UNIT_CHARS for ch in token):
            tokens.append(token)
    return tokens


def normalise_unit(unit: str) -> str:
    """Unit as the header map stores it: CJK plus % and ‰ (``千册、件`` -> ``千册件``)."""
    return re.sub(r"[^\u3400-\u9fff%‰]", "", _text(unit))


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _name_key(text: str) -> str:
    """City-name key: CJK characters without numbering and without a final 市."""
    clean = re.sub(r"\s+", "", _text(text))
    clean = _NUMBERING.sub("", clean)
    key = _NON_CJK.sub("", clean)
    if key.endswith("市") and len(key) > 2:
        key = key[:-1]
    return key


# --------------------------------------------------------------------------- reference tables


def load_header_map(path: Path | None = None) -> HeaderMap:
    """Read and check the header map (``data/reference/ccsy_headers.csv``).

    Raises
    ------
    DataError
        If a row names an unknown variable, has a non-positive factor, gives one
        variable two factors for the same unit, or maps one header to two
        variables.
    """
    path = Path(path) if path is not None else reference_dir() / HEADER_MAP_FILE
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise DataError(f"Cannot read the CCSY header map {path}: {_one_line(exc)}.") from None
    required = {"header", "variable", "unit", "factor", "definition"}
    if missing := required - set(table.columns):
        raise DataError(f"The CCSY header map {path} lacks the columns {sorted(missing)}.")
    known = set(reference.variables().index)
    variants: list[_Variant] = []
    factors: dict[tuple[str, str], float] = {}
    owner: dict[tuple[str, str, str], tuple[str, int]] = {}
    for number, row in enumerate(table.itertuples(index=False), start=2):
        where = f"The CCSY header map {path}, line {number}"
        if row.variable not in known:
            raise DataError(
                f"{where}, names the variable {row.variable!r}, which is not in variables.csv."
            )
        try:
            factor = float(row.factor)
        except ValueError:
            factor = float("nan")
        if not np.isfinite(factor) or factor <= 0:
            raise DataError(
                f"{where}, has the factor {row.factor!r}; it must be a positive number."
            )
        context, _, leaf = row.header.rpartition(">")
        language = "zh" if _CJK.search(leaf) else "en"
        key = zh_key(leaf) if language == "zh" else en_key(leaf)
        if not key:
            raise DataError(f"{where}, has the header {row.header!r}, which has no text to match.")
        unit = normalise_unit(row.unit)
        previous = factors.setdefault((row.variable, unit), factor)
        if not np.isclose(previous, factor):
            raise DataError(
                f"{where}, gives {row.variable} in unit {row.unit!r} the factor {factor}, "
                f"but an earlier line gives {previous}."
            )
        context_key = zh_key(context) if context else ""
        other = owner.setdefault((language, key, context_key), (row.variable, number))
        if other[0] != row.variable:
            raise DataError(
                f"{where}, maps the header {row.header!r} to {row.variable}, but line {other[1]} "
                f"maps it to {other[0]}: a header must match one canonical variable."
            )
        variants.append(
            _Variant(
                number,
                row.header,
                row.variable,
                unit,
                factor,
                row.definition,
                language,
                key,
                context_key,
            )
        )
    return HeaderMap(path, tuple(variants), factors)


def load_aliases(path: Path | None = None) -> dict[str, _Alias]:
    """Read the list of known city names outside the roster (``city_aliases.csv``).

    Columns: ``name``, ``code`` (six-digit roster code or ``outside_roster``),
    ``kind`` (``outside_roster``, ``former_name`` or ``ocr_repair``), ``note``,
    ``source``. Returns a dict keyed by the normalised name.
    """
    path = Path(path) if path is not None else reference_dir() / ALIASES_FILE
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise DataError(f"Cannot read the city alias list {path}: {_one_line(exc)}.") from None
    roster = set(reference.cities().index)
    aliases: dict[str, _Alias] = {}
    for number, row in enumerate(table.itertuples(index=False), start=2):
        code: int | None = None
        if row.code != "outside_roster":
            if not row.code.isdigit() or int(row.code) not in roster:
                raise DataError(
                    f"The city alias list {path}, line {number}, gives {row.name!r} the code "
                    f"{row.code!r}; use a roster code or 'outside_roster'."
                )
            code = int(row.code)
        aliases[_name_key(row.name)] = _Alias(row.name, code, row.kind, row.note)
    return aliases


class _CityNames:
    """Classifies the names in a workbook's city column."""

    def __init__(self, aliases: dict[str, _Alias]):
        roster = reference.cities()
        self.roster = {_name_key(name): int(code) for code, name in roster["name_zh"].items()}
        self.names = {int(code): name for code, name in roster["name_zh"].items()}
        self.aliases = aliases
        self.municipalities = {code for key, code in self.roster.items() if key in _MUNICIPALITIES}

    def classify(self, value: object) -> tuple[str, int | None, _Alias | None]:
        """Return (kind, code, alias); kind is city, outside, province, total, blank,
        footnote or unknown."""
        clean = _NUMBERING.sub("", re.sub(r"\s+", "", _text(value)))
        if not clean or not _CJK.search(clean):
            return "blank", None, None
        if clean.startswith(_FOOTNOTE_PREFIXES) and len(clean) > 2:
            return "footnote", None, None
        if any(word in clean for word in _TOTAL_WORDS):
            return "total", None, None
        if clean.endswith(("省", "自治区", "特别行政区")):
            return "province", None, None
        key = _name_key(clean)
        if key in self.roster:
            return "city", self.roster[key], None
        if key in self.aliases:
            alias = self.aliases[key]
            return ("city" if alias.code is not None else "outside"), alias.code, alias
        if key in _PROVINCES:
            return "province", None, None
        return "unknown", None, None


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
            and path.suffix.lower() in (*WORKBOOK_SUFFIXES, ".xls")
        )
        if not files:
            raise DataError(
                f"The CCSY directory {source} holds no workbook (*.xlsx); put one "
                "prefecture-level edition per file there."
            )
    for path in files:
        if path.suffix.lower() == ".xls":
            raise DataError(
                f"{path} is a legacy .xls workbook, which the importer does not read; "
                "open it in a spreadsheet program and save it as .xlsx."
            )
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            raise DataError(f"{path} is not an Excel workbook (.xlsx).")
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
    return DataError(
        f"{path} is not a readable Excel workbook (.xlsx): {type(exc).__name__}: {_one_line(exc)}."
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

    ``reader`` is ``"calamine"`` (python-calamine, about six times faster),
    ``"openpyxl"`` (read-only mode) or ``"auto"`` (calamine when installed).
    """
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


# --------------------------------------------------------------------------- parsing one edition


def _find_city_column(sheet: _Sheet, names: _CityNames) -> tuple[int, int]:
    """(column index, number of known names) of the column richest in known city names."""
    best = (-1, 0)
    if not sheet.rows:
        return best
    counts = [0] * len(sheet.rows[0])
    for row in sheet.rows:
        for index, value in enumerate(row):
            if isinstance(value, str) and _CJK.search(value):
                kind, _, _ = names.classify(value)
                if kind in ("city", "outside"):
                    counts[index] += 1
    for index, count in enumerate(counts):
        if count > best[1]:
            best = (index, count)
    return best


def _header_paths(sheet: _Sheet, first_data_row: int) -> list[list[tuple[int, str]]]:
    """Flatten the header rows above ``first_data_row``: per column, the (row, text)
    of its non-empty header cells from top to bottom, merged cells filled in."""
    width = len(sheet.rows[0])
    grid = [[_text(v) for v in sheet.rows[r]] for r in range(first_data_row)]
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
    paths = []
    for c in range(width):
        path: list[tuple[int, str]] = []
        for r in range(first_data_row):
            text = grid[r][c]
            if text and (not path or path[-1][1] != text):
                path.append((r, text))
        paths.append(path)
    return paths


def _match_column(
    path: list[tuple[int, str]], header_map: HeaderMap, where: str
) -> tuple[_Variant, str, str | None, str] | None:
    """Match one column's header path; return (variant, header, scope, unit) or None."""
    texts = [text for _, text in path]
    labels = [i for i, text in enumerate(texts) if not _is_scope_only(text)]
    zh_labels = [i for i in labels if zh_key(texts[i])]
    if not zh_labels and not labels:
        return None
    leaf = zh_labels[-1] if zh_labels else labels[-1]
    ancestors = [zh_key(texts[i]) for i in range(leaf)]
    matches: dict[str, tuple[_Variant, str]] = {}
    if zh_labels:
        for variant in header_map.match("zh", zh_key(texts[leaf]), ancestors):
            matches.setdefault(variant.variable, (variant, texts[leaf]))
    en_index = next((i for i in reversed(labels) if i >= leaf and en_key(texts[i])), None)
    if en_index is not None:
        for variant in header_map.match("en", en_key(texts[en_index]), []):
            matches.setdefault(variant.variable, (variant, texts[en_index]))
    if not matches:
        return None
    header = " / ".join(_one_line(t) for t in texts)
    if len(matches) > 1:
        found = "; ".join(
            f"{variable} (by {_one_line(text)!r}, header map line {variant.row})"
            for variable, (variant, text) in matches.items()
        )
        raise DataError(
            f"{where}: the header {header!r} matches two canonical variables: {found}. "
            "Fix the header or make the variants in ccsy_headers.csv distinct."
        )
    variant, _ = next(iter(matches.values()))
    scope = next((s for s in (_scope_of(t) for t in reversed(texts)) if s is not None), None)
    order = [leaf, *range(leaf + 1, len(texts)), *range(leaf - 1, -1, -1)]
    unit = next((tokens[0] for i in order if (tokens := _unit_tokens(texts[i]))), "")
    return variant, header, scope, unit


def _edition_year(path: Path, title_texts: Iterable[str]) -> tuple[int, int, str]:
    """(edition year, data year, how it was found) from title rows and file name."""
    title_year = None
    for text in title_texts:
        match = re.search(r"((?:19|20)\d{2})\s*年(?!鉴)", text)
        if match:
            title_year = int(match.group(1))
            break
    stem = _text(path.stem)
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


def _parse_value(value: object) -> tuple[float, bool]:
    """(number, is_debris); blank and '-' are missing (NaN, not debris)."""
    if value is None:
        return np.nan, False
    if isinstance(value, bool):
        return np.nan, True
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return (number, False) if np.isfinite(number) else (np.nan, True)
    text = _text(value).replace(" ", "")
    if text in MISSING_TOKENS:
        return np.nan, False
    if _NUMBER.match(text):
        return float(text), False
    return np.nan, True


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
            number, debris = _parse_value(value)
            if debris:
                debris_cells.append((r, c, code, _one_line(value)))
            elif not np.isnan(number):
                numeric += 1
        if debris_cells and numeric >= len(debris_cells):
            found.extend(debris_cells)
    return found


@dataclass
class _Edition:
    info: dict
    values: pd.DataFrame  # index = sheet row (1-based), columns code + variables
    quality: list[dict]
    columns: dict[str, _Column]
    provenance: list[dict]


def _parse_edition(
    path: Path,
    header_map: HeaderMap,
    names: _CityNames,
    years: tuple[int, int],
    reader: str = "auto",
) -> _Edition:
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
    file, letter = path.name, column_letter(city_col)
    # First data row: the first row whose city cell is a known city, province or total.
    first = next(
        r
        for r, row in enumerate(sheet.rows)
        if names.classify(row[city_col])[0] in ("city", "outside", "province", "total")
    )
    if first == 0:
        raise DataError(
            f"{path}, sheet {sheet.name!r}: the city names start in row 1, so there are no "
            "header rows naming the variables."
        )
    title_texts = [_text(v) for row in sheet.rows[:first] for v in row if v is not None]
    edition_year, year, year_source = _edition_year(path, title_texts)
    if not years[0] <= year <= years[1]:
        raise DataError(
            f"{path}: data year {year} (edition {edition_year}, from the {year_source}) is "
            f"outside the allowed years {years[0]}-{years[1]}."
        )

    quality: list[dict] = []

    def note(kind, message, *, row=None, column=None, code=None, variable=None, value=None):
        quality.append(
            {
                "file": file,
                "sheet": sheet.name,
                "row": row,
                "column": column,
                "code": code,
                "year": year,
                "variable": variable,
                "kind": kind,
                "value": value,
                "message": message,
            }
        )

    # Header: flatten, match, choose one column per variable (全市 first).
    candidates: dict[str, list[_Column]] = {}
    for index, path_cells in enumerate(_header_paths(sheet, first)):
        if index == city_col or not path_cells:
            continue
        where = f"{path}, sheet {sheet.name!r}, column {column_letter(index)}"
        matched = _match_column(path_cells, header_map, where)
        if matched is None:
            continue
        variant, header, scope, unit = matched
        factor = header_map.factors.get((variant.variable, unit))
        if factor is None:
            known = sorted(u or "(none)" for v, u in header_map.factors if v == variant.variable)
            stated = f"the unit {unit!r}" if unit else "no unit"
            raise DataError(
                f"{where}: the header {header!r} ({variant.variable}) states {stated}, which "
                f"the header map does not know for {variant.variable} (known: "
                f"{', '.join(known)}). Add a line with its conversion factor to "
                f"{header_map.path}."
            )
        candidates.setdefault(variant.variable, []).append(
            _Column(index, variant.variable, scope, header, variant, unit, factor)
        )
    if not candidates:
        raise DataError(
            f"{path}, sheet {sheet.name!r}: none of the header cells above row {first + 1} "
            f"matches a variable of {header_map.path}; is this a CCSY prefecture-level workbook?"
        )
    columns: dict[str, _Column] = {}
    for variable, options in candidates.items():
        best_rank = min(_SCOPE_RANK[o.scope] for o in options)
        best = [o for o in options if _SCOPE_RANK[o.scope] == best_rank]
        chosen = columns[variable] = best[0]
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
        if chosen.factor != 1:
            canonical = reference.variables().loc[variable, "unit"]
            note(
                "unit_conversion",
                f"{variable}: header unit {chosen.unit} converted to {canonical} "
                f"(x {chosen.factor:g}).",
                column=letter_v,
                variable=variable,
                value=chosen.unit,
            )
        if not chosen.unit:
            note(
                "unit_assumed",
                f"{variable}: the header states no unit; the header map's assumption "
                f"(line {chosen.variant.row}, factor {chosen.factor:g}) is used.",
                column=letter_v,
                variable=variable,
                value=chosen.header,
            )
    for variable in reference.variables().index:
        if variable not in columns:
            note(
                "variable_missing",
                f"{variable}: no header of this edition matches it.",
                variable=variable,
            )

    # Rows: keep roster cities, drop other cities, provinces and totals.
    records: dict[int, dict] = {}
    rows_of: dict[int, int] = {}
    provenance: list[dict] = []
    counts = {"roster": 0, "outside": 0, "province_or_total": 0}
    data_rows: list[tuple[int, int | None]] = []
    for r in range(first, len(sheet.rows)):
        row = sheet.rows[r]
        raw = row[city_col]
        kind, code, alias = names.classify(raw)
        if kind in ("blank", "footnote"):
            continue
        data_rows.append((r, code if kind == "city" else None))
        if kind in ("province", "total"):
            counts["province_or_total"] += 1
            continue
        if kind == "unknown":
            raise DataError(
                f"{path}, sheet {sheet.name!r}, row {r + 1}, column {letter}: the city name "
                f"{_one_line(raw)!r} is neither on the roster nor in the list of known names "
                f"outside it. If it is a prefecture-level city, add it to "
                f"{reference_dir() / ALIASES_FILE} (name, code or outside_roster, kind, "
                "note, source)."
            )
        if alias is not None and alias.kind == "ocr_repair":
            target = names.names.get(code, alias.note) if code is not None else alias.note
            note(
                "name_repair",
                f"city name {_one_line(raw)!r} repaired to {target!r} ({alias.note}).",
                row=r + 1,
                column=letter,
                code=code,
                value=_one_line(raw),
            )
        if kind == "outside":
            counts["outside"] += 1
            continue
        assert code is not None
        counts["roster"] += 1
        record = {"code": code}
        cells = []
        for variable, column in columns.items():
            value = row[column.index]
            number, _ = _parse_value(value)  # debris is reported by _debris_cells
            record[variable] = number * column.factor
            cells.append((variable, column))
        if code in records:
            previous = records[code]
            clash = [
                v
                for v in columns
                if pd.notna(previous[v])
                and pd.notna(record[v])
                and not np.isclose(previous[v], record[v])
            ]
            if code not in names.municipalities or clash:
                raise DataError(
                    f"{path}, sheet {sheet.name!r}: duplicate city-year: {_one_line(raw)!r} "
                    f"(code {code}, year {year}) appears in row {rows_of[code] + 1} and row "
                    f"{r + 1} (column {letter})."
                )
            # A municipality listed as province and as city: same numbers, keep one row.
            for v in columns:
                if pd.isna(previous[v]):
                    previous[v] = record[v]
            note(
                "duplicate_row",
                f"municipality listed twice (province and city rows); rows {rows_of[code] + 1} "
                f"and {r + 1} agree and are merged.",
                row=r + 1,
                column=letter,
                code=code,
                value=_one_line(raw),
            )
            continue
        records[code] = record
        rows_of[code] = r
        for variable, column in cells:
            provenance.append(
                {
                    "code": code,
                    "year": year,
                    "variable": variable,
                    "file": file,
                    "sheet": sheet.name,
                    "row": r + 1,
                    "column": column_letter(column.index),
                    "header": column.header,
                    "unit": column.unit,
                    "factor": column.factor,
                }
            )
    variable_of = {column.index: variable for variable, column in columns.items()}
    for r, c, code, value in _debris_cells(sheet, data_rows, city_col):
        variable = variable_of.get(c)
        imported = variable is not None and code is not None
        note(
            "ocr_debris",
            f"{variable or 'unmapped column'}: cell holds {value!r}, not a number; "
            + ("left missing." if imported else "the cell is not imported."),
            row=r + 1,
            column=column_letter(c),
            code=code,
            variable=variable,
            value=value,
        )
    if not records:
        raise DataError(
            f"{path}, sheet {sheet.name!r}: no row below the header names a roster city "
            f"(column {letter})."
        )
    variables = list(reference.variables().index)
    values = pd.DataFrame.from_dict(records, orient="index")
    values = values.reindex(columns=["code", *variables])
    values.index = [rows_of[code] + 1 for code in values["code"]]
    values.insert(1, "year", year)
    for code in sorted(set(names.names) - set(records)):
        note("city_missing", f"roster city {names.names[code]} is not in this edition.", code=code)
    info = {
        "file": file,
        "sheet": sheet.name,
        "edition_year": edition_year,
        "data_year": year,
        "year_source": year_source,
        "header_rows": f"1-{first}",
        "city_column": letter,
        "roster_rows": counts["roster"],
        "outside_rows": counts["outside"],
        "province_or_total_rows": counts["province_or_total"],
        "variables": len(columns),
    }
    return _Edition(info, values, quality, columns, provenance)


# --------------------------------------------------------------------------- across editions


def _header_changes(editions: list[_Edition]) -> list[dict]:
    """Renamed headers and definition breaks between consecutive editions."""
    rows = []
    ordered = sorted(editions, key=lambda e: e.info["data_year"])
    variables = reference.variables().index
    for variable in variables:
        previous: tuple[_Edition, _Column] | None = None
        for edition in ordered:
            column = edition.columns.get(variable)
            if column is None:
                continue
            if previous is not None:
                old_edition, old = previous
                base = {
                    "file": edition.info["file"],
                    "sheet": edition.info["sheet"],
                    "row": None,
                    "column": column_letter(column.index),
                    "code": None,
                    "year": edition.info["data_year"],
                    "variable": variable,
                }
                old_year = old_edition.info["data_year"]
                if old.variant.header != column.variant.header:
                    rows.append(
                        {
                            **base,
                            "kind": "renamed_header",
                            "value": column.variant.header,
                            "message": f"{variable}: header {old.variant.header!r} "
                            f"({old_year}) renamed {column.variant.header!r} "
                            f"({edition.info['data_year']}).",
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
                            f"{column.variant.definition!r} ({edition.info['data_year']}); "
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

    def fmt(v, y):
        return f"{v:g} ({int(y)})"

    notes = notes or {}

    def explain(variable, *years):
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

    Returns
    -------
    DataFrame
        Columns ``cluster``, ``variable``, ``year``, ``n_cities``, ``n_present``,
        ``share`` (n_present / n_cities, 0-1).
    """
    roster = reference.cities()["cluster"]
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


def import_ccsy(
    directory: str | os.PathLike,
    *,
    years: tuple[int, int] = DEFAULT_YEARS,
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
        A directory of ``.xlsx`` workbooks (one edition each), or one workbook.
    years : (int, int)
        Allowed data years, inclusive; a workbook outside them is an error.
    header_map, aliases : path, optional
        Override ``data/reference/ccsy_headers.csv`` and ``city_aliases.csv``.
    dip_ratio, shift_ratio : float
        Thresholds of :func:`flag_jumps`.
    reader : {"auto", "calamine", "openpyxl"}
        Workbook reader; ``auto`` uses python-calamine when it is installed.

    Returns
    -------
    CcsyImport
        Validated panel (all roster cities x data years), quality report,
        coverage, editions and provenance.

    Raises
    ------
    DataError
        For a missing path, a non-workbook, an empty workbook, no city column,
        an unknown city name, a duplicate city-year, an unknown unit, a year
        outside ``years``, a header matching two variables, or a panel that
        fails :func:`inertia.data.schema.validate_panel`. The message names
        the file and, where it applies, the sheet, row, column and value.
    """
    source = Path(directory)
    files = _workbook_files(source)
    hmap = load_header_map(Path(header_map) if header_map else None)
    names = _CityNames(load_aliases(Path(aliases) if aliases else None))
    editions = [_parse_edition(path, hmap, names, years, reader) for path in files]
    seen: dict[int, str] = {}
    for edition in editions:
        year = edition.info["data_year"]
        if year in seen:
            raise DataError(
                f"Duplicate city-years: {seen[year]} and {edition.info['file']} in {source} "
                f"both hold data year {year}; keep one workbook per edition."
            )
        seen[year] = edition.info["file"]

    variables = list(reference.variables().index)
    parts = []
    for edition in editions:
        # Validate each edition on its own so that an error names the file and sheet row.
        frame = edition.values.copy()
        frame[["code", "year"]] = frame[["code", "year"]].astype("int64")
        frame[variables] = frame[variables].astype("float64")
        validate_panel(
            frame,
            source=f"{source / edition.info['file'] if source.is_dir() else source} "
            f"(sheet {edition.info['sheet']!r}; row = sheet row)",
            years=years,
        )
        parts.append(frame)
    roster = sorted(int(code) for code in reference.cities().index)
    grid = pd.MultiIndex.from_product([roster, sorted(seen)], names=KEY).to_frame(index=False)
    panel = grid.merge(pd.concat(parts, ignore_index=True), on=KEY, how="left")
    panel[variables] = panel[variables].astype("float64")
    panel = validate_panel(panel, source=str(source), years=years)

    provenance = pd.DataFrame(
        [row for edition in editions for row in edition.provenance],
        columns=[
            "code",
            "year",
            "variable",
            "file",
            "sheet",
            "row",
            "column",
            "header",
            "unit",
            "factor",
        ],
    )
    quality_rows = [row for edition in editions for row in edition.quality]
    quality_rows += _header_changes(editions)
    notes = {}
    for row in quality_rows:
        if row["kind"] == "definition_break":
            notes[(row["variable"], row["year"])] = f"definition break in {row['year']}"
        elif row["kind"] == "scope_fallback":
            notes[(row["variable"], row["year"])] = f"{row['year']} value is the 市辖区 series"
    jumps = flag_jumps(panel, provenance, dip_ratio=dip_ratio, shift_ratio=shift_ratio, notes=notes)
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
        provenance=provenance,
    )


def write_import(result: CcsyImport, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write ``panel.parquet``, ``quality.csv`` and ``coverage.csv`` atomically.

    The panel is validated again first; every file is written to a temporary
    file in ``out_dir`` and moved into place with :func:`os.replace` only when
    all three are written, so a failure leaves the previous outputs intact.

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
    }
    temporary: dict[str, Path] = {}
    try:
        for name, write in writers.items():
            handle, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
            os.close(handle)
            temporary[name] = Path(tmp)
            write(temporary[name])
        for name, tmp in temporary.items():
            os.replace(tmp, out / name)
    except OSError as exc:
        raise DataError(f"Cannot write the CCSY import to {out}: {_one_line(exc)}.") from None
    finally:
        for tmp in temporary.values():
            tmp.unlink(missing_ok=True)
    return {name: out / name for name in writers}


def run_import(src_dir: Path, out_dir: Path) -> CcsyImport:
    """Import, validate and write: the body of ``inertia data import-ccsy DIR``."""
    result = import_ccsy(src_dir)
    write_import(result, out_dir)
    return result
