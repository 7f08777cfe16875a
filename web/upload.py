"""Receiving an upload: the multipart body is parsed as it streams in, each file written straight
to the job's folder under the data directory, and the limits checked while it arrives.

A file over the size limit, a body over the total, or more files than allowed stops the reading
at once and answers 413 with a message that names the limit; nothing of that upload is kept. The
client's path (the folders of a folder upload) never reaches the file system: each file goes to
a generated folder `NNNNN/` under the job's folder, under its own base name made safe (no
separators or leading dots; NFC; control characters written as visible escapes such as `\x1b`
and `\n` by `extract.files.escape_controls`, the function that shows names in the terminal;
shortened), because extraction reads the city, year and period from the file name too.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from extract.files import escape_controls

from .errors import UploadRejected

MAX_FIELDS = 50
MAX_FIELD_BYTES = 64 * 1024
MAX_NAME_BYTES = 180  # well under the 255 bytes most file systems allow
MB = 1024 * 1024


@dataclass
class SavedFile:
    name: str  # the base name as stored (and shown)
    path: Path
    size: int = 0


@dataclass
class Received:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[SavedFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # hidden and temporary files, not stored

    def get(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None


def _skipped(part: str) -> bool:
    # As extract.iter_files does for folders: editors' lock files and hidden files.
    return part.startswith(("~$", ".")) or part in ("Thumbs.db", "desktop.ini")


def shown_name(raw: str) -> str:
    """A client's file name as shown: its base name, NFC, control characters escaped (as the
    terminal shows names: one function for both)."""
    return escape_controls(re.split(r"[/\\]", unicodedata.normalize("NFC", raw or ""))[-1])


def safe_name(raw: str) -> str:
    """A client's file name (perhaps a path, perhaps hostile) as a safe base name: the name as
    shown, without leading dots or surrogates, shortened."""
    name = "".join(ch for ch in shown_name(raw) if unicodedata.category(ch) != "Cs")
    name = name.strip().lstrip(".").strip() or "未命名"
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 10:
        stem, suffix = name, ""
    else:
        suffix = "." + suffix
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def _hidden(raw: str) -> bool:
    parts = [
        p
        for p in re.split(r"[/\\]", unicodedata.normalize("NFC", raw or ""))
        if p not in ("", ".", "..")
    ]
    return any(_skipped(p) for p in parts)


class _Receiver:
    def __init__(
        self,
        folder: Path,
        *,
        max_file_bytes: int,
        max_total_bytes: int,
        max_files: int,
        before_first_file: Callable[[Received], None],
    ) -> None:
        self.folder = folder
        self.max_file_bytes = max_file_bytes
        self.max_total_bytes = max_total_bytes
        self.max_files = max_files
        self.before_first_file = before_first_file
        self.received = Received()
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._field: str | None = None
        self._buffer = bytearray()
        self._file: SavedFile | None = None
        self._out: BinaryIO | None = None
        self._skip = False
        self._n = 0

    # python-multipart callbacks
    def on_part_begin(self) -> None:
        self._headers, self._field, self._file, self._skip = {}, None, None, False
        self._buffer.clear()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is None:
            if len(self.received.fields) >= MAX_FIELDS:
                raise UploadRejected("表单字段过多。", status=400)
            self._field = name
            return
        raw = filename.decode("utf-8", "replace")
        if not raw:  # a file input left empty
            self._skip = True
            return
        if not self.received.files and not self.received.skipped:
            self.before_first_file(self.received)
        if _hidden(raw):
            self.received.skipped.append(shown_name(raw))
            self._skip = True
            return
        if len(self.received.files) >= self.max_files:
            raise UploadRejected(
                f"一次最多上传 {self.max_files} 个文件（一个 .zip 压缩包算一个）。"
                "请分批上传，或把文件夹打包为 .zip 后上传。"
            )
        self._n += 1
        target = self.folder / f"{self._n:05d}" / safe_name(raw)
        target.parent.mkdir(parents=True)
        self._file = SavedFile(target.name, target)
        self._out = target.open("wb")
        self.received.files.append(self._file)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._skip:
            return
        if self._file is None:
            if len(self._buffer) + len(chunk) > MAX_FIELD_BYTES:
                raise UploadRejected("表单字段过长。", status=400)
            self._buffer += chunk
            return
        self._file.size += len(chunk)
        limit = self.max_file_bytes
        if self._file.name.lower().endswith(".zip"):
            limit = self.max_total_bytes  # an archive holds many files; its members are checked
        if self._file.size > limit:
            raise UploadRejected(
                f"文件“{self._file.name}”超过了大小上限（{limit / MB:g} MB），上传已停止，"
                "本次上传的文件均未保存。请去掉该文件后重新上传。"
            )
        assert self._out is not None
        self._out.write(chunk)

    def on_part_end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        elif self._field is not None and not self._skip:
            value = self._buffer.decode("utf-8", "replace")
            self.received.fields.setdefault(self._field, []).append(value)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


async def receive_upload(
    request: Request,
    folder: Path,
    *,
    max_file_bytes: int,
    max_total_bytes: int,
    max_files: int,
    before_first_file: Callable[[Received], None],
) -> Received:
    """Streams the multipart body into `folder`. `before_first_file` sees the fields sent before
    the first file (the CSRF token is the form's first field) and may raise to refuse the upload
    before any file is written. On any refusal the folder is removed."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UploadRejected("上传请求的格式不对（需要 multipart/form-data）。", status=400)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_total_bytes:
        raise UploadRejected(
            f"本次上传共 {int(declared) / MB:.0f} MB，超过了上限（{max_total_bytes / MB:g} MB）。"
            "请分批上传。"
        )
    receiver = _Receiver(
        folder,
        max_file_bytes=max_file_bytes,
        max_total_bytes=max_total_bytes,
        max_files=max_files,
        before_first_file=before_first_file,
    )
    callbacks = {
        name: getattr(receiver, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    parser = MultipartParser(boundary, callbacks)
    total = 0
    folder.mkdir(parents=True, exist_ok=True)
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > max_total_bytes:
                raise UploadRejected(
                    f"本次上传超过了上限（{max_total_bytes / MB:g} MB），上传已停止，"
                    "本次上传的文件均未保存。请分批上传。"
                )
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        receiver.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadRejected("上传内容不完整或格式有误，请重新上传。", status=400) from exc
    except BaseException:
        receiver.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    receiver.close()
    return receiver.received
