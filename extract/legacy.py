"""Word 97-2003 (.doc), WPS (.wps) and WPS spreadsheet (.et) files, converted by headless
LibreOffice: documents to .docx, spreadsheets to .xlsx.

Each conversion gets its own throw-away LibreOffice profile, so parallel workers do not fight over
one, and a wall-clock timeout; the converted file is then read like any .docx or .xlsx.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
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
            converted = convert(
                soffice, path, "docx", Path(tmp), limits.convert_timeout_s, infilter=infilter
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
            converted = convert(
                soffice, path, "xlsx", Path(tmp), limits.convert_timeout_s, infilter="MS Excel 97"
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
