"""Word (.docx) reader: body paragraphs and tables in document order, numbering rendered.

python-docx opens the package (its XML parser does not resolve entities); the body is walked
directly so that tables stay between the paragraphs they stand between, text in content controls,
tracked insertions and text boxes is kept, and headers and footers stay out of the body.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from lxml import etree

from . import encoding
from .archive import check_zip
from .errors import CorruptDocument, TooLarge
from .formats import Signature
from .limits import Limits
from .numbering import Numbering, W
from .structure import RawBlock, ReaderOutput

MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_VML_IMAGE = "{urn:schemas-microsoft-com:vml}imagedata"
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_TITLE_STYLE = re.compile(r"^(?:title|标题)$", re.I)
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d", re.I)
_CONTAINERS = {f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}ins", f"{W}smartTag"}

# What a damaged package raises from zipfile, zlib, lxml or python-docx's part loading.
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    IndexError,
    AttributeError,
    TypeError,
    NotImplementedError,
    etree.LxmlError,
)

_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class WordReader:
    signatures = (Signature("docx", "Word (.docx)", zip_member="word/document.xml"),)
    accepts = MappingProxyType({".docx": ("docx",)})

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        check_zip(path, limits)
        _check_paragraph_count(path, limits)
        import docx

        try:
            try:
                document = docx.Document(str(path))
                package = _Package(
                    document.element.body,
                    _numbering_element(document),
                    document.styles.element,
                    lambda rid: _related_blob(document, rid),
                )
            except KeyError:
                # python-docx gives up on a package with a dangling relationship (an image part
                # named `../NULL`) or in Strict OOXML (no relationship of the transitional
                # type): read the parts ourselves. Damaged XML still fails below.
                package = _raw_package(path)
            walker = _BodyWalker(package)
            walker.walk(package.body)
        except _DAMAGED as exc:
            raise CorruptDocument(path, f"Word file cannot be read: {exc}") from exc
        pages = _declared_pages(path)
        counted = walker.page
        warnings = list(walker.warnings)
        if walker.textboxes:
            warnings.append(f"{walker.textboxes} text box(es) read after their anchor paragraph")
        if walker.images:
            warnings.append(f"{walker.images} image(s): text inside images is not extracted")
        return ReaderOutput(walker.blocks, max(pages or 0, counted), warnings)


@dataclass
class _Package:
    """The parts of a Word package the walker reads, however they were opened."""

    body: etree._Element
    numbering: etree._Element | None
    styles: etree._Element | None
    related: Callable[[str], tuple[str, bytes] | None]  # r:id → (part name, bytes)


def _numbering_element(document):
    try:
        return document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return None


def _related_blob(document, rid: str) -> tuple[str, bytes] | None:
    part = document.part.related_parts.get(rid)
    return (str(part.partname), part.blob) if part is not None else None


# Strict OOXML (ISO 29500 strict) names the same vocabulary under other namespaces.
_STRICT_NAMESPACES = {
    b"http://purl.oclc.org/ooxml/wordprocessingml/main": (
        b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    ),
    b"http://purl.oclc.org/ooxml/officeDocument/relationships": (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ),
    b"http://purl.oclc.org/ooxml/drawingml/main": (
        b"http://schemas.openxmlformats.org/drawingml/2006/main"
    ),
}


def _transitional(data: bytes) -> bytes:
    for strict, transitional in _STRICT_NAMESPACES.items():
        data = data.replace(strict, transitional)
    return data


def _raw_package(path: Path) -> _Package:
    """The main document, its styles and numbering read straight from the zip, following the
    package relationships by type suffix so Strict and Transitional both resolve."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.NameToInfo)

        def rels(part: str) -> dict[str, tuple[str, str]]:
            folder, _, base = part.rpartition("/")
            name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
            if name not in names:
                return {}
            root = etree.fromstring(zf.read(name), _SAFE_PARSER)
            out = {}
            for rel in root:
                target = rel.get("Target") or ""
                resolved = posixpath.normpath(
                    target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                )
                out[rel.get("Id") or ""] = ((rel.get("Type") or "").rsplit("/", 1)[-1], resolved)
            return out

        main = next((t for kind, t in rels("").values() if kind == "officeDocument"), None)
        if main is None or main not in names:
            raise KeyError("no main document part")
        doc_rels = rels(main)

        def part_xml(kind: str):
            target = next((t for k, t in doc_rels.values() if k == kind and t in names), None)
            if target is None:
                return None
            return etree.fromstring(_transitional(zf.read(target)), _SAFE_PARSER)

        root = etree.fromstring(_transitional(zf.read(main)), _SAFE_PARSER)
        blobs = {rid: (t, zf.read(t)) for rid, (_, t) in doc_rels.items() if t in names}
        numbering, styles = part_xml("numbering"), part_xml("styles")
    body = root.find(f"{W}body")
    if body is None:
        raise KeyError("the main document has no body")
    return _Package(body, numbering, styles, blobs.get)


def _check_paragraph_count(path: Path, limits: Limits) -> None:
    """Counts the body's paragraphs by streaming document.xml, before python-docx builds a tree
    of them: a 3 MB file can hold 150,000 (issue 15)."""
    count, tail = 0, b""
    try:
        with zipfile.ZipFile(path) as zf, zf.open("word/document.xml") as xml:
            while chunk := xml.read(1 << 20):
                data = tail + chunk
                count += data.count(b"<w:p>") + data.count(b"<w:p ")
                tail = data[-4:]
                if count > limits.max_blocks:
                    raise TooLarge(
                        path, f"内容过多：超过 {limits.max_blocks:,} 段的上限（按段落标记计）"
                    )
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError):
        return  # python-docx says what is wrong


class _BodyWalker:
    def __init__(self, package: _Package) -> None:
        self.blocks: list[RawBlock] = []
        self.warnings: list[str] = []
        self.page = 1
        self.textboxes = 0
        self.images = 0
        self.package = package
        self.numbering = Numbering(package.numbering)
        self.styles = _StyleTable(package.styles)
        body = package.body
        self.rendered_breaks = next(body.iter(f"{W}lastRenderedPageBreak"), None) is not None

    def walk(self, parent) -> None:
        for child in parent:
            tag = child.tag
            if tag == f"{W}p":
                self.paragraph(child)
            elif tag == f"{W}tbl":
                self.table(child)
            elif tag == f"{W}altChunk":
                self.alt_chunk(child)
            elif tag in _CONTAINERS:
                self.walk(child)

    def alt_chunk(self, el) -> None:
        """A document embedded whole (HTML, plain text, RTF, another .docx), as some web
        editors and mail merges save: HTML and text are read in place, the rest is warned."""
        found = self.package.related(el.get(f"{R}id") or "")
        if found is None:
            self.warnings.append("an embedded document (altChunk) is missing from the file")
            return
        name, data = found
        suffix = name.rsplit(".", 1)[-1].lower()
        if suffix in ("htm", "html", "xhtml", "mht", "mhtml"):
            self.blocks.extend(
                RawBlock(b.kind, b.text, page=self.page, rows=b.rows) for b in _html_blocks(data)
            )
        elif suffix == "txt":
            detected = encoding.detect(data)
            text = detected.decode(data) if detected else ""
            self.blocks.extend(
                RawBlock("paragraph", line.strip(), page=self.page)
                for line in text.splitlines()
                if line.strip()
            )
        else:
            self.warnings.append(
                f"an embedded {suffix.upper()} document (altChunk) was not read: its text is missing"
            )

    def paragraph(self, p) -> None:
        self._count_breaks(p)
        ppr = p.find(f"{W}pPr")
        style_id = _val(ppr, "pStyle") if ppr is not None else None
        style = self.styles.get(style_id)
        if style.toc:
            return
        text = paragraph_text(p)
        label = ""
        num_id, ilvl = _num_pr(ppr)
        if num_id is None:
            num_id, ilvl = style.num_id, style.ilvl
        if num_id is not None and text.strip():
            label = self.numbering.label(num_id, ilvl or 0)
        level = _outline_level(ppr) or style.level
        jc = _val(ppr, "jc")
        centered = jc in ("center", "centre") if jc else style.centered
        if text.strip():
            self.blocks.append(
                RawBlock(
                    "paragraph",
                    text,
                    page=self.page,
                    style_level=-1 if style.title else level,
                    centered=centered,
                    label=label,
                )
            )
        # Pictures, not drawings: a text box is a drawing too, and its VML copy a pict.
        self.images += sum(
            1 for b in p.iter(_BLIP, _VML_IMAGE) if not _inside(b, p, (f"{MC}Fallback",))
        )
        for box in _textboxes(p):
            self.textboxes += 1
            for inner in box.iter(f"{W}p"):
                inner_text = paragraph_text(inner)
                if inner_text.strip():
                    self.blocks.append(RawBlock("paragraph", inner_text, page=self.page))

    def table(self, tbl) -> None:
        rows: list[list[str]] = []
        for tr in tbl.iter(f"{W}tr"):
            if _ancestor_table(tr) is not tbl:
                continue
            cells = []
            for tc in tr.iter(f"{W}tc"):
                if tc.getparent() is not tr and tc.getparent().getparent() is not tr:
                    continue
                paras = [paragraph_text(p) for p in tc.iter(f"{W}p")]
                cells.append("\n".join(t for t in paras if t.strip()))
            rows.append(cells)
        for p in tbl.iter(f"{W}p"):
            self._count_breaks(p)
        if rows and max(len(r) for r in rows) <= 1:
            # A one-column layout table (cover blocks are set this way): its text is body text.
            for row in rows:
                for cell in row:
                    for line in cell.split("\n"):
                        if line.strip():
                            self.blocks.append(RawBlock("paragraph", line, page=self.page))
            return
        if rows:
            self.blocks.append(RawBlock("table", page=self.page, rows=rows))

    def _count_breaks(self, p) -> None:
        if self.rendered_breaks:
            self.page += sum(1 for _ in p.iter(f"{W}lastRenderedPageBreak"))
            return
        ppr = p.find(f"{W}pPr")
        if ppr is not None and ppr.find(f"{W}pageBreakBefore") is not None and self.blocks:
            self.page += 1
        self.page += sum(1 for br in p.iter(f"{W}br") if br.get(f"{W}type") == "page")
        if ppr is not None and ppr.find(f"{W}sectPr") is not None:
            self.page += 1


def _html_blocks(data: bytes) -> list[RawBlock]:
    """Paragraphs and tables of an HTML document, in order."""
    from lxml import html

    # Without a <meta charset> lxml would read the bytes as Latin-1.
    detected = encoding.detect(data)
    try:
        root = html.fromstring(detected.decode(data) if detected else data)
    except (etree.LxmlError, ValueError):
        return []
    out: list[RawBlock] = []
    blocks = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "table")
    for el in root.iter(*blocks):
        if any(a.tag in blocks for a in el.iterancestors()):
            continue  # inside a table or a list item already read
        if el.tag == "table":
            rows = [
                [" ".join(td.text_content().split()) for td in tr.iter("td", "th")]
                for tr in el.iter("tr")
            ]
            if rows:
                out.append(RawBlock("table", rows=rows))
            continue
        text = " ".join(el.text_content().split())
        if text:
            out.append(RawBlock("paragraph", text))
    return out


def paragraph_text(p) -> str:
    """The visible text of a paragraph: runs, hyperlinks, fields' results and tracked insertions;
    not deleted text, not text boxes (read on their own)."""
    out: list[str] = []
    hidden = {r for r in p.iter(f"{W}r") if _vanished(r)}
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen"):
        if el.getparent() in hidden:
            continue  # hidden text (w:vanish): not printed, so neither indexed nor searchable
        if _inside(el, p, (f"{W}txbxContent", f"{MC}Fallback", f"{W}del")):
            continue
        tag = el.tag
        if tag == f"{W}t":
            out.append(el.text or "")
        elif tag == f"{W}tab":
            if el.getparent().tag == f"{W}r":
                out.append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            if el.get(f"{W}type") not in ("page", "column"):
                out.append("\n")
        else:
            out.append("-")
    return "".join(out)


def _vanished(run) -> bool:
    rpr = run.find(f"{W}rPr")
    if rpr is None:
        return False
    vanish = rpr.find(f"{W}vanish")
    return vanish is not None and vanish.get(f"{W}val") not in ("0", "false", "off")


def _inside(el, stop, tags: tuple[str, ...]) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _textboxes(p):
    for box in p.iter(f"{W}txbxContent"):
        if not _inside(box, p, (f"{MC}Fallback",)) and not _inside(box, p, (f"{W}txbxContent",)):
            yield box


def _ancestor_table(el):
    parent = el.getparent()
    while parent is not None and parent.tag != f"{W}tbl":
        parent = parent.getparent()
    return parent


def _val(ppr, tag: str) -> str | None:
    if ppr is None:
        return None
    el = ppr.find(f"{W}{tag}")
    return el.get(f"{W}val") if el is not None else None


def _outline_level(ppr) -> int:
    """`w:outlineLvl` 0-8 as heading level 1-9; 9 means body text (0)."""
    outline = _val(ppr, "outlineLvl")
    return int(outline) + 1 if outline is not None and outline.isdigit() and int(outline) < 9 else 0


def _num_pr(ppr) -> tuple[str | None, int | None]:
    if ppr is None:
        return None, None
    num_pr = ppr.find(f"{W}numPr")
    if num_pr is None:
        return None, None
    num_id = _val(num_pr, "numId")
    ilvl = _val(num_pr, "ilvl")
    return num_id, int(ilvl) if ilvl and ilvl.isdigit() else 0


class _Style:
    def __init__(self, level=0, title=False, toc=False, num_id=None, ilvl=None, centered=False):
        self.level, self.title, self.toc = level, title, toc
        self.num_id, self.ilvl, self.centered = num_id, ilvl, centered


class _StyleTable:
    """Paragraph styles with what matters here resolved through `basedOn`."""

    def __init__(self, styles_el) -> None:
        self._raw: dict[str, object] = {}
        self._cache: dict[str | None, _Style] = {}
        if styles_el is not None:
            for style in styles_el.iter(f"{W}style"):
                if style.get(f"{W}type") in (None, "paragraph"):
                    self._raw[style.get(f"{W}styleId")] = style
            for style in list(self._raw.values()):
                if style.get(f"{W}default") in ("1", "true"):
                    self._raw.setdefault(None, style)

    def get(self, style_id: str | None, depth: int = 0) -> _Style:
        if style_id in self._cache:
            return self._cache[style_id]
        el = self._raw.get(style_id)
        if el is None or depth > 10:
            return _Style()
        name_el = el.find(f"{W}name")
        name = (name_el.get(f"{W}val") if name_el is not None else "") or ""
        based = el.find(f"{W}basedOn")
        parent = self.get(based.get(f"{W}val"), depth + 1) if based is not None else _Style()
        ppr = el.find(f"{W}pPr")
        match = _HEADING_STYLE.match(name.strip())
        level = _outline_level(ppr) or (int(match.group(1)) if match else parent.level)
        num_id, ilvl = _num_pr(ppr)
        jc = _val(ppr, "jc")
        style = _Style(
            level=level,
            title=bool(_TITLE_STYLE.match(name.strip())) or parent.title,
            toc=bool(_TOC_STYLE.match(name.strip())),
            num_id=num_id if num_id is not None else parent.num_id,
            ilvl=ilvl if num_id is not None else parent.ilvl,
            centered=jc in ("center", "centre") if jc else parent.centered,
        )
        self._cache[style_id] = style
        return style


def _declared_pages(path: Path) -> int | None:
    """`<Pages>` from docProps/app.xml, as Word last saved it."""
    try:
        with zipfile.ZipFile(path) as zf:
            if "docProps/app.xml" not in zf.NameToInfo:
                return None
            data = zf.read("docProps/app.xml")
        root = etree.fromstring(data, _SAFE_PARSER)
    except _DAMAGED:
        return None
    for el in root.iter("{*}Pages"):
        if el.text and el.text.strip().isdigit():
            return int(el.text.strip())
    return None
