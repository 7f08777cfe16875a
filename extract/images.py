"""Image submissions (.jpg, .png, .tif): each image, or each frame of a multi-page TIFF, is one
page read by OCR and then laid out like a scanned PDF page."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from .document import PageInfo
from .errors import CorruptDocument, TooLarge
from .formats import Signature
from .layout import Line, TableRegion
from .limits import Limits
from .ocr import (
    MAX_IMAGE_SIDE,
    OcrFailed,
    low_confidence_warning,
    read_image,
    report_progress,
)
from .pdf import blocks_from_pages
from .structure import ReaderOutput

MAX_PIXELS = 80_000_000  # an A4 page at 600 dpi is 35 Mpx; more is a decompression bomb
A4_WIDTH_PT = 595.0


class ImageReader:
    signatures = (
        Signature("jpeg", "JPEG image", magic=(b"\xff\xd8\xff",)),
        Signature("png", "PNG image", magic=(b"\x89PNG\r\n\x1a\n",)),
        Signature("tiff", "TIFF image", magic=(b"II*\x00", b"MM\x00*")),
    )
    # Scans sent as images: read by OCR.
    accepts = MappingProxyType(
        {
            ".jpg": ("jpeg",),
            ".jpeg": ("jpeg",),
            ".png": ("png",),
            ".tif": ("tiff",),
            ".tiff": ("tiff",),
        }
    )

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

        try:
            image = Image.open(path)  # reads the header only: the size is known before decoding
        except Image.DecompressionBombError as exc:
            raise TooLarge(path, f"image over {MAX_PIXELS // 1_000_000} Mpx") from exc
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise CorruptDocument(path, f"image cannot be opened: {exc}") from exc
        with image:
            n_frames = getattr(image, "n_frames", 1)
            used = min(n_frames, limits.max_pages)
            warnings: list[str] = []
            if used < n_frames:
                warnings.append(f"only the first {used} of {n_frames} pages were read (page limit)")
            infos = [PageInfo(number=i + 1, images=1) for i in range(used)]
            if limits.ocr == "never":
                for info in infos:
                    info.needs_ocr = True
                    warnings.append(f"page {info.number} is an image: needs OCR (OCR is off)")
                return ReaderOutput([], n_frames, warnings, infos, truncated=used < n_frames)
            page_lines: list[list[Line]] = []
            page_tables: list[list[TableRegion]] = []
            heights: list[float] = []
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= used:
                    break
                info = infos[index]
                if frame.width * frame.height > MAX_PIXELS:
                    raise TooLarge(
                        path,
                        f"image of {frame.width}×{frame.height} pixels, over the "
                        f"{MAX_PIXELS // 1_000_000} Mpx limit",
                    )
                try:
                    array, scale = _page_array(ImageOps.exif_transpose(frame))
                except (OSError, ValueError, SyntaxError) as exc:
                    raise CorruptDocument(path, f"image cannot be decoded: {exc}") from exc
                try:
                    page = read_image(array, scale, index + 1)
                except OcrFailed as exc:
                    warnings.append(f"page {index + 1}: OCR failed ({exc})")
                    info.needs_ocr = True
                    page_lines.append([])
                    page_tables.append([])
                    heights.append(array.shape[0] * scale)
                    continue
                report_progress(index + 1)
                info.ocr, info.ocr_confidence = True, page.confidence
                info.chars, info.cjk_chars, info.tables = (
                    page.chars,
                    page.cjk_chars,
                    len(page.tables),
                )
                low = low_confidence_warning(index + 1, page.confidence)
                if low:
                    warnings.append(low)
                page_lines.append(page.lines)
                page_tables.append(page.tables)
                heights.append(page.height)
        blocks = blocks_from_pages(page_lines, page_tables, heights, infos)
        return ReaderOutput(blocks, n_frames, warnings, infos, truncated=used < n_frames)


def _page_array(frame):
    """Given a Pillow frame, returns (BGR array, points per pixel).

    Large photos are scaled down to the engine's working size first, so memory stays bounded.
    The page is taken to be A4 wide (the dpi an image claims is often wrong), which only sets the
    unit: every layout threshold is relative to the text size.
    """
    import numpy as np
    from PIL import Image

    rgb = frame.convert("RGB")
    longest = max(rgb.size)
    if longest > MAX_IMAGE_SIDE:
        factor = MAX_IMAGE_SIDE / longest
        rgb = rgb.resize(
            (max(1, round(rgb.width * factor)), max(1, round(rgb.height * factor))),
            Image.Resampling.LANCZOS,
        )
    width_pt = A4_WIDTH_PT if rgb.height >= rgb.width else A4_WIDTH_PT * 297 / 210
    return np.asarray(rgb)[..., ::-1].copy(), width_pt / rgb.width
