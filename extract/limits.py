"""Resource limits for parsing untrusted files (reliability rows 3, 4 and 6), and the one reading
option that travels with them to the worker process (`ocr`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 1024 * 1024
    max_pages: int = 500
    # Word files are zip archives: checked before python-docx sees them.
    max_zip_entries: int = 2_000
    max_zip_member_bytes: int = 100 * 1024 * 1024
    max_zip_total_bytes: int = 300 * 1024 * 1024
    max_zip_ratio: float = 200.0
    # Cells in the box a spreadsheet's used cells span (1000 columns × 1000 rows): past it the
    # sheet is skipped, as a sheet's grid is built whole in memory.
    max_sheet_cells: int = 1_000_000
    # What one document may produce (issue 15): a small file within every limit above can still
    # expand to 150,000 paragraphs or tens of millions of characters, which the ingest process
    # would tokenise, classify and write in one transaction. Checked in the worker.
    max_blocks: int = 40_000
    max_chars: int = 8_000_000
    # Zips inside zips are opened to this depth; deeper ones fail as a zip bomb.
    max_zip_depth: int = 3
    # The child process that parses one file.
    memory_bytes: int = 1536 * 1024 * 1024
    # What a caller's step after extraction (ingest's analysis: the area and tag models, jieba's
    # dictionaries, about 0.25 GB of address space) adds to the limit of a worker that runs one:
    # the worker is held to memory_bytes + this, parsing and analysis alike.
    analysis_memory_bytes: int = 768 * 1024 * 1024
    timeout_s: float = 120.0
    convert_timeout_s: float = 90.0
    # Which pages are read by OCR: "auto" (no usable text layer), "always" or "never".
    ocr: str = "auto"
    # Each page read by OCR adds this to `timeout_s` (about 2 s a page on one core, so ten times
    # that leaves room for a busy machine).
    ocr_page_timeout_s: float = 20.0

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if name == "ocr":
                if value not in ("auto", "always", "never"):
                    raise ValueError(f"ocr must be auto, always or never, got {value!r}")
            elif value <= 0:
                raise ValueError(f"limit {name} must be positive, got {value}")
