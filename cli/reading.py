"""`infocity extract`: read files and show their structure, without the store."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .app import app, err, out
from .common import (
    KINDS,
    OCR_HELP,
    PERIODS,
    SOURCES,
    OcrMode,
    OutputFormat,
    failure_line,
    limits_for,
)


def _print_document(doc) -> None:
    meta = doc.metadata
    out.rule(f"[bold]{doc.name}[/]", align="left")

    def ev(key: str, shown: str | None) -> str:
        if not shown:
            return "未识别"
        sources = "、".join(SOURCES[e.source] for e in meta.evidence.get(key, []))
        return f"{shown}（{sources}）" if sources else shown

    out.print(
        f"格式 {doc.format}  页数 {doc.pages or '?'}  城市 {ev('city', meta.city)}  "
        f"年份 {ev('year', str(meta.year) if meta.year else None)}  "
        f"时段 {ev('period', PERIODS.get(meta.period or ''))}  类型 {KINDS[meta.kind]}",
        markup=False,
        highlight=False,
    )
    for warning in doc.warnings:
        out.print(f"  ⚠ {warning}", style="yellow", markup=False)
    for block in doc.blocks:
        page = f"[p{block.page}]" if block.page else "[p?]"
        if block.kind == "title":
            out.print(f"{page} 《{block.text}》", style="bold", markup=False)
        elif block.kind == "heading":
            indent = "  " * max(block.level - 1, 0)
            out.print(
                f"{page} {indent}{'#' * block.level} {block.text}", style="bold cyan", markup=False
            )
        elif block.kind == "table":
            table = Table(show_header=True, header_style="bold", pad_edge=False)
            header, *rows = block.rows or [[]]
            for cell in header:
                table.add_column(cell, overflow="fold")
            for row in rows:
                table.add_row(*row[: len(header)])
            out.print(f"{page} 表格 {len(block.rows or [])}行", markup=False)
            out.print(table)
        else:
            out.print(f"{page} {block.text}", markup=False, highlight=False)


@dataclass
class _Summary:
    name: str
    metadata: object
    pages: int | None
    counts: dict[str, int]
    warnings: int

    @classmethod
    def of(cls, doc) -> _Summary:
        counts = {
            k: sum(b.kind == k for b in doc.blocks) for k in ("heading", "paragraph", "table")
        }
        return cls(doc.name, doc.metadata, doc.pages, counts, len(doc.warnings))


def _print_summary(docs: list[_Summary], failures: list) -> None:
    table = Table(title="汇总", title_justify="left")
    for column in ("文件", "城市", "年份", "时段", "类型", "页数", "标题/段落/表格", "提示"):
        table.add_column(column, overflow="fold")
    for doc in docs:
        counts, meta = doc.counts, doc.metadata
        table.add_row(
            doc.name,
            meta.city or "未识别",
            str(meta.year or "未识别"),
            PERIODS.get(meta.period or "", "未识别"),
            KINDS[meta.kind],
            str(doc.pages or "?"),
            f"{counts['heading']}/{counts['paragraph']}/{counts['table']}",
            str(doc.warnings) if doc.warnings else "",
        )
    err.print(table)
    if failures:
        err.print(f"[red]{len(failures)} 个文件未能读取：[/]")
        for failure in failures:
            err.print(failure_line(failure), markup=False, highlight=False)
    err.print(f"共 {len(docs) + len(failures)} 个文件：成功 {len(docs)}，失败 {len(failures)}。")


def _run_extract(
    paths: list[Path],
    fmt: OutputFormat,
    jobs: int | None,
    show: bool,
    ocr: OcrMode | None = None,
) -> int:
    from corpus import get_settings
    from extract import Failure, extract_files, iter_files

    settings = get_settings()
    failures: list[Failure] = []
    files = list(iter_files(paths))
    docs = []
    progress = Progress(
        TextColumn("解析"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("失败 {task.fields[failed]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("extract", total=len(files), failed=0)
        for outcome in extract_files(files, limits_for(settings, ocr), jobs or settings.jobs):
            if isinstance(outcome, Failure):
                failures.append(outcome)
                if fmt is OutputFormat.json:
                    print(
                        json.dumps(
                            {
                                "path": outcome.path,
                                "name": outcome.name,
                                "error": {"code": outcome.code, "message": outcome.message},
                            },
                            ensure_ascii=False,
                        ),
                        flush=True,
                    )
            else:
                if fmt is OutputFormat.json:
                    print(json.dumps(outcome.to_dict(), ensure_ascii=False), flush=True)
                elif show:
                    _print_document(outcome)
                # Only what the summary needs is kept, so memory stays flat over big folders.
                docs.append(_Summary.of(outcome))
            progress.update(task, advance=1, failed=len(failures))
    if fmt is OutputFormat.text:
        _print_summary(docs, failures)
    else:
        for failure in failures:
            err.print(failure_line(failure), markup=False, highlight=False)
    return 1 if failures else 0


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="要读取的文件或文件夹（文件夹会递归读取）。")],
    format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="输出格式：text 或 json（每行一个文档）。"),
    ] = OutputFormat.text,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="同时解析的文件数。")
    ] = None,
    ocr: Annotated[OcrMode | None, typer.Option("--ocr", help=OCR_HELP)] = None,
) -> None:
    """读取报告文件，输出其结构：标题层级、段落、表格、页码及识别出的城市、年份、时段。"""
    raise typer.Exit(_run_extract(paths, format, jobs, show=True, ocr=ocr))
