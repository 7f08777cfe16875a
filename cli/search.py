"""`infocity search`: full text and "more like this"."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .app import app, err, out
from .common import PERIODS, Period, store_engine


def run_search(engine, query: str | None, like: int | None, limit: int, filters=None):
    """(hits, bound): bound says, when it is not None, which matches alone were ranked."""
    from corpus import ranked, similar

    if like is not None:
        result = similar(engine, like, limit, filters)
    else:
        result = ranked(engine, query or "", filters, limit)
    return result.hits, result.bound


def print_hits(hits) -> None:
    from rich.text import Text

    if not hits:
        out.print("没有找到相关段落。")
    for hit in hits:
        head = f"[段落 {hit.passage_id}] {hit.city or '未识别城市'} {hit.year or ''}{PERIODS.get(hit.period or '', '')} · {hit.document} · 第{hit.page or '?'}页"
        out.print(head, style="bold", markup=False, highlight=False)
        if hit.heading_path:
            out.print(
                "  " + " › ".join(hit.heading_path), style="dim", markup=False, highlight=False
            )
        snippet = Text("  " + hit.snippet)
        for start, end in hit.highlights:
            snippet.stylize("bold yellow", start + 2, end + 2)
        out.print(snippet)


@app.command("search")
def search_cmd(
    query: Annotated[
        str | None,
        typer.Argument(help='检索词：空格分隔表示同时包含；"短语"；OR；NOT 或 -词 排除。'),
    ] = None,
    city: Annotated[str | None, typer.Option(help="只看某城市。")] = None,
    year: Annotated[int | None, typer.Option(help="只看某年份。")] = None,
    period: Annotated[Period | None, typer.Option(help="只看某时段：H1 或 FY。")] = None,
    area: Annotated[int | None, typer.Option(min=0, max=6, help="只看某示范领域（0-6）。")] = None,
    tag: Annotated[
        str | None, typer.Option(help="只看含某类典型应用的文档，如 smart-healthcare。")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="文档类型：progress / applications / other。")
    ] = None,
    like: Annotated[
        int | None, typer.Option("--like", help="查找与该编号段落相似的段落（其他文档）。")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="最多显示条数。")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """检索所有历次报告的段落，按相关度排序，显示城市、时段、文档、页码和高亮摘要。"""
    from corpus import Filters

    if query is None and like is None:
        err.print("✗ 请输入检索词，或用 --like 段落编号 查找相似段落。")
        raise typer.Exit(2)
    filters = Filters(
        city=city, year=year, period=period.value if period else None, area=area, tag=tag, kind=kind
    )
    hits, bound = run_search(store_engine(), query, like, limit, filters)
    if bound:
        err.print(f"注意：{bound}", markup=False, highlight=False)
    if as_json:
        print(json.dumps([hit.__dict__ for hit in hits], ensure_ascii=False, default=str))
    else:
        print_hits(hits)
