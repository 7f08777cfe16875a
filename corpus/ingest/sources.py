"""The files to ingest: folders walked, .zip archives unpacked member by member, names decoded.

Every entry is reported once: a path to read, or a FileResult for what is skipped or fails."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from extract import ACCEPTED_SUFFIXES, ExtractError, Limits, check_zip, escape_controls, walk
from extract.files import decode_name

from .results import FileResult

MAX_ZIP_MEMBERS = 5_000


def _nfc(name: str) -> str:
    """A name for display and the store: NFC, control characters escaped, NUL removed."""
    return escape_controls(unicodedata.normalize("NFC", name))


Item = tuple[Path, str, str, str, tuple[str, ...]]  # path, display name, origin, note, folders


def _folders_of(path: Path, roots: list[Path]) -> tuple[str, ...]:
    """The folder names between the ingest root and the file, the root folder's own name
    included (`杭州市/2016上半年/进展.docx` given as `杭州市` → 杭州市, 2016上半年): evaluators
    file submissions under the unit's name, which extract weighs as evidence of the issuer."""
    for root in roots:
        if root in path.parents:
            return tuple(path.relative_to(root.parent).parts[:-1])
    return ()


def expand(paths: Iterable[Path], tmp: Path, limits: Limits) -> Iterator[Item | FileResult]:
    """Yields (path, display name, origin, note) for every file, unpacking .zip archives safely;
    a FileResult for what is skipped or cannot be unpacked. Every entry is reported once."""
    paths = list(paths)
    roots = [p for p in paths if p.is_dir()]
    for n, found in enumerate(walk(paths)):
        if found.skipped == "not found":
            yield FileResult(
                found.name, "failed", f"{found.name}: failed: not found", code="not found"
            )
            continue
        if found.skipped is not None:
            yield FileResult(
                found.name,
                "skipped",
                f"{found.name}: skipped: {found.skipped}（{found.detail}）",
                code=found.skipped,
            )
            continue
        path, note = found.path, ""
        if found.raw is not None:
            note = f"文件名不是 UTF-8 编码，已按 GB18030 解读；原始字节：{found.raw}"
            path = _named_copy(found.path, found.name, tmp / f"name{n:05d}")
        folders = _folders_of(found.path, roots)
        if path.suffix.lower() != ".zip":
            yield path, found.name, "", note, folders
            continue
        yield from _unzip(path, found.name, tmp, limits, folders=(*folders, Path(found.name).stem))


def _named_copy(path: Path, name: str, folder: Path) -> Path:
    """The file under its decoded name (a hard link, else a copy), so the parser reads the city
    and period from the name as it does for any other file."""
    try:
        folder.mkdir(parents=True)
        target = folder / name
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
        return target
    except OSError:
        return path


# Methods Python's zipfile reads; anything else (Deflate64 = 9, PPMd = 98...) fails alone.
_ZIP_METHODS = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}
_ZIP_METHOD_NAMES = {9: "Deflate64", 98: "PPMd", 99: "AES", 93: "Zstandard", 95: "XZ"}


def _unzip(
    path: Path,
    name: str,
    tmp: Path,
    limits: Limits,
    depth: int = 1,
    folders: tuple[str, ...] = (),
) -> Iterator[Item | FileResult]:
    """The members of an archive, each read alone: an encrypted, corrupt or unsupported member
    fails with its reason and the others are read; nested archives are opened to
    `limits.max_zip_depth`."""
    try:
        check_zip(
            path,
            Limits(max_zip_entries=MAX_ZIP_MEMBERS, max_zip_total_bytes=limits.max_file_bytes * 20),
        )
        zf = zipfile.ZipFile(path)
    except ExtractError as exc:
        yield FileResult(name, "failed", exc.message.replace(exc.name, name, 1), code=exc.code)
        return
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        yield FileResult(
            name,
            "failed",
            f"{name}: failed: parse error（压缩包已损坏：{exc}）",
            code="parse error",
        )
        return
    folder = Path(tempfile.mkdtemp(dir=tmp))  # one per archive: members never collide
    macos_junk = 0
    with zf:
        for i, info in enumerate(zf.infolist()):
            if info.is_dir():
                continue
            member = _zip_member_name(info)
            base = member.rsplit("/", 1)[-1]
            if "__MACOSX/" in member or member.startswith("__MACOSX"):
                macos_junk += 1
                continue
            if base.startswith(("~$", ".")):
                yield FileResult(
                    base,
                    "skipped",
                    f"{base}: skipped: hidden file（{name} 中的隐藏或临时文件，未导入）",
                    code="hidden file",
                )
                continue
            if failure := _member_problem(info, base, name, limits):
                yield failure
                continue
            # Generated names on disk: the member's own name never touches the file system.
            suffix = Path(base).suffix.lower()
            known = suffix in ACCEPTED_SUFFIXES or suffix == ".zip"
            target = folder / f"{i:05d}{suffix if known else '.bin'}"
            if (failure := _unpack_member(zf, info, target, base, name)) is not None:
                yield failure
                continue
            inner = (*folders, *(p for p in member.split("/")[:-1] if p))
            if suffix != ".zip":
                yield target, base, name, "", inner
            elif depth >= limits.max_zip_depth:
                yield FileResult(
                    base,
                    "failed",
                    f"{base}: rejected: zip bomb（压缩包嵌套超过 {limits.max_zip_depth} 层，在 {name} 中）",
                    code="zip bomb",
                )
            else:
                yield from _unzip(
                    target,
                    f"{name} › {base}",
                    tmp,
                    limits,
                    depth + 1,
                    folders=(*inner, Path(base).stem),
                )
    if macos_junk:
        yield FileResult(
            f"{name} › __MACOSX",
            "skipped",
            f"{name}: skipped: hidden file（{macos_junk} 个 macOS 附加信息文件，未导入）",
            code="hidden file",
        )


def _member_problem(
    info: zipfile.ZipInfo, base: str, archive: str, limits: Limits
) -> FileResult | None:
    """What makes a member unreadable, from the central directory alone."""
    if info.flag_bits & 0x1:
        return FileResult(
            base,
            "failed",
            f"{base}: failed: encrypted（{archive} 中的这个文件有密码保护，不尝试密码；"
            "请发送未加密的文件）",
            code="encrypted",
        )
    if info.compress_type not in _ZIP_METHODS:
        method = _ZIP_METHOD_NAMES.get(info.compress_type, f"方法 {info.compress_type}")
        return FileResult(
            base,
            "failed",
            f"{base}: rejected: unsupported format（{archive} 用 {method} 压缩，无法读取；"
            "请用普通 zip（Deflate）重新打包）",
            code="unsupported format",
        )
    if info.file_size > limits.max_file_bytes:
        return FileResult(
            base, "failed", f"{base}: rejected: too large (in {archive})", code="too large"
        )
    return None


def _unpack_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, base: str, archive: str
) -> FileResult | None:
    """Copies one member to `target`; a member that cannot be read fails alone. Errors writing
    (a full disk) are the store's, and propagate."""
    with target.open("wb") as out:
        try:
            src = zf.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError) as exc:
            src = None
            error: Exception = exc
        if src is not None:
            with src:
                while True:
                    try:
                        chunk = src.read(1 << 20)
                    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as exc:
                        error = exc
                        break
                    if not chunk:
                        return None
                    out.write(chunk)
    target.unlink(missing_ok=True)
    return FileResult(
        base,
        "failed",
        f"{base}: failed: parse error（{archive} 中的这个文件已损坏，无法解压："
        f"{type(error).__name__}）",
        code="parse error",
    )


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    """The member's name: as flagged UTF-8; else its bytes as UTF-8 (Linux and macOS `zip` do
    not set the flag), else as GB18030 (Chinese Windows)."""
    raw = info.filename
    if not info.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError):
            raw = decode_name(info.filename.encode("cp437"))[0]
    return _nfc(raw.replace("\\", "/"))
