"""Builds corpus/samples/ from the marked-up texts in scripts/samples/ (run by hand, output committed).

Each text becomes a Word file set the way municipal offices set their reports: A4, 仿宋 body at
16 pt with a two-character first-line indent and fixed 28 pt lines, a running header, a `— N —`
footer, ruled tables. Some are then printed to PDF (fonts embedded) or saved as Word 97 .doc with
LibreOffice, as the cities send them. Usage: python scripts/build_samples.py [OUTDIR]
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

from extract.legacy import convert, find_soffice

HERE = Path(__file__).parent
# source -> (output format, heading style: "styles" = Word heading styles, "auto" = automatic
# numbering for level 1, "typed" = numbers typed by hand)
PLAN = {
    "hangzhou-h1": ("docx", "styles"),
    "hangzhou-fy": ("pdf", "styles"),
    "ningbo-h1": ("pdf", "typed"),
    "ningbo-fy": ("docx", "typed"),
    "ningbo-apps": ("pdf", "typed"),
    "chengdu-h1": ("docx", "auto"),
    "chengdu-fy": ("pdf", "auto"),
    "chengdu-apps": ("docx", "typed"),
    "zhengzhou-h1": ("pdf", "typed"),
    "zhengzhou-fy": ("doc", "typed"),
}
LEVEL_RES = [
    (1, re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|案例[一二三四五六七八九十]{1,3}[：:])")),
    (2, re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]")),
    (3, re.compile(r"^\d{1,2}[.、．](?!\d)")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
]
BODY_FONT, HEADING_FONTS = "仿宋", {1: "黑体", 2: "楷体"}


def parse(path: Path) -> tuple[dict[str, str], list[str]]:
    meta: dict[str, str] = {}
    body: list[str] = []
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("@") and ":" in line:
            key, _, value = line[1:].partition(":")
            meta[key.strip()] = value.strip()
        elif line.strip() == "@pagebreak":
            body.append("@pagebreak")
        elif line.strip():
            body.append(line.strip())
    return meta, body


def level_of(line: str) -> int:
    for level, pattern in LEVEL_RES:
        if pattern.match(line) and len(line) <= 40 and "。" not in line[:-1]:
            return level
    return 0


def set_font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), name)


def body_format(paragraph, indent: bool = True) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(32)


def add_auto_numbering(document) -> str:
    """A chineseCounting list `一、` for level-1 headings; returns its numId."""
    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="%1、"/><w:lvlJc w:val="left"/><w:suff w:val="nothing"/>'
        '<w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr></w:lvl></w:abstractNum>'
    )
    num = parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(num)
    return "90"


def page_footer(section) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(paragraph.add_run("— "), "宋体", 14)
    field = parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'
    )
    paragraph._p.append(field)
    set_font(paragraph.add_run(" —"), "宋体", 14)


def build_docx(source: Path, heading_mode: str, target: Path) -> None:
    meta, body = parse(source)
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    if meta.get("header"):
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_font(header.add_run(meta["header"]), "宋体", 10.5)
    page_footer(section)
    num_id = add_auto_numbering(document) if heading_mode == "auto" else None

    title_done = False
    i = 0
    while i < len(body):
        line = body[i]
        if line == "@pagebreak":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            i += 1
            continue
        if line.startswith("|"):
            rows = []
            while i < len(body) and body[i].startswith("|"):
                rows.append([c.strip() for c in body[i].strip().strip("|").split("|")])
                i += 1
            add_table(document, rows)
            continue
        i += 1
        if re.match(r"^附件\s*\d*$", line):
            paragraph = document.add_paragraph()
            body_format(paragraph, indent=False)
            set_font(paragraph.add_run(line), "黑体", 16)
            continue
        if not title_done:
            title_done = True
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.space_after = Pt(16)
            set_font(paragraph.add_run(line), "方正小标宋简体", 22)
            continue
        if line == meta.get("sender") or re.match(r"^二[〇零]\S+年\S+月\S+日$", line):
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            body_format(paragraph, indent=False)
            set_font(paragraph.add_run(line), BODY_FONT, 16)
            continue
        level = level_of(line)
        if level and heading_mode == "styles":
            paragraph = document.add_paragraph(style=f"Heading {level}")
            body_format(paragraph)
            set_font(paragraph.add_run(line), HEADING_FONTS.get(level, BODY_FONT), 16, level > 2)
            continue
        if level == 1 and heading_mode == "auto":
            paragraph = document.add_paragraph()
            body_format(paragraph, indent=False)
            ppr = paragraph._p.get_or_add_pPr()
            ppr.append(
                parse_xml(
                    f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
                )
            )
            text = re.sub(r"^[一二三四五六七八九十]{1,3}、", "", line)
            set_font(paragraph.add_run(text), HEADING_FONTS[1], 16)
            continue
        paragraph = document.add_paragraph()
        body_format(paragraph)
        font = HEADING_FONTS.get(level, BODY_FONT) if level else BODY_FONT
        set_font(paragraph.add_run(line), font, 16, bold=level in (3, 4) and len(line) < 30)
    document.core_properties.title = body[0] if body else ""
    document.save(target)


def add_table(document, rows: list[list[str]]) -> None:
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c in range(width):
            cell = table.cell(r, c)
            cell.text = ""
            run = cell.paragraphs[0].add_run(row[c] if c < len(row) else "")
            set_font(run, "仿宋", 12, bold=r == 0)
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def soffice_convert(src: Path, target_ext: str, outdir: Path) -> Path:
    soffice = find_soffice()
    if soffice is None:
        sys.exit("LibreOffice (soffice) is needed to build PDF and .doc samples")
    with tempfile.TemporaryDirectory() as tmp:
        made = convert(soffice, src, target_ext, Path(tmp), timeout_s=180)
        target = outdir / f"{src.stem}.{target_ext}"
        shutil.copyfile(made, target)
    return target


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("*"):
        if old.suffix in (".docx", ".pdf", ".doc"):
            old.unlink()
    for name, (fmt, heading_mode) in PLAN.items():
        source = HERE / "samples" / f"{name}.txt"
        meta, _ = parse(source)
        stem = meta["file"]
        with tempfile.TemporaryDirectory() as tmp:
            docx_path = Path(tmp) / f"{stem}.docx"
            build_docx(source, heading_mode, docx_path)
            if fmt == "docx":
                shutil.copyfile(docx_path, outdir / docx_path.name)
            else:
                made = soffice_convert(docx_path, fmt, Path(tmp))
                shutil.copyfile(made, outdir / made.name)
        print(f"{name} -> {stem}.{fmt}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "corpus" / "samples")
