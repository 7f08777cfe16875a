"""The draft assessment of one unit's submission (年度评估初稿), as a Word document.

Evaluators hand in an assessment per city; this drafts it from the store so they start from the
evidence rather than from a blank page. Every number in the draft is quoted with the file and page
it came from, values the evaluators chose or corrected say so, and what the machine could not
settle (unconfirmed metadata, passages awaiting review) is listed rather than smoothed over. The
last section is left blank for the evaluator's own judgement: the draft never judges a city.

The document is set as Chinese official documents are: 仿宋 body at 三号 (16 pt), 黑体 headings,
a 小标宋-style title, page numbers `— N —` centred in the footer. python-docx writes it; nothing
is rendered here, so the same bytes open in Word, WPS and LibreOffice.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date

from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from classify import AREAS, SHORT_NAMES
from classify.tags import taxonomy
from extract.vocabulary import KIND_LABELS, PERIOD_LABELS
from models.tables import Document, Figure, Passage

from .applications import recycled
from .checks import check_city
from .compare import DEMO_AREAS, CityOverview, cities, city_overview
from .diff import SubmissionDiff, previous_submission, submission_diff, submissions_of
from .figures import NoSubmission, StoredFigure
from .labels import CHECKS

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
QUOTES_PER_AREA = 2
QUOTE_CHARS = 160


@dataclass
class Quote:
    text: str
    document: str
    page: int | None
    reviewed: bool  # the area was set by an evaluator, not only the model


def _where(document: str, page: int | None) -> str:
    return f"《{document}》第{page}页" if page else f"《{document}》"


def _number(value: float | None, unit: str | None) -> str:
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{text}{unit or ''}"


def _figure_text(figure: StoredFigure) -> str:
    text = figure.raw
    if figure.review_status == "corrected" and figure.corrected_value is not None:
        text += f"（评估人员更正为 {_number(figure.corrected_value, figure.unit)}）"
    elif figure.review_status == "accepted":
        text += "（评估人员已确认）"
    return text


def area_quotes(
    engine: Engine, document_ids: list[int], area: int, limit: int = QUOTES_PER_AREA
) -> list[Quote]:
    """The passages that best show what a submission did in one area: reviewed ones first,
    then the model's most confident, preferring sentences of report length over headings."""
    effective = func.coalesce(Passage.reviewed_area, Passage.area)
    with Session(engine) as session:
        rows = session.exec(
            select(Passage.text, Passage.page, Passage.reviewed_area, Document.name)
            .join(Document, Document.id == Passage.document_id)
            .where(Passage.document_id.in_(document_ids), effective == area)
            .where(func.length(Passage.text) >= 40)
            .order_by(
                Passage.reviewed_area.is_(None),
                Passage.area_confidence.desc(),
                Passage.id,
            )
            .limit(limit)
        ).all()
    quotes = []
    for text, page, reviewed, name in rows:
        clipped = text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS].rstrip() + "……"
        quotes.append(Quote(clipped, name, page, reviewed is not None))
    return quotes


# --- Word formatting ---------------------------------------------------------------------------


def _font(run, name: str, size: float | None = None, bold: bool = False) -> None:
    run.font.name = name
    rpr = run._r.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold


class _Writer:
    """Paragraph helpers over one python-docx document, in official-document style."""

    def __init__(self) -> None:
        self.doc = WordDocument()
        normal = self.doc.styles["Normal"]
        normal.font.name = BODY_FONT
        normal.font.size = Pt(16)
        normal.element.get_or_add_rPr()
        _font_style = normal.element.rPr.find(qn("w:rFonts"))
        if _font_style is None:
            _font_style = normal.element.rPr.makeelement(qn("w:rFonts"), {})
            normal.element.rPr.insert(0, _font_style)
        _font_style.set(qn("w:eastAsia"), BODY_FONT)
        section = self.doc.sections[0]  # A4 with the margins of GB/T 9704 official documents
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        self._page_numbers()

    def _page_numbers(self) -> None:
        footer = self.doc.sections[0].footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(footer.add_run("— "), "宋体", 14)
        footer._p.append(
            parse_xml(
                f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:rPr><w:sz w:val="28"/>'
                "</w:rPr><w:t>1</w:t></w:r></w:fldSimple>"
            )
        )
        _font(footer.add_run(" —"), "宋体", 14)

    def title(self, text: str) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(text), TITLE_FONT, 22)

    def subtitle(self, text: str) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(text), "楷体_GB2312", 16)

    def heading(self, text: str, level: int = 1) -> None:
        p = self.doc.add_paragraph()
        p.paragraph_format.space_before = Pt(12)
        _font(p.add_run(text), HEADING_FONT if level == 1 else "楷体_GB2312", 16, bold=level > 1)

    def para(self, text: str, *, indent: bool = True, size: float = 16) -> None:
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(2 * size)
        p.paragraph_format.line_spacing = Pt(28 if size >= 16 else 20)
        _font(p.add_run(text), BODY_FONT, size)

    def table(
        self, header: list[str], rows: list[list[str]], widths: tuple[float, ...] = ()
    ) -> None:
        """A ruled table; `widths` in cm (the text width is 15.6 cm), else equal columns."""
        table = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        if widths:
            table.autofit = False
            for column, width in zip(table.columns, widths, strict=True):
                column.width = Cm(width)  # the grid LibreOffice and WPS lay out by
            for row in table.rows:
                for cell, width in zip(row.cells, widths, strict=True):
                    cell.width = Cm(width)
        for c, text in enumerate(header):
            cell = table.cell(0, c)
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), HEADING_FONT, 10.5)
        for r, row in enumerate(rows, start=1):
            for c, text in enumerate(row):
                cell = table.cell(r, c)
                cell.text = ""
                _font(cell.paragraphs[0].add_run(text), BODY_FONT, 10.5)

    def blank_lines(self, n: int) -> None:
        for _ in range(n):
            self.para("", indent=False)

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


# --- the sections ------------------------------------------------------------------------------

SECTIONS = (
    "一、报送材料",
    "二、指标与指南目标对照",
    "三、六大领域进展",
    "四、主要数据",
    "五、需要核实的事项与一致性检查",
    "六、典型应用",
    "七、与上期报送相比的变化",
    "八、评估意见",
)


def _materials(w: _Writer, o: CityOverview) -> None:
    w.heading(SECTIONS[0])
    w.para(f"本期共收到文件 {len(o.documents)} 份：")
    w.table(
        ["文件", "类型", "页数", "段落", "版本"],
        widths=(7.6, 2.8, 1.6, 1.6, 2.0),
        rows=[
            [
                d.name,
                KIND_LABELS.get(d.kind, d.kind),
                str(d.pages or "?"),
                str(d.passages),
                f"第{d.version}版",
            ]
            for d in o.documents
        ],
    )


def _scorecard(w: _Writer, o: CityOverview) -> None:
    w.heading(SECTIONS[1])
    card = o.scorecard
    if card is None or not card.lines:
        w.para("本期报送材料中未找到可与指南目标对照的指标。")
        return
    rows = []
    for line in card.lines:
        f = line.figure
        value = "未报告"
        if f is not None:
            value = f"{_figure_text(f)}（{f.as_of_label}）"
            if not f.confirmed:
                value += "（来源文件待确认）"
            if line.chosen_by:
                value += f"（评估人员 {line.chosen_by} 选定）"
        rows.append(
            [
                line.name,
                value,
                line.target or "—",
                CHECKS.get(line.check or "", "—"),
                _where(f.document, f.page) if f else "—",
            ]
        )
    w.para(
        "下表“报告数据”均摘自报送材料原文，括号内为数据所指的时间，“出处”注明文件和页码；"
        "结论按指南目标自动比对，须经评估人员核实。"
    )
    w.table(["指标", "报告数据", "指南目标", "结论", "出处"], rows, (3.2, 3.4, 3.4, 1.6, 4.0))


def _areas(w: _Writer, engine: Engine, o: CityOverview) -> None:
    w.heading(SECTIONS[2])
    doc_ids = [d.id for d in o.documents]
    for a in o.areas:
        if a.area not in DEMO_AREAS:
            continue
        w.heading(f"（{'一二三四五六'[a.area - 1]}）{AREAS[a.area]}", level=2)
        if a.missing:
            w.para("报送材料未涉及该领域。")
            continue
        w.para(f"涉及该领域的段落 {a.passages} 个，占全部段落的 {a.share:.0%}。")
        for q in area_quotes(engine, doc_ids, a.area):
            note = "（领域经评估人员确认）" if q.reviewed else ""
            w.para(f"“{q.text}”——{_where(q.document, q.page)}{note}")


def _key_figures(w: _Writer, o: CityOverview) -> None:
    w.heading(SECTIONS[3])
    rows = [
        [SHORT_NAMES[a.area], _figure_text(f), _where(f.document, f.page)]
        for a in o.areas
        if a.area in DEMO_AREAS
        for f in a.figures
    ]
    if not rows:
        w.para("报送材料中未找到数据。")
        return
    w.table(["领域", "数据（原文）", "出处"], rows, (2.6, 7.0, 6.0))


def _to_verify(w: _Writer, engine: Engine, o: CityOverview) -> None:
    w.heading(SECTIONS[4])
    items = []
    for d in o.documents:
        if d.needs_review:
            items.append(f"《{d.name}》的报送单位、年份或时段由程序推断，尚待评估人员确认。")
    if o.queue_total:
        items.append(f"有 {o.queue_total} 个段落的领域判断置信度较低，尚待复核。")
    rejected = _rejected_figures(engine, [d.id for d in o.documents])
    if rejected:
        items.append(f"评估人员否决了 {rejected} 个数据，本稿未采用。")
    for line in o.scorecard.lines if o.scorecard else []:
        if line.note:
            items.append(f"“{line.name}”：{line.note}。")
        if line.figure and line.others and not line.chosen_by:
            items.append(
                f"“{line.name}”在报送材料中另有 {line.others} 处数据，本稿采用"
                f"{_where(line.figure.document, line.figure.page)}的“{line.figure.raw}”"
                f"（{line.figure.as_of_label}），请核实。"
            )
    for finding in check_city(engine, o.city, o.year, o.period):
        places = "；".join(
            f"{_where(x.document, x.page)}“{x.raw}”" for x in finding.where if x.document
        )
        items.append(f"【{finding.label}】{finding.message}" + (f"（{places}）" if places else ""))
    if not items:
        w.para("程序未发现需要另行核实的事项；以上内容仍须评估人员核对原文。")
    for item in items:
        w.para(f"· {item}")


def _rejected_figures(engine: Engine, document_ids: list[int]) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count(Figure.id))
            .join(Passage, Passage.id == Figure.passage_id)
            .where(Passage.document_id.in_(document_ids), Figure.review_status == "rejected")
        ).one()


def _applications(w: _Writer, o: CityOverview, recycled_ids: set[int]) -> None:
    w.heading(SECTIONS[5])
    if not o.applications:
        w.para("本期报送材料中未找到典型应用案例。")
        return
    apps = sorted(o.applications, key=lambda a: (not a.outstanding, a.document, a.page or 0))
    w.para(
        f"共找到典型应用案例 {len(apps)} 个，"
        f"其中评估人员标为优秀的 {sum(a.outstanding for a in apps)} 个（列在前面）。"
    )
    names = {t.id: t.name for t in taxonomy().values()}
    rows = []
    for a in apps:
        marks = []
        if a.outstanding:
            marks.append("优秀")
        if a.id in recycled_ids:
            marks.append("与其他报送重复")
        tags = "、".join(names.get(t["tag"], t["tag"]) for t in a.tags)
        rows.append([a.title, tags or "—", "、".join(marks) or "—", _where(a.document, a.page)])
    w.table(["案例", "标签", "标记", "出处"], rows, (5.2, 3.6, 2.4, 4.4))


def _changes(w: _Writer, diff: SubmissionDiff | None) -> None:
    w.heading(SECTIONS[6])
    if diff is None:
        w.para("库中没有该单位更早的报送，无法比较。")
        return
    y, p = diff.before
    c = diff.counts
    w.para(
        f"与{y}年{PERIOD_LABELS.get(p, p)}报送相比：新增章节 {c['sections_added']} 个、"
        f"删去 {c['sections_removed']} 个、修改 {c['sections_changed']} 个；"
        f"新增段落 {c['passages_added']} 个、删去 {c['passages_removed']} 个、"
        f"改写 {c['passages_changed']} 个；新增典型应用 {c['applications_new']} 个，"
        f"重复报送 {c['applications_repeated']} 个。"
    )
    moved = [f for f in diff.figures if f.status != "same"]
    if moved:
        words = {"changed": "变化", "new": "新报告", "dropped": "本期未报告"}
        w.table(
            ["指标", "上期", "本期", "情况"],
            [
                [
                    f.name,
                    f"{f.before}（{f.before_where}）" if f.before else "—",
                    f"{f.after}（{f.after_where}）" if f.after else "—",
                    words[f.status],
                ]
                for f in moved
            ],
        )


def _judgement(w: _Writer) -> None:
    w.heading(SECTIONS[7])
    w.para("（由评估人员填写：总体评价、突出亮点、存在问题和改进建议。）")
    w.blank_lines(6)


def choose_submission(
    engine: Engine, city: str, year: int | None = None, period: str | None = None
) -> tuple[int, str]:
    """The unit's latest submission matching what was given; NoSubmission when none does."""
    found = [
        s
        for s in submissions_of(engine, city)
        if (year is None or s[0] == year) and (period is None or s[1] == period)
    ]
    if not found:
        wanted = f"{year or ''}{PERIOD_LABELS.get(period or '', '')}"
        raise NoSubmission(f"库中没有 {city} {wanted}的报告".replace("  ", " "))
    return found[-1]


def draft_report(
    engine: Engine,
    city: str,
    year: int | None = None,
    period: str | None = None,
    *,
    today: date | None = None,
) -> bytes:
    """The draft assessment of the unit's submission (its latest when year/period are not
    given), as .docx bytes; NoSubmission when the store has none."""

    year, period = choose_submission(engine, city, year, period)
    overview = city_overview(engine, city, year, period, queue_limit=0)
    before = previous_submission(engine, city, year, period)
    diff = submission_diff(engine, city, before, (year, period)) if before else None
    app_ids = {a.id for a in overview.applications}
    recycled_ids = {
        app.id for pair in recycled(engine) for app in (pair.earlier, pair.later)
    } & app_ids

    w = _Writer()
    w.title(f"{city}{year}年{PERIOD_LABELS.get(period, period)}信息消费示范城市建设评估报告")
    w.subtitle("（初稿）")
    w.para(
        f"本稿由 infocity 于{(today or date.today()):%Y年%m月%d日}根据库中报送材料自动起草。"
        "文中数据均摘自原文并注明文件和页码，程序不能确定之处列于第五部分；"
        "评估意见由评估人员填写。",
        size=14,
    )
    _materials(w, overview)
    _scorecard(w, overview)
    _areas(w, engine, overview)
    _key_figures(w, overview)
    _to_verify(w, engine, overview)
    _applications(w, overview, recycled_ids)
    _changes(w, diff)
    _judgement(w)
    return w.bytes()


def report_file_name(city: str, year: int, period: str) -> str:
    return f"{city}{year}年{PERIOD_LABELS.get(period, period)}评估报告（初稿）.docx"


def draft_reports_zip(
    engine: Engine, year: int, period: str, *, today: date | None = None
) -> bytes:
    """Every unit's draft for one period, in one .zip (one .docx per unit)."""
    units = cities(engine, year, period)
    if not units:
        raise NoSubmission(f"库中没有 {year}年{PERIOD_LABELS.get(period, period)} 的报告")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for unit in units:
            data = draft_report(engine, unit, year, period, today=today)
            archive.writestr(report_file_name(unit, year, period), data)
    return buffer.getvalue()
