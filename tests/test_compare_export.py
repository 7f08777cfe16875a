"""Comparing cities and exporting, on real ingested documents in SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli import app
from corpus import ingest
from corpus.compare import (
    DEMO_AREAS,
    area_matrix,
    cities,
    city_overview,
    indicator_table,
    latest_period,
    periods,
)
from corpus.export import ExportError, export, file_name, safe_cell
from corpus.figures import NoSubmission
from corpus.review import review_figure, review_queue, set_passage_area
from corpus.scorecard import scorecard
from models.tables import Document, Passage

CITIES = ["宁波市", "成都市", "杭州市", "郑州市"]
WENZHOU = "温州市2016年上半年信息消费示范城市建设进展情况.txt"
WENZHOU_TEXT = """温州市2016年上半年信息消费示范城市建设进展情况

一、信息基础设施

=1+1 全市光纤到户用户达到100万户，20M以上宽带用户比例达到60%。

@SUM(A1) 新建4G基站3000个，实现城区4G深度覆盖。

-2 公共区域免费WLAN热点达到1200个。
"""


def ingest_files(store, *paths: Path):
    engine, data_dir, limits = store
    summary = ingest(list(paths), engine=engine, data_dir=data_dir, limits=limits, jobs=2)
    assert not summary.failed, [r.message for r in summary.failed]
    return summary


def wenzhou(tmp_path: Path) -> Path:
    folder = tmp_path / "温州"
    folder.mkdir()
    (folder / WENZHOU).write_text(WENZHOU_TEXT, "utf-8")
    return folder


def passages_with_area(engine, city: str, year: int, period: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count(Passage.id))
            .join(Document, Document.id == Passage.document_id)
            .where(Document.city == city, Document.year == year, Document.period == period)
            .where(Document.is_current, Passage.area.is_not(None))
        ).one()


def test_compare_on_samples(store, samples):
    engine, _, _ = store
    ingest_files(store, samples)
    assert periods(engine) == [(2016, "H1"), (2016, "FY")]
    assert latest_period(engine) == (2016, "FY") and cities(engine, 2016, "FY") == CITIES

    # the matrix: every passage counted once, in the area that counts
    matrix = area_matrix(engine, 2016, "FY")
    assert [r.city for r in matrix.rows] == CITIES and matrix.areas == list(range(7))
    for row in matrix.rows:
        assert row.total == passages_with_area(engine, row.city, 2016, "FY") > 0
        assert sum(c.passages for c in row.cells) == row.total
        assert abs(sum(c.share for c in row.cells) - 1) < 0.01
        assert row.missing == [a for a in DEMO_AREAS if row.cell(a).passages == 0]
    hangzhou = next(r for r in matrix.rows if r.city == "杭州市")
    with Session(engine) as session:
        passage = session.exec(
            select(Passage)
            .join(Document, Document.id == Passage.document_id)
            .where(Document.city == "杭州市", Document.period == "FY", Passage.area == 1)
        ).first()
    set_passage_area(engine, passage.id, 4, user="甲", expected_version=passage.version)
    moved = next(r for r in area_matrix(engine, 2016, "FY").rows if r.city == "杭州市")
    assert moved.cell(1).passages == hangzhou.cell(1).passages - 1
    assert moved.cell(4).passages == hangzhou.cell(4).passages + 1
    assert moved.total == hangzhou.total

    # the indicators: each city's scorecard headline, with the same checks
    table = indicator_table(engine, 2016, "FY")
    assert [r.city for r in table.rows] == CITIES
    ids = [c.id for c in table.indicators]
    assert "broadband_20m_share" in ids and len(ids) == len(set(ids))
    for row in table.rows:
        card = scorecard(engine, row.city, 2016, "FY")
        assert {k: (v.figure.id if v.figure else None, v.check) for k, v in row.lines.items()} == {
            line.indicator: (line.figure.id if line.figure else None, line.check)
            for line in card.lines
        }
    broadband = next(c for c in table.indicators if c.id == "broadband_20m_share")
    assert broadband.target and broadband.unit == "%"

    # one city's submission
    overview = city_overview(engine, "成都市", 2016, "FY")
    names = {d.name for d in overview.documents}
    assert {"成都市信息消费示范城市2016年工作总结.pdf", "成都市信息消费典型应用(3个).docx"} <= names
    assert [a.area for a in overview.areas] == [1, 2, 3, 4, 5, 6, 0]
    chengdu = next(r for r in area_matrix(engine, 2016, "FY").rows if r.city == "成都市")
    assert [a.passages for a in overview.areas] == [
        chengdu.cell(a.area).passages for a in overview.areas
    ]
    assert all(a.missing == (a.area in chengdu.missing) for a in overview.areas)
    assert any(a.figures for a in overview.areas)
    assert all(len(a.figures) <= 5 for a in overview.areas)
    assert len(overview.applications) == 3
    assert all(a.city == "成都市" and a.tags for a in overview.applications)
    assert overview.scorecard is not None and overview.scorecard.city == "成都市"
    assert overview.queue == review_queue(engine, city="成都市", year=2016, period="FY", limit=50)
    assert overview.queue_total >= len(overview.queue)
    with pytest.raises(NoSubmission, match="温州市"):
        city_overview(engine, "温州市", 2016, "FY")

    # a rejected figure leaves the overview's key figures
    shown = next(f for a in overview.areas for f in a.figures)
    review_figure(engine, shown.id, "reject", user="甲", expected_version=shown.version)
    again = city_overview(engine, "成都市", 2016, "FY")
    assert shown.id not in {f.id for a in again.areas for f in a.figures}


def test_missing_areas_are_marked(store, tmp_path):
    engine, _, _ = store
    ingest_files(store, wenzhou(tmp_path))
    [row] = area_matrix(engine, 2016, "H1").rows
    assert row.city == "温州市" and row.cell(1).passages >= 2
    assert row.missing and set(row.missing) <= set(DEMO_AREAS) and 1 not in row.missing
    overview = city_overview(engine, "温州市", 2016, "H1")
    assert [a.area for a in overview.areas if a.missing] == row.missing
    assert area_matrix(engine, 2016, "FY").rows == []


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(data))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_exports_on_samples(store, samples):
    engine, _, _ = store
    ingest_files(store, samples)
    for kind, header, first in [
        ("matrix", "城市", "段落合计"),
        ("indicators", "城市", "年份"),
        ("figures", "编号", "城市"),
        ("applications", "编号", "城市"),
    ]:
        rows = read_csv(export(kind, "csv", engine=engine))
        sheet = read_xlsx(export(kind, "xlsx", engine=engine))
        assert rows[0][:2] == [header, first] == sheet[0][:2], kind
        assert len(rows) == len(sheet) > 1, kind
    matrix = read_xlsx(export("matrix", "xlsx", engine=engine, year=2016, period="H1"))
    assert [r[0] for r in matrix[1:]] == CITIES
    assert all(isinstance(v, int) for v in matrix[1][1:9])  # numbers stay numbers
    h1 = area_matrix(engine, 2016, "H1")
    assert [r[1] for r in matrix[1:]] == [r.total for r in h1.rows]
    only = read_csv(export("figures", "csv", engine=engine, city="郑州市", period="H1"))
    assert {r[1] for r in only[1:]} == {"郑州市"} and {r[3] for r in only[1:]} == {"上半年"}
    apps = read_xlsx(export("applications", "xlsx", engine=engine, city="宁波市"))
    assert len(apps) > 1 and {r[1] for r in apps[1:]} == {"宁波市"}
    indicators = read_csv(export("indicators", "csv", engine=engine, year=2016, period="FY"))
    assert {r[0] for r in indicators[1:]} == set(CITIES)
    assert {"达标", "未达标"} & {r[8] for r in indicators[1:]}
    with pytest.raises(ExportError, match="未知导出内容"):
        export("passwords", "csv", engine=engine)
    with pytest.raises(ExportError, match="未知导出格式"):
        export("matrix", "pdf", engine=engine)
    assert file_name("matrix", "xlsx", year=2016, period="FY") == "领域覆盖-2016全年.xlsx"


def test_export_guards_against_formula_injection(store, tmp_path):
    engine, _, _ = store
    ingest_files(store, wenzhou(tmp_path))
    rows = read_csv(export("figures", "csv", engine=engine))
    contexts = [r[-1] for r in rows[1:]]
    starts = {c[:2] for c in contexts}
    assert {"'=", "'@", "'-"} <= starts, contexts
    assert not any(c[0] in "=+-@" for c in contexts)
    sheet = load_workbook(io.BytesIO(export("figures", "xlsx", engine=engine))).active
    cells = [row[-1] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" and c.value[0] not in "=+-@" for c in cells)
    assert (
        safe_cell("+86 571") == "'+86 571" and safe_cell(-5) == -5 and safe_cell("正常") == "正常"
    )


def test_exports_of_an_empty_store(store):
    engine, _, _ = store
    with pytest.raises(NoSubmission, match="还没有任何报告"):
        export("matrix", "xlsx", engine=engine)
    rows = read_csv(export("figures", "csv", engine=engine))
    assert len(rows) == 1 and rows[0][0] == "编号"
    assert read_xlsx(export("applications", "xlsx", engine=engine))[0][0] == "编号"


def test_cli_export(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(wenzhou(tmp_path))])
    assert result.exit_code == 0, result.output
    out = tmp_path / "矩阵.xlsx"
    result = runner.invoke(app, ["export", "matrix", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert read_xlsx(out.read_bytes())[1][0] == "温州市"
    result = runner.invoke(app, ["export", "matrix", "--out", str(out)])
    assert result.exit_code == 1 and "不会覆盖" in result.output
    csv_out = tmp_path / "数据.csv"
    result = runner.invoke(
        app,
        ["export", "figures", "--format", "csv", "--out", str(csv_out), "--city", "温州"],
    )
    assert result.exit_code == 0, result.output
    assert read_csv(csv_out.read_bytes())[1][1] == "温州市"
    result = runner.invoke(
        app, ["export", "indicators", "--out", str(tmp_path / "x.xlsx"), "--year", "2015"]
    )
    assert result.exit_code == 1 and "没有" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["export", "nonsense", "--out", str(tmp_path / "y.csv")])
    assert result.exit_code == 2
