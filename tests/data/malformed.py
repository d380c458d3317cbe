"""Synthetic CCSY workbooks and the malformed corpus, generated with openpyxl at test time.

Nothing here is copied from a real yearbook: the layouts imitate two edition
families (an older one with three merged header rows, a bilingual newer one
with six header rows, an English-name column and numbers stored as text), and
every number is made up. ``MALFORMED`` is the corpus of broken inputs, each a
builder that writes one case into ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook


def write_sheet(ws, header: list[list], rows: list[list], *, merge: bool = True) -> None:
    """Write header rows (merging equal neighbouring cells into rectangles) and data rows."""
    height, width = len(header), max(len(r) for r in header)
    grid = [list(r) + [None] * (width - len(r)) for r in header]
    # owner[r][c]: the rectangle a cell belongs to; a rectangle never crosses the
    # boundary of the rectangles above it, as in real nested headers.
    owner = [[None] * width for _ in range(height)]
    for r in range(height):
        for c in range(width):
            value = grid[r][c]
            if owner[r][c] is not None:
                continue
            if value is None:
                owner[r][c] = (r, c)
                continue

            def same_parent(a, b, r=r):
                return r == 0 or owner[r - 1][a] == owner[r - 1][b]

            c1 = c
            while (
                c1 + 1 < width
                and grid[r][c1 + 1] == value
                and owner[r][c1 + 1] is None
                and same_parent(c1, c1 + 1)
            ):
                c1 += 1
            r1 = r
            while r1 + 1 < height and all(grid[r1 + 1][k] == value for k in range(c, c1 + 1)):
                r1 += 1
            for rr in range(r, r1 + 1):
                for cc in range(c, c1 + 1):
                    owner[rr][cc] = (r, c)
            ws.cell(row=r + 1, column=c + 1, value=value)
            if merge and (r1 > r or c1 > c):
                ws.merge_cells(
                    start_row=r + 1, start_column=c + 1, end_row=r1 + 1, end_column=c1 + 1
                )
    for i, row in enumerate(rows, start=height + 1):
        for j, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=i, column=j, value=value)


# --------------------------------------------------------------------------- edition families

#: Older family (2006 edition = 2005 data): (group, label, scope) per column.
OLD_COLUMNS = [
    ("人口", "年末总人口(万人)", "全  市"),
    ("人口", "年末总人口(万人)", "市辖区"),
    ("综合经济", "地区生产总值(当年价格)(万元)", "全市"),
    ("综合经济", "地区生产总值(当年价格)(万元)", "市辖区"),
    ("综合经济", "人均地区生产总值(元)", "全市"),
    ("财政(全市)（万元）", "地方财政一般预算内收入", "地方财政一般预算内收入"),
    ("财政(全市)（万元）", "地方财政一般预算内支出", "地方财政一般预算内支出"),
    ("财政(全市)（万元）", "其中：", "科学支出"),
    ("财政(全市)（万元）", "其中：", "教育支出"),
    ("卫生", "医院、卫生院床位数(张)", "全市"),
    ("卫生", "医院、卫生院床位数(张)", "市辖区"),
    ("卫生", "医生数(人)", "全市"),
    ("学校数（所）", "普通中学", "全市"),
    ("专任教师数（人）", "普通中学", "全市"),
    ("专任教师数（人）", "普通中学", "市辖区"),
    ("文化", "公共图书馆图书总藏量(千册、件)", "全市"),
    ("城市道路与交通(市辖区)", "年末实有城市道路面积(万平方米)", "年末实有城市道路面积(万平方米)"),
]

#: Rows of the older family: name, then one value per column above.
OLD_ROWS = [
    ["城市合计", 9000, 4000, 900000000, 500000000, 30000, 1e8, 2e8, 1e6, 3e7,
     2e6, 1e6, 1e6, 60000, 4e6, 1e6, 5e5, 300000],
    ["北京市", 1200.5, 1100.25, 70000000, 68000000, 46000, 9000000, 10500000, 150000, 1400000,
     77000, 76000, 51000, 700, 51500, 48000, 36000, 16000],
    ["天津市", 950.5, 770.5, 37000000, 34000000, 36000, 3300000, 4400000, 28000, 670000,
     "I960", 36500, 22500, 640, 41500, 18000, 8700, 6700],
    ["河北省", 6900, 1200, "-", "-", "-", 3800000, 7600000, 20000, 1500000,
     150000, 70000, 84000, 4700, 290000, 53000, 13000, 11500],
    ["石家庄市", 930.25, 225.5, 18000000, 7300000, 18700, 660000, 1080000, 4500, 240000,
     23500, 12100, 12900, 660, "-", 8300, 3800, 1900],
    ["安徽省", 6516, 1300, 53500000, 2e7, 8000, 3e6, 6e6, 20000, 1e6,
     1e5, 5e4, 6e4, 3000, 2e5, 4e4, 9000, 9000],
    ["合肥市", 460.5, 200.5, 8500000, 5000000, 18000, 580000, 730000, 9000, 100000,
     15500, 12000, 9000, 200, 15600, 9000, 3000, 1500],
    ["毫州市", 580.3, 150.2, 3000000, 1000000, 5000, 100000, 300000, 1000, 60000,
     5000, 2000, 3000, 150, 12000, 3000, 800, 400],
    ["巢湖市", 460.0, 90.0, 2500000, 600000, 5400, 90000, 200000, 800, 50000,
     4000, 1500, 2500, 120, 10000, 2000, 700, 300],
    ["广东省", 8000, 4000, 2e8, 1e8, 25000, 1e7, 1.2e7, 1e5, 2e6,
     2e5, 1e5, 1e5, 4000, 3e5, 1e5, 5e4, 4e4],
    ["深圳市", 182.5, 182.5, 49500000, 49500000, 60000, 4100000, 6000000, 80000, 400000,
     16800, 16800, 12000, 300, 14200, 14200, 10000, 5000],
]  # fmt: skip


def old_header(title: str = "中国2005年地级以上城市数据", columns=None) -> list[list]:
    columns = columns or OLD_COLUMNS
    return [
        [title, *(c[0] for c in columns)],
        ["城市", *(c[1] for c in columns)],
        ["城市", *(c[2] for c in columns)],
    ]


def write_old(
    path: Path,
    *,
    title: str = "中国2005年地级以上城市数据",
    columns=None,
    rows=None,
    merge: bool = True,
    promo: bool = True,
) -> Path:
    """An older-family edition (three merged header rows, data from row 4)."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Sheet1"
    write_sheet(ws, old_header(title, columns), rows if rows is not None else OLD_ROWS, merge=merge)
    if promo:
        workbook.create_sheet("更多数据").cell(row=1, column=1, value="更多数据，请访问某网站！")
    workbook.save(path)
    return path


BUDGET_GROUP = "2-9 地方一般公共预算收支状况（全市） （万元）"

#: Bilingual family (2021 edition = 2020 data): (group, label, label2, scope) per column.
NEW_COLUMNS = [
    ("2-1 人口数", "常住人口 (万人) Urban Resident Population", None, "全市 Total City"),
    ("2-1 人口数", "常住人口 (万人) Urban Resident Population", None,
     "市辖区 Districts under City"),
    ("2-7 地区生产总值", "地区生产总值（当年价格） （亿元） Gross Regional Product",
     "Gross Regional Product （Current Prices）", "全市 Total City"),
    ("2-7 地区生产总值", "地区生产总值（当年价格） （亿元） Gross Regional Product",
     "Gross Regional Product （Current Prices）", "市辖区 Districts under City"),
    (BUDGET_GROUP, "地方一般公共预算收入", "地方一般公共预算收入", "地方一般公共预算收入"),
    (BUDGET_GROUP, "地方一般公共预算支出", "地方一般公共预算支出", "地方一般公共预算支出"),
    ("2-22 专任教师数(二) （人）", "普通中学 Regular Secondary Schools", None, "全市 Total City"),
    ("2-25 文化体育设施",
     "公共图书馆图书藏量 (万册) Collections of Public Libraries (10 000 copies)",
     None, "全市 Total City"),
    ("2-26 医院、床位和医生数", "医院床位数 (张) Number of Beds of Hospitals (bed)", None,
     "全市 Total City"),
    ("2-26 医院、床位和医生数",
     "执业(助理)医师数 (人) Number of Licensed (Assistant) Doctors (person)",
     None, "全市 Total City"),
    ("2-28 市政公用事业", "年末实有城市道路面积 (万平方米) Area of Urban Paved Roads at Year-end",
     None, "市辖区 Districts under City"),
]  # fmt: skip

NEW_ROWS = [
    ["北京市", "Beijing", "2200", "2200", "36000", "36000", "55000000", "71000000", "59000",
     "7200", "119000", "118000", "10600"],
    ["天津市", "Tianjin", "1390", "1390", "14000", "14000", "19000000", "31500000", "46000",
     "2200", "61500", "49000", "17500"],
    ["河北省", "Hebei", None, None, None, None, None, None, None, None, None, None, None],
    ["  石家庄市", "  Shijiazhuang", "1124", "560", "5935", "3000", "6000000", "12000000",
     "40000", "800", "70000", "50000", "5000"],
    ["安徽省", "Anhui", None, None, None, None, None, None, None, None, None, None, None],
    ["  合肥市", "  Hefei", "937", "500", "10046", "8000", "7000000", "11000000", "30000",
     "1600", "60000", "40000", "9000"],
    ["  亳州市", "  Bozhou", "500", "160", "1800", "600", "800000", "4000000", "20000",
     "400", "20000", "12000", "1500"],
    ["广东省", "Guangdong", None, None, None, None, None, None, None, None, None, None, None],
    ["  深圳市", "  Shenzhen", "1763", "1763", "27670", "27670", "38000000", "42000000",
     "50000", "4000", "60000", "40000", "13000"],
]  # fmt: skip


def new_header(title: str = "中国2020年地级以上城市数据", columns=None) -> list[list]:
    columns = columns or NEW_COLUMNS
    return [
        [None, None, *(None for _ in columns)],
        [title, title, *(c[0] for c in columns)],
        [title, title, *(c[0] for c in columns)],
        ["城 市", "City", *(c[1] for c in columns)],
        ["城 市", "City", *(c[2] if c[2] is not None else c[1] for c in columns)],
        ["城 市", "City", *(c[3] for c in columns)],
    ]


def write_new(path: Path, *, title: str = "中国2020年地级以上城市数据", columns=None, rows=None):
    """A bilingual-family edition (six header rows, English names in column B)."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Sheet1"
    write_sheet(ws, new_header(title, columns), rows if rows is not None else NEW_ROWS)
    workbook.create_sheet("更多数据").cell(row=1, column=1, value="更多数据，请访问某网站！")
    workbook.save(path)
    return path


# --------------------------------------------------------------------------- malformed corpus


@dataclass
class Case:
    """A malformed input: what to import and what the error must name."""

    source: Path
    expected: list[str]
    kwargs: dict = field(default_factory=dict)


def _old_with(path: Path, *, rows=None, columns=None, **kwargs) -> Path:
    return write_old(path, rows=rows, columns=columns, **kwargs)


def _replace_cell(rows: list[list], name: str, index: int, value) -> list[list]:
    out = [list(r) for r in rows]
    for r in out:
        if r[0] == name:
            r[index] = value
    return out


def _replace_column(columns, label: str, new: tuple) -> list:
    return [new if c[1] == label else c for c in columns]


def _case_missing_dir(tmp: Path) -> Case:
    return Case(tmp / "no_such_ccsy_dir", ["no_such_ccsy_dir", "does not exist"])


def _case_empty_dir(tmp: Path) -> Case:
    (tmp / "notes.txt").write_text("not a workbook")
    return Case(tmp, [str(tmp), "holds no workbook"])


def _case_not_a_workbook(tmp: Path) -> Case:
    path = tmp / "中国城市统计年鉴2006.xlsx"
    path.write_text("城市,人口\n北京市,1180\n", encoding="utf-8")
    return Case(tmp, [path.name, "not a readable Excel workbook"])


def _case_truncated(tmp: Path) -> Case:
    good = write_old(tmp / "full.xlsx")
    data = good.read_bytes()
    good.unlink()
    path = tmp / "中国城市统计年鉴2006.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return Case(tmp, [path.name, "not a readable Excel workbook"])


def _case_legacy_xls(tmp: Path) -> Case:
    path = tmp / "中国城市统计年鉴2006.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    return Case(tmp, [path.name, ".xls"])


def _case_empty_sheet(tmp: Path) -> Case:
    path = tmp / "中国城市统计年鉴2006.xlsx"
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    workbook.save(path)
    return Case(tmp, [path.name, "empty", "Sheet1"])


def _case_promo_only(tmp: Path) -> Case:
    path = tmp / "中国城市统计年鉴2006.xlsx"
    workbook = Workbook()
    workbook.active.title = "更多数据"
    workbook.active["A1"] = "更多数据，请访问某网站！"
    workbook.save(path)
    return Case(tmp, [path.name, "no column of city names", "更多数据"])


def _case_numbers_only(tmp: Path) -> Case:
    path = tmp / "中国城市统计年鉴2006.xlsx"
    workbook = Workbook()
    ws = workbook.active
    ws.title = "数据"
    for r in range(1, 8):
        for c in range(1, 6):
            ws.cell(row=r, column=c, value=r * c)
    workbook.save(path)
    return Case(tmp, [path.name, "no column of city names", "数据"])


def _case_unknown_city(tmp: Path) -> Case:
    rows = [list(r) for r in OLD_ROWS]
    rows[4][0] = "火星市"  # sheet row 8 (three header rows + index 4 + 1)
    path = _old_with(tmp / "中国城市统计年鉴2006.xlsx", rows=rows)
    return Case(tmp, [path.name, "Sheet1", "row 8", "column A", "火星市", "city_aliases.csv"])


def _case_unknown_city_bilingual(tmp: Path) -> Case:
    rows = [list(r) for r in NEW_ROWS]
    rows[6][0] = "  亚特兰蒂斯市"  # sheet row 13 (six header rows + index 6 + 1)
    path = write_new(tmp / "中国城市统计年鉴2021.xlsx", rows=rows)
    return Case(tmp, [path.name, "row 13", "column A", "亚特兰蒂斯市", "city_aliases.csv"])


def _case_duplicate_city(tmp: Path) -> Case:
    rows = [list(r) for r in OLD_ROWS]
    rows.append(list(rows[4]))  # 石家庄市 again, last row (sheet row 15)
    path = _old_with(tmp / "中国城市统计年鉴2006.xlsx", rows=rows)
    return Case(tmp, [path.name, "duplicate city-year", "石家庄市", "row 8", "row 15"])


def _case_duplicate_municipality(tmp: Path) -> Case:
    rows = [list(r) for r in OLD_ROWS]
    clash = list(rows[1])
    clash[1] = 1999.9  # 北京市 listed twice with a different population
    rows.insert(2, clash)
    path = _old_with(tmp / "中国城市统计年鉴2006.xlsx", rows=rows)
    return Case(tmp, [path.name, "duplicate city-year", "北京市", "row 5", "row 6"])


def _case_duplicate_year(tmp: Path) -> Case:
    write_old(tmp / "中国城市统计年鉴2006.xlsx")
    write_old(tmp / "中国城市统计年鉴2006 副本.xlsx")
    return Case(tmp, ["中国城市统计年鉴2006.xlsx", "中国城市统计年鉴2006 副本.xlsx", "2005"])


def _case_unknown_unit_gdp(tmp: Path) -> Case:
    columns = [
        (g, "地区生产总值(当年价格)(万美元)" if lab.startswith("地区生产总值") else lab, s)
        for g, lab, s in OLD_COLUMNS
    ]
    path = _old_with(tmp / "中国城市统计年鉴2006.xlsx", columns=columns)
    return Case(tmp, [path.name, "Sheet1", "column D", "万美元", "gdp", "units.csv"])


def _case_unknown_unit_books(tmp: Path) -> Case:
    columns = _replace_column(
        OLD_COLUMNS,
        "公共图书馆图书总藏量(千册、件)",
        ("文化", "公共图书馆图书总藏量(百册)", "全市"),
    )
    path = _old_with(tmp / "中国城市统计年鉴2006.xlsx", columns=columns)
    return Case(tmp, [path.name, "column Q", "百册", "library_books"])


def _case_no_unit_ambiguous(tmp: Path) -> Case:
    # GDP without a unit in a single edition: 千元, 万元 and 百万元 all give plausible values.
    columns = [
        (g, "地区生产总值(当年价格)", s) if lab.startswith("地区生产总值") else (g, lab, s)
        for g, lab, s in OLD_COLUMNS
    ]
    path = _old_with(tmp / "中国城市统计年鉴2006.xlsx", columns=columns)
    return Case(tmp, [path.name, "Sheet1", "column D", "gdp", "states no unit", "ambiguous"])


def _case_unit_of_another_dimension(tmp: Path) -> Case:
    columns = _replace_column(
        OLD_COLUMNS, "医院、卫生院床位数(张)", ("卫生", "医院、卫生院床位数(万元)", "全市")
    )
    path = _old_with(tmp / "中国城市统计年鉴2006.xlsx", columns=columns)
    return Case(tmp, [path.name, "column K", "hospital_beds", "万元", "money"])


def _case_year_too_early(tmp: Path) -> Case:
    path = write_old(tmp / "中国城市统计年鉴1986.xlsx", title="中国1985年地级以上城市数据")
    return Case(tmp, [path.name, "1985", "outside the allowed years"])


def _case_year_outside_parameter(tmp: Path) -> Case:
    path = write_old(tmp / "中国城市统计年鉴2006.xlsx")
    return Case(tmp, [path.name, "2005", "2010-2020"], {"years": (2010, 2020)})


def _case_no_year(tmp: Path) -> Case:
    path = write_old(tmp / "cities.xlsx", title="地级以上城市数据")
    return Case(tmp, [path.name, "cannot tell the edition year"])


def _case_year_conflict(tmp: Path) -> Case:
    path = write_old(tmp / "中国城市统计年鉴2009.xlsx", title="中国2005年地级以上城市数据")
    return Case(tmp, [path.name, "2009", "2005"])


def _case_ambiguous_header(tmp: Path) -> Case:
    columns = [
        (g, "医院床位数 (张) Number of Licensed (Assistant) Doctors (person)", None, s)
        if lab.startswith("医院床位数")
        else (g, lab, lab2, s)
        for g, lab, lab2, s in NEW_COLUMNS
    ]
    path = write_new(tmp / "中国城市统计年鉴2021.xlsx", columns=columns)
    return Case(tmp, [path.name, "column K", "two canonical variables", "hospital_beds", "doctors"])


def _case_no_known_headers(tmp: Path) -> Case:
    columns = [("杂项", f"某指标{i}(个)", "全市") for i in range(len(OLD_COLUMNS))]
    path = _old_with(tmp / "中国城市统计年鉴2006.xlsx", columns=columns)
    return Case(tmp, [path.name, "Sheet1", "none of the header cells", "ccsy_headers.csv"])


def _case_no_header_rows(tmp: Path) -> Case:
    path = tmp / "中国城市统计年鉴2006.xlsx"
    workbook = Workbook()
    ws = workbook.active
    for r, row in enumerate(OLD_ROWS[1:4], start=1):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    workbook.save(path)
    return Case(tmp, [path.name, "row 1", "no header rows"])


def _case_implausible_value(tmp: Path) -> Case:
    rows = _replace_cell(OLD_ROWS, "石家庄市", 1, -5)
    path = _old_with(tmp / "中国城市统计年鉴2006.xlsx", rows=rows)
    return Case(tmp, [path.name, "pop_registered", "-5", "row 8"])


def _case_one_bad_file_among_good(tmp: Path) -> Case:
    write_new(tmp / "中国城市统计年鉴2021.xlsx")
    bad = tmp / "中国城市统计年鉴2006.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    return Case(tmp, [bad.name, "not a readable Excel workbook"])


def _case_single_file_unknown_city(tmp: Path) -> Case:
    rows = _replace_cell(OLD_ROWS, "深圳市", 0, "深圳特区")
    path = _old_with(tmp / "中国城市统计年鉴2006.xlsx", rows=rows)
    return Case(path, [path.name, "深圳特区", "row 14"])


MALFORMED: dict[str, Callable[[Path], Case]] = {
    name.removeprefix("_case_"): builder
    for name, builder in sorted(globals().items())
    if name.startswith("_case_")
}


class _XlsSheet:
    """The two calls of :func:`write_sheet` (``cell`` and ``merge_cells``) on an xlwt sheet."""

    def __init__(self) -> None:
        self.values: dict[tuple[int, int], object] = {}
        self.merges: list[tuple[int, int, int, int]] = []

    def cell(self, row: int, column: int, value=None):
        self.values[(row - 1, column - 1)] = value

    def merge_cells(self, start_row: int, start_column: int, end_row: int, end_column: int):
        self.merges.append((start_row - 1, start_column - 1, end_row - 1, end_column - 1))

    def save(self, path: Path, title: str) -> Path:
        import xlwt

        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet(title)
        merged = set()
        for r0, c0, r1, c1 in self.merges:
            sheet.write_merge(r0, r1, c0, c1, self.values.get((r0, c0)))
            merged |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for (r, c), value in self.values.items():
            if (r, c) not in merged:
                sheet.write(r, c, value)
        book.add_sheet("更多数据").write(0, 0, "更多数据，请访问某网站！")
        book.save(str(path))
        return path


def write_old_xls(path: Path, **kwargs) -> Path:
    """The older-family edition of :func:`write_old` as a legacy .xls workbook (xlwt)."""
    sheet = _XlsSheet()
    title = kwargs.get("title", "中国2005年地级以上城市数据")
    write_sheet(sheet, old_header(title, kwargs.get("columns")), kwargs.get("rows", OLD_ROWS))
    return sheet.save(path, "Sheet1")
