"""The evaluation report, the submission diff and the period summary (issue 21), on real
ingested documents in SQLite and PostgreSQL, opened again with python-docx and rendered by
LibreOffice."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pypdfium2
import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli import app
from corpus import ingest
from corpus.applications import AppFilters, list_apps
from corpus.compare import city_overview
from corpus.diff import DiffError, heading_key, parse_submission, submission_diff
from corpus.figures import NoSubmission
from corpus.report import SECTIONS, draft_report, draft_reports_zip
from corpus.review import review_figure, set_outstanding
from corpus.scorecard import scorecard
from corpus.summary import period_summary, summary_docx, summary_xlsx
from models.tables import Passage
from tests import builders

CHENGDU = [
    "成都市2016年上半年国家信息消费示范城市工作进展.docx",
    "成都市信息消费示范城市2016年工作总结.pdf",
    "成都市信息消费典型应用(3个).docx",
]


def _ingest(store, *paths: Path) -> None:
    engine, data_dir, limits = store
    summary = ingest(list(paths), engine=engine, data_dir=data_dir, limits=limits, jobs=2)
    assert not summary.failed, [r.message for r in summary.failed]


def _chengdu(store, samples) -> None:
    _ingest(store, *(samples / name for name in CHENGDU))


def _paragraphs(data: bytes) -> list[str]:
    return [p.text for p in WordDocument(io.BytesIO(data)).paragraphs]


def _tables(data: bytes) -> list[list[list[str]]]:
    doc = WordDocument(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


# --- the report --------------------------------------------------------------------------------


def test_report_sections_agree_with_the_store(store, samples):
    engine = store[0]
    _chengdu(store, samples)
    data = draft_report(engine, "成都市", 2016, "FY")
    paragraphs = _paragraphs(data)
    tables = _tables(data)
    overview = city_overview(engine, "成都市", 2016, "FY")
    card = scorecard(engine, "成都市", 2016, "FY")

    assert paragraphs[0] == "成都市2016年全年信息消费示范城市建设评估报告"
    # Every section, in order, the evaluator's judgement last and left blank.
    positions = [paragraphs.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert all(not p.strip() for p in paragraphs[positions[-1] + 2 :])

    files, card_table = tables[0], tables[1]
    assert [row[0] for row in files[1:]] == [d.name for d in overview.documents]
    # The scorecard: one row per line, the value as printed, with the file and page.
    assert len(card_table) - 1 == len(card.lines)
    for row, line in zip(card_table[1:], card.lines, strict=True):
        assert row[0] == line.name
        if line.figure is None:
            assert row[1] == "未报告"
        else:
            assert row[1].startswith(line.figure.raw)
            assert row[4] == f"《{line.figure.document}》第{line.figure.page}页"

    # Each covered area quotes passages that are in the store, with their file and page.
    quotes = [p for p in paragraphs if p.startswith("“") and "——《" in p]
    assert quotes
    with Session(engine) as session:
        texts = set(
            session.exec(
                select(Passage.text).where(
                    Passage.document_id.in_([d.id for d in overview.documents])
                )
            ).all()
        )
    for quote in quotes:
        body = quote[1 : quote.index("”——")].removesuffix("……")
        assert any(t.startswith(body) for t in texts), quote

    # The applications: every case of the submission, with its file and page.
    apps = list_apps(engine, AppFilters(document_ids=[d.id for d in overview.documents]))
    app_table = next(t for t in tables if t[0][0] == "案例")
    assert sorted(r[0] for r in app_table[1:]) == sorted(a.title for a in apps)

    # What changed since the first half: the counts of the diff.
    counts = submission_diff(engine, "成都市", (2016, "H1"), (2016, "FY")).counts
    change = next(p for p in paragraphs if p.startswith("与2016年上半年报送相比"))
    assert f"新增段落 {counts['passages_added']} 个" in change
    assert f"新增典型应用 {counts['applications_new']} 个" in change

    # Page numbers — N — in the footer, as a PAGE field.
    footer = WordDocument(io.BytesIO(data)).sections[0].footer._element.xml
    assert 'w:instr="PAGE"' in footer and "— " in footer and " —" in footer


def test_report_says_what_the_evaluators_chose(store, samples):
    engine = store[0]
    _chengdu(store, samples)
    card = scorecard(engine, "成都市", 2016, "FY")
    line = next(ln for ln in card.lines if ln.figure is not None and ln.figure.value)
    review_figure(
        engine,
        line.figure.id,
        "correct",
        corrected_value=line.figure.value + 1,
        expected_version=line.figure.version,
        user="eva",
    )
    apps = list_apps(engine, AppFilters(city="成都市", year=2016, period="FY"))
    last = sorted(apps, key=lambda a: (a.document, a.page or 0))[-1]
    set_outstanding(engine, last.id, True, expected_version=last.version, user="eva")

    data = draft_report(engine, "成都市", 2016, "FY")
    card_table = _tables(data)[1]
    row = next(r for r in card_table if r[0] == line.name)
    assert "评估人员更正为" in row[1]
    app_table = next(t for t in _tables(data) if t[0][0] == "案例")
    assert app_table[1][0] == last.title and "优秀" in app_table[1][2]


def test_report_renders_in_libreoffice(store, samples, soffice, tmp_path):
    engine = store[0]
    _chengdu(store, samples)
    docx = tmp_path / "report.docx"
    docx.write_bytes(draft_report(engine, "成都市", 2016, "FY"))
    pdf = builders.convert(docx, "pdf", tmp_path)
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        assert len(document) >= 2
        first = document[0].get_textpage().get_text_range()
        joined = "".join(first.split())  # the title wraps where LibreOffice's font metrics say
        assert "评估报告" in joined and "报送材料" in joined
        assert "— 1 —" in first.replace("\r", "")
    finally:
        document.close()


def test_report_of_a_unit_without_submissions_is_refused(store):
    with pytest.raises(NoSubmission):
        draft_report(store[0], "无此市", 2016, "FY")


def test_batch_writes_one_report_per_unit(store, samples):
    engine = store[0]
    _ingest(
        store, samples / CHENGDU[1], samples / "杭州市2016年信息消费示范城市建设全年进展情况.pdf"
    )
    with zipfile.ZipFile(io.BytesIO(draft_reports_zip(engine, 2016, "FY"))) as archive:
        names = sorted(archive.namelist())
        assert names == [
            "成都市2016年全年评估报告（初稿）.docx",
            "杭州市2016年全年评估报告（初稿）.docx",
        ]
        first = _paragraphs(archive.read(names[1]))[0]
    assert first.startswith("杭州市2016年全年")


# --- the diff ----------------------------------------------------------------------------------

H1_SECTIONS = [
    (
        "一、加快信息基础设施升级改造",
        [
            "上半年，全市20M以上宽带用户比例达到60%，城市光纤网络覆盖率达到95%。",
            "全市新建4G基站1200个，主城区实现4G网络深度覆盖，地铁全线信号畅通。",
        ],
    ),
    (
        "二、提升公共服务能力",
        ["市民卡服务平台接入医院23家，开通预约挂号、诊间支付和检验报告查询等在线服务功能。"],
    ),
    ("三、下一步工作", ["继续推进宽带提速降费，做好示范城市中期评估的各项准备工作。"]),
]
FY_SECTIONS = [
    (
        "一、加快信息基础设施升级改造",
        [
            "截至11月底，全市20M以上宽带用户比例达到75%，城市光纤网络覆盖率达到95%。",
            "全市新建4G基站1200个，主城区实现4G网络深度覆盖，地铁全线信号畅通。",
        ],
    ),
    (
        "二、提升公共服务能力",
        ["市民卡服务平台接入医院23家，开通预约挂号、诊间支付和检验报告查询等在线服务功能。"],
    ),
    (
        "三、推动新兴文化服务发展",
        ["建成数字图书馆分馆12个，社区数字阅读终端覆盖全市主要街道，市民借阅量同比明显增长。"],
    ),
]


PARKING = (
    "一、温州市智慧停车服务平台",
    [
        "（一）建设单位。温州市城市管理局、温州城泊智能科技有限公司。",
        "（二）基本情况。平台整合全市公共停车场和道路泊位信息，建设统一的停车诱导和预约系统，"
        "市民可通过手机应用在线查询空余车位、预约车位并完成移动支付。",
        "（三）应用成效。平台接入停车场420个、泊位8.6万个，累计服务车主120万人次，"
        "中心城区高峰时段寻找车位时间平均缩短6分钟。",
    ],
)
ELDERLY = (
    "二、鹿城区社区智慧养老服务平台",
    [
        "（一）建设单位。鹿城区民政局、温州安康居家养老服务有限公司。",
        "（二）基本情况。平台以呼叫中心和健康监测终端为核心，为辖区老年人提供紧急呼叫、"
        "上门助餐、家政预约和健康档案等服务，整合社区卫生服务中心和志愿者资源。",
        "（三）应用成效。平台覆盖社区老人3.2万人，累计提供上门服务15万人次，"
        "紧急呼叫平均响应时间缩短到8分钟。",
    ],
)


def _submission(path: Path, title: str, sections) -> Path:
    document = WordDocument()
    document.add_paragraph(title)
    for heading, paragraphs in sections:
        document.add_paragraph(heading)
        for text in paragraphs:
            document.add_paragraph(text)
    document.save(path)
    return path


@pytest.fixture
def wenzhou(tmp_path) -> tuple[Path, Path, Path, Path]:
    """温州: 2016 first-half and full-year reports with known changes, and typical-applications
    attachments of 2015 and 2016 (one case sent again, one new)."""
    folder = tmp_path / "温州"
    folder.mkdir()
    h1 = _submission(
        folder / "温州市2016年上半年信息消费示范城市建设进展情况.docx",
        "温州市2016年上半年信息消费示范城市建设进展情况",
        H1_SECTIONS,
    )
    fy = _submission(
        folder / "温州市2016年信息消费示范城市建设全年进展情况.docx",
        "温州市2016年信息消费示范城市建设全年进展情况",
        FY_SECTIONS,
    )
    apps_2015 = _submission(
        folder / "温州市2015年信息消费典型应用案例.docx",
        "温州市2015年信息消费典型应用案例",
        [PARKING],
    )
    apps_2016 = _submission(
        folder / "附件2-温州市2016年信息消费典型应用案例.docx",
        "温州市2016年信息消费典型应用案例",
        [PARKING, ELDERLY],
    )
    return h1, fy, apps_2015, apps_2016


def test_diff_finds_the_known_changes(store, wenzhou):
    engine = store[0]
    _ingest(store, *wenzhou)
    d = submission_diff(engine, "温州市", (2016, "H1"), (2016, "FY"))
    by_key = {heading_key(s.heading)[-1] if s.heading else "": s for s in d.sections}

    infra = by_key["加快信息基础设施升级改造"]
    assert infra.status == "changed" and infra.unchanged == 1
    assert [c.after.text[:6] for c in infra.changed] == ["截至11月底"]
    assert infra.changed[0].before.text.startswith("上半年，全市20M")
    assert by_key["提升公共服务能力"].status == "unchanged"
    assert by_key["推动新兴文化服务发展"].status == "added"
    assert by_key["下一步工作"].status == "removed"
    assert by_key["下一步工作"].removed[0].text.startswith("继续推进宽带提速降费")

    broadband = next(f for f in d.figures if f.indicator == "broadband_20m_share")
    assert (broadband.before_value, broadband.after_value, broadband.status) == (60, 75, "changed")
    fibre = [f for f in d.figures if f.before_value == 95 and f.after_value == 95]
    assert all(f.status == "same" for f in fibre)

    # A year on, one case is sent again and one is new.
    d = submission_diff(engine, "温州市", (2015, "FY"), (2016, "FY"))
    apps = {a.title: a.status for a in d.applications}
    assert apps == {
        "一、温州市智慧停车服务平台": "repeated",
        "二、鹿城区社区智慧养老服务平台": "new",
    }, apps
    assert d.counts["applications_new"] == 1 and d.counts["applications_repeated"] == 1


def test_diff_of_one_submission_or_a_bad_period_is_refused(store, wenzhou):
    _ingest(store, *wenzhou)
    with pytest.raises(DiffError):
        submission_diff(store[0], "温州市", (2016, "FY"), (2016, "FY"))
    with pytest.raises(DiffError, match="2016H1 或 2016FY"):
        parse_submission("2016上半年")
    with pytest.raises(NoSubmission):
        submission_diff(store[0], "温州市", (2014, "FY"), (2016, "FY"))


# --- the period summary ------------------------------------------------------------------------


def test_summary_lists_units_that_did_not_submit(store, samples, wenzhou):
    engine = store[0]
    _ingest(store, wenzhou[0], samples / CHENGDU[0], samples / CHENGDU[1])
    s = period_summary(engine, 2016, "FY")
    assert [r.city for r in s.matrix.rows] == ["成都市"]
    assert s.not_submitted == ["温州市"]
    book = load_workbook(io.BytesIO(summary_xlsx(engine, s)))
    assert [n.split()[0] for n in book.sheetnames] == [
        "领域覆盖",
        "指标对照",
        "未报送单位",
        "优秀典型应用",
    ]
    assert book["未报送单位"]["A2"].value == "温州市"
    paragraphs = _paragraphs(summary_docx(engine, s))
    assert "温州市。" in paragraphs
    with pytest.raises(NoSubmission):
        period_summary(engine, 2015, "FY")


# --- the interfaces ----------------------------------------------------------------------------


@pytest.fixture
def cli_store(tmp_path, samples, monkeypatch):
    from corpus.settings import get_settings

    monkeypatch.setenv("INFOCITY_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    folder = tmp_path / "in"
    folder.mkdir()
    for name in CHENGDU:
        shutil.copy(samples / name, folder)
    result = CliRunner().invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    return tmp_path


def test_cli_report_diff_and_summary(cli_store, monkeypatch):
    monkeypatch.chdir(cli_store)
    runner = CliRunner()
    result = runner.invoke(app, ["report", "成都"])
    assert result.exit_code == 0, result.output
    written = cli_store / "成都市2016年全年评估报告（初稿）.docx"
    assert _paragraphs(written.read_bytes())[0].startswith("成都市2016年全年")
    again = runner.invoke(app, ["report", "成都"])
    assert again.exit_code == 1 and "已存在" in again.output

    result = runner.invoke(app, ["report", "--all", "--year", "2016", "--period", "H1"])
    assert result.exit_code == 0, result.output
    assert (cli_store / "2016年上半年评估报告（初稿）.zip").exists()
    assert runner.invoke(app, ["report"]).exit_code == 2

    result = runner.invoke(app, ["diff", "成都市", "--from", "2016H1", "--to", "2016FY"])
    assert result.exit_code == 0, result.output
    assert "典型应用 新增" in result.output
    bad = runner.invoke(app, ["diff", "成都市", "--from", "上半年", "--to", "2016FY"])
    assert bad.exit_code == 1 and "2016H1 或 2016FY" in bad.output

    result = runner.invoke(app, ["summary", "--year", "2016", "--period", "FY", "--out", "s.xlsx"])
    assert result.exit_code == 0, result.output
    assert load_workbook(cli_store / "s.xlsx").sheetnames[0].startswith("领域覆盖")
    result = runner.invoke(app, ["summary", "--year", "2016", "--period", "FY"])
    assert result.exit_code == 0 and "未报送单位" in result.output
