"""Issue 22: the reader registry, OFD documents and spreadsheets, with their hostile variants.

OFD files are built here (OFD.xml + Document.xml + pages of TextObjects, a template page, a
signature and a seal) besides the two real ones in ../shared/realdocs/; spreadsheets are written
with openpyxl and converted by the real LibreOffice.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path
from types import MappingProxyType

import pytest

from extract import (
    ACCEPTED_SUFFIXES,
    Document,
    Failure,
    Limits,
    extract_file,
    legacy,
    read_document,
    registry,
)
from extract.errors import TooLarge
from extract.sniff import sniff_bytes
from tests.conftest import require

HOSTNAME = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
LICENCE = "ofdrw__testImageOverridePage.ofd"
LETTER = "ofdrw__testPathFillOpacity.ofd"


def reader_warnings(d) -> list[str]:
    """What the reader warned of, without extract.metadata's 待确认 notes on the issuer, year,
    period and kind (tested in test_metadata.py and test_issuers_real.py)."""
    return [w for w in d.warnings if "待确认：" not in w]


def ok(outcome) -> Document:
    assert isinstance(outcome, Document), outcome
    return outcome


def failure(outcome, code: str) -> Failure:
    assert isinstance(outcome, Failure), outcome
    assert outcome.code == code, outcome.message
    assert outcome.name in outcome.message
    return outcome


def text_of(doc: Document) -> str:
    return "\n".join(b.text for b in doc.blocks)


# --- the registry ------------------------------------------------------------------------------


def test_accepted_suffixes_derive_from_the_readers():
    declared = {s for r in registry.READERS for s in r.accepts}
    assert declared == set(ACCEPTED_SUFFIXES)
    assert {".ofd", ".xlsx", ".xlsm", ".xls", ".ods", ".et"} <= ACCEPTED_SUFFIXES
    for suffix, types in registry.ALLOWED.items():
        for real in types:
            assert registry.reader_for(suffix, real) is not None, (suffix, real)
    # One container, two readers: the suffix decides.
    assert type(registry.reader_for(".doc", "ole2")).__name__ == "LegacyWordReader"
    assert type(registry.reader_for(".xls", "ole2")).__name__ == "SheetReader"
    assert type(registry.reader_for(".et", "ole2")).__name__ == "LegacySheetReader"
    assert registry.reader_for(".pdf", "ole2") is None


def test_a_conflicting_declaration_is_refused():
    from extract.formats import Signature

    class Twin:
        signatures = (Signature("pdf", "another PDF", magic=(b"%PDF",)),)
        accepts = MappingProxyType({".pdf": ("pdf",)})

    with pytest.raises(ValueError, match="two different signatures"):
        registry._signatures([*registry.READERS, Twin()])
    Twin.signatures = ()
    with pytest.raises(ValueError, match="two readers"):
        registry._allowed([*registry.READERS, Twin()])


def test_sniff_tells_containers_apart(tmp_path):
    ofd = build_ofd(tmp_path / "a.ofd", [[text_object(1, 20, 30, "正文")]])
    assert sniff_bytes(ofd.read_bytes()[:4096], ofd) == "ofd"
    xlsx = _workbook(tmp_path / "b.xlsx", [["a"]])
    assert sniff_bytes(xlsx.read_bytes()[:4096], xlsx) == "xlsx"
    html = b'\xef\xbb\xbf<html xmlns:x="urn:schemas-microsoft-com:office:excel"><table>'
    assert sniff_bytes(html) == "html"
    assert sniff_bytes(b"<!-- x -->\n<!DOCTYPE html><p>") == "html"
    assert sniff_bytes("普通文本 <html> 在中间".encode()) == "text"


def test_html_named_txt_is_still_text(tmp_path):
    path = tmp_path / "说明.txt"
    path.write_text("<html><body>不是表格</body></html>", "utf-8")
    assert "不是表格" in text_of(read_document(path))


# --- OFD: the real files -----------------------------------------------------------------------


def test_real_ofd_letter(realdoc):
    d = ok(extract_file(realdoc(LETTER)))
    assert d.format == "ofd" and d.pages == 1
    assert [(b.kind, b.text) for b in d.blocks] == [
        ("title", "关于加快南货场铁路涵洞下穿建设的函"),
        ("paragraph", "蚌山区政府："),
        (
            "paragraph",
            "根据我市2023年房地产用地供应计划，蚌山区东海大道北侧、解放路西侧居住地块计划于7月份"
            "出让，按照7月7日张铭副市长主持召开市自然资源和规划委员会审查会2023年第7次会议要求，"
            "你区需尽快落实南货场铁路涵洞下穿建设方案，建设方案与本宗地出让方案一并公告、同步建设、"
            "同期交付。为确保该宗地按计划完成供应，请你区政府尽快落实南货场铁路涵洞下穿建设方案，"
            "并加快工程施工建设。",
        ),
        ("paragraph", "此函。"),
        ("paragraph", "2023年7月12日"),
    ]
    # The red round seal is a PNG on the page: noted, not read.
    assert reader_warnings(d) == ["第1页有一个红色印章图像（约42×42毫米），未作为文字读取"]
    assert d.page_info[0].images == 1 and d.page_info[0].garbage_chars == 0


def test_real_ofd_licence_with_template_and_signatures(realdoc):
    d = ok(extract_file(realdoc(LICENCE)))
    # The labels are in the template's JPEG background; the values are the text layer. A value
    # set over three lines by one TextCode (DeltaY) is one paragraph, its number whole.
    assert [b.text for b in d.blocks] == [
        "临翔区棚户区改造安置房二期（地块二）",
        "2018-530902-70-01-002747",
        "临沧建投开发投资有限公司",
        "临沧市临翔区发展和改革局关于同意临翔区棚户区改造安置房建设项目的可行性研究报告的批复"
        "（临翔发改复[2018]172号）",
        "临沧市临翔区凤翔街道圈掌社区南京凹，临翔区棚户区改造安置房二期西侧",
        "530902202200014",
        "总规模0.7871公顷，其中农用地0公顷（耕地0公顷，基本农田0公顷），建设用地0.7871公顷，"
        "未利用地0公顷，围填海0公顷",
        "总建筑面积516192.36㎡，地上建筑面积367949.86㎡，地下总建筑面积148242.5㎡",
        "临沧市临翔区自然资源局",
        "2022年08月23日",
    ]
    assert reader_warnings(d) == [
        "含2个数字签名（Doc_0/Signs/Signatures.xml），签名未验证，其内容未作为文字读取"
    ]


# --- OFD: generated files ----------------------------------------------------------------------

OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def text_object(
    oid: int,
    x: float,
    y: float,
    text: str,
    *,
    size: float = 5.6,
    font: int = 1,
    ctm: str | None = None,
    delta_y: str | None = None,
    delta_x: str | None = None,
) -> str:
    """A TextObject whose characters are `size` apart (the `g` shorthand), at (x, y) in mm."""
    dx = delta_x or (f"g {len(text) - 1} {size}" if len(text) > 1 else "")
    attrs = f' DeltaX="{dx}"' if dx else ""
    attrs += f' DeltaY="{delta_y}"' if delta_y else ""
    ctm_attr = f' CTM="{ctm}"' if ctm else ""
    return (
        f'<ofd:TextObject ID="{oid}" Boundary="{x} {y} 170 {size * 1.3:.2f}" Font="{font}" '
        f'Size="{size}"{ctm_attr}><ofd:TextCode X="0" Y="{size * 0.88:.3f}"{attrs}>{text}'
        "</ofd:TextCode></ofd:TextObject>"
    )


def build_ofd(
    path: Path,
    pages: list[list[str]],
    *,
    template: list[str] | None = None,
    signed: bool = False,
    stamp_annotation: bool = False,
    font_file: bytes | None = None,
    page_xml: dict[int, str] | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """An OFD package: OFD.xml, Doc_0/Document.xml, one Content.xml per page (objects given as
    XML), optionally a template page, a signature with a seal appearance, a stamp annotation and
    an embedded font."""
    members: dict[str, bytes] = {}
    sig = "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>" if signed else ""
    members["OFD.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {OFD_NS} DocType="OFD" Version="1.0">'
        "<ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo>"
        f"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>{sig}</ofd:DocBody></ofd:OFD>"
    ).encode()
    tpl = '<ofd:TemplatePage ID="90" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if template else ""
    annots = "<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations>" if stamp_annotation else ""
    page_refs = "".join(
        f'<ofd:Page ID="{100 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
        for i in range(len(pages))
    )
    members["Doc_0/Document.xml"] = (
        f"<ofd:Document {OFD_NS}><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID>"
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>{tpl}</ofd:CommonData>"
        f"<ofd:Pages>{page_refs}</ofd:Pages>{annots}</ofd:Document>"
    ).encode()
    font_entry = "<ofd:FontFile>font_1.ttf</ofd:FontFile>" if font_file else ""
    members["Doc_0/PublicRes.xml"] = (
        f'<ofd:Res {OFD_NS} BaseLoc="Res"><ofd:Fonts><ofd:Font ID="1" FontName="宋体">'
        f"{font_entry}</ofd:Font></ofd:Fonts></ofd:Res>"
    ).encode()
    if font_file:
        members["Doc_0/Res/font_1.ttf"] = font_file
    for i, objects in enumerate(pages):
        use_tpl = '<ofd:Template TemplateID="90" ZOrder="Background"/>' if template else ""
        members[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            (page_xml or {}).get(i)
            or (
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {OFD_NS}>{use_tpl}<ofd:Content>'
                f'<ofd:Layer ID="{500 + i}">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>'
            )
        ).encode()
    if template:
        members["Doc_0/Tpls/Tpl_0/Content.xml"] = (
            f'<ofd:Page {OFD_NS}><ofd:Content><ofd:Layer ID="91">{"".join(template)}'
            "</ofd:Layer></ofd:Content></ofd:Page>"
        ).encode()
    if signed:
        members["Doc_0/Signs/Signatures.xml"] = (
            f'<ofd:Signatures {OFD_NS}><ofd:MaxSignId>1</ofd:MaxSignId><ofd:Signature ID="1" '
            'Type="Seal" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/></ofd:Signatures>'
        ).encode()
        members["Doc_0/Signs/Sign_0/Signature.xml"] = (
            f'<ofd:Signature {OFD_NS}><ofd:SignedInfo><ofd:Provider ProviderName="t"/>'
            '<ofd:StampAnnot ID="1" PageRef="100" Boundary="120 200 40 40"/>'
            "<ofd:Seal><ofd:BaseLoc>Seal.esl</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo>"
            "<ofd:SignedValue>SignedValue.dat</ofd:SignedValue></ofd:Signature>"
        ).encode()
        members["Doc_0/Signs/Sign_0/SignedValue.dat"] = "签名值不是正文".encode()
        members["Doc_0/Signs/Sign_0/Seal.esl"] = "印章数据不是正文".encode()
    if stamp_annotation:
        members["Doc_0/Annots/Annotations.xml"] = (
            f'<ofd:Annotations {OFD_NS}><ofd:Page PageID="100"><ofd:FileLoc>Page_0/Annotation.xml'
            "</ofd:FileLoc></ofd:Page></ofd:Annotations>"
        ).encode()
        members["Doc_0/Annots/Page_0/Annotation.xml"] = (
            f'<ofd:PageAnnot {OFD_NS}><ofd:Annot ID="7" Type="Stamp"><ofd:Appearance '
            f'Boundary="120 200 40 40">{text_object(8, 0, 0, "印章上的字")}</ofd:Appearance>'
            "</ofd:Annot></ofd:PageAnnot>"
        ).encode()
    members.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


BODY = "为加快信息消费示范城市建设，我市持续推进信息基础设施建设，全市新建5G基站3900个，"
BODY2 = "千兆光网覆盖率达到98.5%，信息消费规模达到1200亿元，较上年增长12.3%。"


def _report_pages() -> list[list[str]]:
    """Two A4 pages: a large centred title, a numbered heading, a body paragraph wrapped over two
    lines (two text objects), another on page 2 carried on from page 1, and page numbers."""
    chunk = 28  # characters on a 160 mm line at 5.6 mm
    page1 = [
        text_object(1, 45, 40, "关于信息消费示范城市建设情况的报告", size=7.7),
        text_object(2, 25, 70, "一、总体情况"),
        text_object(3, 36.2, 85, BODY[: chunk - 2]),
        text_object(4, 25, 95, BODY[chunk - 2 :] + BODY2[:11]),  # a full line
        text_object(5, 98, 280, "— 1 —"),
    ]
    page2 = [
        text_object(6, 25, 40, BODY2[11:]),
        text_object(7, 98, 280, "— 2 —"),
    ]
    return [page1, page2]


def test_generated_ofd_laid_out_like_a_pdf(tmp_path):
    path = build_ofd(tmp_path / "报告.ofd", _report_pages())
    d = ok(extract_file(path))
    assert d.pages == 2
    assert [(b.kind, b.text) for b in d.blocks] == [
        ("title", "关于信息消费示范城市建设情况的报告"),
        ("heading", "一、总体情况"),
        ("paragraph", BODY + BODY2),  # rejoined across the line wrap and the page break
    ]
    assert d.blocks[2].heading_path == ("一、总体情况",)
    assert sum(p.furniture_lines for p in d.page_info) == 2  # the page numbers
    assert reader_warnings(d) == []


def test_ofd_template_layer_ctm_and_delta_y(tmp_path):
    """Template text is part of the page; a CTM scales and moves an object; DeltaY wraps a
    TextCode onto a second line under the first."""
    template = [text_object(9, 60, 20, "某市经济和信息化局文件", size=8)]
    objects = [
        # Drawn at half size by its CTM, 10 mm further right.
        text_object(1, 25, 60, "信息消费", size=11.2, ctm="0.5 0 0 0.5 10 0"),
        # Four characters, then back to the start 7 mm lower for three more.
        text_object(
            2, 25, 80, "宽带网络建设", delta_x="g 3 5.6 -16.8 g 2 5.6", delta_y="g 3 0 7 g 2 0"
        ),
    ]
    d = read_document(build_ofd(tmp_path / "模板.ofd", [objects], template=template))
    assert [b.text for b in d.blocks] == ["某市经济和信息化局文件", "信息消费", "宽带网络建设"]


def test_ofd_signature_and_seals_are_warnings_not_text(tmp_path):
    path = build_ofd(
        tmp_path / "签章.ofd",
        [[text_object(1, 25, 40, "特此函告。")]],
        signed=True,
        stamp_annotation=True,
    )
    d = ok(extract_file(path))
    assert text_of(d) == "特此函告。"
    assert reader_warnings(d) == [
        "含1个电子签章（Doc_0/Signs/Signatures.xml），签名未验证，其内容未作为文字读取",
        "有1页盖有电子印章（签章外观），未作为文字读取",
        "第1页有1个印章注释，未作为文字读取",
    ]


def _font_with_private_use() -> bytes:
    """A TrueType font whose glyph for 信 is reached from U+4FE1 and from U+E001."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "xin", "uniE002"])
    fb.setupCharacterMap({0x4FE1: "xin", 0xE001: "xin", 0xE002: "uniE002"})
    empty = TTGlyphPen(None).glyph()
    fb.setupGlyf({".notdef": empty, "xin": empty, "uniE002": empty})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "xin": (1000, 0), "uniE002": (1000, 0)})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "T", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    out = io.BytesIO()
    fb.save(out)
    return out.getvalue()


def test_private_use_codes_mapped_through_the_embedded_font(tmp_path):
    objects = [text_object(1, 25, 40, "\ue001息消费\ue002")]
    d = read_document(
        build_ofd(tmp_path / "字体.ofd", [objects], font_file=_font_with_private_use())
    )
    # U+E001 reaches the glyph of 信; U+E002 reaches no other code point: counted as garbage.
    assert text_of(d) == "信息消费"
    assert d.page_info[0].garbage_chars == 1


# --- OFD: hostile variants ---------------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE ofd:Page [<!ENTITY a "lol">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]>"
)


def _page_with(body_text: str, prolog: str) -> str:
    return (
        f'{prolog}<ofd:Page {OFD_NS}><ofd:Content><ofd:Layer ID="5">'
        f"{text_object(1, 25, 40, body_text)}</ofd:Layer></ofd:Content></ofd:Page>"
    )


@pytest.mark.parametrize(
    "attack",
    [
        _page_with("笑&j;", LAUGHS),
        _page_with(
            "主机&x;",
            '<?xml version="1.0"?><!DOCTYPE ofd:Page [<!ENTITY x SYSTEM "file:///etc/hostname">]>',
        ),
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_xml_entities_in_an_ofd_page_refused(tmp_path, attack):
    path = build_ofd(tmp_path / "实体.ofd", [[]], page_xml={0: attack})
    good = build_ofd(tmp_path / "正常.ofd", [[text_object(1, 25, 40, "正常")]])
    outcomes = {Path(o.path).name: o for o in _extract_all([path, good])}
    bad = failure(outcomes["实体.ofd"], "parse error")
    assert "declares a DTD" in bad.message
    if HOSTNAME:
        assert HOSTNAME not in bad.message
    assert text_of(ok(outcomes["正常.ofd"])) == "正常"  # the batch went on


def _add_zeros(path: Path, member: str, n_bytes: int) -> None:
    """Appends a member of `n_bytes` zeros: a few hundred KB packed."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open(member, "w") as fh:
        for _ in range(n_bytes >> 20):
            fh.write(b"\0" * (1 << 20))


def test_ofd_zip_bomb(tmp_path):
    path = build_ofd(tmp_path / "炸弹.ofd", [[text_object(1, 25, 40, "正文")]])
    _add_zeros(path, "Doc_0/Res/huge.png", 40 << 20)
    assert path.stat().st_size < 500_000
    failure(extract_file(path), "zip bomb")


def test_ofd_without_document_fails_alone(tmp_path):
    path = tmp_path / "残缺.ofd"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("OFD.xml", f"<ofd:OFD {OFD_NS}><ofd:DocBody/></ofd:OFD>")
    assert (
        "document named in OFD.xml is missing" in failure(extract_file(path), "parse error").message
    )


def _extract_all(paths):
    from extract import extract_files

    return list(extract_files(paths, jobs=1))


# --- spreadsheets ------------------------------------------------------------------------------


def _workbook(path: Path, rows: list[list], *, merges=(), title: str = "主要指标") -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for merge in merges:
        ws.merge_cells(merge)
    wb.save(path)
    return path


INDICATORS = [
    ["2023年信息消费主要指标", None, None, None, None],
    ["类别", "指标", None, "2023年（万个）", "增长（%）"],
    ["一、基础设施", "5G基站", None, 3.9, 12.5],
    [None, "千兆端口", None, 1.25, 30],
    [None, None, None, None, None],
    ["二、应用", "数字化车间", None, 86, None],
]


def test_sheet_becomes_a_table_like_a_word_table(tmp_path):
    from classify import figures_in_table

    path = _workbook(
        tmp_path / "指标.xlsx", INDICATORS, merges=["A1:E1", "A3:A4", "B2:C2"], title="2023年"
    )
    d = ok(extract_file(path))
    heading, table = d.blocks
    assert (heading.kind, heading.text, heading.level) == ("heading", "2023年", 1)
    assert table.kind == "table" and table.heading_path == ("2023年",)
    # The title merged across the table stays one cell; the category merged down is repeated;
    # the empty row and the empty column are gone; 3.9 stays 3.9 and 30.0 is 30.
    assert table.rows == [
        ["2023年信息消费主要指标", "", "", ""],
        ["类别", "指标", "2023年（万个）", "增长（%）"],
        ["一、基础设施", "5G基站", "3.9", "12.5"],
        ["一、基础设施", "千兆端口", "1.25", "30"],
        ["二、应用", "数字化车间", "86", ""],
    ]
    figures = {(f.row, f.col): (f.value, f.unit) for f in figures_in_table(table.rows)}
    assert figures[(2, 2)] == (39000, "个")  # the unit and 万 from the header
    assert figures[(3, 3)] == (30, "%")


def test_real_spreadsheets(realdoc):
    d = ok(extract_file(realdoc("simonjob__10月.xls")))  # BIFF8 saved by WPS
    assert [b.text for b in d.blocks if b.kind == "heading"] == ["Sheet1"]
    (table,) = [b for b in d.blocks if b.kind == "table"]
    assert table.rows[:4] == [
        ["万载县主要农副产品及居民生活必需品价格行情", "", "", "", ""],
        ["类别", "品种", "等级规格", "计量单位", "价格（元）"],
        ["一、粮食类", "晚籼米", "标一", "元/500克", "2.68"],
        ["一、粮食类", "面粉", "标一", "元/500克", "2.98"],  # merged down, repeated
    ]
    assert "工作表“Sheet2”没有内容（可能只有图表或图片）" in d.warnings

    d = ok(extract_file(realdoc("simonjob__江西省2023年中小学教师招聘岗位表（定）.xlsx")))
    assert [b.text for b in d.blocks if b.kind == "heading"] == ["职位审核表", "分析"]
    assert "工作表“全省饼图”没有内容（可能只有图表或图片）" in d.warnings
    assert len(d.blocks[1].rows) == 2512

    d = ok(extract_file(realdoc("simonjob__附件四  体检工作安排.xls")))
    assert d.blocks[1].rows[2][0] == "2017-07-11"  # a date cell, not the serial 42927


def test_html_page_named_xls_read_as_its_tables(realdoc):
    name = "simonjob__附件1：江西省2023年特岗教师招聘岗位表.xls"
    d = ok(extract_file(realdoc(name)))
    (table,) = d.blocks
    assert table.rows[:3] == [
        ["江西省2023年特岗教师招聘岗位表", "", "", "", "", ""],
        ["序号", "岗位名称", "岗位代码", "是否要求相关专业", "招聘人数", "联系电话"],
        ["1", "南昌市湾里区初中美术", "360105206001", "美术相关专业", "1", "0791-83762333"],
    ]
    assert reader_warnings(d) == [
        f"{name} 实为网页（HTML）文件而非 Excel 工作簿，已按网页中的表格读取"
    ]


def test_html_spans_expanded(tmp_path):
    path = tmp_path / "网页.xls"
    path.write_text(
        "<html><body><table>"
        "<tr><td colspan=3>标题</td></tr>"
        "<tr><td rowspan=2>一、网络</td><td>基站</td><td>3<br>个</td></tr>"
        "<tr><td>光纤</td><td>5</td></tr>"
        "</table></body></html>",
        "utf-8",
    )
    (table,) = read_document(path).blocks
    assert table.rows == [
        ["标题", "", ""],
        ["一、网络", "基站", "3\n个"],
        ["一、网络", "光纤", "5"],
    ]


def _calc() -> None:
    require(legacy.find_soffice() is not None, "LibreOffice (soffice)")
    require(
        Path("/usr/lib/libreoffice/program/libsclo.so").exists(), "LibreOffice Calc (libsclo.so)"
    )


def _converted(src: Path, fmt: str, target: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        made = legacy.convert(legacy.find_soffice(), src, fmt, Path(tmp), timeout_s=180)
        shutil.copyfile(made, target)
    return target


@pytest.mark.parametrize("fmt,name", [("ods", "指标.ods"), ("xls", "指标.xls"), ("xls", "指标.et")])
def test_ods_xls_and_et_from_libreoffice(tmp_path, fmt, name):
    """.ods and .xls are read by calamine; a WPS .et (OLE2, as an .xls) goes through Calc."""
    _calc()
    src = _workbook(tmp_path / "src.xlsx", INDICATORS, merges=["A1:E1", "A3:A4"])
    path = _converted(src, fmt, tmp_path / name)
    d = ok(extract_file(path))
    table = d.blocks[1]
    assert table.rows[1:3] == [
        ["类别", "指标", "2023年（万个）", "增长（%）"],
        ["一、基础设施", "5G基站", "3.9", "12.5"],
    ]


# --- spreadsheets: hostile variants ------------------------------------------------------------

SHEET_NS = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _raw_xlsx(path: Path, sheet_xml: bytes | None = None, *, stream=None) -> Path:
    """A minimal .xlsx with one sheet named 表1, whose XML is given or streamed by `stream(fh)`."""
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/{}" Target="{}"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>',
        )
        zf.writestr("_rels/.rels", rels.format("officeDocument", "xl/workbook.xml"))
        zf.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="表1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr("xl/_rels/workbook.xml.rels", rels.format("worksheet", "worksheets/sheet1.xml"))
        if stream is not None:
            with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
                stream(fh)
        else:
            zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def test_million_empty_rows_cost_nothing(tmp_path):
    def million(fh):
        fh.write(SHEET_NS.encode() + b'<dimension ref="A1:E1048576"/><sheetData>')
        fh.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe6\x8c\x87\xe6\xa0\x87</t></is></c>')
        fh.write(b'<c r="B1"><v>5</v></c></row>')
        for start in range(2, 1_048_577, 10_000):
            fh.write(
                b"".join(b'<row r="%d"/>' % r for r in range(start, min(start + 10_000, 1_048_577)))
            )
        fh.write(b"</sheetData></worksheet>")

    path = _raw_xlsx(tmp_path / "空行.xlsx", stream=million)
    assert path.stat().st_size < 4_000_000
    d = ok(extract_file(path, Limits(memory_bytes=768 * 2**20, timeout_s=60)))
    assert d.blocks[1].rows == [["指标", "5"]]


def test_sheet_spanning_a_million_rows_refused(tmp_path):
    """Two cells, A1 and XFD1048576: calamine would build 17 billion cells (and abort)."""
    sheet = (
        SHEET_NS + '<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">'
        '<c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    ).encode()
    path = _raw_xlsx(tmp_path / "稀疏.xlsx", sheet)
    good = _raw_xlsx(
        tmp_path / "正常.xlsx",
        (
            SHEET_NS + '<sheetData><row r="1"><c r="A1"><v>7</v></c></row></sheetData></worksheet>'
        ).encode(),
    )
    outcomes = {Path(o.path).name: o for o in _extract_all([path, good])}
    bad = failure(outcomes["稀疏.xlsx"], "too large")
    assert "1048576 行 × 16384 列" in bad.message
    assert ok(outcomes["正常.xlsx"]).blocks[1].rows == [["7"]]
    with pytest.raises(TooLarge):
        read_document(path, Limits(max_sheet_cells=1000))


def test_oversized_sheet_skipped_others_read(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "两表.xlsx"
    wb = Workbook()
    wb.active.title = "小表"
    wb.active.append(["指标", 1])
    big = wb.create_sheet("大表")
    big["A1"] = 1
    big["Z2000"] = 2
    wb.save(path)
    d = read_document(path, Limits(max_sheet_cells=10_000))
    assert [b.text for b in d.blocks if b.kind == "heading"] == ["小表"]
    assert "工作表“大表”范围为 2000 行 × 26 列，超过 10000 个单元格的上限，未读取" in d.warnings


def test_corrupt_xlsx_fails_alone(tmp_path):
    broken = _raw_xlsx(tmp_path / "损坏.xlsx", b"<worksheet><sheetData><row><c r=")
    truncated = tmp_path / "截断.xlsx"
    truncated.write_bytes(_workbook(tmp_path / "x.xlsx", [["a", 1]]).read_bytes()[:300])
    good = _workbook(tmp_path / "好.xlsx", [["指标", 1]])
    outcomes = {Path(o.path).name: o for o in _extract_all([broken, truncated, good])}
    assert "cannot be read: XmlError" in failure(outcomes["损坏.xlsx"], "parse error").message
    failure(outcomes["截断.xlsx"], "type mismatch")  # no central directory: not even a zip
    assert ok(outcomes["好.xlsx"]).blocks[1].rows == [["指标", "1"]]


def test_xlsx_zip_bomb(tmp_path):
    path = _workbook(tmp_path / "炸弹.xlsx", [["a"]])
    _add_zeros(path, "xl/media/huge.bin", 40 << 20)
    failure(extract_file(path), "zip bomb")


def test_ods_with_a_value_repeated_over_a_million_rows_refused(tmp_path):
    """ODS repeats rows and cells by attribute: 600 bytes that ask calamine for 17 billion cells.
    calamine opens every sheet of an .ods at once, so the whole file is refused, quickly."""
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        '<office:spreadsheet><table:table table:name="表1"><table:table-row>'
        '<table:table-cell office:value-type="string"><text:p>指标</text:p></table:table-cell>'
        '</table:table-row><table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
        'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "重复.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    bad = failure(extract_file(path), "too large")
    assert "1048576 行 × 16384 列" in bad.message


def test_merges_placed_when_the_sheet_starts_below_a1(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["B2"], ws["C2"], ws["B3"], ws["C3"], ws["C4"] = "类别", "值", "甲", 1, 2
    ws.merge_cells("B3:B4")
    wb.save(tmp_path / "偏移.xlsx")
    assert read_document(tmp_path / "偏移.xlsx").blocks[1].rows == [
        ["类别", "值"],
        ["甲", "1"],
        ["甲", "2"],
    ]
