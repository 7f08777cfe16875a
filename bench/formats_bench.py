"""OFD and spreadsheet reading speed (`python bench/formats_bench.py [--repeat 3]`).

Inputs: the real OFD letter and the largest real workbooks of ../shared/realdocs/, and a
generated .xlsx with a million empty rows (the hostile case of issue 22). Baselines in the same
run: openpyxl's read-only cell values for the .xlsx, calamine alone for the .xls. Each time is
the best of `--repeat` runs in this process, after a warm-up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract import read_document
from tests.test_formats import SHEET_NS, _raw_xlsx

REALDOCS = Path(__file__).resolve().parents[2] / "shared" / "realdocs"
XLSX = REALDOCS / "simonjob__江西省2023年中小学教师招聘岗位表（定）.xlsx"
XLS = REALDOCS / "simonjob__附件1：江西省2021年度考试录用公务员职位表.xls"
OFD = REALDOCS / "ofdrw__testPathFillOpacity.ofd"


def best(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def openpyxl_values(path: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    for ws in wb.worksheets:
        for _ in ws.iter_rows(values_only=True):
            pass
    wb.close()


def calamine_values(path: Path) -> None:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()


def million_empty_rows(folder: Path) -> Path:
    path = folder / "空行.xlsx"

    def rows(fh):
        fh.write(SHEET_NS.encode() + b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row>')
        for start in range(2, 1_048_577, 10_000):
            fh.write(
                b"".join(b'<row r="%d"/>' % r for r in range(start, min(start + 10_000, 1_048_577)))
            )
        fh.write(b"</sheetData></worksheet>")

    return _raw_xlsx(path, stream=rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty = million_empty_rows(Path(tmp))
        with zipfile.ZipFile(empty) as zf:
            size = zf.getinfo("xl/worksheets/sheet1.xml").file_size
        rows = [
            ("OFD letter (1 page), infocity", best(lambda: read_document(OFD), args.repeat)),
            (
                f"{XLSX.name[:20]}… (2 512 rows), infocity",
                best(lambda: read_document(XLSX), args.repeat),
            ),
            (
                "  the same, openpyxl read-only values",
                best(lambda: openpyxl_values(XLSX), args.repeat),
            ),
            (
                f"{XLS.name[:20]}… (3 396 rows), infocity",
                best(lambda: read_document(XLS), args.repeat),
            ),
            ("  the same, calamine values alone", best(lambda: calamine_values(XLS), args.repeat)),
            (
                f"1M empty rows (sheet XML {size / 2**20:.0f} MB), infocity",
                best(lambda: read_document(empty), args.repeat),
            ),
        ]
    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
