"""The headline rule through the whole path (issue 13): a built full-year report with a
comparison table (指标 | 2015年底 | 2016年11月底 | 指南目标) and prose with 由…提升至… and 新增…累计…,
ingested into SQLite and PostgreSQL; the scorecard judges the current value, never a baseline;
evaluators' choices are audited, drive the verdict and survive re-ingest and new versions;
consistency checks and search by number."""

from __future__ import annotations

import json
from pathlib import Path

import docx
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli import app
from corpus import ingest
from corpus.checks import check_city
from corpus.compare import indicator_table
from corpus.export import export
from corpus.figure_review import carry_figure_choices, choose_headline, set_figure_role
from corpus.figures import FigureFilters, list_figures
from corpus.review import history
from corpus.scorecard import scorecard
from models.tables import Figure, ReviewEvent
from tests.builders import COMPARISON_TABLE, build_comparison_docx

runner = CliRunner()
FY_NAME = "杭州市2016年国家信息消费示范城市建设全年工作总结.docx"


def _ingest(store, *paths: Path):
    engine, data_dir, limits = store
    summary = ingest(list(paths), engine=engine, data_dir=data_dir, limits=limits, jobs=1)
    assert not summary.failed, summary.to_dict()
    return summary


def _fy_report(folder: Path, **kwargs) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return build_comparison_docx(folder / FY_NAME, **kwargs)


def test_headline_is_the_current_value_and_never_a_baseline(store, tmp_path):
    engine = store[0]
    _ingest(store, _fy_report(tmp_path / "in"))
    card = scorecard(engine, "杭州市", 2016, "FY")
    lines = {line.indicator: line for line in card.lines}
    fibre = lines["fibre_coverage"]
    # 100% at 2016年11月底, from the table (the prose says the same date and value)
    assert (fibre.figure.value, fibre.figure.as_of, fibre.figure.in_table) == (
        100,
        "2016-11-30",
        True,
    )
    assert fibre.shown == "100%（2016年11月底）"
    assert fibre.check == "met"
    reasons = {(p.figure.raw, p.figure.in_table): p.reason for p in fibre.passed_over}
    assert "基期值" in reasons[("93%", True)] and "2015年底" in reasons[("93%", True)]
    assert reasons[("达到100%", False)] == "同一日期以表格数据为准"
    share = lines["broadband_20m_share"]
    assert (share.figure.value, share.check) == (80.5, "met")  # not 41.2% (the 2015 value)
    assert {p.figure.value: p.figure.role for p in share.passed_over} == {
        41.2: "baseline",
        50: "target",
        90: "plan",
    }
    # 新增3.2万户 is a change; the total 41.5万户 is the level
    rural = lines.get("broadband_users")
    if rural is not None and rural.figure is not None:
        assert rural.figure.value == 415000
    # No baseline is ever a headline, on any line.
    assert all(line.figure is None or line.figure.role == "current" for line in card.lines)
    # Stored: every figure of the report has a role; those of the table have their column's date.
    with Session(engine) as session:
        rows = session.exec(select(Figure)).all()
    assert rows and all(f.role for f in rows)
    assert {f.as_of for f in rows if f.row is not None and f.col == 1} == {"2015-12-31"}
    # The same rows feed the comparison and the 指标对照 export.
    table = indicator_table(engine, 2016, "FY")
    assert table.rows[0].lines["fibre_coverage"].figure.id == fibre.figure.id
    sheet = export("indicators", "csv", engine=engine, year=2016, period="FY").decode("utf-8-sig")
    fibre_row = next(line for line in sheet.splitlines() if "光纤" in line and "100" in line)
    assert "2016年11月底" in fibre_row and "达标" in fibre_row


def test_a_report_stating_only_the_2015_baseline_is_not_judged_on_it(store, tmp_path):
    engine = store[0]
    table = [["指标", "2015年底"], ["城市光纤网络覆盖率", "93%"]]
    _ingest(store, _fy_report(tmp_path / "in", table=table, paragraphs=["全市光纤建设稳步推进。"]))
    line = next(x for x in scorecard(engine, "杭州市").lines if x.indicator == "fibre_coverage")
    assert line.figure is None and line.check is None  # "93% 未达标" was the bug
    assert [p.figure.value for p in line.passed_over] == [93]


def test_evaluator_override_is_audited_drives_the_verdict_and_survives(store, tmp_path):
    engine = store[0]
    report = _fy_report(tmp_path / "in")
    _ingest(store, report)
    share = next(
        x for x in scorecard(engine, "杭州市").lines if x.indicator == "broadband_20m_share"
    )
    baseline = next(p.figure for p in share.passed_over if p.figure.value == 41.2)
    # The evaluator says the 2015 figure is the one to judge (for the sake of the test).
    change = choose_headline(
        engine, baseline.id, user="评估员甲", expected_version=baseline.version, comment="核对原件"
    )
    line = next(
        x for x in scorecard(engine, "杭州市").lines if x.indicator == "broadband_20m_share"
    )
    assert (line.figure.value, line.check, line.chosen_by) == (41.2, "not_met", "评估员甲")
    assert any(p.reason == "评估人员选定了另一条数据" for p in line.passed_over)
    events = history(engine, "figure", baseline.id)
    assert [e.action for e in events] == ["set_headline"] and events[0].user == "评估员甲"
    assert change.version == baseline.version + 1
    # A role marked by an evaluator: the prose 45% (open data) becomes a baseline.
    prose = next(
        f
        for f in list_figures(engine, FigureFilters(city="杭州市"))
        if f.value == 45 and f.unit == "%"
    )
    set_figure_role(engine, prose.id, "baseline", user="评估员乙", expected_version=prose.version)
    marked = next(
        f for f in list_figures(engine, FigureFilters(role="baseline")) if f.id == prose.id
    )
    assert (marked.role, marked.extracted_role, marked.role_by) == (
        "baseline",
        "current",
        "评估员乙",
    )

    # A new version of the same file (an edited paragraph elsewhere) keeps both choices.
    # It keeps the passages the choices were made on: the table and the 45% sentence.
    new = _fy_report(
        tmp_path / "v2",
        paragraphs=[
            "截至2016年11月底，全市新建4G基站1.2万个。",
            "2015年底，全市公共数据开放共享比例为30%；截至11月底，已提高到45%。",
        ],
    )
    summary = _ingest(store, new)
    assert summary.count("version") == 1
    again = next(
        x for x in scorecard(engine, "杭州市").lines if x.indicator == "broadband_20m_share"
    )
    assert (again.figure.value, again.chosen_by, again.check) == (41.2, "评估员甲", "not_met")
    assert again.figure.id != baseline.id  # a new row of the new version, found by its key
    roles = {
        f.value: (f.role, f.role_by)
        for f in list_figures(engine, FigureFilters(city="杭州市"))
        if f.unit == "%"
    }
    assert roles[45] == ("baseline", "评估员乙")
    doc_id = again.figure.document_id
    carried = carry_figure_choices(engine, doc_id)
    assert len(carried.found) == 2 and carried.lost == []
    # Clearing the headline goes back to the rule.
    choose_headline(
        engine, again.figure.id, user="评估员甲", expected_version=again.figure.version, clear=True
    )
    back = next(
        x for x in scorecard(engine, "杭州市").lines if x.indicator == "broadband_20m_share"
    )
    assert (back.figure.value, back.chosen_by, back.check) == (80.5, None, "met")
    with Session(engine) as session:
        actions = [e.action for e in session.exec(select(ReviewEvent)).all()]
    assert actions.count("set_headline") == 1 and actions.count("clear_headline") == 1


def test_a_choice_whose_figure_is_gone_is_said_not_silently_applied(store, tmp_path):
    engine = store[0]
    _ingest(store, _fy_report(tmp_path / "in"))
    line = next(x for x in scorecard(engine, "杭州市").lines if x.indicator == "fibre_coverage")
    choose_headline(engine, line.figure.id, user="评估员甲", expected_version=line.figure.version)
    changed = [row[:] for row in COMPARISON_TABLE]
    changed[1] = ["城市光纤网络覆盖率", "93%", "99.5%", "全覆盖"]
    _ingest(store, _fy_report(tmp_path / "v2", table=changed))
    after = next(x for x in scorecard(engine, "杭州市").lines if x.indicator == "fibre_coverage")
    assert after.chosen_by is None and "未找到" in (after.note or "")
    assert after.figure.as_of == "2016-11-30"


def _report(path: Path, title: str, paragraphs: list[str], table=None) -> Path:
    document = docx.Document()
    document.add_heading(title, level=0)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    document.save(path)
    return path


def test_consistency_checks_with_provenance(store, tmp_path):
    engine = store[0]
    folder = tmp_path / "in"
    folder.mkdir()
    _report(
        folder / "宁波市2016年上半年信息消费示范城市建设进展情况.docx",
        "宁波市2016年上半年信息消费示范城市建设进展情况",
        [
            "截至6月底，全市累计建成4G基站3.6万个。",
            "上半年，全市网络零售额达到1200亿元。",
        ],
    )
    _report(
        folder / "宁波市2016年信息消费示范城市建设全年工作总结.docx",
        "宁波市2016年信息消费示范城市建设全年工作总结",
        [
            "截至11月底，全市累计建成4G基站3.1万个。",
            "全年全市网络零售额达到1100亿元。",
            "截至11月底，全市光纤入户用户达到230万户。",
        ],
        [
            ["指标", "2016年11月底"],
            ["光纤入户用户数（万户）", "236"],
        ],
    )
    _report(
        folder / "宁波市2016年全年主要指标分区情况.docx",
        "宁波市2016年信息消费示范城市建设全年工作总结附表",
        ["各区县情况见下表。"],
        [
            ["区县", "4G基站（个）"],
            ["海曙区", "1200"],
            ["江北区", "900"],
            ["合计", "2500"],
        ],
    )
    _ingest(store, folder)
    findings = check_city(engine, "宁波市", 2016, "FY")
    by = {f.check: f for f in findings}
    assert set(by) >= {"cumulative_fell", "h1_above_fy", "table_text", "total_row"}, [
        f.message for f in findings
    ]
    fell = by["cumulative_fell"]
    assert "3.6万" in fell.where[0].raw or fell.where[0].raw.endswith("3.6万个")
    assert all(w.document.endswith(".docx") for w in fell.where)
    assert "2,360,000户" in by["table_text"].message
    assert "2,300,000户" in by["table_text"].message
    assert "合计 2,500个" in by["total_row"].message and "2,100个" in by["total_row"].message
    assert by["total_row"].where[0].document == "宁波市2016年全年主要指标分区情况.docx"
    # CLI
    result = runner.invoke(app, ["check", "宁波市", "--year", "2016", "--period", "FY"])
    assert result.exit_code == 0, result.output


def test_cli_check_figures_filters_and_overrides(tmp_path):
    report = _fy_report(tmp_path / "in")
    assert runner.invoke(app, ["ingest", str(report)]).exit_code == 0
    result = runner.invoke(app, ["check", "杭州市"])
    assert result.exit_code == 0, result.output
    found = runner.invoke(
        app,
        ["figures", "--indicator", "broadband_20m_share", "--role", "current", "--min", "50",
         "--max", "100", "--as-of", "2016", "--json"],
    )  # fmt: skip
    assert found.exit_code == 0, found.output
    rows = json.loads(found.stdout)
    assert [(r["value"], r["as_of"]) for r in rows] == [(80.5, "2016-11-30")]
    baselines = json.loads(
        runner.invoke(app, ["figures", "--role", "baseline", "--as-of", "2015", "--json"]).stdout
    )
    assert {r["value"] for r in baselines} >= {93, 41.2}
    bad = runner.invoke(app, ["figures", "--role", "nonsense"])
    assert bad.exit_code == 2 and "未知类型" in bad.output
    card = runner.invoke(app, ["scorecard", "杭州市", "-v"])
    assert card.exit_code == 0 and "未采用的数据" in card.stdout
    assert "基期值（2015年底）" in card.stdout
    lines = json.loads(runner.invoke(app, ["scorecard", "杭州市", "--json"]).stdout)["lines"]
    share = next(x for x in lines if x["indicator"] == "broadband_20m_share")
    assert share["shown"] == "80.5%（2016年11月底）"
    assert any("基期值" in p["reason"] for p in share["passed_over"])
    figure_id = next(r["id"] for r in baselines if r["value"] == 41.2)
    assert runner.invoke(app, ["headline", str(figure_id)]).exit_code == 0
    chosen = json.loads(runner.invoke(app, ["scorecard", "杭州市", "--json"]).stdout)
    line = next(x for x in chosen["lines"] if x["indicator"] == "broadband_20m_share")
    assert line["figure"]["value"] == 41.2 and line["chosen_by"].startswith("命令行")
    assert runner.invoke(app, ["figure-role", str(figure_id), "current"]).exit_code == 0
    wrong = runner.invoke(app, ["figure-role", str(figure_id), "nonsense"])
    assert wrong.exit_code == 1 and "未知类型" in wrong.output
