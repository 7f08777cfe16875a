"""Walking submitted folders, and file names as evaluators see them (reliability rows 13, 14).

A folder is walked without following symbolic links and only regular files are ever opened: a
FIFO or a link to /dev/zero would hang the hash, a link to /etc/passwd would put that file in the
store, and a loop would never end. Those are reported as skipped with the reason, and so are the
hidden and temporary files editors leave behind, so that every entry is accounted for.

Names come from Windows shares in GBK as often as in UTF-8: a name that is not UTF-8 is decoded
as GB18030, and the original bytes are kept (as their repr) for display. Control characters
(escape sequences, newlines, bidirectional overrides) are shown escaped, never raw.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Shown escaped: C0/C1 controls and the invisible characters that reorder or hide text.
_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Found:
    """One entry met while walking: a regular file to read, or why it is skipped."""

    path: Path
    name: str  # for display and the store: decoded, NFC, control characters escaped
    skipped: str | None = None  # hidden file | not a regular file | symbolic link | directory loop
    detail: str = ""  # the Chinese reason, when skipped
    raw: str | None = None  # repr of the name's bytes, when they were not UTF-8


def escape_controls(name: str) -> str:
    """`name` with control characters written as escapes (`\\x1b`, `\\n`, `\\u202e`); NUL
    removed."""
    out = []
    for ch in name.replace("\x00", ""):
        if unicodedata.category(ch) == "Cc" or ch in _BIDI:
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def decode_name(raw: bytes) -> tuple[str, bool]:
    """A file name's bytes as text: UTF-8, else GB18030; True when it was not UTF-8."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), True


def display_name(name: str | bytes) -> tuple[str, str | None]:
    """Given a name from the file system (bytes, or str with surrogate escapes), returns the name
    to show and store, and the repr of the original bytes when they were not UTF-8."""
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    text, foreign = decode_name(raw)
    shown = escape_controls(unicodedata.normalize("NFC", text))
    return shown, repr(raw) if foreign else None


def _hidden(name: str) -> str | None:
    if name.startswith("~$"):
        return "Word 临时文件（~$ 开头），未导入"
    if name.startswith("."):
        return "隐藏文件（以“.”开头），未导入；如需导入请改名"
    if name in ("Thumbs.db", "desktop.ini"):
        return "Windows 系统文件，未导入"
    return None


def _found(path: Path, st: os.stat_result | None = None) -> Found:
    name, raw = display_name(path.name)
    if st is None:
        try:
            st = path.lstat()
        except OSError as exc:
            return Found(path, name, "not found", f"无法读取：{exc.strerror}", raw)
    if stat.S_ISLNK(st.st_mode):
        return Found(path, name, "symbolic link", "符号链接，不跟随，未导入", raw)
    if not stat.S_ISREG(st.st_mode):
        return Found(path, name, "not a regular file", "不是普通文件（管道、设备等），未导入", raw)
    if reason := _hidden(name):
        return Found(path, name, "hidden file", reason, raw)
    return Found(path, name, raw=raw)


def walk(paths: Iterable[str | Path]) -> Iterator[Found]:
    """Given files and folders, yields every entry, folders walked recursively in sorted order,
    links never followed. A path given directly may be a link to a regular file: the evaluator
    named it."""
    for given in paths:
        path = Path(given)
        try:
            st = path.stat()  # follows a link given directly
        except OSError as exc:
            name, raw = display_name(path.name)
            yield Found(path, name, "not found", f"无法读取：{exc.strerror}", raw)
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk_folder(path)
        elif stat.S_ISREG(st.st_mode):
            yield _found(path.resolve() if path.is_symlink() else path, st)
        else:
            yield _found(path, st)


def _walk_folder(top: Path) -> Iterator[Found]:
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:  # a bind mount of a parent: a loop
            name, raw = display_name(folder.name)
            yield Found(folder, name, "directory loop", "目录循环，未再进入", raw)
            continue
        seen.add((st.st_dev, st.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            name, raw = display_name(folder.name)
            yield Found(folder, name, "not found", f"无法读取文件夹：{exc.strerror}", raw)
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            try:
                est = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(est.st_mode):
                name, raw = display_name(entry.name)
                if reason := _hidden(name):
                    yield Found(path, name + "/", "hidden file", reason, raw)
                else:
                    subfolders.append(path)
                continue
            yield _found(path, est)
        stack.extend(reversed(subfolders))  # depth first, in sorted order


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Given files and folders, yields every regular file to read (what `walk` does not skip)."""
    for found in walk(paths):
        if found.skipped in (None, "not found"):  # a missing file is the reader's to report
            yield found.path


class NotRegular(OSError):
    """The path turned out not to be a regular file when opened (replaced after the walk)."""


def sha256_regular(path: Path) -> str:
    """The SHA-256 of a regular file, opened without following a link and without blocking on a
    FIFO; raises NotRegular for anything else (the walk checked, but the folder may change)."""
    import hashlib

    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: a link where the walk saw a file
            raise NotRegular(path) from exc
        raise
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(path)
        digest = hashlib.sha256()
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
