"""One long-lived LibreOffice per process (issue 17): reused file after file, restarted after it
dies or times out, and never outliving the process that started it. Real LibreOffice, real files."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from extract import CorruptDocument, Limits, ResourceLimit, extract_files, legacy
from tests import procs


def _convert(conv: legacy.Converter, doc: Path, tmp: Path, timeout_s: float = 90) -> Path:
    work = tmp / f"w{time.monotonic_ns()}"
    work.mkdir()
    return conv.convert(doc, "docx", work, timeout_s, infilter="MS Word 97")


def _office_pids(conv: legacy.Converter) -> list[int]:
    """The soffice.bin of `conv` (in the process group it leads)."""
    assert conv.proc is not None
    out = subprocess.run(
        ["pgrep", "-g", str(conv.proc.pid), "-f", "soffice.bin"], capture_output=True, text=True
    ).stdout
    return [int(pid) for pid in out.split()]


@pytest.fixture
def converter(soffice):
    conv = legacy.Converter(soffice)
    yield conv
    conv.stop()


def test_one_office_converts_file_after_file(converter, report_doc, tmp_path):
    first = _convert(converter, report_doc, tmp_path)
    second = _convert(converter, report_doc, tmp_path)
    assert first.stat().st_size > 1000 and second.read_bytes()[:2] == b"PK"
    assert converter.starts == 1 and converter.running


def test_killed_office_is_restarted(converter, report_doc, tmp_path):
    _convert(converter, report_doc, tmp_path)
    [office] = _office_pids(converter)
    os.kill(office, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while converter.running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not converter.running
    converted = _convert(converter, report_doc, tmp_path)
    assert converted.exists() and converter.starts == 2
    assert _office_pids(converter) and _office_pids(converter) != [office]


def test_timeout_applies_per_file_and_the_next_file_gets_a_fresh_office(
    converter, report_doc, tmp_path
):
    _convert(converter, report_doc, tmp_path)  # running: the timeout is the conversion's own
    with pytest.raises(ResourceLimit, match="LibreOffice took longer than"):
        _convert(converter, report_doc, tmp_path, timeout_s=0.001)
    assert not converter.running
    assert _convert(converter, report_doc, tmp_path).exists()
    assert converter.starts == 2


def test_failed_conversion_says_why_and_restarts(converter, report_doc, tmp_path):
    garbage = tmp_path / "坏.doc"
    garbage.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00garbage" * 500)
    _convert(converter, report_doc, tmp_path)
    with pytest.raises(CorruptDocument, match="LibreOffice could not convert it"):
        _convert(converter, garbage, tmp_path)
    assert _convert(converter, report_doc, tmp_path).exists()
    assert converter.starts == 2


def test_restarted_after_max_files(converter, report_doc, tmp_path, monkeypatch):
    monkeypatch.setattr(converter, "max_files", 2)
    for _ in range(3):
        _convert(converter, report_doc, tmp_path)
    assert converter.starts == 2


def _convert_and_wait(soffice: str, doc: str, tmp: str, conn) -> None:
    conv = legacy.converter(soffice)
    _convert(conv, Path(doc), Path(tmp))
    conn.send(conv.proc.pid)
    time.sleep(600)


def test_office_dies_with_the_process_that_started_it(soffice, report_doc, tmp_path):
    ctx = multiprocessing.get_context("forkserver")
    parent, child = ctx.Pipe()
    proc = ctx.Process(
        target=_convert_and_wait, args=(soffice, str(report_doc), str(tmp_path), child)
    )
    proc.start()
    assert parent.poll(120)
    group = parent.recv()
    os.kill(proc.pid, signal.SIGKILL)  # no atexit, no cleanup: only the watchdog
    proc.join()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if subprocess.run(["pgrep", "-g", str(group)], capture_output=True).returncode != 0:
            break
        time.sleep(0.2)
    assert subprocess.run(["pgrep", "-g", str(group)], capture_output=True).returncode != 0


def test_workers_read_several_doc_files_with_their_office(report_doc, tmp_path):
    copies = []
    for i in range(3):
        copy = tmp_path / f"杭州市进展{i}.doc"
        copy.write_bytes(report_doc.read_bytes())
        copies.append(copy)
    outcomes = list(extract_files(copies, Limits(), jobs=1))
    assert [o.format for o in outcomes] == ["doc"] * 3
    assert all(any(b.kind == "table" for b in o.blocks) for o in outcomes)


def _offices_under(pid: int) -> int:
    """How many LibreOffice processes (soffice.bin) run below process `pid`."""
    table = procs.processes()
    return sum(table[p][2] == "soffice.bin" for p in procs.descendants(pid, table) if p in table)


def test_the_doc_files_of_a_batch_share_one_worker_s_office(report_doc, samples, tmp_path):
    """Each worker has its own office, but a .doc waits for the worker whose office is running
    instead of starting a second one (about 1 CPU-second each, issue 17)."""
    from extract.isolate import WorkerPool

    files = []
    docx = sorted(samples.glob("*.docx"))[:4]
    for i, other in enumerate(docx):
        copy = tmp_path / f"杭州市进展{i}.doc"
        copy.write_bytes(report_doc.read_bytes())
        files += [copy, other]
    from extract.isolate import OFFICE_SUFFIXES

    assert {*legacy.LegacyWordReader.accepts, *legacy.LegacySheetReader.accepts} == OFFICE_SUFFIXES
    with WorkerPool(2, Limits()) as pool:
        outcomes = list(extract_files(files, Limits(), jobs=2, pool=pool))
        assert sorted(o.format for o in outcomes) == ["doc"] * 4 + ["docx"] * 4
        workers = pool.idle_workers()
        assert len(workers) == 2
        assert sorted(_offices_under(w.proc.pid) for w in workers) == [0, 1]
