"""OFD (GB/T 33190-2016) reader: the text objects of each page, laid out like a PDF page.

An OFD file is a zip package: OFD.xml names each document's Document.xml, which lists the pages,
the template pages and the resource files (fonts, images). A page's Content holds layers of
objects; a TextObject places its TextCodes at X/Y in object space, each character after the
first moved by DeltaX/DeltaY (with the `g <count> <value>` shorthand), the object space mapped to
the page by its CTM and Boundary. Each character becomes a `layout.Char` (millimetres turned into
points, so every layout threshold means what it means for PDF), and the pages go through the same
line → paragraph → heading → furniture steps as PDF pages (`pdf.blocks_from_pages`).

Template pages (the background a page names) are read as part of the page. The text in a
TextCode is Unicode; an embedded font is opened only for characters in the private use area,
which some producers write and map through the font (fontTools, imported then). Signatures
(Signs/Signatures.xml), seal annotations and red round seal images are noted in the warnings,
never read as text. No library was good enough to use (docs/formats.md says why).

Safety: the package passes `archive.check_zip` first, like a .docx; every XML part is parsed
without entities, DTDs or network access, and a part that declares a DTD is refused (OFD never
needs one). Nesting of page blocks and composite objects is bounded.
"""

from __future__ import annotations

import io
import math
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from lxml import etree

from .archive import check_zip
from .document import PageInfo
from .errors import CorruptDocument
from .formats import Signature
from .layout import Char, Line, Paragraph, TableRegion, dedupe_chars, group_lines
from .limits import Limits
from .normalize import count_cjk
from .pdf import OCR_MIN_CHARS, blocks_from_pages, compose
from .structure import ReaderOutput

OFD = Signature("ofd", "OFD document", zip_member="OFD.xml")

MM_TO_PT = 72 / 25.4
MAX_NESTING = 16  # page blocks and composite objects inside each other
ASCENT, DESCENT = 0.86, 0.14  # of the font size, above and below the baseline
A4 = (0.0, 0.0, 210.0, 297.0)

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_comments=True
)
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, IndexError)

_ROOT_START = re.compile(rb"<[A-Za-z_]")  # the root element: a DTD can only come before it
Affine = tuple[float, float, float, float, float, float]
IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class OfdReader:
    signatures = (OFD,)
    accepts = MappingProxyType({".ofd": ("ofd",)})

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        check_zip(path, limits)
        try:
            with zipfile.ZipFile(path) as zf:
                return _Package(zf, path).read(limits)
        except _DAMAGED as exc:
            raise CorruptDocument(path, f"OFD package cannot be read: {exc}") from exc


@dataclass
class _Resources:
    fonts: dict[str, str] = field(default_factory=dict)  # font ID -> embedded font file
    media: dict[str, str] = field(default_factory=dict)  # multimedia ID -> file
    units: dict[str, etree._Element] = field(default_factory=dict)  # composite graphic units


@dataclass
class _PageScan:
    """What one page (with its templates) holds."""

    chars: list[Char] = field(default_factory=list)
    garbage: int = 0
    images: int = 0
    image_area: float = 0.0  # mm²
    seals: list[str] = field(default_factory=list)  # Chinese notes on seal images
    owner: dict[int, int] = field(default_factory=dict)  # id(char) -> its text object's number
    objects: int = 0


class _Package:
    def __init__(self, zf: zipfile.ZipFile, path: Path) -> None:
        self.zf = zf
        self.path = path
        self.names = {n.lstrip("/"): n for n in zf.namelist()}
        self.folded = {n.casefold(): n for n in self.names}
        self._fonts: dict[str, _FontMap | None] = {}

    # --- parts ----------------------------------------------------------------------------

    def resolve(self, base: str, location: str | None) -> str | None:
        """A location written in part `base` as a member name: absolute from the package root,
        else relative to `base`'s folder (producers get this wrong, so the root is tried too)."""
        loc = (location or "").strip().replace("\\", "/")
        if not loc:
            return None
        tries = (
            [loc] if loc.startswith("/") else [posixpath.join(posixpath.dirname(base), loc), loc]
        )
        for cand in tries:
            cand = posixpath.normpath(cand.lstrip("/"))
            if cand.startswith(".."):
                continue
            found = self.names.get(cand) or self.folded.get(cand.casefold())
            if found is not None:
                return found.lstrip("/")
        return None

    def xml(self, name: str) -> etree._Element:
        data = self.zf.read(self.names[name])
        root_start = _ROOT_START.search(data)
        if b"<!DOCTYPE" in data[: root_start.start() if root_start else len(data)].upper():
            raise CorruptDocument(
                self.path, f"{name} declares a DTD (entities are refused; OFD never needs one)"
            )
        try:
            tree = etree.parse(io.BytesIO(data), _PARSER)
        except etree.XMLSyntaxError as exc:
            raise CorruptDocument(self.path, f"{name}: invalid XML: {exc}") from exc
        if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
            raise CorruptDocument(
                self.path, f"{name} declares a DTD (entities are refused; OFD never needs one)"
            )
        return tree.getroot()

    def xml_at(self, base: str, location: str | None) -> tuple[str, etree._Element] | None:
        name = self.resolve(base, location)
        return (name, self.xml(name)) if name else None

    # --- the whole package -----------------------------------------------------------------

    def read(self, limits: Limits) -> ReaderOutput:
        root = self.xml(self.resolve("", "OFD.xml") or "OFD.xml")
        page_lines: list[list[Line]] = []
        heights: list[float] = []
        infos: list[PageInfo] = []
        warnings: list[str] = []
        total = 0
        bodies = root.findall("{*}DocBody")
        if not bodies:
            raise CorruptDocument(self.path, "OFD.xml names no document (DocBody)")
        for body in bodies:
            doc = self.xml_at("OFD.xml", _text(body.find("{*}DocRoot")))
            if doc is None:
                raise CorruptDocument(self.path, "the document named in OFD.xml is missing")
            warnings.extend(self._signatures(body))
            doc_name, doc_root = doc
            pages = list(self._pages(doc_name, doc_root))
            warnings.extend(self._annotations(doc_name, doc_root, pages))
            for page_name, page_root, box, templates, resources in pages:
                total += 1
                if len(infos) >= limits.max_pages:
                    continue
                number = len(infos) + 1
                scan = _PageScan()
                for tpl_name, tpl_root in templates["Background"]:
                    self._content(tpl_name, tpl_root, resources, scan, number)
                self._content(page_name, page_root, resources, scan, number)
                for tpl_name, tpl_root in templates["Foreground"]:
                    self._content(tpl_name, tpl_root, resources, scan, number)
                lines, info = _layout(scan, number, box)
                page_lines.append(lines)
                heights.append(box[3] * MM_TO_PT)
                infos.append(info)
                warnings.extend(scan.seals)
        if total == 0:
            raise CorruptDocument(self.path, "the OFD document has no pages")
        if len(infos) < total:
            warnings.insert(
                0, f"only the first {len(infos)} of {total} pages were read (page limit)"
            )
        for info in infos:
            if info.needs_ocr:
                warnings.append(
                    f"page {info.number} has no text layer: needs OCR (OFD pages are not OCR'd)"
                )
            elif info.garbled:
                warnings.append(f"page {info.number}: the text layer is unreadable (font encoding)")
        tables: list[list[TableRegion]] = [[] for _ in infos]
        blocks = blocks_from_pages(page_lines, tables, heights, infos)
        return ReaderOutput(blocks, total, warnings, infos, truncated=len(infos) < total)

    def _pages(self, doc_name: str, doc: etree._Element):
        """Yields (part, root, physical box in mm, templates by z-order, resources) per page."""
        common = doc.find("{*}CommonData")
        default_box = _box(
            _text(common.find("{*}PageArea/{*}PhysicalBox")) if common is not None else None
        )
        resources = _Resources()
        template_locs: dict[str, str] = {}
        if common is not None:
            for res in [*common.findall("{*}PublicRes"), *common.findall("{*}DocumentRes")]:
                self._load_resources(doc_name, _text(res), resources)
            for tpl in common.findall("{*}TemplatePage"):
                template_locs[tpl.get("ID", "")] = tpl.get("BaseLoc", "")
        for page in doc.iterfind("{*}Pages/{*}Page"):
            found = self.xml_at(doc_name, page.get("BaseLoc"))
            if found is None:
                raise CorruptDocument(self.path, f"page {page.get('BaseLoc')!r} is missing")
            name, root = found
            box = _box(_text(root.find("{*}Area/{*}PhysicalBox"))) or default_box or A4
            templates: dict[str, list[tuple[str, etree._Element]]] = {
                "Background": [],
                "Foreground": [],
            }
            for ref in root.findall("{*}Template"):
                tpl = self.xml_at(doc_name, template_locs.get(ref.get("TemplateID", "")))
                if tpl is not None:
                    order = "Foreground" if ref.get("ZOrder") == "Foreground" else "Background"
                    templates[order].append(tpl)
            yield name, root, box, templates, resources

    def _load_resources(self, doc_name: str, location: str, resources: _Resources) -> None:
        found = self.xml_at(doc_name, location)
        if found is None:
            return
        name, res = found
        base = posixpath.join(posixpath.dirname(name), res.get("BaseLoc", ""), "x")
        for font in res.iterfind("{*}Fonts/{*}Font"):
            file = self.resolve(base, _text(font.find("{*}FontFile")))
            if file:
                resources.fonts[font.get("ID", "")] = file
        for media in res.iterfind("{*}MultiMedias/{*}MultiMedia"):
            file = self.resolve(base, _text(media.find("{*}MediaFile")))
            if file:
                resources.media[media.get("ID", "")] = file
        for unit in res.iterfind("{*}CompositeGraphicUnits/{*}CompositeGraphicUnit"):
            resources.units[unit.get("ID", "")] = unit

    # --- page content ----------------------------------------------------------------------

    def _content(
        self, part: str, root: etree._Element, res: _Resources, scan: _PageScan, number: int
    ) -> None:
        for layer in root.iterfind("{*}Content/{*}Layer"):
            self._objects(layer, IDENTITY, res, scan, number, 0)

    def _objects(
        self, parent, transform: Affine, res: _Resources, scan: _PageScan, number: int, depth: int
    ) -> None:
        for el in parent:
            tag = etree.QName(el).localname if isinstance(el.tag, str) else ""
            if tag == "TextObject":
                self._text_object(el, transform, res, scan)
            elif tag == "ImageObject":
                self._image(el, transform, res, scan, number)
            elif depth >= MAX_NESTING:
                continue
            elif tag == "PageBlock":
                self._objects(el, transform, res, scan, number, depth + 1)
            elif tag == "CompositeObject":
                unit = res.units.get(el.get("ResourceID", ""))
                content = unit.find("{*}Content") if unit is not None else None
                if content is not None:
                    inner = compose(_object_transform(el), transform)
                    self._objects(content, inner, res, scan, number, depth + 1)

    def _text_object(
        self, el: etree._Element, parent: Affine, res: _Resources, scan: _PageScan
    ) -> None:
        m = compose(_object_transform(el), parent)
        size = _float(el.get("Size"), 0.0) or 3.5
        hscale = _float(el.get("HScale"), 1.0) or 1.0
        scale = math.sqrt(abs(m[0] * m[3] - m[1] * m[2])) or 1.0
        font = self._font(res.fonts.get(el.get("Font", "")))
        scan.objects += 1
        x = y = 0.0
        space = False
        for code in el.iterfind("{*}TextCode"):
            text = code.text or ""
            x, y = _float(code.get("X"), x), _float(code.get("Y"), y)
            dx = _deltas(code.get("DeltaX"), len(text) - 1)
            dy = _deltas(code.get("DeltaY"), len(text) - 1)
            for i, ch in enumerate(text):
                if i:
                    x += dx[i - 1] if i - 1 < len(dx) else _advance(text[i - 1], size) * hscale
                    y += dy[i - 1] if i - 1 < len(dy) else 0.0
                if ch.isspace():
                    space = True
                    continue
                if _private(ch) and font is not None:
                    ch = font.unicode_of(ch) or ch
                if _private(ch) or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F:
                    scan.garbage += 1
                    continue
                step = dx[i] if i < len(dx) else 0.0
                width = step if 0 < step <= 1.5 * size else _advance(ch, size) * hscale
                corners = [
                    _apply(m, px, py)
                    for px in (x, x + width)
                    for py in (y - ASCENT * size, y + DESCENT * size)
                ]
                xs, ys = [p[0] for p in corners], [p[1] for p in corners]
                char = Char(
                    ch,
                    min(xs) * MM_TO_PT,
                    max(xs) * MM_TO_PT,
                    min(ys) * MM_TO_PT,
                    max(ys) * MM_TO_PT,
                    size * scale * MM_TO_PT,
                    space,
                )
                scan.chars.append(char)
                scan.owner[id(char)] = scan.objects
                space = False

    def _image(
        self, el: etree._Element, parent: Affine, res: _Resources, scan: _PageScan, number: int
    ) -> None:
        scan.images += 1
        box = _box(el.get("Boundary"))
        if box is None:
            return
        _, _, w, h = box
        scan.image_area += w * h
        media = res.media.get(el.get("ResourceID", ""))
        square = 25 <= w <= 60 and 25 <= h <= 60 and 0.8 <= w / h <= 1.25  # a seal's size
        if media and square and _is_red_seal(self.zf, self.names[media]):
            scan.seals.append(
                f"第{number}页有一个红色印章图像（约{w:.0f}×{h:.0f}毫米），未作为文字读取"
            )

    def _font(self, file: str | None) -> _FontMap | None:
        if file is None:
            return None
        if file not in self._fonts:
            self._fonts[file] = _FontMap.load(self.zf.read(self.names[file]))
        return self._fonts[file]

    # --- signatures and annotations --------------------------------------------------------

    def _signatures(self, body: etree._Element) -> list[str]:
        found = self.xml_at("OFD.xml", _text(body.find("{*}Signatures")))
        if found is None:
            return []
        name, root = found
        signs = root.findall("{*}Signature")
        notes: list[str] = []
        if signs:
            kinds = {"Seal": "电子签章", "Sign": "数字签名"}
            counted: dict[str, int] = {}
            for sign in signs:
                kind = kinds.get(sign.get("Type", "Seal"), "电子签章")
                counted[kind] = counted.get(kind, 0) + 1
            what = "、".join(f"{n}个{kind}" for kind, n in counted.items())
            notes.append(f"含{what}（{name}），签名未验证，其内容未作为文字读取")
        pages: set[str] = set()
        for sign in signs:
            detail = self.xml_at(name, sign.get("BaseLoc"))
            if detail is None:
                continue
            for stamp in detail[1].iter("{*}StampAnnot"):
                pages.add(stamp.get("PageRef", "?"))
        if pages:
            notes.append(f"有{len(pages)}页盖有电子印章（签章外观），未作为文字读取")
        return notes

    def _annotations(self, doc_name: str, doc: etree._Element, pages: list) -> list[str]:
        """Seal (Stamp) annotations are noted; no annotation is read as body text."""
        found = self.xml_at(doc_name, _text(doc.find("{*}Annotations")))
        if found is None:
            return []
        name, root = found
        page_ids = [p.get("ID") for p in doc.iterfind("{*}Pages/{*}Page")]
        notes = []
        for page in root.iterfind("{*}Page"):
            annots = self.xml_at(name, _text(page.find("{*}FileLoc")))
            if annots is None:
                continue
            stamps = [a for a in annots[1].iter("{*}Annot") if a.get("Type") == "Stamp"]
            if stamps:
                pid = page.get("PageID")
                where = f"第{page_ids.index(pid) + 1}页" if pid in page_ids else "文档中"
                notes.append(f"{where}有{len(stamps)}个印章注释，未作为文字读取")
        return notes


def _bands(chars: list[Char]) -> list[list[Char]]:
    """Chars split into vertical bands separated by a wide empty gap (more than four characters
    wide, top to bottom of the page): a form's label column and value column, a date in a
    margin. Lines are grouped within a band, so two columns never merge into one line."""
    order = sorted(chars, key=lambda c: c.x0)
    bands: list[list[Char]] = []
    right = -math.inf
    for ch in order:
        if not bands or ch.x0 > right + 4 * ch.size:
            bands.append([])
            right = ch.x1
        bands[-1].append(ch)
        right = max(right, ch.x1)
    return bands


def _join_wrapped(lines: list[Line], chars: list[Char], owner: dict[int, int]) -> list[Line]:
    """Lines of one band, with the lines that one text object wraps over joined into one: a
    producer that sets a field value over three lines in a single TextCode (DeltaY) made it one
    paragraph, and a number cut at the wrap (36794 | 9.86㎡) must come back whole."""
    out: list[Line] = []
    prev_objects: set[int] = set()
    for line in lines:
        objects = {
            owner.get(id(c), -1)
            for c in chars
            if line.top <= (c.top + c.bottom) / 2 <= line.bottom and line.x0 <= c.x0 <= line.x1
        }
        if out and len(objects) == 1 and objects == prev_objects:
            prev = out[-1]
            out[-1] = Line(
                Paragraph([prev, line]).text,
                min(prev.x0, line.x0),
                max(prev.x1, line.x1),
                prev.top,
                line.bottom,
                prev.size,
                prev.page,
            )
        else:
            out.append(line)
        prev_objects = objects
    return out


def _layout(scan: _PageScan, number: int, box: tuple[float, float, float, float]):
    chars, duplicates = dedupe_chars(scan.chars)
    lines = [
        line
        for band in _bands(chars)
        for line in _join_wrapped(group_lines(band, number), band, scan.owner)
    ]
    lines.sort(key=lambda line: (line.top, line.x0))
    text = "".join(line.text for line in lines)
    n = len(text.replace(" ", ""))
    info = PageInfo(
        number=number,
        chars=n + scan.garbage,
        cjk_chars=count_cjk(text),
        garbage_chars=scan.garbage,
        duplicates_removed=duplicates,
        images=scan.images,
    )
    page_area = box[2] * box[3]
    info.needs_ocr = scan.images > 0 and n < OCR_MIN_CHARS and scan.image_area > 0.1 * page_area
    info.garbled = not info.needs_ocr and info.chars > 0 and scan.garbage / info.chars > 0.10
    return lines, info


class _FontMap:
    """An embedded font's reverse map, for private-use codes: a glyph reached from a PUA code is
    named by another code point that reaches the same glyph, or by its `uniXXXX` name."""

    def __init__(self, cmap: dict[int, str]) -> None:
        self.cmap = cmap
        self.by_glyph: dict[str, str] = {}
        for code, glyph in sorted(cmap.items()):
            if not _private(chr(code)):
                self.by_glyph.setdefault(glyph, chr(code))

    @classmethod
    def load(cls, data: bytes) -> _FontMap | None:
        try:
            from fontTools.ttLib import TTFont

            font = TTFont(io.BytesIO(data), lazy=True)
            return cls(font.getBestCmap() or {})
        except Exception:  # a damaged or unusual font costs its PUA characters only
            return None

    def unicode_of(self, ch: str) -> str | None:
        glyph = self.cmap.get(ord(ch))
        if glyph is None:
            return None
        if glyph in self.by_glyph:
            return self.by_glyph[glyph]
        match = re.fullmatch(r"uni([0-9A-Fa-f]{4})|u([0-9A-Fa-f]{4,6})", glyph)
        if match:
            code = int(match.group(1) or match.group(2), 16)
            if code <= 0x10FFFF and not _private(chr(code)):
                return chr(code)
        return None


def _is_red_seal(zf: zipfile.ZipFile, member: str) -> bool:
    """A seal is a square image mostly of red ink (on white or transparent)."""
    info = zf.getinfo(member)
    if info.file_size > 5 * 2**20:
        return False
    try:
        from PIL import Image

        with Image.open(io.BytesIO(zf.read(member))) as img:
            if img.width * img.height > 40_000_000:
                return False
            small = img.convert("RGBA").resize((48, 48)).tobytes()
    except Exception:  # not an image Pillow knows: no note, nothing lost
        return False
    pixels = [small[i : i + 4] for i in range(0, len(small), 4)]
    ink = [(r, g, b) for r, g, b, a in pixels if a > 128 and r + g + b < 690]
    red = sum(1 for r, g, b in ink if r - max(g, b) > 50)
    return len(ink) > 0.05 * len(pixels) and red > 0.6 * len(ink)


def _text(el: etree._Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _float(value: str | None, default: float) -> float:
    try:
        result = float(value) if value is not None else default
    except ValueError:
        return default
    return result if math.isfinite(result) else default


def _numbers(value: str | None) -> list[float]:
    out = []
    for tok in (value or "").split():
        try:
            n = float(tok)
        except ValueError:
            return []
        out.append(n if math.isfinite(n) else 0.0)
    return out


def _box(value: str | None) -> tuple[float, float, float, float] | None:
    nums = _numbers(value)
    return (nums[0], nums[1], nums[2], nums[3]) if len(nums) == 4 and nums[3] > 0 else None


def _deltas(value: str | None, limit: int) -> list[float]:
    """DeltaX/DeltaY as a list, `g <count> <value>` expanded; never longer than `limit`."""
    out: list[float] = []
    tokens: Iterator[str] = iter((value or "").split())
    for tok in tokens:
        if len(out) >= limit:
            break
        try:
            if tok == "g":
                count, step = int(next(tokens)), float(next(tokens))
                out.extend([step] * max(0, min(count, limit - len(out))))
            else:
                out.append(float(tok))
        except (ValueError, StopIteration):
            break
    return [d if math.isfinite(d) else 0.0 for d in out]


def _object_transform(el: etree._Element) -> Affine:
    """Object space to its parent's: the CTM, then a move to the Boundary's origin."""
    box = _box(el.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
    ctm = _numbers(el.get("CTM"))
    a, b, c, d, e, f = ctm if len(ctm) == 6 else IDENTITY
    return (a, b, c, d, e + box[0], f + box[1])


def _apply(m: Affine, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80


def _advance(ch: str, size: float) -> float:
    return size if _wide(ch) else 0.5 * size


def _private(ch: str) -> bool:
    o = ord(ch)
    return 0xE000 <= o <= 0xF8FF or o >= 0xF0000
