"""Builders of real test documents: Word files with python-docx, PDFs and .doc with LibreOffice,
and hand-written hostile files. Nothing here imitates our parsers; it makes their inputs."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from extract import legacy

LONG_PARAGRAPH = (
    "上半年，全市新增光纤到户用户12.6万户，累计达到253万户，20M以上宽带用户占比达到７８．５％，"
    "较去年底提高6.2个百分点。中心城区主要商业区、旅游景点和产业园区实现免费WLAN全覆盖，"
    "新建4G基站1860个，地铁全线实现4G深度覆盖。我们坚持规划引领、共建共享，推动通信管线、"
    "基站站址与市政设施同步规划、同步建设，信息基础设施集约化建设比例持续提升。"
) * 3  # long enough to run over a page break


def _numbering(document) -> str:
    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="77">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl>'
        "</w:abstractNum>"
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="77"><w:abstractNumId w:val="77"/></w:num>')
    )
    return "77"


def _numbered(document, text: str, num_id: str, ilvl: int):
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
        )
    )
    return paragraph


def _textbox(paragraph, text: str) -> None:
    """A DrawingML text box with a VML fallback, as Word writes it: the text appears twice in
    the XML and must be read once."""
    run = paragraph.add_run()
    ns = (
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"'
    )
    xml = (
        f"<mc:AlternateContent {ns}>"
        '<mc:Choice Requires="wps"><w:drawing><wp:inline><wp:extent cx="1" cy="1"/>'
        '<wp:docPr id="9" name="tb"/><a:graphic><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f"<wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
        "</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic>"
        "</wp:inline></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r>"
        f"<w:t>{text}</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict>"
        "</mc:Fallback></mc:AlternateContent>"
    )
    run._r.append(parse_xml(xml))


def _body(paragraph, size: int = 16) -> None:
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Pt(2 * size)
    fmt.line_spacing = Pt(28)
    fmt.space_after = Pt(0)
    for run in paragraph.runs:
        run.font.size = Pt(size)


def build_report_docx(path: Path, *, header: str = "杭州市经济和信息化委员会") -> Path:
    """A progress report using every structural feature the extractor must read."""
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    footer._p.append(
        parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        )
    )
    footer.add_run(" —")
    num_id = _numbering(document)

    title = document.add_paragraph("杭州市2016年上半年信息消费示范城市建设进展情况")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.runs[0].font.size = Pt(22)
    _body(
        document.add_paragraph(
            "今年以来，我市按照《2016年国家信息消费示范城市建设指南》要求，扎实推进各项工作。"
        )
    )
    _numbered(document, "加快信息基础设施升级改造", num_id, 0)
    _numbered(document, "全面推动宽带提速", num_id, 1)
    _body(document.add_paragraph(LONG_PARAGRAPH))
    document.add_paragraph("1.光网城市建设").runs[0].font.size = Pt(16)
    table = document.add_table(rows=3, cols=3)
    table.style = "Table Grid"
    for r, row in enumerate(
        [
            ["指标", "2015年底", "2016年6月底"],
            ["20M以上宽带用户占比", "72.3%", "78.5%"],
            ["光纤入户(FTTH)用户数", "240.4万户", "253万户"],
        ]
    ):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    _body(document.add_paragraph("表中数据来源于市通信管理办公室。"))
    _numbered(document, "扩大升级宽带网络覆盖", num_id, 1)
    boxed = document.add_paragraph("农村宽带建设情况见下。")
    _body(boxed)
    _textbox(boxed, "文本框：行政村光纤通达率98%")
    heading = document.add_paragraph("（1）农村宽带", style="Heading 4")
    heading.runs[0].font.size = Pt(16)
    _body(document.add_paragraph("新增光纤通达行政村120个，累计达到1860个。"))
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _numbered(document, "提升公共服务能力", num_id, 0)
    inserted = document.add_paragraph()
    _body(inserted)
    inserted._p.append(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="1" w:author="a"><w:r><w:t>'
            "市民卡服务平台新增接入医院23家（修订时插入）。</w:t></w:r></w:ins>"
        )
    )
    _body(document.add_paragraph("杭州市经济和信息化委员会"))
    _body(document.add_paragraph("二〇一六年七月二十八日"))
    document.save(path)
    return path


def build_sections_docx(
    path: Path,
    *,
    title: str,
    sections: list[tuple[str, list[str | tuple[str, list[str]]]]],
    signature: tuple[str, str] | None = None,
) -> Path:
    """A plain report: a centred title, `一、…` headings (Heading 1) with body paragraphs or
    `（一）…` sub-sections (Heading 2, with their paragraphs), and an optional signature
    (organ, date). Enough to write one city's report, or a changed copy of it."""
    document = Document()
    head = document.add_paragraph(title)
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.runs[0].font.size = Pt(22)
    for heading, items in sections:
        document.add_paragraph(heading, style="Heading 1")
        for item in items:
            if isinstance(item, tuple):
                document.add_paragraph(item[0], style="Heading 2")
                for text in item[1]:
                    _body(document.add_paragraph(text))
            else:
                _body(document.add_paragraph(item))
    if signature:
        for line in signature:
            _body(document.add_paragraph(line))
    document.save(path)
    return path


# A full-year report as cities write it (issue 13): an indicator table whose columns compare the
# 2015 baseline with the current value and the guide's target, prose with from→to pairs and
# increments beside totals.
COMPARISON_TABLE = [
    ["指标", "2015年底", "2016年11月底", "指南目标"],
    ["城市光纤网络覆盖率", "93%", "100%", "全覆盖"],
    ["20M以上宽带用户占比", "41.2%", "80.5%", "50%以上"],
    ["光纤入户(FTTH)用户数（万户）", "180", "236", "—"],
]
COMPARISON_PROSE = [
    "截至2016年11月底，全市城市家庭宽带接入能力由2M提升至50M以上，城市光纤网络覆盖率达到100%。",
    "全年新增农村宽带用户3.2万户，累计达到41.5万户，同比增长15%。",
    "2015年底，全市公共数据开放共享比例为30%；截至11月底，已提高到45%。",
    "力争到2017年底，20M以上宽带用户比例达到90%。",
]


def build_comparison_docx(
    path: Path,
    *,
    title: str = "杭州市2016年国家信息消费示范城市建设全年工作总结",
    table: list[list[str]] | None = None,
    paragraphs: list[str] | None = None,
) -> Path:
    """A full-year report with a comparison table (指标 | 2015年底 | 2016年11月底 | 指南目标) and
    prose with 由…提升至…, 新增…累计…: baselines beside current values, as in real reports."""
    document = Document()
    document.add_heading(title, level=0)
    document.add_heading("一、总体进展情况", level=1)
    document.add_paragraph("主要指标完成情况见下表。")
    rows = table if table is not None else COMPARISON_TABLE
    grid = document.add_table(rows=len(rows), cols=len(rows[0]))
    grid.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            grid.cell(r, c).text = cell
    document.add_heading("二、信息基础设施升级改造", level=1)
    for text in paragraphs if paragraphs is not None else COMPARISON_PROSE:
        document.add_paragraph(text)
    document.save(path)
    return path


def convert(src: Path, fmt: str, outdir: Path) -> Path:
    """LibreOffice conversion, as cities produce their PDFs and .doc files."""
    with tempfile.TemporaryDirectory() as tmp:
        made = legacy.convert(legacy.find_soffice(), src, fmt, Path(tmp), timeout_s=180)
        target = outdir / f"{src.stem}.{fmt}"
        shutil.copyfile(made, target)
    return target


def zip_with(path: Path, members: dict[str, bytes], *, base: Path | None = None) -> Path:
    """A copy of `base` (a .docx) with members replaced or added."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        if base is not None:
            with zipfile.ZipFile(base) as src:
                for info in src.infolist():
                    if info.filename not in members:
                        out.writestr(info, src.read(info.filename))
        for name, data in members.items():
            out.writestr(name, data)
    return path


def deflate_stream(n_bytes: int, chunk: bytes = b"0 0 m\n") -> bytes:
    comp = zlib.compressobj(9)
    block = chunk * (1_000_000 // len(chunk))
    parts, done = [], 0
    while done < n_bytes:
        parts.append(comp.compress(block))
        done += len(block)
    parts.append(comp.flush())
    return b"".join(parts)


def pdf_from_objects(objects: list[bytes], root: int = 1) -> bytes:
    """A syntactically valid PDF (with xref) from numbered object bodies."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, root, xref)
    )
    return out.getvalue()


def simple_page_pdf(content: bytes, *, compressed: bool = False) -> bytes:
    stream_dict = b"<< /Length %d%s >>" % (
        len(content),
        b" /Filter /FlateDecode" if compressed else b"",
    )
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            stream_dict + b"\nstream\n" + content + b"\nendstream",
        ]
    )


_PROSE = "全市持续推进信息基础设施建设和信息消费示范城市创建工作并取得积极成效各项指标稳步提升"


def wrapped_number_paragraphs() -> list[str]:
    """Paragraphs whose first line fills up just before a long number or `100%。`: printed by
    LibreOffice the number does not fit, goes to the next line, and leaves the line short."""
    texts = []
    for k in range(16, 28):
        texts.append(f"{_PROSE[:k]}，覆盖率将达到100%。{_PROSE[: 40 - k]}。")
        texts.append(f"{_PROSE[:k]}，比上年增加1234567890.12万元，{_PROSE[: 30 - k // 2]}。")
    return texts


def build_wrapped_numbers_docx(path: Path) -> Path:
    """Body paragraphs (16 pt, first-line indent, ragged right as Word's default is) from
    `wrapped_number_paragraphs`."""
    document = Document()
    for text in wrapped_number_paragraphs():
        paragraph = document.add_paragraph(text)
        _body(paragraph)
    document.save(path)
    return path


def build_hidden_and_altchunk_docx(path: Path) -> Path:
    """A paragraph with a hidden run (w:vanish) and an HTML document embedded by altChunk."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    document = Document()
    paragraph = document.add_paragraph("本市新增光纤用户12.6万户。")
    hidden = paragraph.add_run("（内部批注：数据待核实）")
    hidden.font.hidden = True
    document.add_paragraph("以下为嵌入的网页内容。")
    html = (
        "<html><body><h1>附件：典型应用</h1><p>智慧医疗平台接入医院23家。</p>"
        "<table><tr><td>指标</td><td>数值</td></tr><tr><td>4G基站</td><td>1860个</td></tr>"
        "</table></body></html>"
    ).encode()
    part = Part(PackURI("/word/afchunk1.htm"), "text/html", html, document.part.package)
    rid = document.part.relate_to(
        part, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk"
    )
    body = document.element.body
    body.insert(len(body) - 1, parse_xml(f'<w:altChunk {nsdecls("w", "r")} r:id="{rid}"/>'))
    document.add_paragraph("嵌入内容之后的段落。")
    document.save(path)
    return path


_TRANSITIONAL_TO_STRICT = {
    b"http://schemas.openxmlformats.org/wordprocessingml/2006/main": (
        b"http://purl.oclc.org/ooxml/wordprocessingml/main"
    ),
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    ),
    b"http://schemas.openxmlformats.org/drawingml/2006/main": (
        b"http://purl.oclc.org/ooxml/drawingml/main"
    ),
}


def strict_copy(src: Path, path: Path) -> Path:
    """`src` rewritten as Strict OOXML (ISO 29500 strict namespaces and relationship types),
    as Word saves with "Strict Open XML Document"."""
    members = {}
    with zipfile.ZipFile(src) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            if name.endswith((".xml", ".rels")):
                for old, new in _TRANSITIONAL_TO_STRICT.items():
                    data = data.replace(old, new)
            members[name] = data
    return zip_with(path, members)


def build_reprinted_page_docx(path: Path) -> Path:
    """Page 1 ends with a long paragraph; page 2 prints that paragraph again (as a reprinted
    half page does), then goes on."""
    document = Document()
    _body(document.add_paragraph("今年以来，我市扎实推进信息消费示范城市建设。"))
    _body(document.add_paragraph(LONG_PARAGRAPH[: len(LONG_PARAGRAPH) // 3]))
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _body(document.add_paragraph(LONG_PARAGRAPH[: len(LONG_PARAGRAPH) // 3]))
    _body(document.add_paragraph("下半年，我市将继续推进各项工作。"))
    document.save(path)
    return path


_BUDGET_ITEMS = [
    "一般公共服务支出",
    "教育支出",
    "科学技术支出",
    "社会保障和就业支出",
    "卫生健康支出",
]


def budget_tables(n_tables: int = 3, n_rows: int = 29) -> list[list[list[str]]]:
    """The rows of an all-tables budget report: a header row, then `n_rows` rows of figures
    with thousands separators; a label long enough to wrap in its cell."""
    tables = []
    for t in range(n_tables):
        rows = [["项目", "2023年决算数", "2024年预算数", "增减额", "增长（%）", "备注"]]
        for r in range(n_rows):
            base = 1000 + 37 * t + 113 * r
            new = base * 1.05 + r
            rows.append(
                [
                    f"{_BUDGET_ITEMS[r % len(_BUDGET_ITEMS)]}{r + 1}",
                    f"{base:,.2f}",
                    f"{new:,.2f}",
                    f"{new - base:,.2f}",
                    f"{(new - base) / base * 100:.1f}",
                    "" if r % 3 else "含上年结转",
                ]
            )
        tables.append(rows)
    return tables


def build_budget_tables_docx(path: Path, tables: list[list[list[str]]]) -> Path:
    """Each table under a title with its unit caption, ruled on every side (Table Grid), set in
    12 pt so that the tables and some wrapped rows break across pages."""
    document = Document()
    for t, rows in enumerate(tables):
        document.add_paragraph(f"表{t + 1} 部门收支预算表（单位：万元）")
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                run = table.cell(r, c).paragraphs[0].add_run(text)
                run.font.size = Pt(12)
    document.save(path)
    return path
