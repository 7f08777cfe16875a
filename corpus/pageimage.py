"""The original beside the text: a stored document's file, and its pages as images.

PDF pages are rendered with pdfium (pypdfium2, already used to read PDFs) and image files (scans)
are re-encoded as PNG; either is cached under the data directory (`cache/pages/`), keyed by the
file's content hash, so a page is rendered once however often it is looked at. Writes go to a
temporary file that is renamed into place, so two requests for one page never see half a file.

The store keeps the page each passage came from but not where on the page it stood: pages say
so, and highlight the whole page rather than a box we would have to invent.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from models.tables import Document

from .review import NotFound

IMAGE_FORMATS = {"png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp", "gif"}
SCALE = 1.5  # 108 dpi: the page readable beside the text, about 150 KB per page
MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "wps": "application/vnd.ms-works",
    "zip": "application/zip",
    "txt": "text/plain; charset=utf-8",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "tif": "image/tiff",
    "tiff": "image/tiff",
}


@dataclass(frozen=True)
class Original:
    """The stored file of a document: where it is, what to call it, and whether its pages can
    be shown as images."""

    path: Path
    name: str
    media_type: str
    sha256: str
    format: str
    pages: int | None

    @property
    def has_page_images(self) -> bool:
        return self.format == "pdf" or self.format in IMAGE_FORMATS


def original(engine: Engine, data_dir: Path, doc_id: int) -> Original:
    """The document's stored file; NotFound when there is no such document or file."""
    with Session(engine) as session:
        doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFound(f"没有编号为 {doc_id} 的文件")
    if not doc.stored_path:
        raise NotFound(f"文件 {doc.name} 没有保存原件（入库失败的文件不保存）")
    path = Path(data_dir) / doc.stored_path
    if not path.is_file():
        raise NotFound(f"文件 {doc.name} 的原件不在数据目录中（{doc.stored_path}）")
    fmt = (doc.format or path.suffix.lstrip(".")).lower()
    return Original(
        path,
        doc.name,
        MEDIA.get(fmt, "application/octet-stream"),
        doc.sha256,
        fmt,
        doc.pages,
    )


def page_image(data_dir: Path, source: Original, page: int) -> Path:
    """The PNG of one page (1-based), rendered once and then served from the cache."""
    if not source.has_page_images:
        raise NotFound(f"文件 {source.name} 不是 PDF 或图片，没有页面图像")
    if page < 1 or (source.pages and page > source.pages):
        raise NotFound(f"文件 {source.name} 没有第 {page} 页")
    target = Path(data_dir) / "cache" / "pages" / source.sha256[:2] / f"{source.sha256}-{page}.png"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    image = _render(source, page)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            image.save(out, format="PNG", optimize=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def image_size(image: Path) -> tuple[int, int]:
    """Width and height in pixels of a cached page image (read from its header)."""
    from PIL import Image

    with Image.open(image) as img:
        return img.size


def box_rect(box: list | None) -> tuple[float, float, float, float] | None:
    """A passage's box (x0, top, x1, bottom in PDF points) as x, y, width, height in the pixels
    of its page's image (rendered at SCALE); None without a box."""
    if not box or len(box) != 4:
        return None
    x0, top, x1, bottom = (float(v) * SCALE for v in box)
    return (round(x0, 1), round(top, 1), round(x1 - x0, 1), round(bottom - top, 1))


def _render(source: Original, page: int):
    if source.format == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(source.path))
        try:
            if page > len(pdf):
                raise NotFound(f"文件 {source.name} 没有第 {page} 页")
            bitmap = pdf[page - 1].render(scale=SCALE)
            return bitmap.to_pil().convert("RGB")
        finally:
            pdf.close()
    from PIL import Image, ImageSequence

    with Image.open(source.path) as image:
        frames = list(ImageSequence.Iterator(image))
        if page > len(frames):
            raise NotFound(f"文件 {source.name} 没有第 {page} 页")
        frame = frames[page - 1].convert("RGB")
        frame.thumbnail((1600, 1600))
        return frame
