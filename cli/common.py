"""What several command modules share: the vocabulary's labels, the store, who is at the
keyboard, number and file helpers."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from corpus.labels import REASONS
from extract import vocabulary

from .app import err

# The one vocabulary (extract/vocabulary.py) and corpus.labels: light modules, fine at --help.
Period = vocabulary.Period
PERIODS = vocabulary.PERIOD_LABELS
KINDS = vocabulary.KIND_LABELS
SOURCES = vocabulary.SOURCE_LABELS


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class OcrMode(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


OCR_HELP = "OCR：auto 只识别没有可用文字层的页面和图片（默认，见 INFOCITY_OCR），always 全部页面，never 不识别。"


def limits_for(settings, ocr: OcrMode | None):
    """The settings' limits, with the command's --ocr over INFOCITY_OCR."""
    from dataclasses import replace

    limits = settings.limits()
    return replace(limits, ocr=ocr.value) if ocr else limits


def failure_line(failure) -> str:
    reason = REASONS.get(failure.code, "")
    return f"✗ {failure.message}" + (f" —— {reason}" if reason else "")


def store_engine():
    from corpus import get_settings, open_store

    return open_store(get_settings())


def whoami() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return ""


_CHECK_MARKS = {"met": "✓", "not_met": "✗", "not_comparable": "—"}
CHECKS = {code: f"{_CHECK_MARKS[code]} {label}" for code, label in vocabulary.CHECK_LABELS.items()}


def number(value: float | None, unit: str | None) -> str:
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{text} {unit or ''}".strip()


def cli_actor() -> str:
    """Who the audit names for changes made from the command line."""
    return f"命令行（{whoami() or '?'}）"


def refuse_existing(out_file: Path) -> None:
    if out_file.exists():
        err.print(f"✗ {out_file} 已存在，不会覆盖", markup=False)
        raise typer.Exit(1)


def write_new(out_file: Path, data: bytes) -> None:
    """Writes through a temporary file and a rename, so a failed write leaves nothing half
    written under the name the user asked for."""
    tmp = out_file.with_name(f".{out_file.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(out_file)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        err.print(f"✗ 无法写入 {out_file}：{exc.strerror}", markup=False)
        raise typer.Exit(1) from exc
