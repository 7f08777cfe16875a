"""Builders of scanned submissions: known Chinese text drawn with Pillow as an office prints it,
with a red seal stamped over a paragraph, then saved as an image-only PDF or an image file.

Used by tests/test_ocr.py and bench/ocr_bench.py. The text drawn is returned with the image, so
the OCR result can be scored against it (character error rate, `cer`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SERIF, SERIF_BOLD = "NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc"
SANS, SANS_BOLD = "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"
_SC = 2  # index of the Simplified Chinese face in Noto's collections
RED = (215, 25, 30)

TITLE = "杭州市2016年上半年信息消费示范城市建设进展情况"
SECTIONS: list[tuple[str, str]] = [
    ("h1", "一、信息基础设施建设"),
    (
        "p",
        "上半年，全市新增光纤到户用户12.6万户，累计达到253万户，城市家庭宽带接入能力普遍达到"
        "百兆以上。新建4G基站1860个，地铁全线实现4G深度覆盖，主要商业区和旅游景点实现免费无线"
        "网络全覆盖。",
    ),
    ("h2", "（一）推进光纤宽带网络升级"),
    (
        "p",
        "我们坚持规划引领、共建共享，推动通信管线、基站站址与市政设施同步规划、同步建设，信息基础"
        "设施集约化建设比例持续提升。",
    ),
    ("table", ""),
    ("h1", "二、信息惠民公共服务"),
    (
        "p",
        "市民卡覆盖全市常住人口，整合社保、医疗、公交等应用三十余项。智慧医疗平台接入医院八十二家，"
        "预约挂号、诊间结算和检查结果查询实现全程网上办理，群众看病排队时间明显缩短。",
    ),
    (
        "p",
        "下一步，我们将继续完善信息消费统计监测制度，按季度报送重点指标，确保各项任务按期完成。",
    ),
]
# A second page of other text, so the bench does not measure one text only.
SECTIONS_APPS: list[tuple[str, str]] = [
    ("h1", "一、智慧医疗应用案例"),
    (
        "p",
        "市第一人民医院建成互联网医院，提供在线问诊、处方流转和药品配送服务，全年线上服务患者"
        "四十三万人次。医院与社区卫生服务中心共享电子病历和检查影像，双向转诊时间缩短一半。",
    ),
    ("h2", "（一）建设远程会诊平台"),
    (
        "p",
        "平台连接县级医院二十六家、乡镇卫生院一百一十四家，开展远程会诊、远程影像诊断和远程心电"
        "诊断。基层群众在家门口即可获得市级专家的诊疗意见，减少了往返奔波。",
    ),
    ("table", ""),
    ("h1", "二、电子商务进农村"),
    (
        "p",
        "依托县级电子商务公共服务中心和村级服务站点，发展农产品网络销售，培育网店一千二百余家，"
        "带动农户增收。快递物流覆盖全部行政村，工业品下乡和农产品进城的双向通道基本形成。",
    ),
    (
        "p",
        "今后将加强人才培训和品牌建设，推动更多特色农产品触网销售，提高农村信息消费水平。",
    ),
]
TABLE = [
    ["指标", "2015年底", "2016年6月"],
    ["光纤到户用户（万户）", "240.4", "253.0"],
    ["4G基站（个）", "12600", "14460"],
]
SEAL_TEXT = "杭州市经济和信息化委员会"


def font(name: str, px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), max(1, round(px)), index=_SC)


def fonts_present() -> bool:
    return all((FONT_DIR / f).exists() for f in (SERIF, SERIF_BOLD, SANS))


@dataclass
class ScanPage:
    """A drawn page and what is printed on it, in reading order (seal and page number aside)."""

    image: Image.Image
    dpi: int
    title: str
    headings: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # every printed string, in order

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _wrap(text: str, fnt: ImageFont.FreeTypeFont, width: float, indent: float) -> list[str]:
    """Greedy wrap by measured width, the first line indented, as a word processor sets it."""
    lines, line = [], ""
    for ch in text:
        room = width - (indent if not lines else 0)
        if line and fnt.getlength(line + ch) > room:
            lines.append(line)
            line = ""
        line += ch
    if line:
        lines.append(line)
    return lines


def draw_seal(size_px: int, text: str = SEAL_TEXT) -> Image.Image:
    """An official seal: a red ring, a star, and the office's name along the upper arc.

    Drawn on white, to be multiplied onto the page as stamp ink is.
    """
    seal = Image.new("RGB", (size_px, size_px), "white")
    draw = ImageDraw.Draw(seal)
    r = size_px / 2
    ring = max(2, round(size_px / 40))
    draw.ellipse((ring, ring, size_px - ring, size_px - ring), outline=RED, width=ring)
    star = [
        (
            r + (0.22 if k % 2 == 0 else 0.09) * size_px * math.sin(k * math.pi / 5),
            r - (0.22 if k % 2 == 0 else 0.09) * size_px * math.cos(k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=RED)
    glyph_px = size_px * 0.13
    fnt = font(SANS_BOLD, glyph_px)
    span = 240.0  # degrees of arc the name covers
    for i, ch in enumerate(text):
        angle = -span / 2 + span * (i + 0.5) / len(text)
        tile = Image.new("L", (round(glyph_px * 1.4),) * 2, 0)
        ImageDraw.Draw(tile).text(
            (tile.width / 2, tile.height / 2), ch, font=fnt, fill=255, anchor="mm"
        )
        tile = tile.rotate(-angle, resample=Image.BICUBIC)
        rad = math.radians(angle)
        cx = r + (r - ring - glyph_px * 0.75) * math.sin(rad)
        cy = r - (r - ring - glyph_px * 0.75) * math.cos(rad)
        seal.paste(RED, (round(cx - tile.width / 2), round(cy - tile.height / 2)), tile)
    return seal


def draw_report_page(
    dpi: int = 200,
    seal: bool = True,
    letterhead: bool = False,
    noise: bool = True,
    seed: int = 0,
    shrink: float | None = None,
    sections: list[tuple[str, str]] | None = None,
) -> ScanPage:
    """Draws one A4 page of a report set the government way (仿宋-like 16 pt body on 28 pt lines,
    black headings, a ruled table, `— 1 —` footer), optionally a red seal over the last
    paragraph but one, and the blur, grain and JPEG of a 200 dpi office scan. `shrink` makes it a
    bad copy: its detail that of a scan at `shrink` times the resolution, grainier, and saved as
    a rough JPEG (0.25 is still read well; 0.15 is mostly unreadable)."""
    px = dpi / 72  # pixels per point
    mm = dpi / 25.4
    width, height = round(210 * mm), round(297 * mm)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    left, right, top = 28 * mm, width - 26 * mm, 37 * mm
    body_w = right - left
    body = font(SERIF, 16 * px)
    pitch = 28 * px
    out = ScanPage(page, dpi, TITLE)
    y = top
    if letterhead:
        head = font(SERIF_BOLD, 30 * px)
        draw.text(
            (width / 2, y - 12 * mm),
            "杭州市经济和信息化委员会文件",
            font=head,
            fill=RED,
            anchor="mm",
        )
        draw.line((left, y, right, y), fill=RED, width=max(2, round(0.8 * mm)))
        y += 8 * mm
    title_font = font(SERIF_BOLD, 22 * px)
    draw.text((width / 2, y + 11 * px), TITLE, font=title_font, fill="black", anchor="mm")
    out.parts.append(TITLE)
    y += 2 * pitch
    seal_at: tuple[float, float] | None = None
    paragraphs = [t for k, t in (sections or SECTIONS) if k == "p"]
    for kind, text in sections or SECTIONS:
        if kind in ("h1", "h2"):
            fnt = font(SANS, 16 * px) if kind == "h1" else font(SERIF_BOLD, 16 * px)
            draw.text((left + 32 * px, y), text, font=fnt, fill="black")
            out.headings.append(text)
            out.parts.append(text)
            y += pitch
        elif kind == "p":
            lines = _wrap(text, body, body_w, 32 * px)
            if seal and text == paragraphs[-2]:
                seal_at = (right - 60 * mm, y - 6 * mm)
            for i, line in enumerate(lines):
                draw.text((left + (32 * px if i == 0 else 0), y), line, font=body, fill="black")
                y += pitch
            out.paragraphs.append(text)
            out.parts.append(text)
        elif kind == "table":
            y += 4 * px
            col_w = [body_w * 0.5, body_w * 0.25, body_w * 0.25]
            row_h = 26 * px
            xs = [left]
            for w in col_w:
                xs.append(xs[-1] + w)
            ys = [y + row_h * r for r in range(len(TABLE) + 1)]
            line_w = max(1, round(0.75 * px))
            for x in xs:
                draw.line((x, ys[0], x, ys[-1]), fill="black", width=line_w)
            for yy in ys:
                draw.line((xs[0], yy, xs[-1], yy), fill="black", width=line_w)
            cell_font = font(SERIF, 14 * px)
            for r, row in enumerate(TABLE):
                for c, cell in enumerate(row):
                    draw.text(
                        ((xs[c] + xs[c + 1]) / 2, (ys[r] + ys[r + 1]) / 2),
                        cell,
                        font=cell_font,
                        fill="black",
                        anchor="mm",
                    )
                    out.parts.append(cell)
            out.table = [list(row) for row in TABLE]
            y = ys[-1] + pitch * 0.8
    draw.text(
        (width / 2, height - 20 * mm), "— 1 —", font=font(SERIF, 14 * px), fill="black", anchor="mm"
    )
    if seal_at is not None:
        stamp = draw_seal(round(42 * mm))
        layer = Image.new("RGB", page.size, "white")
        layer.paste(stamp, (round(seal_at[0]), round(seal_at[1])))
        page = ImageChops.multiply(page, layer)  # ink over ink, as a stamp prints
    if noise:
        page = _scanned(page, seed, shrink)
    out.image = page
    return out


def _scanned(page: Image.Image, seed: int, shrink: float | None = None) -> Image.Image:
    """Blur, grain, a slight skew and a JPEG round trip: what an office scanner adds."""
    import io

    import numpy as np

    rng = random.Random(seed)
    page = page.rotate(rng.uniform(-0.4, 0.4), resample=Image.BICUBIC, fillcolor="white")
    if shrink:
        size = page.size
        small = (round(size[0] * shrink), round(size[1] * shrink))
        page = page.resize(small, Image.BILINEAR).resize(size, Image.BILINEAR)
    page = page.filter(ImageFilter.GaussianBlur(1.0 if shrink else 0.6))
    arr = np.asarray(page, dtype=np.int16)
    grain = np.random.default_rng(seed).normal(0, 40 if shrink else 6, arr.shape[:2])[..., None]
    arr = np.clip(arr - 8 + grain, 0, 255).astype(np.uint8)  # off-white paper, sensor noise
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=20 if shrink else 80)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def save_pdf(pages: list[ScanPage], path: Path) -> Path:
    """An image-only PDF, one page image per page, sized by the scan's dpi (A4)."""
    first, *rest = [p.image for p in pages]
    first.save(path, "PDF", resolution=pages[0].dpi, save_all=True, append_images=rest)
    return path


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: Levenshtein distance over the reference's length, whitespace aside."""
    ref = "".join(reference.split())
    hyp = "".join(hypothesis.split())
    if not ref:
        return float(bool(hyp))
    prev = list(range(len(hyp) + 1))
    for i, a in enumerate(ref, 1):
        cur = [i]
        for j, b in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != b)))
        prev = cur
    return prev[-1] / len(ref)


def document_text(doc) -> str:
    """All the text of an extracted document in reading order, table cells included."""
    parts = []
    for block in doc.blocks:
        if block.kind == "table":
            parts.append("".join("".join(row) for row in block.rows or []))
        else:
            parts.append(block.text)
    return "".join(parts)
