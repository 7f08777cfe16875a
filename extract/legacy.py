"""Word 97-2003 (.doc), WPS (.wps) and WPS spreadsheet (.et) files, converted by headless
LibreOffice: documents to .docx, spreadsheets to .xlsx.

Each process (an extraction worker) keeps one LibreOffice of its own running (`Converter`): started
once with a private profile and `--accept`, it converts every file the process reads, handed over
by a short-lived `soffice --convert-to` that forwards its request to the running instance (0.15 s
a file instead of a cold start of 1.1 CPU-seconds). It is restarted after a failure, a timeout or
`Converter.max_files` files; each file keeps its own wall-clock timeout. A watchdog kills it when
the process that started it dies, even by SIGKILL. The converted file is then read like any
.docx or .xlsx. `convert` is the one-shot conversion, with a throw-away profile.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import MappingProxyType

from .errors import ConverterMissing, CorruptDocument, ResourceLimit
from .formats import OLE2, OLE2_MAGIC, Signature
from .limits import Limits
from .sheets import SheetReader
from .structure import ReaderOutput
from .word import WordReader


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


RTF = Signature("rtf", "RTF", magic=(b"{\\rtf",))


class LegacyWordReader:
    signatures = (OLE2, RTF)
    # Word itself saves RTF under .doc, so that passes too.
    accepts = MappingProxyType({".doc": ("ole2", "rtf"), ".wps": ("ole2", "rtf")})

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        soffice = find_soffice()
        if soffice is None:
            raise ConverterMissing(
                path,
                "LibreOffice is needed for .doc/.wps files: apt-get install libreoffice-writer",
            )
        with path.open("rb") as fh:
            ole2 = fh.read(8) == OLE2_MAGIC
        # Named import filter: left to guess, LibreOffice opens a damaged .doc as plain text and
        # "converts" the binary garbage into a document.
        infilter = "MS Word 97" if ole2 else "Rich Text Format"
        with tempfile.TemporaryDirectory(prefix="infocity-lo-") as tmp:
            converted = converter(soffice).convert(
                path, "docx", Path(tmp), limits.convert_timeout_s, infilter=infilter
            )
            return WordReader().read(converted, limits)


class LegacySheetReader:
    """WPS 表格 (.et) workbooks: an OLE2 file close to Excel 97-2003, which LibreOffice Calc opens
    with its Excel filter and saves as .xlsx for `SheetReader`."""

    signatures = (OLE2,)
    accepts = MappingProxyType({".et": ("ole2",)})

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        soffice = find_soffice()
        if soffice is None:
            raise ConverterMissing(
                path, "LibreOffice Calc is needed for .et files: apt-get install libreoffice-calc"
            )
        with tempfile.TemporaryDirectory(prefix="infocity-lo-") as tmp:
            converted = converter(soffice).convert(
                path, "xlsx", Path(tmp), limits.convert_timeout_s, infilter="MS Excel 97"
            )
            return SheetReader().read(converted, limits)


FILTERS = {
    "docx": "docx:MS Word 2007 XML",
    "doc": "doc:MS Word 97",
    "pdf": "pdf:writer_pdf_Export",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "xls": "xls:MS Excel 97",
    "ods": "ods:calc8",
}


def convert(
    soffice: str, path: Path, fmt: str, workdir: Path, timeout_s: float, infilter: str | None = None
) -> Path:
    """Converts `path` with headless LibreOffice into `workdir`; returns the converted file.

    The input is copied under a neutral name first: LibreOffice picks its import filter by
    extension and chokes on some names. Each call has its own profile, so calls can run in
    parallel, and a wall-clock limit after which the whole process group is killed.
    """
    src = workdir / ("input" + path.suffix.lower())
    shutil.copyfile(path, src)
    outdir = workdir / "out"
    profile = workdir / "profile"
    cmd = [
        soffice,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--nologo",
        *([f"--infilter={infilter}"] if infilter else []),
        "--convert-to",
        FILTERS[fmt],
        "--outdir",
        str(outdir),
        str(src),
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "HOME": str(workdir)},
    )
    try:
        output, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ResourceLimit(path, f"LibreOffice took longer than {timeout_s:.0f} s") from exc
    result = outdir / f"input.{fmt}"
    if proc.returncode != 0 or not result.exists():
        detail = output.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise CorruptDocument(path, f"LibreOffice could not convert it: {detail[0][:200]}")
    return result


# Runs the office ("$@") as the group leader, with a watchdog that kills the group when the
# process that started it ($1) is gone.
_WATCHDOG = (
    'pid=$1; shift; (while kill -0 "$pid" 2>/dev/null; do sleep 1; done; kill -9 -$$) & exec "$@"'
)
_PIPE_DIRS = (Path("/tmp"), Path("/var/tmp"))  # where LibreOffice puts its named pipes


class Converter:
    """One long-lived headless LibreOffice with a private profile, converting file after file.

    Not thread-safe: one per process (`converter()`), as each extraction worker reads one file at
    a time. Restarted after a failed conversion, a timeout, or `max_files` conversions."""

    max_files = 100

    def __init__(self, soffice: str) -> None:
        self.soffice = soffice
        self._lock = threading.Lock()
        self.home: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.done = 0
        self.starts = 0  # how many times an office was started (for tests and the bench)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _profile_args(self) -> list[str]:
        assert self.home is not None
        return [
            f"-env:UserInstallation=file://{self.home / 'profile'}",
            "--headless",
            "--norestore",
            "--nologo",
        ]

    def _start(self, deadline: float, timeout_s: float, path: Path) -> None:
        self.stop()
        self.home = Path(tempfile.mkdtemp(prefix="infocity-office-"))
        pipe = f"infocity-{uuid.uuid4().hex}"
        keep = self.home / "keep.txt"  # an open document keeps the office from quitting
        keep.write_text("\n", encoding="utf-8")
        cmd = [self.soffice, *self._profile_args(), f"--accept=pipe,name={pipe};urp;", str(keep)]
        self.proc = subprocess.Popen(
            ["sh", "-c", _WATCHDOG, "sh", str(os.getpid()), *cmd],
            stdout=(self.home / "office.log").open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "HOME": str(self.home)},
        )
        self.starts += 1
        self.done = 0
        while not any((d / f"OSL_PIPE_{os.getuid()}_{pipe}").exists() for d in _PIPE_DIRS):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                # The file's one conversion budget, whether the office was starting or converting.
                raise ResourceLimit(
                    path, f"LibreOffice took longer than {timeout_s:.0f} s (starting the office)"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None

    def convert(
        self, path: Path, fmt: str, workdir: Path, timeout_s: float, infilter: str | None = None
    ) -> Path:
        """Converts `path` into `workdir` within `timeout_s` (starting the office if needed);
        returns the converted file."""
        with self._lock:
            return self._convert(path, fmt, workdir, timeout_s, infilter)

    def _convert(
        self, path: Path, fmt: str, workdir: Path, timeout_s: float, infilter: str | None
    ) -> Path:
        deadline = time.monotonic() + timeout_s
        src = workdir / ("input" + path.suffix.lower())
        shutil.copyfile(path, src)
        outdir = workdir / "out"
        if not self.running or self.done >= self.max_files:
            self._start(deadline, timeout_s, path)
        cmd = [
            self.soffice,
            *self._profile_args(),
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            FILTERS[fmt],
            "--outdir",
            str(outdir),
            str(src),
        ]
        assert self.home is not None
        log = self.home / "office.log"
        seen = log.stat().st_size if log.exists() else 0
        client = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "HOME": str(self.home)},
        )
        try:
            output, _ = client.communicate(timeout=max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired as exc:
            os.killpg(client.pid, signal.SIGKILL)
            client.communicate()
            self.stop()  # the office may be stuck on this file: the next one gets a fresh one
            raise ResourceLimit(path, f"LibreOffice took longer than {timeout_s:.0f} s") from exc
        self.done += 1
        result = outdir / f"input.{fmt}"
        if client.returncode != 0 or not result.exists():
            said = output.decode("utf-8", "replace")
            if log.exists():
                with log.open("rb") as fh:
                    fh.seek(seen)
                    said += fh.read().decode("utf-8", "replace")
            lines = [line for line in said.strip().splitlines() if "javaldx" not in line]
            self.stop()  # a failure may have left the office in a bad state
            detail = (lines[-1:] or ["no output"])[0].removeprefix("Error: ")
            raise CorruptDocument(path, f"LibreOffice could not convert it: {detail[:200]}")
        return result


_converters: dict[str, Converter] = {}
_converters_lock = threading.Lock()


def converter(soffice: str) -> Converter:
    """This process's long-lived converter (one per process: a forked worker starts its own)."""
    with _converters_lock:
        pid_key = f"{os.getpid()}:{soffice}"
        if pid_key not in _converters:
            _converters[pid_key] = Converter(soffice)
        return _converters[pid_key]


@atexit.register
def stop_converters() -> None:
    """Stops this process's office (an extraction worker calls it as it ends: a process ended by
    os._exit runs no atexit handlers, and its office would otherwise wait for the watchdog)."""
    for key, conv in list(_converters.items()):
        if key.startswith(f"{os.getpid()}:"):
            conv.stop()
