"""`infocity`: the command line. Thin: parse arguments, call the library, print the result."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    help="infocity：国家信息消费示范城市进展报告的读取、分类与检索工具。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

PERIODS = {"H1": "上半年", "FY": "全年"}
KINDS = {"progress": "进展报告", "applications": "典型应用", "other": "其他"}
SOURCES = {
    "title": "标题",
    "filename": "文件名",
    "first_page": "首页",
    "signature": "落款日期",
    "rule": "按报送规则推定",
    "option": "指定",
}
REASONS = {
    "unsupported format": "不支持的文件格式",
    "type mismatch": "文件内容与扩展名不符",
    "empty file": "空文件",
    "too large": "文件过大",
    "zip bomb": "压缩包异常（疑似压缩炸弹）",
    "parse error": "文件损坏，无法解析",
    "encrypted": "文件已加密",
    "resource limit": "解析超出时间或内存限制",
    "converter missing": "缺少 LibreOffice，无法读取 .doc/.wps",
    "not found": "文件不存在",
}


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _failure_line(failure) -> str:
    reason = REASONS.get(failure.code, "")
    return f"✗ {failure.message}" + (f" —— {reason}" if reason else "")


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
            err.print(_failure_line(failure), markup=False, highlight=False)
    err.print(f"共 {len(docs) + len(failures)} 个文件：成功 {len(docs)}，失败 {len(failures)}。")


def _run_extract(paths: list[Path], fmt: OutputFormat, jobs: int | None, show: bool) -> int:
    from corpus import get_settings
    from extract import Failure, extract_files, iter_files

    settings = get_settings()
    files = []
    failures: list[Failure] = []
    for path in paths:
        if not path.exists():
            failures.append(Failure(str(path), "not found", f"{path.name}: failed: not found"))
    files = list(iter_files(p for p in paths if p.exists()))
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
        for outcome in extract_files(files, settings.limits(), jobs or settings.jobs):
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
            err.print(_failure_line(failure), markup=False, highlight=False)
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
) -> None:
    """读取报告文件，输出其结构：标题层级、段落、表格、页码及识别出的城市、年份、时段。"""
    raise typer.Exit(_run_extract(paths, format, jobs, show=True))


@app.command()
def demo(
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="同时解析的文件数。")
    ] = None,
) -> None:
    """读取自带的示例报告文件夹并显示汇总（无需任何参数）。"""
    from corpus import samples_dir

    folder = samples_dir()
    err.print(f"示例文件夹：{folder}")
    raise typer.Exit(_run_extract([folder], OutputFormat.text, jobs, show=False))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
