"""Mutant workbooks for the generalisation suite of the CCSY importer.

A *family* is three adjacent editions of one layout: the real editions named by
``INERTIA_CCSY_DIR`` when it is set (read, never written), otherwise a
synthetic family written here from made-up numbers. A *mutant* rewrites the
middle (target) edition of a family with one class of variation that real
editions show, and states what the import must give:

* ``same``: exactly the panel of the unmutated family;
* ``skip``: that panel with one city-year blanked (a garbled non-study name,
  reported and skipped);
* ``error``: a DataError whose message holds the given strings (the
  ambiguity is real, or the mutation makes the edition wrong).

Mutants act on content, never on positions: a unit token, a scope word, a city
name or the column pair of a variable is found by its text, so the same
mutant applies to every edition layout.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from inertia.data import reference

# --------------------------------------------------------------------------- books


@dataclass
class Book:
    """One edition: header grid (merged cells filled), merges, data rows."""

    name: str
    sheet: str
    header: list[list]
    merges: list[tuple[int, int, int, int]]  # 0-based (r0, c0, r1, c1) inside the header
    rows: list[list]

    def copy(self) -> Book:
        return Book(
            self.name,
            self.sheet,
            [list(r) for r in self.header],
            list(self.merges),
            [list(r) for r in self.rows],
        )

    @property
    def width(self) -> int:
        return max(len(r) for r in [*self.header, *self.rows])

    def path_text(self, column: int) -> str:
        """The header cells of a column, top to bottom, joined."""
        return " / ".join(str(r[column]) for r in self.header if r[column] not in (None, ""))


def write_book(book: Book, path: Path) -> Path:
    """Write a book with openpyxl: each merged range once, then the data rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = book.sheet
    covered = set()
    for r0, c0, r1, c1 in book.merges:
        sheet.cell(row=r0 + 1, column=c0 + 1, value=book.header[r0][c0])
        if r1 > r0 or c1 > c0:
            sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1,
                              end_column=c1 + 1)  # fmt: skip
        covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r, row in enumerate(book.header):
        for c, value in enumerate(row):
            if (r, c) not in covered and value not in (None, ""):
                sheet.cell(row=r + 1, column=c + 1, value=value)
    for row in book.rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def read_book(path: Path) -> Book:
    """Read a real edition (python-calamine): the sheet with the most rows; the header is
    every row above the first one whose first cell names 北京 or a total."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    best = None
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
        if best is None or len(rows) > len(best[1]):
            best = (name, rows, sheet.merged_cell_ranges or [])
    assert best is not None
    name, rows, merged = best
    width = max(len(r) for r in rows)
    rows = [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in rows]
    first = next(
        i for i, r in enumerate(rows)
        if isinstance(r[0], str) and re.search(r"北京|合计|总计|全国", r[0]) and i > 0
    )  # fmt: skip
    header = [list(r) for r in rows[:first]]
    merges = []
    for (r0, c0), (r1, c1) in merged:
        if r0 >= first:
            continue
        r1 = min(r1, first - 1)
        value = header[r0][c0]
        for r in range(r0, r1 + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                header[r][c] = value
        merges.append((r0, c0, r1, c1))
    return Book(path.name, name, header, merges, rows[first:])


# --------------------------------------------------------------------------- synthetic family

SYNTHETIC_YEARS = (2014, 2017, 2020)
OTHER_CITIES = (140100, 140200, 210100, 210200, 410100, 410300, 420100, 420500, 350100,
                350200, 370100, 370200, 430100, 450100, 510100, 610100)  # fmt: skip


def _synthetic_cities() -> list[int]:
    study = list(reference.cities().index)
    return sorted({*study, *OTHER_CITIES})


def _draw(seed: int = 7) -> dict[str, dict[int, np.ndarray]]:
    """Made-up values per variable and city over the three years, canonical units."""
    rng = np.random.default_rng(seed)
    codes = _synthetic_cities()
    years = np.array(SYNTHETIC_YEARS) - SYNTHETIC_YEARS[0]
    out: dict[str, dict[int, np.ndarray]] = {}
    size = {c: float(np.exp(rng.normal(0.0, 0.6))) for c in codes}
    share = {c: float(rng.uniform(0.2, 0.85)) for c in codes}
    bases = {  # canonical units; growth per year
        "pop_registered": (500.0, 0.005),
        "gdp": (3000.0, 0.07),
        "budget_revenue": (2.5e6, 0.06),
        "hospital_beds": (25000.0, 0.04),
        "library_books": (6000.0, 0.05),
        "loans": (3.5e7, 0.09),
        "road_area": (3000.0, 0.03),
    }
    for variable, (base, growth) in bases.items():
        out[variable] = {}
        out[f"{variable}:districts"] = {}
        for c in codes:
            noise = rng.normal(0.0, 0.02, len(years))
            values = base * size[c] * np.exp(growth * years + noise)
            out[variable][c] = values
            out[f"{variable}:districts"][c] = (
                values * share[c] * np.exp(rng.normal(0.0, 0.02, len(years)))
            )
    return out


#: (key, group, label, English label, printed unit factor per year index, decimals, scopes)
_SYNTHETIC_COLUMNS = [
    ("pop_registered", "人口", "年末户籍人口(万人)",
     "Household Registered Population (10 000 persons)", (1, 1, 1), 2, ("全市", "市辖区")),
    ("gdp", "地区生产总值", "地区生产总值(当年价格)(万元)", "Gross Regional Product (10 000 yuan)",
     (1e4, 1e4, 1), 0, ("全市", "市辖区")),
    ("gdp_per_person", "地区生产总值", "人均地区生产总值(元)", "Per Capita GRP (yuan)",
     None, 0, ("全市", "市辖区")),
    ("budget_revenue", "地方一般公共预算收支状况(全市)(万元)", "地方一般公共预算收入",
     "Local General Public Budget Revenue", (1, 1, 1), 0, (None,)),
    ("hospital_beds", "医院、床位和医生数", "医院床位数(张)", "Number of Beds of Hospitals (bed)",
     (1, 1, 1), 0, ("全市", "市辖区")),
    ("library_books", "文化体育设施", "公共图书馆图书藏量(万册)",
     "Collections of Public Libraries (10 000 copies)", (0.1, 0.1, 0.1), 1, ("全市",)),
    ("loans", "年末金融机构存贷款余额(万元)", "年末金融机构人民币各项贷款余额",
     "Loans of National Banking System at Year-end", (1, 1, 1), 0, ("全市", "市辖区")),
    ("road_area", "市政公用事业(市辖区)", "年末实有城市道路面积(万平方米)",
     "Area of Urban Paved Roads at Year-end (10 000 sq.m)", (1, 1, 1), 1, ("市辖区",)),
]  # fmt: skip


def _auto_merges(header: list[list]) -> list[tuple[int, int, int, int]]:
    """Rectangles of equal neighbouring cells, never crossing a rectangle above."""
    height, width = len(header), len(header[0])
    owner: list[list] = [[None] * width for _ in range(height)]
    merges = []
    for r in range(height):
        for c in range(width):
            if owner[r][c] is not None or header[r][c] in (None, ""):
                continue
            value = header[r][c]
            c1 = c
            while (
                c1 + 1 < width
                and header[r][c1 + 1] == value
                and owner[r][c1 + 1] is None
                and (r == 0 or owner[r - 1][c1 + 1] == owner[r - 1][c])
            ):
                c1 += 1
            r1 = r
            while r1 + 1 < height and all(header[r1 + 1][k] == value for k in range(c, c1 + 1)):
                r1 += 1
            for rr in range(r, r1 + 1):
                for cc in range(c, c1 + 1):
                    owner[rr][cc] = (r, c)
            merges.append((r, c, r1, c1))
    return merges


def synthetic_book(year_index: int, values: dict | None = None) -> Book:
    """One synthetic edition: the first two in a Chinese 3-row layout, the last bilingual."""
    values = values or _draw()
    year = SYNTHETIC_YEARS[year_index]
    bilingual = year_index == len(SYNTHETIC_YEARS) - 1
    roster = reference.prefectures()
    columns = []  # (header path, key, scope)
    for key, group, label, english, _factors, _decimals, scopes in _SYNTHETIC_COLUMNS:
        for scope in scopes:
            word = scope or label
            if bilingual:
                en_scope = {"全市": "全市 Total City", "市辖区": "市辖区 Districts under City"}
                chinese = label if scope is None else f"{label} {english.split(' (')[0]}"
                path = [group, chinese, english, en_scope[scope] if scope else english]
            else:
                path = [group, label, word]
            columns.append((path, key, scope))
    depth = len(columns[0][0])
    corner = ["城市"] * depth
    header = [[corner[r], *(c[0][r] for c in columns)] for r in range(depth)]
    if bilingual:
        header = [[corner[r], "City", *row[1:]] for r, row in enumerate(header)]
    rows = []
    by_province: dict[str, list[int]] = {}
    for code in _synthetic_cities():
        by_province.setdefault(roster.loc[code, "province"], []).append(code)
    for province, codes in by_province.items():
        if len(codes) > 1 or province not in ("北京", "天津", "上海", "重庆"):
            rows.append([f"{province}省", *([None] if bilingual else []),
                         *([None] * len(columns))])  # fmt: skip
        for code in codes:
            name = roster.loc[code, "name_zh"] + "市"
            row: list = [name]
            if bilingual:
                row.append(roster.loc[code, "name_en"])
            for _path, key, scope in columns:
                spec = next(s for s in _SYNTHETIC_COLUMNS if s[0] == key)
                factors, decimals = spec[4], spec[5]
                if key == "gdp_per_person":
                    suffix = "" if scope == "全市" else ":districts"
                    gdp = values[f"gdp{suffix}"][code][year_index]
                    pop = values[f"pop_registered{suffix}"][code][year_index]
                    row.append(round(gdp * 1e4 / pop))
                    continue
                series = values[key if scope != "市辖区" or key == "road_area" else
                                f"{key}:districts"]  # fmt: skip
                number = series[code][year_index] * factors[year_index]
                places = 2 if key == "gdp" and factors[year_index] == 1 else decimals
                row.append(round(number, places) if places else round(number))
            rows.append(row)
    if bilingual:  # the last edition prints GDP in 亿元
        for h in header:
            for c, text in enumerate(h):
                if isinstance(text, str) and ("地区生产总值" in text or "Gross Regional" in text):
                    h[c] = text.replace("(万元)", "(亿元)").replace(
                        "(10 000 yuan)", "(100 million yuan)"
                    )
    title = [f"中国{year}年地级以上城市数据"] + [None] * (len(header[0]) - 1)
    header = [title, *header]
    merges = _auto_merges(header)
    return Book(f"中国城市统计年鉴{year + 1}.xlsx", "Sheet1", header, merges, rows)


def synthetic_truth(values: dict | None = None) -> dict[tuple[int, int, str], float]:
    """(code, year, variable) -> the value the import must give: the whole-city value
    (the district one where only 市辖区 is printed) as printed, in canonical units."""
    values = values or _draw()
    truth = {}
    for key, _group, _label, _english, factors, decimals, _scopes in _SYNTHETIC_COLUMNS:
        if factors is None:
            continue
        for code, series in values[key].items():
            for i, year in enumerate(SYNTHETIC_YEARS):
                places = 2 if key == "gdp" and factors[i] == 1 else decimals
                truth[(code, year, key)] = round(series[i] * factors[i], places) / factors[i]
    return truth


# --------------------------------------------------------------------------- families


@dataclass
class Family:
    """Three adjacent editions of one layout; the middle one is mutated."""

    label: str
    books: list[Book]
    originals: list[Path] = field(default_factory=list)  # real files, copied untouched

    @property
    def target(self) -> Book:
        return self.books[1]

    def write(self, folder: Path, target: Book | None = None, *, alone: bool = False) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for i, book in enumerate(self.books):
            if i == 1:
                write_book(target or book, folder / book.name)
            elif not alone:
                if self.originals:
                    shutil.copyfile(self.originals[i], folder / book.name)
                else:
                    write_book(book, folder / book.name)
        return folder


def synthetic_families() -> list[Family]:
    values = _draw()
    books = [synthetic_book(i, values) for i in range(len(SYNTHETIC_YEARS))]
    # Two families: the Chinese layout in the middle, and the bilingual one in the middle.
    bilingual_middle = [books[0], books[2], _later_edition(books[2], values)]
    return [Family("synthetic-chinese", books), Family("synthetic-bilingual", bilingual_middle)]


def _later_edition(book: Book, values: dict) -> Book:
    """A fourth synthetic edition (three years on, everything grown by the same factors)."""
    later = book.copy()
    year = SYNTHETIC_YEARS[-1] + 3
    later.name = f"中国城市统计年鉴{year + 1}.xlsx"
    later.header[0] = [f"中国{year}年地级以上城市数据" if v else v for v in later.header[0]]
    rng = np.random.default_rng(11)
    for row in later.rows:
        for c in range(2, len(row)):
            if isinstance(row[c], int | float) and not isinstance(row[c], bool):
                grown = row[c] * 1.15 * math.exp(rng.normal(0.0, 0.01))
                row[c] = float(round(grown, 2)) if isinstance(row[c], float) else round(grown)
    return later


def real_families(directory: Path) -> list[Family]:
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in (".xlsx", ".xls"))
    if len(files) < 6:
        return []
    chosen = [files[1:4], files[4:7]]  # an older and a bilingual layout in the middle
    return [
        Family(f"real-{files_[1].stem[-12:]}", [read_book(p) for p in files_], list(files_))
        for files_ in chosen
    ]


# --------------------------------------------------------------------------- helpers


def _edit_header(book: Book, pattern: str, replace: Callable[[re.Match], str] | str) -> int:
    """Apply ``re.sub(pattern, replace)`` to every header cell; returns cells changed."""
    changed = 0
    for row in book.header:
        for c, value in enumerate(row):
            if isinstance(value, str):
                new = re.sub(pattern, replace, value)
                if new != value:
                    row[c] = new
                    changed += 1
    return changed


def _edit_header_where(book: Book, column_filter: str, pattern: str, replace) -> int:
    """As :func:`_edit_header`, only in the columns whose header path matches the regex
    ``column_filter``; an edited cell inside a merged range edits the whole range (a
    group label is one cell of the workbook)."""
    changed = 0
    edited: set[tuple[int, int]] = set()
    for c in range(book.width):
        if not re.search(column_filter, book.path_text(c)):
            continue
        for r, row in enumerate(book.header):
            if c < len(row) and isinstance(row[c], str):
                new = re.sub(pattern, replace, row[c])
                if new != row[c]:
                    row[c] = new
                    edited.add((r, c))
                    changed += 1
    for r0, c0, r1, c1 in book.merges:
        inside = [(r, c) for (r, c) in edited if r0 <= r <= r1 and c0 <= c <= c1]
        if inside:
            text = book.header[inside[0][0]][inside[0][1]]
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    book.header[r][c] = text
    return changed


def _rename(book: Book, old: str, new: str) -> bool:
    for row in book.rows:
        if isinstance(row[0], str) and row[0].strip() == old:
            row[0] = row[0].replace(old, new)
            return True
    return False


def _numeric(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _pair(book: Book, include: str, exclude: str = r"人均|增长|比重|构成|城镇|存款|密度") -> tuple:
    """(全市 column, 市辖区 column) of the variable whose header path matches ``include``."""
    city = districts = None
    for c in range(1, book.width):
        text = book.path_text(c)
        if not re.search(include, text) or re.search(exclude, text):
            continue
        if "市辖区" in text.split(" / ")[-1] or "Districts" in text.split(" / ")[-1]:
            districts = districts if districts is not None else c
        elif "全市" in text.split(" / ")[-1] or "Total City" in text.split(" / ")[-1]:
            city = city if city is not None else c
    return city, districts


_UNIT_ZH = r"万元|亿元|万人|张|万册|千册|万平方米|公顷|千册、件|千册\.件|千册\.千件"


# --------------------------------------------------------------------------- mutants


@dataclass
class Expect:
    kind: str  # "same", "skip" or "error"
    text: tuple[str, ...] = ()
    city: int | None = None  # the skipped city ("skip")
    alone: bool = False  # import the target edition alone
    any_of: tuple[str, ...] = ()  # the message holds at least one of these


def _reorder(order: Callable[[int], list[int]]):
    def mutate(book: Book) -> Expect:
        height = len(book.header)
        body = list(range(1, height))  # keep the title row on top
        new_order = [0, *order(len(body))]
        per_row = []  # vertical merges become one horizontal merge per row
        for r0, c0, r1, c1 in book.merges:
            per_row += [(r, c0, r, c1) for r in range(r0, r1 + 1)]
        position = {old: new for new, old in enumerate(new_order)}
        book.header = [book.header[i] for i in new_order]
        book.merges = [(position[r], c0, position[r], c1) for r, c0, _, c1 in per_row]
        return Expect("same")

    return mutate


def _reverse(n):
    return [1 + i for i in reversed(range(n))]


def _rotate(n):
    return [1 + (i + 1) % n for i in range(n)]


def _scope_first(n):
    return [n, *range(1, n)]


def _numbers_as_text(grouped: bool):
    def mutate(book: Book) -> Expect:
        full = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
        for row in book.rows:
            for c in range(1, len(row)):
                if _numeric(row[c]):
                    value = float(row[c]) if isinstance(row[c], float) else int(row[c])
                    text = f"{value:,}" if grouped else repr(value)
                    row[c] = text.translate(full) if grouped else text
        return Expect("same")

    return mutate


def _scope_lookalikes(book: Book) -> Expect:
    _edit_header(book, r"全市", "全\u5dff")  # 巿 (U+5DFF) for 市
    _edit_header(book, r"市辖区", "\u5dff轄區")
    return Expect("same")


def _name_variants(book: Book) -> Expect:
    for old, new in (("广州市", "廣州市"), ("江门市", "江\u2ed4市"), ("马鞍山市", "\u2ee2鞍山市"),
                     ("苏州市", "蘇州市")):  # fmt: skip
        _rename(book, old, new)
    return Expect("same")


def _name_spaces(book: Book) -> Expect:
    _rename(book, "北京市", "北\u3000京\u3000市")
    _rename(book, "天津市", "天津\u200b市")
    _rename(book, "合肥市", "\xa0合肥市 ")
    return Expect("same")


def _qualified_units(book: Book) -> Expect:
    changed = _edit_header(book, r"\((万元|亿元)\)", lambda m: f"({m.group(1)}, 当年价格)")
    changed += _edit_header(book, r"\(张\)", "(张 现价)")
    assert changed
    return Expect("same")


def _english_only_units(book: Book) -> Expect:
    english = {"万元": "10 000 yuan", "亿元": "100 million yuan", "万人": "10 000 persons",
               "张": "bed", "万册": "10 000 copies", "万平方米": "10 000 sq.m"}  # fmt: skip
    _edit_header(book, r"\s*\((10 000 yuan|100 million yuan|100 000 000 yuan|10 000 persons|bed|"
                 r"10 000 copies|10 000 sq\.m)\)", "")  # fmt: skip
    _edit_header(book, r"[(（](万元|亿元|万人|张|万册|万平方米)[)）]",
                 lambda m: f" ({english[m.group(1)]})")  # fmt: skip
    return Expect("same")


def _no_unit(keyword: str, zh: str, en: str):
    def mutate(book: Book) -> Expect:
        changed = _edit_header_where(book, keyword, rf"\s*[(（]({zh}|{en})[)）]", "")
        assert changed, keyword
        return Expect("same")

    return mutate


def _disagreeing(keyword: str, unit_zh: str, wrong_en: str):
    def mutate(book: Book) -> Expect:
        changed = _edit_header_where(
            book, keyword, rf"[(（]{unit_zh}[)）]", f"({unit_zh}) ({wrong_en})"
        )
        assert changed, keyword
        return Expect("same")

    return mutate


def _ambiguous_alone(book: Book) -> Expect:
    # GDP without its unit, and no adjacent edition to compare with: several units fit.
    changed = _edit_header_where(
        book,
        "地区生产总值",
        r"\s*[(（](万元|亿元|10 000 yuan|100 million yuan|100 000 000 yuan)[)）]",
        "",
    )
    assert changed
    # (A real edition may hold another unitless header that is ambiguous alone too.)
    return Expect("error", ("states no unit", "ambiguous", "sheet"), alone=True)


def _brackets(kind: str):
    def mutate(book: Book) -> Expect:
        if kind == "unclosed":
            changed = _edit_header(book, r"\((万元|亿元)\)", lambda m: f"({m.group(1)}")
        elif kind == "unopened":
            changed = _edit_header(book, r"\((张|万人)\)", lambda m: f"{m.group(1)})")
        elif kind == "lenticular":
            changed = _edit_header(book, rf"\(({_UNIT_ZH})\)", lambda m: f"【{m.group(1)}】")
        else:  # mixed widths and an unclosed qualifier before the unit
            changed = _edit_header(book, r"\((当年价格)\)", "(当年价格")
            changed += _edit_header(book, rf"\(({_UNIT_ZH})\)", lambda m: f"（{m.group(1)})")
        assert changed, kind
        return Expect("same")

    return mutate


def _typo(old: str, new: str, expect: Expect):
    def mutate(book: Book) -> Expect:
        assert _rename(book, old, new), old
        return expect

    return mutate


def _swap_values(include: str, *, blank_districts: bool = False):
    def mutate(book: Book) -> Expect:
        city, districts = _pair(book, include)
        assert city is not None and districts is not None, include
        for row in book.rows:
            if len(row) > districts:
                row[city] = row[districts]
                if blank_districts:
                    row[districts] = None
        if blank_districts:
            return Expect("error", ("holds the district series", "全市"))
        return Expect("error", ("printed twice", "市辖区"))

    return mutate


def _swap_labels(include: str):
    def mutate(book: Book) -> Expect:
        city, districts = _pair(book, include)
        assert city is not None and districts is not None, include
        for row in book.rows:
            if len(row) > districts:
                row[city], row[districts] = row[districts], row[city]
        return Expect("error", ("exceeds", "swapped"))

    return mutate


def _swap_whole_edition(book: Book) -> Expect:
    done = 0
    for include in (r"户籍人口|总人口|常住人口", r"地区生产总值", r"床位", r"贷款", r"藏量"):
        city, districts = _pair(book, include)
        if city is None or districts is None:
            continue
        for row in book.rows:
            if len(row) > districts:
                row[city] = row[districts]
        done += 1
    assert done
    return Expect("error", ("printed twice",))


def _scale(include: str, factor: float):
    def mutate(book: Book) -> Expect:
        city, _ = _pair(book, include, exclude=r"人均|增长|比重|构成|城镇|存款|密度|市辖区")
        if city is None:  # a variable without scope columns: the first matching column
            city = next(c for c in range(1, book.width) if re.search(include, book.path_text(c)))
        for row in book.rows:
            if len(row) > city and _numeric(row[city]):
                row[city] = row[city] * factor
        # Caught against the adjacent editions, or, where the edition also prints the
        # 市辖区 series, by districts exceeding the whole city.
        return Expect("error", (), any_of=("edition-wide level shift", "exceeds the 全市"))

    return mutate


def mutants() -> dict[str, Callable[[Book], Expect]]:
    """Every mutant, by name (applied to the target edition of each family)."""
    return {
        "reorder_reversed": _reorder(_reverse),
        "reorder_rotated": _reorder(_rotate),
        "reorder_scope_first": _reorder(_scope_first),
        "numbers_as_text": _numbers_as_text(grouped=False),
        "numbers_as_grouped_fullwidth_text": _numbers_as_text(grouped=True),
        "lookalike_scope_words": _scope_lookalikes,
        "variant_city_names": _name_variants,
        "spaces_in_city_names": _name_spaces,
        "qualified_units": _qualified_units,
        "english_only_units": _english_only_units,
        "missing_unit_beds": _no_unit("床位", "张", "bed"),
        "missing_unit_loans": _no_unit("贷款", "万元", "10 000 yuan"),
        "disagreeing_unit_beds": _disagreeing("床位", "张", "10 000 beds"),
        "disagreeing_unit_revenue": _disagreeing(
            r"预算内?收入|财政收入", "万元", "100 million yuan"
        ),
        "missing_unit_alone_is_ambiguous": _ambiguous_alone,
        "unclosed_bracket": _brackets("unclosed"),
        "unopened_bracket": _brackets("unopened"),
        "lenticular_brackets": _brackets("lenticular"),
        "mixed_and_unbalanced_brackets": _brackets("mixed"),
        "typo_study_city_one_char": _typo("沧州市", "沦州市", Expect("same")),
        "typo_other_city_one_char": _typo("太原市", "太源市", Expect("same")),
        "typo_other_city_garbled": _typo("太原市", "泰元市", Expect("skip", city=140100)),
        "typo_study_city_garbled": _typo(
            "沧州市", "仓洲市", Expect("error", ("仓洲市", "could be a study city", "沧州"))
        ),
        "district_series_in_city_column": _swap_values(r"地区生产总值"),
        "district_series_for_city_blanked": _swap_values(r"贷款", blank_districts=True),
        "scope_labels_swapped": _swap_labels(r"地区生产总值"),
        "edition_wide_district_for_city_swap": _swap_whole_edition,
        "unit_shift_x10": _scale(r"贷款", 10.0),
        "unit_shift_per_10000": _scale(r"预算内?收入|财政收入", 1e-4),
    }
