"""Fuzzing the readers with mutated real files (reliability row 10).

Mutated files go through the isolated parser: whatever the bytes, the answer is a Document or a
Failure with one of our reason codes, and an unexpected library exception never escapes as such.
"""

from __future__ import annotations

import contextlib
import gc
import random
import resource

from extract import Document, ExtractError, Failure, extract_files, read_document
from tests.conftest import REALDOCS

SEEDS = [
    "pdfplumber__issue-336-example.pdf",
    "pdfjs__issue2128r.pdf",
    "pdfplumber__issue-71-duplicate-chars.pdf",
    "chatchat__ocr_test.docx",
    "chatchat__行标编制说明（核电厂定期安全审查指南 第6部分：构筑物、系统和部件的实际状态）(3).docx",
]
CODES = {"parse error", "type mismatch", "zip bomb", "encrypted", "resource limit", "empty file"}


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        op = rng.random()
        pos = rng.randrange(len(buf))
        if op < 0.6:
            buf[pos] = rng.randrange(256)
        elif op < 0.8:
            del buf[pos : pos + rng.randint(1, 64)]
        else:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    if rng.random() < 0.2:
        del buf[rng.randrange(len(buf) // 2, len(buf)) :]
    return bytes(buf)


def test_mutated_realdocs(tmp_path):
    seeds = [REALDOCS / name for name in SEEDS if (REALDOCS / name).exists()]
    assert seeds, f"no realdocs seeds present in {REALDOCS}"
    rng = random.Random(20161124)
    paths = []
    for i in range(30):
        seed = seeds[i % len(seeds)]
        path = tmp_path / f"fuzz{i:02d}{seed.suffix}"
        path.write_bytes(mutate(seed.read_bytes(), rng))
        paths.append(path)
    outcomes = list(extract_files(paths, jobs=2))
    assert len(outcomes) == len(paths)
    for outcome in outcomes:
        assert isinstance(outcome, Document | Failure)
        if isinstance(outcome, Failure):
            assert outcome.code in CODES, outcome.message
            assert "internal error" not in outcome.message, outcome.message


def test_memory_flat_over_repeated_passes():
    files = [p for p in sorted(REALDOCS.glob("*")) if p.suffix in (".pdf", ".docx")]
    assert files, f"no realdocs present in {REALDOCS}"

    def one_pass() -> None:
        for path in files:
            with contextlib.suppress(ExtractError):
                read_document(path)
        gc.collect()

    one_pass()  # warm-up: imports, font and CMap caches, the OCR engine
    one_pass()  # ONNX Runtime's buffers reach their size on its second full-page scan (+80 MB)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(3):
        one_pass()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 40, f"peak memory grew by {grown_mb:.0f} MB over 3 passes"
