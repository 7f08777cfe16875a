"""The plain dataclasses that cross the extract/ boundary.

Everything here must pickle cheaply: documents travel from the isolated parser process back to the
caller, and later to the classifiers and the store. No behaviour beyond small conveniences.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from .vocabulary import Period

BlockKind = Literal["title", "heading", "paragraph", "table"]


@dataclass
class Block:
    """One unit of the document in reading order.

    `text` is normalised (full-width digits folded, spaces between CJK characters removed);
    `original` keeps the text as printed when normalisation changed it, for display.
    """

    kind: BlockKind
    text: str
    page: int | None = None
    level: int = 0
    heading_path: tuple[str, ...] = ()
    rows: list[list[str]] | None = None
    original: str | None = None
    confidence: float | None = None  # mean OCR score of the text; None when read from a text layer
    # A table's unit caption as printed next to it (`单位：万元` → `万元`): the unit of its bare
    # numbers, and the money a bare `万` in it stands for. None when the table names none.
    unit: str | None = None
    # Where it is printed (PDFs, OCR'd pages too): x0, top, x1, bottom in PDF points from the
    # page's top-left, the union of its lines on its first page. None when the source has no
    # positions (Word, text, sheets).
    box: tuple[float, float, float, float] | None = None


@dataclass
class PageInfo:
    """What the extractor saw on one page; the quality figures of reliability row 8."""

    number: int
    chars: int = 0
    cjk_chars: int = 0
    garbage_chars: int = 0
    duplicates_removed: int = 0
    furniture_lines: int = 0
    repeated_lines: int = 0  # lines at its top reprinting the previous page, dropped
    images: int = 0
    tables: int = 0
    needs_ocr: bool = False
    garbled: bool = False
    # Read by OCR, and the engine's char-weighted mean confidence (0-1) there.
    ocr: bool = False
    ocr_confidence: float | None = None

    @property
    def cjk_share(self) -> float:
        return self.cjk_chars / self.chars if self.chars else 0.0


@dataclass
class Evidence:
    """Where a recognised metadata value came from, so evaluators can check it."""

    value: str
    # One of vocabulary.SOURCE_LABELS: title, organ, doc_number, signature, filename, folder,
    # first_page, rule, option, evaluator.
    source: str
    text: str


@dataclass
class Metadata:
    """Who sent a document, for which year and period, and what kind it is.

    `city` is the issuing unit's canonical name at whatever level it is (浙江省, 杭州市, 洪泽区);
    `level` says which (vocabulary.Level), `parent` is a county's city, `province` the province.
    `unconfirmed` maps each field the evidence does not settle (city, year, period, kind) to a
    Chinese sentence naming the sources: such a value is a suggestion for the evaluator to
    confirm, never a fact to show as certain.
    """

    title: str | None = None
    city: str | None = None
    province: str | None = None
    level: str | None = None  # vocabulary.Level
    parent: str | None = None  # a county's city (洪泽区 → 淮安市)
    code: str | None = None  # the administrative division code, when known
    year: int | None = None
    period: Period | None = None
    kind: str = "other"  # vocabulary.Kind
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    unconfirmed: dict[str, str] = field(default_factory=dict)

    @property
    def confirmed(self) -> bool:
        return not self.unconfirmed


@dataclass
class Document:
    path: str
    name: str
    sha256: str
    size: int
    format: str
    pages: int | None
    blocks: list[Block]
    metadata: Metadata = field(default_factory=Metadata)
    page_info: list[PageInfo] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def needs_ocr_pages(self) -> list[int]:
        return [p.number for p in self.page_info if p.needs_ocr]

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.page_info if p.ocr]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["needs_ocr_pages"] = self.needs_ocr_pages
        data["ocr_pages"] = self.ocr_pages
        return data


@dataclass
class Passage:
    """A bounded run of text for the classifiers, with where it stands in the document."""

    order: int
    text: str
    page: int | None
    heading_path: tuple[str, ...]
    block: int
    row: int | None = None  # for a table row: its index in the block's rows (0 is the header)
    box: tuple[float, float, float, float] | None = None  # its block's (Block.box)
