"""Figures through the whole path: a real .docx ingested, figures stored with their passage,
listed by `infocity figures`, and a city's scorecard against the guide's targets."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli import app
from corpus import ingest
from corpus.figures import FigureFilters, NoSubmission, list_figures
from corpus.scorecard import scorecard
from models.tables import Figure, Passage

runner = CliRunner()


def report(path: Path, title: str, paragraphs: list[str], table: list[list[str]] | None = None):
    document = docx.Document()
    document.add_heading(title, level=0)
    document.add_heading("一、信息基础设施", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        document.add_heading("二、主要指标", level=1)
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    document.save(path)
    return path


@pytest.fixture
def two_reports(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    report(
        folder / "杭州市2015年全年信息消费示范城市建设进展情况.docx",
        "杭州市2015年信息消费示范城市建设全年进展情况",
        ["截至年底，全市公共数据开放共享比例为30%，20M以上宽带用户占比为41%。"],
    )
    report(
        folder / "杭州市2016年上半年信息消费示范城市建设进展情况.docx",
        "杭州市2016年上半年信息消费示范城市建设进展情况",
        [
            "截至6月底，全市20M以上宽带用户占比达到62.5%，城市光纤网络覆盖率达到100%。",
            "公共数据开放共享比例提高到45%，力争年底达到60%。",
            "上半年新建4G基站3200个，同比增长15%。",
        ],
        [["指标", "数值（万户）"], ["光纤入户用户数", "253"]],
    )
    return folder


def test_ingest_stores_figures_with_indicator_and_check(store, two_reports):
    engine, data_dir, limits = store
    summary = ingest([two_reports], engine=engine, data_dir=data_dir, limits=limits, jobs=2)
    assert summary.count("added") == 2, summary.to_dict()
    with Session(engine) as session:
        rows = session.exec(select(Figure, Passage).join(Passage)).all()
    found = {(f.raw, f.value, f.unit, f.kind, f.indicator, f.target_check) for f, _ in rows}
    assert ("达到62.5%", 62.5, "%", "level", "broadband_20m_share", "met") in found
    assert ("41%", 41, "%", "level", "broadband_20m_share", "not_met") in found
    assert ("达到100%", 100, "%", "level", "fibre_coverage", "met") in found
    # "20M以上" names a class of users, stated as a bandwidth figure, never as an indicator value
    assert ("20M以上", 20, "Mbps", "level", None, "not_comparable") in found
    assert any(f.value == 3200 and f.unit == "个" and f.kind == "level" for f, _ in rows)
    plan = next(f for f, _ in rows if f.value == 60)
    assert plan.kind == "target" and plan.target_check == "not_comparable"
    change = next(f for f, _ in rows if f.value == 15)
    assert change.kind == "change"
    # The table row: the unit comes from the column header, the indicator from the row label.
    cell = next(f for f, _ in rows if f.row is not None)
    assert (cell.value, cell.unit, cell.indicator, cell.row) == (2530000, "户", "ftth_users", 1)
    for figure, passage in rows:
        if figure.row is None:
            assert passage.text[figure.start : figure.end] == figure.raw


def test_figures_listing_and_scorecard(store, two_reports):
    engine, data_dir, limits = store
    ingest([two_reports], engine=engine, data_dir=data_dir, limits=limits, jobs=2)
    h1 = list_figures(engine, FigureFilters(city="杭州市", year=2016, period="H1"))
    assert h1 and all((f.city, f.year, f.submission_period) == ("杭州市", 2016, "H1") for f in h1)
    assert all(f.page is None or f.page >= 1 for f in h1)
    only = list_figures(engine, FigureFilters(indicator="broadband_20m_share"))
    assert sorted(f.value for f in only) == [41, 62.5]
    assert "62.5%" in next(f.context for f in only if f.value == 62.5)

    card = scorecard(engine, "杭州市")  # the latest submission: 2016 H1
    assert (card.year, card.period) == (2016, "H1")
    lines = {line.indicator: line for line in card.lines}
    assert lines["broadband_20m_share"].check == "met"
    assert lines["broadband_20m_share"].previous.value == 41
    assert lines["fibre_coverage"].check == "met"
    # A rising target is judged against the previous submission: 45% after 30%.
    assert lines["open_data_share"].figure.value == 45
    assert lines["open_data_share"].check == "met"
    # Indicators with a target that the report does not state are listed as not reported.
    assert lines["village_fibre"].figure is None and lines["village_fibre"].check is None
    # An increment (新建…3200个) is a change, never the headline: the line says so.
    lte = lines["lte_base_stations"]
    assert lte.figure is None and lte.check is None and lte.target is None
    assert [(p.figure.value, p.figure.role) for p in lte.passed_over] == [(3200, "change")]
    assert "变化量" in lte.passed_over[0].reason
    # Each headline carries its date: 62.5%（2016年6月底）.
    assert lines["broadband_20m_share"].shown == "达到62.5%（2016年6月底）"
    earlier = scorecard(engine, "杭州市", 2015, "FY")
    assert {line.indicator: line.check for line in earlier.lines}["open_data_share"] == (
        "not_comparable"  # no earlier submission to rise from
    )
    with pytest.raises(NoSubmission, match="宁波市"):
        scorecard(engine, "宁波市")


def test_cli_figures_and_scorecard(two_reports):
    result = runner.invoke(app, ["ingest", str(two_reports)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["figures", "--city", "杭州", "--indicator", "fibre_coverage", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert [(r["value"], r["city"]) for r in json.loads(result.stdout)] == [(100, "杭州市")]
    result = runner.invoke(app, ["figures", "--city", "杭州市", "--json"])
    rows = json.loads(result.stdout)
    assert {r["indicator"] for r in rows} >= {"broadband_20m_share", "fibre_coverage", "ftth_users"}
    text = runner.invoke(app, ["figures", "--year", "2016", "--kind", "target"])
    assert text.exit_code == 0 and "60%" in text.stdout and "计划" in text.stdout
    card = runner.invoke(app, ["scorecard", "杭州"])
    assert card.exit_code == 0, card.output
    assert "达标" in card.stdout and "未报告" in card.stdout and "指标对照" in card.stdout
    as_json = json.loads(runner.invoke(app, ["scorecard", "杭州市", "--json"]).stdout)
    assert as_json["year"] == 2016 and as_json["period"] == "H1"
    missing = runner.invoke(app, ["scorecard", "宁波市"])
    assert missing.exit_code == 1 and "宁波市" in missing.stderr


def test_classify_output_carries_figures():
    result = runner.invoke(
        app,
        ["classify", "-"],
        input=json.dumps(
            {"id": 7, "text": "全市20M以上宽带用户占比超过50%，新建基站1.2万个。"},
            ensure_ascii=False,
        ),
    )
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(x) for x in result.stdout.splitlines()]
    figures = [(f["raw"], f["value"], f["unit"], f["cmp"], f["indicator"]) for f in line["figures"]]
    assert figures[0][:3] == ("20M以上", 20, "Mbps")
    assert figures[1] == ("超过50%", 50, "%", ">", "broadband_20m_share")
    assert figures[2][1:3] == (12000, "个")
    assert set(line["figures"][0]) == {
        "raw",
        "value",
        "unit",
        "approx",
        "cmp",
        "kind",
        "period",
        "indicator",
        "start",
        "end",
    }


def test_headline_rule_takes_the_latest_current_level_inside_the_period():
    from classify import When
    from corpus.figures import StoredFigure
    from corpus.scorecard import headline

    def fig(n, raw, value, role, as_of, row=None) -> StoredFigure:
        return StoredFigure(
            n, raw, value, "%", False, None, "level", None, "fibre_coverage", None,
            "杭州市", 2016, "FY", 1, "报告.docx", 1, 1, raw, role=role, as_of=as_of,
            as_of_precision="month", row=row,
        )  # fmt: skip

    base = fig(1, "93%", 93, "baseline", "2015-12-31", row=1)
    june = fig(2, "97%", 97, "current", "2016-06-30", row=1)
    nov_prose = fig(3, "100%", 100, "current", "2016-11-30")
    nov_table = fig(4, "100%", 100, "current", "2016-11-30", row=1)
    plan = fig(5, "100%", 100, "plan", "2017-12-31")
    change = fig(6, "7个百分点", 7, "change", "2016-11-30")
    old = fig(7, "90%", 90, "current", "2015-12-31")
    found = headline([base, june, nov_prose, nov_table, plan, change, old], When(2016, "FY"))
    assert found.figure is nov_table  # latest date; the table over the prose for that date
    reasons = {p.figure.id: p.reason for p in found.passed_over}
    assert set(reasons) == {1, 2, 3, 5, 6, 7}
    assert "基期值" in reasons[1] and "2015年底" in reasons[1]
    assert "早于所选数据" in reasons[2] and "以表格数据为准" in reasons[3]
    assert "计划" in reasons[5] and "变化量" in reasons[6] and "不在本期" in reasons[7]
    # An H1 submission ends on 6月30日: the November figure is outside it.
    assert headline([june, nov_prose], When(2016, "H1")).figure is june
    # No baseline is ever a headline, even alone.
    assert headline([base, plan, change], When(2016, "FY")).figure is None
    # An evaluator's pick wins, and the rule's pick is listed as passed over.
    chosen = headline([june, nov_table], When(2016, "FY"), chosen=june)
    assert chosen.figure is june and chosen.passed_over[0].figure is nov_table


def test_setwise_scorecards_read_the_figures_as_list_figures_does(store, two_reports):
    """The compare page's scorecards are built set-wise from a few columns (issue 19): every
    figure they show is the figure `list_figures` gives, with the evaluators' word applied (a
    role, a correction), and a rejected figure is in none of them."""
    from dataclasses import replace

    from corpus.figure_review import set_figure_role
    from corpus.review import review_figure
    from corpus.scorecard import scorecards

    engine, data_dir, limits = store
    ingest([two_reports], engine=engine, data_dir=data_dir, limits=limits, jobs=2)
    h1 = list_figures(engine, FigureFilters(city="杭州市", year=2016, period="H1"))
    by_value = {f.value: f for f in h1}
    review_figure(engine, by_value[100].id, "reject", user="甲", expected_version=1)
    review_figure(
        engine, by_value[62.5].id, "correct", user="甲", expected_version=1, corrected_value=63
    )
    set_figure_role(engine, by_value[45].id, "plan", user="甲", expected_version=1)

    card = scorecards(engine, 2016, "H1")["杭州市"]
    assert card == scorecard(engine, "杭州市", 2016, "H1")
    listed = {
        f.id: replace(f, value=f.effective_value) if f.review_status == "corrected" else f
        for f in list_figures(engine, FigureFilters(city="杭州市"), 10_000)
    }
    shown = [
        f
        for line in card.lines
        for f in [line.figure, line.previous, *(p.figure for p in line.passed_over)]
        if f is not None
    ]
    assert shown and all(f == listed[f.id] for f in shown)
    ids = {f.id for f in shown}
    assert by_value[100].id not in ids  # rejected
    lines = {line.indicator: line for line in card.lines}
    assert lines["broadband_20m_share"].figure.value == 63  # corrected
    assert lines["open_data_share"].figure is None  # marked a plan by the evaluator
    plans = [p.figure for p in lines["open_data_share"].passed_over if p.figure.value == 45]
    assert [(f.role, f.role_by) for f in plans] == [("plan", "甲")]
