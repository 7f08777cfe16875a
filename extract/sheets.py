"""Spreadsheets (.xlsx, .xlsm, .xls, .ods) and HTML pages saved as .xls: each sheet one table block.

python-calamine (Rust) reads the workbook; each visible sheet becomes a heading (its name) and a
table whose rows are the sheet's rows, so figures take their units from headers and row labels
as in a Word table. Merged cells are expanded (a category merged down repeats on every row it
spans, a header merged across heads every column under it), except a merge across the whole
table: that is a title or a "单位：万元" line, kept as a one-cell row as Word keeps it.
Empty rows and columns are dropped.

Bounds: calamine builds a sheet as a dense grid from its top-left to its bottom-right cell, so a
sheet with one cell at A1 and one at XFD1048576 would need 17 billion cells. Each .xlsx worksheet
is scanned first (streamed, no DOM) for the box its non-empty cells span; a sheet over
`Limits.max_sheet_cells` is skipped with a warning, and a workbook with nothing else is refused
as too large. .xls sheets are at most 65 536 × 256 cells and are checked once loaded.

WPS and Excel also "save as web page" under an .xls name (one in ../shared/realdocs/ does): the
bytes are HTML, so the type gate says `html` and `HtmlSheetReader` reads its <table>s the same
way, with a warning saying the file is a web page.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import MappingProxyType

from lxml import etree

from .archive import check_zip
from .errors import CorruptDocument, EncryptedDocument, TooLarge
from .formats import OLE2, Signature
from .limits import Limits
from .structure import RawBlock, ReaderOutput

XLSX = Signature("xlsx", "Excel workbook (.xlsx)", zip_member="xl/workbook.xml")
ODS = Signature(
    "ods",
    "OpenDocument spreadsheet (.ods)",
    zip_member="content.xml",
    zip_mimetype=b"application/vnd.oasis.opendocument.spreadsheet",
)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html)",
    re.I | re.S,
)


def _is_html(head: bytes) -> bool:
    return bool(_HTML_START.match(head))


HTML = Signature("html", "HTML page", detect=_is_html, order=50)  # before plain text

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")

Merge = tuple[tuple[int, int], tuple[int, int]]  # ((first row, first col), (last row, last col))


class SheetReader:
    signatures = (XLSX, ODS, OLE2)
    # calamine decides by content, so an .xlsx saved under .xls (WPS does it) is read too.
    accepts = MappingProxyType(
        {
            ".xlsx": ("xlsx",),
            ".xlsm": ("xlsx",),
            ".xls": ("ole2", "xlsx"),
            ".ods": ("ods",),
            ".et": ("xlsx",),  # an OLE2 .et goes through LibreOffice (legacy.LegacySheetReader)
        }
    )

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        import python_calamine as pc

        with path.open("rb") as fh:
            zipped = fh.read(4) == b"PK\x03\x04"
        oversized: dict[str, str] = {}
        if zipped:
            check_zip(path, limits)
            oversized = _oversized_sheets(path, limits.max_sheet_cells)
            if oversized and not _is_xlsx(path):
                # calamine reads every sheet of an .ods when it opens it: none can be skipped.
                raise TooLarge(path, "; ".join(oversized.values())[:300])
        try:
            with path.open("rb") as fh:
                workbook = pc.CalamineWorkbook.from_filelike(fh)
            sheets = list(workbook.sheets_metadata)
        except pc.PasswordError as exc:
            raise EncryptedDocument(path, "password-protected workbook") from exc
        except BaseException as exc:  # calamine's errors, and a Rust panic (a BaseException)
            _reraise_unexpected(exc)
            _too_many_cells(path, exc)
            raise CorruptDocument(path, f"workbook cannot be read: {_short(exc)}") from exc

        blocks: list[RawBlock] = []
        warnings: list[str] = []
        skipped_large = 0
        for index, meta in enumerate(sheets):
            name = str(meta.name).strip() or f"Sheet{index + 1}"
            if str(meta.visible) != str(pc.SheetVisibleEnum.Visible):
                warnings.append(f"隐藏的工作表“{name}”未读取")
                continue
            if str(meta.typ) != str(pc.SheetTypeEnum.WorkSheet):
                warnings.append(f"工作表“{name}”是图表或对话框，没有单元格，未读取")
                continue
            if meta.name in oversized:
                warnings.append(oversized[meta.name])
                skipped_large += 1
                continue
            try:
                sheet = workbook.get_sheet_by_index(index)
                cells = sheet.height * sheet.width
                if cells > limits.max_sheet_cells:
                    warnings.append(_too_large(name, sheet.height, sheet.width, limits))
                    skipped_large += 1
                    continue
                values = sheet.to_python(skip_empty_area=True)
                merges = list(sheet.merged_cell_ranges or [])
                start = sheet.start or (0, 0)
            except BaseException as exc:
                _reraise_unexpected(exc)
                _too_many_cells(path, exc)
                raise CorruptDocument(
                    path, f"sheet {name!r} cannot be read: {_short(exc)}"
                ) from exc
            rows = table_rows(values, merges, start)
            if not rows:
                warnings.append(f"工作表“{name}”没有内容（可能只有图表或图片）")
                continue
            page = index + 1
            blocks.append(RawBlock("paragraph", name, page=page, style_level=1))
            blocks.append(RawBlock("table", page=page, rows=rows))
        if skipped_large and not blocks:
            raise TooLarge(path, "; ".join(w for w in warnings if "上限" in w)[:300])
        return ReaderOutput(blocks, len(sheets) or None, warnings)


class HtmlSheetReader:
    """An HTML page saved under an .xls name: its tables, read like a sheet's cells."""

    signatures = (HTML,)
    accepts = MappingProxyType({".xls": ("html",)})

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        from lxml import html

        data = path.read_bytes()
        parser = html.HTMLParser(
            encoding=_html_encoding(data), no_network=True, huge_tree=False, remove_comments=True
        )
        try:
            root = html.document_fromstring(data, parser=parser)
        except (etree.LxmlError, ValueError, OSError) as exc:
            raise CorruptDocument(path, f"HTML page cannot be read: {exc}") from exc
        warnings = [f"{path.name} 实为网页（HTML）文件而非 Excel 工作簿，已按网页中的表格读取"]
        if root is None:
            return ReaderOutput([], 1, warnings)
        blocks: list[RawBlock] = []
        budget = limits.max_sheet_cells
        for table in root.iter("table"):
            if any(a.tag == "table" for a in table.iterancestors()):
                continue  # a nested table is read as the text of its cell
            values, merges, n_cells = _html_grid(table, budget)
            budget -= n_cells
            if budget < 0:
                raise TooLarge(path, f"HTML tables over {limits.max_sheet_cells} cells")
            rows = table_rows(values, merges)
            if rows:
                blocks.append(RawBlock("table", page=1, rows=rows))
        if not blocks:
            warnings.append(f"{path.name} 是网页文件，其中没有表格")
        return ReaderOutput(blocks, 1, warnings)


def table_rows(
    values: Sequence[Sequence[object]],
    merges: Iterable[Merge] = (),
    start: tuple[int, int] = (0, 0),
) -> list[list[str]]:
    """Given a sheet's cell values (from its top-left used cell `start`) and merged ranges (in
    sheet coordinates), returns its rows as strings: merges expanded, except one across every
    column (a title line), and empty rows and columns dropped."""
    grid = [[cell_text(v) for v in row] for row in values]
    width = max((len(row) for row in grid), default=0)
    for row in grid:
        row.extend([""] * (width - len(row)))
    # Columns empty before merges are expanded: a header merged over an empty column drops it.
    keep_cols = [c for c in range(width) if any(row[c] for row in grid)]
    r_off, c_off = start
    first, last = _first_used(grid), _last_used(grid)
    for (r0, c0), (r1, c1) in merges:
        r0, r1, c0, c1 = r0 - r_off, r1 - r_off, c0 - c_off, c1 - c_off
        if not (0 <= r0 < len(grid) and 0 <= c0 < width):
            continue
        if c0 <= first and c1 >= last:
            continue  # a title across the whole table: one cell, as in a Word table
        value = grid[r0][c0]
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                grid[r][c] = value
    return [[row[c] for c in keep_cols] for row in grid if any(row)]


def _first_used(grid: list[list[str]]) -> int:
    return min((next(c for c, v in enumerate(row) if v) for row in grid if any(row)), default=0)


def _last_used(grid: list[list[str]]) -> int:
    return max((max(c for c, v in enumerate(row) if v) for row in grid if any(row)), default=0)


def cell_text(value: object) -> str:
    """A cell as text the way a reader sees it: 3.0 as 3, 2.68 as 2.68, dates as 2017-07-11."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _too_large(name: str, rows: int, cols: int, limits: Limits) -> str:
    return (
        f"工作表“{name}”范围为 {rows} 行 × {cols} 列，超过 {limits.max_sheet_cells} 个单元格的"
        "上限，未读取"
    )


def _is_xlsx(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return "xl/workbook.xml" in zf.NameToInfo


def _too_many_cells(path: Path, exc: BaseException) -> None:
    """calamine's own cap (100 million cells) is a size, not damage."""
    if "Cell limit exceeded" in str(exc):
        raise TooLarge(path, f"a sheet over calamine's cell limit ({str(exc)[:120]})") from exc


def _oversized_sheets(path: Path, max_cells: int) -> dict[str, str]:
    """Sheet name -> warning, for each sheet whose non-empty cells span more than `max_cells`.

    Streams each .xlsx worksheet part, or an .ods's content.xml (events on rows and cells only,
    each cleared when done), so a million empty rows cost a second, not a gigabyte. A damaged
    file is left to calamine, which says what is wrong with it."""
    limits = Limits(max_sheet_cells=max_cells)
    found: dict[str, str] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            if "xl/workbook.xml" in zf.NameToInfo:
                for name, part in _xlsx_sheet_parts(zf).items():
                    if part in zf.NameToInfo:
                        with zf.open(part) as fh:
                            rows, cols = _xlsx_extent(fh)
                        if rows * cols > max_cells:
                            found[name] = _too_large(name.strip() or part, rows, cols, limits)
            elif "content.xml" in zf.NameToInfo:
                with zf.open("content.xml") as fh:
                    for name, (rows, cols) in _ods_extents(fh).items():
                        if rows * cols > max_cells:
                            found[name] = _too_large(name.strip(), rows, cols, limits)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, etree.LxmlError):
        return found
    return found


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


class _OdsExtents:
    """Parser target: per table of an .ods, (rows, columns) up to its last non-empty cell,
    repeats counted (a row "repeated 1048576 times" holding a value is a million rows of it)."""

    def __init__(self) -> None:
        self.extents: dict[str, tuple[int, int]] = {}
        self.name = ""
        self.row = self.last_row = self.last_col = self.col = 0
        self.row_repeat = 1
        self.row_filled = False
        self.cell_repeat = 1
        self.cell_filled = False

    def start(self, tag: str, attrib) -> None:
        if tag == f"{_TABLE}table":
            self.name = attrib.get(f"{_TABLE}name", "")
            self.row = self.last_row = self.last_col = 0
        elif tag == f"{_TABLE}table-row":
            self.col, self.row_filled = 0, False
            self.row_repeat = _span(attrib.get(f"{_TABLE}number-rows-repeated"))
        elif tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
            self.cell_repeat = _span(attrib.get(f"{_TABLE}number-columns-repeated"))
            self.cell_filled = bool(attrib.get(f"{_OFFICE}value-type"))
        elif tag.startswith("{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"):
            self.cell_filled = True

    def end(self, tag: str) -> None:
        if tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
            self.col += self.cell_repeat
            if self.cell_filled:
                self.row_filled = True
                self.last_col = max(self.last_col, self.col)
            self.cell_filled = False
        elif tag == f"{_TABLE}table-row":
            self.row += self.row_repeat
            if self.row_filled:
                self.last_row = self.row
        elif tag == f"{_TABLE}table":
            self.extents[self.name] = (self.last_row, self.last_col)

    def data(self, text: str) -> None:
        pass

    def close(self) -> dict[str, tuple[int, int]]:
        return self.extents


def _ods_extents(fh) -> dict[str, tuple[int, int]]:
    """Per table of an .ods: (rows, columns) up to its last non-empty cell."""
    target = _OdsExtents()
    _stream(fh, target)
    return target.close()


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    book = etree.fromstring(zf.read("xl/workbook.xml"), _SAFE_PARSER)
    rels_xml = zf.read("xl/_rels/workbook.xml.rels")
    rels = {
        rel.get("Id"): rel.get("Target", "")
        for rel in etree.fromstring(rels_xml, _SAFE_PARSER).iter("{*}Relationship")
    }
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = rels.get(sheet.get(f"{_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        parts[sheet.get("name", "")] = posixpath.normpath(part)
    return parts


def _stream(fh, target) -> None:
    """Feeds a zip member to a callback parser: no tree is built, so memory stays flat and a
    million elements cost a million callbacks."""
    parser = etree.XMLParser(
        target=target, resolve_entities=False, no_network=True, huge_tree=False
    )
    for chunk in iter(lambda: fh.read(1 << 16), b""):
        parser.feed(chunk)
    parser.close()


class _XlsxExtent:
    """Parser target: the box spanned by a worksheet's non-empty cells."""

    def __init__(self) -> None:
        self.top = self.left = 1 << 30
        self.bottom = self.right = -1
        self.row = self.col = 0
        self.filled = False

    def start(self, tag: str, attrib) -> None:
        if tag == f"{_MAIN}row":
            r = attrib.get("r")
            self.row = int(r) if r and r.isdigit() else self.row + 1
            self.col = 0
        elif tag == f"{_MAIN}c":
            ref = _CELL_REF.match(attrib.get("r") or "")
            self.col = _col_number(ref.group(1)) if ref else self.col + 1
            self.filled = False
        elif tag in (f"{_MAIN}v", f"{_MAIN}is", f"{_MAIN}f"):
            self.filled = True  # a cell with content, not just a style

    def end(self, tag: str) -> None:
        if tag == f"{_MAIN}c" and self.filled:
            self.top, self.bottom = min(self.top, self.row), max(self.bottom, self.row)
            self.left, self.right = min(self.left, self.col), max(self.right, self.col)
            self.filled = False

    def data(self, text: str) -> None:
        pass

    def close(self) -> tuple[int, int]:
        if self.bottom < 0:
            return 0, 0
        return self.bottom - self.top + 1, self.right - self.left + 1


def _xlsx_extent(fh) -> tuple[int, int]:
    """(rows, columns) of the box spanned by a worksheet's non-empty cells."""
    target = _XlsxExtent()
    _stream(fh, target)
    return target.close()


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _html_grid(table, budget: int) -> tuple[list[list[str]], list[Merge], int]:
    """An HTML table as a grid of cell texts plus its row/column spans as merged ranges."""
    grid: list[list[str | None]] = []
    merges: list[Merge] = []
    n_cells = 0
    rows = [tr for tr in table.iter("tr") if _owner_table(tr) is table]
    for r, tr in enumerate(rows):
        while len(grid) <= r:
            grid.append([])
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while c < len(grid[r]) and grid[r][c] is not None:
                c += 1
            rowspan = min(_span(td.get("rowspan")), len(rows) - r)
            colspan = min(_span(td.get("colspan")), 1000)
            n_cells += rowspan * colspan
            if n_cells > budget:
                return [], [], n_cells
            text = _html_cell_text(td)
            for rr in range(r, r + rowspan):
                while len(grid) <= rr:
                    grid.append([])
                row = grid[rr]
                row.extend([None] * (c + colspan - len(row)))
                for cc in range(c, c + colspan):
                    row[cc] = text if (rr, cc) == (r, c) else ""
            if rowspan > 1 or colspan > 1:
                merges.append(((r, c), (r + rowspan - 1, c + colspan - 1)))
            c += colspan
    values = [[cell or "" for cell in row] for row in grid]
    return values, merges, n_cells


_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", re.I)


def _html_encoding(data: bytes) -> str:
    """The page's declared charset, else UTF-8 when it decodes, else GB18030 (which covers GBK
    and GB2312, the usual undeclared encodings of Chinese pages)."""
    match = _CHARSET.search(data[:4096])
    if match:
        name = match.group(1).decode("ascii").lower()
        return "gb18030" if name in ("gb2312", "gbk", "cp936") else name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _owner_table(el):
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _span(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _html_cell_text(td) -> str:
    for br in td.iter("br"):
        br.tail = "\n" + (br.tail or "")
    text = td.text_content()
    lines = [" ".join(line.split()) for line in text.replace("\xa0", " ").splitlines()]
    return "\n".join(line for line in lines if line)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:160]}"


def _reraise_unexpected(exc: BaseException) -> None:
    """calamine reports a damaged file with its own errors or, on a bug, a Rust panic (which
    pyo3 raises as a BaseException); anything else (Ctrl+C, MemoryError) is not about the file."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | MemoryError | GeneratorExit):
        raise exc
