"""OCR speed and character error rate on generated scans (issue 8).

Pages are drawn with known text (tests/scans.py: a government report page with headings, a ruled
table and a `— 1 —` footer; optionally a red seal over a paragraph and a red letterhead), scanned
at 200 dpi with blur, grain, skew and JPEG, saved as image-only PDFs and read back through
`extract.read_document`, the whole pipeline. Measured:

- CPU seconds per A4 page on one thread (the engine's setting; model loading excluded), and wall
  seconds, for each rendering resolution;
- character error rate (Levenshtein distance / reference length, whitespace aside) per kind of
  page, with and without the red-ink suppression;
- the mean confidence the engine reports, next to the error rate, on good scans and on bad copies
  (detail of 1/4 down to 1/7 of the resolution), which sets `ocr.LOW_CONFIDENCE`;
- the peak address space and resident memory of the process (what the worker's limit counts).

    python bench/ocr_bench.py [--pages 3] [--dpi 100 150 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from extract import ocr as ocr_module  # noqa: E402
from extract import read_document  # noqa: E402
from extract.isolate import _one_malloc_arena  # noqa: E402
from extract.normalize import clean_text  # noqa: E402
from tests import scans  # noqa: E402

KINDS = {
    "clean": {"seal": False},
    "seal": {"seal": True},
    "seal+letterhead": {"seal": True, "letterhead": True},
}
# Bad copies, from still good to unreadable: how the engine's confidence follows the error rate.
POOR = {
    f"bad copy ×{shrink}": {"seal": False, "shrink": shrink} for shrink in (0.25, 0.2, 0.18, 0.15)
}


def _grey_only(image):
    """The ablation: grey conversion without removing red ink."""
    import cv2

    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _memory() -> tuple[float, float]:
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return (
        int(status["VmPeak"].split()[0]) / 1024,
        int(status["VmHWM"].split()[0]) / 1024,
    )


def measure(pdfs: list[tuple[str, Path, scans.ScanPage]]) -> list[dict]:
    rows = []
    for kind, path, page in pdfs:
        cpu, wall = time.process_time(), time.perf_counter()
        doc = read_document(path)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        rows.append(
            {
                "kind": kind,
                "cpu": cpu,
                "wall": wall,
                "cer": scans.cer(clean_text(page.text), scans.document_text(doc)),
                "confidence": doc.page_info[0].ocr_confidence or 0.0,
                "warned": any("low confidence" in w for w in doc.warnings),
            }
        )
    return rows


def summary(rows: list[dict], kinds) -> list[str]:
    out = []
    for kind in kinds:
        sel = [r for r in rows if r["kind"] == kind]
        if not sel:
            continue
        cer = [r["cer"] for r in sel]
        confidence = [r["confidence"] for r in sel]
        out.append(
            f"| {kind} | {len(sel)} | {statistics.mean(cer) * 100:.2f}% "
            f"(max {max(cer) * 100:.2f}%) | {statistics.mean(confidence):.3f} "
            f"| {sum(r['warned'] for r in sel)} | {statistics.median(r['cpu'] for r in sel):.2f} "
            f"| {statistics.median(r['wall'] for r in sel):.2f} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3, help="pages of each kind (seeds)")
    parser.add_argument("--dpi", type=int, nargs="+", default=[100, 150, 200])
    args = parser.parse_args()
    _one_malloc_arena()  # as in the worker, so the memory figures are the worker's

    folder = Path(tempfile.mkdtemp(prefix="ocr-bench-"))
    pdfs: list[tuple[str, Path, scans.ScanPage]] = []
    for kind, options in KINDS.items():
        for seed in range(args.pages):
            sections = scans.SECTIONS if seed % 2 == 0 else scans.SECTIONS_APPS
            page = scans.draw_report_page(200, seed=seed, sections=sections, **options)
            path = scans.save_pdf([page], folder / f"{kind}-{seed}.pdf")
            pdfs.append((kind, path, page))

    poor = []
    for kind, options in POOR.items():
        page = scans.draw_report_page(200, **options)
        poor.append((kind, scans.save_pdf([page], folder / f"{kind}.pdf"), page))

    t = time.perf_counter()
    ocr_module._engine()
    load = time.perf_counter() - t
    read_document(pdfs[0][1])  # warm-up: first-run allocations are not per-page costs

    header = (
        "| page | n | CER mean (max) | confidence | low-conf. warnings | CPU s/page | wall s/page |"
    )
    rule = "|---|---|---|---|---|---|---|"
    default_dpi = ocr_module.RENDER_DPI
    for dpi in args.dpi:
        ocr_module.RENDER_DPI = dpi
        rows = measure(pdfs)
        print(f"\n### rendered at {dpi} dpi\n\n{header}\n{rule}")
        print("\n".join(summary(rows, KINDS)))
    ocr_module.RENDER_DPI = default_dpi

    real = ocr_module.suppress_red
    ocr_module.suppress_red = _grey_only
    try:
        rows = measure([p for p in pdfs if "seal" in p[0]])
    finally:
        ocr_module.suppress_red = real
    print(f"\n### without red suppression, {default_dpi} dpi\n\n{header}\n{rule}")
    print("\n".join(summary(rows, KINDS)))

    print(f"\n### bad copies, {default_dpi} dpi\n\n{header}\n{rule}")
    print("\n".join(summary(measure(poor), POOR)))

    peak, rss = _memory()
    print(
        f"\nengine load {load:.2f} s; peak address space {peak:.0f} MB, peak resident {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
