"""OCR of page images: scanned PDF pages and image submissions become the same chars and lines
that pdfium gives for a text layer, so the rest of the PDF pipeline (line order, paragraphs,
headings, furniture) is written once.

The engine is RapidOCR on ONNX Runtime with the PP-OCR models that ship inside the `rapidocr`
wheel: the paths are given explicitly, so its download code is never reached and nothing is
fetched at run time. It runs on one CPU thread per worker process (workers already run files in
parallel). The steps, each "given X, returns Y":

    page → image (`render_pdf_page`, 150 dpi) → red ink removed (`suppress_red`)
         → text boxes (`recognise`) → chars (`boxes_to_chars`) + ruled tables (`find_ruled_tables`)
         → lines (`read_image`)

The numbers (dpi, detector size, thresholds) are measured in bench/ocr_bench.py; bench/README.md
has the figures.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .layout import Char, Line, TableRegion, fill_tables, group_lines
from .normalize import CJK, count_cjk

if TYPE_CHECKING:
    import numpy as np

    from .document import PageInfo

# 150 dpi: 16 pt body text is 33 px tall, enough for the recogniser (it scales every line to
# 48 px anyway); 200 dpi costs more rendering and red masking for no gain in error rate, 100 dpi
# starts to lose small table text (bench/README.md).
RENDER_DPI = 150
# The detector sees the page at most this many pixels on its long side (~80 dpi on A4): its cost
# grows with the area, and at this size it costs a sixth of the recogniser's time while the
# bench's lines (14 pt table cells to 22 pt titles) are all found.
DETECTOR_SIDE = 960
# Under this char-weighted mean confidence a page is flagged for the evaluator to check against
# the scan. Readable scans score about 0.99; in the bench, a bad copy at 3% errors scored 0.94,
# one at 11% errors 0.86, and worse ones less.
LOW_CONFIDENCE = 0.90
# A pixel is red ink (seal, letterhead) when its red channel exceeds both others by this much.
# Black text under a seal is dark in all three channels and stays.
RED_MARGIN = 60
MIN_PITCH_UNITS = 3  # a box needs this many ems of text for its pitch to give the font size
MAX_IMAGE_SIDE = 2000  # longer image submissions are scaled down to this before OCR

_PROGRESS: Callable[[int], None] | None = None


class OcrFailed(Exception):
    """The engine could not run (not installed, model missing, out of memory on one page)."""


def set_progress(callback: Callable[[int], None] | None) -> None:
    """The isolated worker reports each OCR'd page to its parent, which then knows the worker is
    making progress and does not take a long scanned report for a hang."""
    global _PROGRESS
    _PROGRESS = callback


def report_progress(number: int) -> None:
    if _PROGRESS is not None:
        _PROGRESS(number)


def low_confidence_warning(number: int, confidence: float | None) -> str | None:
    """The warning that sends the evaluator to the scan, for a page read with low confidence."""
    if confidence is None or confidence >= LOW_CONFIDENCE:
        return None
    return (
        f"page {number} was read by OCR with low confidence ({confidence:.2f}): "
        "check it against the scan"
    )


def should_ocr(info: PageInfo, mode: str) -> bool:
    """`auto` reads the pages whose text layer is missing or unreadable; `always` every page."""
    if mode == "never":
        return False
    return mode == "always" or info.needs_ocr or info.garbled


@dataclass
class OcrBox:
    """One text line found by the engine, in image pixels."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    score: float


@dataclass
class OcrPage:
    """What OCR read on one page, in PDF points with the origin at the top-left."""

    lines: list[Line]
    tables: list[TableRegion]
    height: float
    confidence: float | None  # char-weighted mean of the engine's scores; None if nothing read
    chars: int
    cjk_chars: int


# --- the engine -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _engine():
    """Loads the engine once per process (about a second); workers are reused across files."""
    try:
        import rapidocr
        from rapidocr import RapidOCR
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise OcrFailed(f"the OCR engine is not installed ({exc})") from exc
    models = Path(rapidocr.__file__).parent / "models"
    paths = {
        "Det": models / "PP-OCRv6_det_small.onnx",
        "Rec": models / "PP-OCRv6_rec_small.onnx",
        "Cls": models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    }
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        # Never fall back to the engine's downloader: submissions are read offline.
        raise OcrFailed(f"OCR model files missing from the rapidocr package: {', '.join(missing)}")
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    import cv2

    cv2.setNumThreads(1)  # one worker per core already; more threads only reserve memory
    params = {
        "Global.log_level": "error",
        # pdfium renders pages upright (their /Rotate applied); the angle classifier would only
        # catch lines printed upside down, at a cost on every line.
        "Global.use_cls": False,
        "Global.max_side_len": MAX_IMAGE_SIDE,
        "Det.model_path": str(paths["Det"]),
        "Rec.model_path": str(paths["Rec"]),
        "Cls.model_path": str(paths["Cls"]),
        "Det.limit_type": "max",
        "Det.limit_side_len": DETECTOR_SIDE,
        # One line per batch: batched lines are padded to the widest, which costs more than the
        # batching saves on one thread (bench/README.md).
        "Rec.rec_batch_num": 1,
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        # ONNX Runtime's arena saves ~5% time but keeps the largest page's buffers reserved.
        "EngineConfig.onnxruntime.enable_cpu_mem_arena": False,
    }
    try:
        return RapidOCR(params=params)
    except Exception as exc:
        raise OcrFailed(f"the OCR engine could not start: {type(exc).__name__}: {exc}") from exc


def recognise(image: np.ndarray) -> list[OcrBox]:
    """Given a page image (grey, or BGR as OpenCV orders it), returns its text lines."""
    engine = _engine()
    try:
        result = engine(image)
    except MemoryError:
        raise
    except Exception as exc:
        # ONNX Runtime puts a whole traceback in its message; its last line says what happened.
        last = (str(exc).strip().splitlines() or [""])[-1][:200]
        raise OcrFailed(f"{type(exc).__name__}: {last}") from exc
    if result.boxes is None or not result.txts:
        return []
    boxes = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        if not text.strip():
            continue
        xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
        boxes.append(OcrBox(text, min(xs), min(ys), max(xs), max(ys), float(score)))
    return boxes


# --- images -----------------------------------------------------------------------------------


def render_pdf_page(pdf, index: int, dpi: int = RENDER_DPI) -> tuple[np.ndarray, float]:
    """Given an open pypdfium2 document, returns page `index` upright as a BGR array, and the
    points per pixel. A page larger than A3 is rendered at less than `dpi`, so that its long side
    is at most MAX_IMAGE_SIDE pixels: the engine would scale it down to that anyway, and a
    hostile page box (200 inches square) must not become a 9-gigapixel bitmap."""
    page = pdf[index]
    try:
        longest = max(page.get_size())
        scale = min(dpi / 72, MAX_IMAGE_SIDE / max(longest, 1.0))
        bitmap = page.render(scale=scale, may_draw_forms=False)
        try:
            array = bitmap.to_numpy().copy()
        finally:
            bitmap.close()
    finally:
        page.close()
    return (array[..., :3] if array.ndim == 3 else array), 1 / scale


def suppress_red(image: np.ndarray, margin: int = RED_MARGIN) -> np.ndarray:
    """Given a BGR page, returns it in grey with strongly red ink painted over in paper colour.

    Seals are stamped over text, and a red ring or star cutting through a line breaks its
    recognition; the black text under the seal is dark in every channel, so it stays. Red
    letterheads go too: their text is lost, the body's is not. The mask grows by a pixel into
    the ink's blurred fringe (light pixels only, so black strokes touching the seal stay), and it
    is filled with the paper's grey, not white: white glyphs on grey paper would still be read.
    """
    import cv2
    import numpy as np

    if image.ndim == 2:
        return image
    b, g, r = (image[..., i].astype(np.int32) for i in range(3))
    grey = ((r * 299 + g * 587 + b * 114) // 1000).astype(np.uint8)
    red = ((r - np.maximum(g, b)) > margin).astype(np.uint8)
    if not red.any():
        return grey
    fringe = cv2.dilate(red, np.ones((3, 3), np.uint8)).astype(bool) & (grey > 110)
    paper = np.uint8(np.median(grey[::8, ::8]))
    grey[red.astype(bool) | fringe] = paper
    return grey


# --- boxes to the layout's structures ---------------------------------------------------------

_PUNCT_WIDE = str.maketrans(
    {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
)
_NEAR_CJK = re.compile(rf"(?<=[{CJK}（）])[,;:?!()]|[,;:?!()](?=[{CJK}（）])")


def fold_punctuation(text: str) -> str:
    """The recogniser often reads `，（）：` as their ASCII twins; next to Chinese they are put
    back, as the text layer of a born-digital report has them (headings and sentence splits rely
    on `，` and `（`). Each char maps to one char, so boxes keep their widths."""
    for _ in range(2):  # `(一)`: the `)` is next to CJK only once `(` has been folded
        text = _NEAR_CJK.sub(lambda m: m.group().translate(_PUNCT_WIDE), text)
    return text


def _units(ch: str) -> float:
    """Relative advance width: full-width forms one em, everything else half."""
    return 1.0 if ord(ch) >= 0x2E80 else 0.5


def boxes_to_chars(boxes: Sequence[OcrBox], scale: float) -> list[Char]:
    """Given line boxes in pixels and points per pixel, returns chars in points.

    The engine boxes whole lines; each char gets a slice of the box in proportion to its width
    (one em for CJK, half for Latin and digits), which is what the layout steps need: gaps
    between boxes, line edges and the char size. The size is the pitch of the box's chars, the
    font size for Chinese set solid: box heights are not (a bold heading's box is 13% taller than
    the body's at the same size, a 22 pt title's only 15% taller than 16 pt body). A box of one
    or two chars has no reliable pitch and takes its height times the page's pitch/height ratio.
    """
    texts = [fold_punctuation(box.text.strip()) for box in boxes]
    units = [sum(_units(c) for c in text if not c.isspace()) for text in texts]
    ratios = sorted(
        (box.x1 - box.x0) / n / (box.bottom - box.top)
        for box, n in zip(boxes, units, strict=True)
        if n >= MIN_PITCH_UNITS and box.bottom > box.top
    )
    ratio = ratios[len(ratios) // 2] if ratios else 0.75
    chars: list[Char] = []
    for box, text, n in zip(boxes, texts, units, strict=True):
        if not n:
            continue
        x0, x1 = box.x0 * scale, box.x1 * scale
        top, bottom = box.top * scale, box.bottom * scale
        step = (x1 - x0) / n
        size = step if n >= MIN_PITCH_UNITS else (bottom - top) * ratio
        x = x0
        space = False
        for ch in text:
            if ch.isspace():
                space = True
                continue
            width = _units(ch) * step
            chars.append(Char(ch, x, x + width, top, bottom, size, space, box.score))
            x += width
            space = False
    return chars


def find_ruled_tables(grey: np.ndarray, scale: float, page: int = 0) -> list[TableRegion]:
    """Given a grey page image, returns the tables drawn with ruling lines, with cell boxes.

    Horizontal rules are runs of ink longer than a sixteenth of the page; rules stacked with a
    common span make a table; a column boundary is a vertical run of ink covering a row's full
    height. A vertical rule missing in one row is a merged cell there (its box spans both
    columns, the next is None, as pdfplumber gives them). Tables with horizontal rules only
    (three-line tables) have no drawn columns and are left to the text.
    """
    import cv2
    import numpy as np

    ink = (grey < 128).astype(np.uint8)
    height, width = ink.shape
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, width // 16), 1))
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    n, _, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    segments = sorted(
        (int(y + h / 2), int(x), int(x + w))
        for x, y, w, h, area in (stats[i] for i in range(1, n))
        # A rule is thin (a black bar is not), though a skewed scan tilts it by a degree or two.
        if area / w <= 5 and h <= 3 + w * 0.03
    )
    # One rule drawn a few pixels thick can come out as two touching components.
    merged: list[list[int]] = []
    for y, x0, x1 in segments:
        if merged and y - merged[-1][0] <= 3 and abs(x0 - merged[-1][1]) < 10:
            merged[-1][2] = max(merged[-1][2], x1)
            continue
        merged.append([y, x0, x1])
    groups: list[list[list[int]]] = []
    for rule in merged:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and abs(rule[1] - last[1]) < width // 50
            and abs(rule[2] - last[2]) < width // 50
            and rule[0] - last[0] < height // 6
        ):
            groups[-1].append(rule)
        else:
            groups.append([rule])
    tables: list[TableRegion] = []
    for group in groups:
        if len(group) < 3:  # at least two rows
            continue
        x0 = min(r[1] for r in group)
        x1 = max(r[2] for r in group)
        ys = [r[0] for r in group]
        columns = _rule_columns(ink[ys[0] : ys[-1] + 1, max(0, x0 - 3) : x1 + 4], x0 - 3)
        if len(columns) < 3:  # a frame, or rules without columns
            continue
        cells: list[list[tuple[float, float, float, float] | None]] = []
        for top, bottom in itertools.pairwise(ys):
            band = ink[top + 2 : max(top + 3, bottom - 1)]
            present = [
                c
                for c in columns
                if c in (columns[0], columns[-1])
                or band[:, max(0, c - 2) : c + 3].max(axis=1).mean() > 0.9
            ]
            row: list[tuple[float, float, float, float] | None] = []
            for left in columns[:-1]:
                if left not in present:
                    row.append(None)  # no rule here in this row: merged with the cell on its left
                    continue
                end = next(c for c in present if c > left)
                row.append((left * scale, top * scale, end * scale, bottom * scale))
            cells.append(row)
        tables.append(
            TableRegion(x0 * scale, ys[0] * scale, x1 * scale, ys[-1] * scale, [], page, cells)
        )
    return tables


def _rule_columns(region: np.ndarray, offset: int) -> list[int]:
    """x positions (page pixels) where ink runs the region's whole height, runs merged."""
    import cv2

    if region.size == 0:
        return []
    # A rule tilted by a skewed scan drifts a pixel or two over a table's height.
    region = cv2.dilate(region, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    covered = region.mean(axis=0) > 0.9
    columns: list[int] = []
    start = None
    for x, on in enumerate([*covered.tolist(), False]):
        if on and start is None:
            start = x
        elif not on and start is not None:
            columns.append(offset + (start + x - 1) // 2)
            start = None
    return columns


def read_image(image: np.ndarray, scale: float, number: int) -> OcrPage:
    """Given a page image (BGR or grey) and the points per pixel, returns what OCR reads there:
    lines outside tables, tables with their cells filled, and the confidence."""
    grey = suppress_red(image)
    boxes = recognise(grey)
    chars = boxes_to_chars(boxes, scale)
    tables = find_ruled_tables(grey, scale, number) if boxes else []
    outside = fill_tables(tables, chars) if tables else chars
    for table in tables:
        inside = [c.confidence for c in chars if table.contains(c) and c.confidence is not None]
        table.confidence = round(sum(inside) / len(inside), 3) if inside else None
    lines = group_lines(outside, number)
    scores = [c.confidence for c in chars if c.confidence is not None]
    text = "".join(c.text for c in chars)
    return OcrPage(
        lines=lines,
        tables=tables,
        height=image.shape[0] * scale,
        confidence=round(sum(scores) / len(scores), 3) if scores else None,
        chars=len(chars),
        cjk_chars=count_cjk(text),
    )


def read_pdf_page(pdf, index: int) -> OcrPage:
    """Given an open pypdfium2 document, renders page `index` and reads it."""
    image, points_per_pixel = render_pdf_page(pdf, index, RENDER_DPI)
    page = read_image(image, points_per_pixel, index + 1)
    report_progress(index + 1)
    return page
