"""Typical applications: `apps`, `similar`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from extract.divisions import canonical_city

from .app import app, out
from .common import PERIODS, store_engine


def _print_app(app_, extra: str = "") -> None:
    from classify import SHORT_NAMES

    tags = "、".join(t["tag"] for t in app_.tags)
    out.print(
        f"[应用 {app_.id}] {app_.title}",
        style="bold",
        markup=False,
        highlight=False,
    )
    out.print(
        f"  {app_.city or '未识别城市'} {app_.year or ''}{PERIODS.get(app_.period or '', '')}"
        f" · 领域 {app_.area} {SHORT_NAMES.get(app_.area, '')} · 标签 {tags or '无'}"
        f" · {app_.document} 第{app_.page or '?'}页{extra}",
        markup=False,
        highlight=False,
    )
    if app_.organisations:
        out.print("  单位：" + "、".join(app_.organisations[:5]), markup=False, highlight=False)


@app.command()
def apps(
    city: Annotated[str | None, typer.Option(help="只看某城市。")] = None,
    year: Annotated[int | None, typer.Option(help="只看某年份。")] = None,
    tag: Annotated[str | None, typer.Option(help="只看某标签，如 smart-healthcare。")] = None,
    area: Annotated[int | None, typer.Option(min=1, max=6, help="只看某示范领域（1-6）。")] = None,
    recycled: Annotated[
        bool,
        typer.Option("--recycled", help="列出与其他城市或本市往期案例大段重复的案例对。"),
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="最多显示条数。")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """列出典型应用案例：标题、城市、时段、领域、标签、建设单位；--recycled 列出疑似重复报送的案例。"""
    from corpus.applications import AppFilters, list_apps
    from corpus.applications import recycled as find_recycled

    engine = store_engine()
    if recycled:
        pairs = find_recycled(engine)
        if as_json:
            print(json.dumps([p.to_dict() for p in pairs], ensure_ascii=False))
            return
        if not pairs:
            out.print("没有发现大段重复的案例。")
        for pair in pairs:
            out.print(f"⚠ 重复率 {pair.overlap:.0%}", style="bold yellow", markup=False)
            _print_app(pair.later)
            _print_app(pair.earlier, "（较早）")
            for text in pair.shared:
                out.print(f"  重复内容：{text[:120]}", style="dim", markup=False, highlight=False)
        return
    rows = list_apps(engine, AppFilters(canonical_city(city), year, tag, area), limit)
    if as_json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False))
        return
    if not rows:
        out.print("没有找到典型应用。")
    for row in rows:
        _print_app(row)


@app.command()
def similar(
    app_id: Annotated[int, typer.Argument(help="典型应用编号（见 infocity apps）。")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="最多显示条数。")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """查找与某个典型应用最相似的其他城市、其他年份的案例。"""
    from corpus.applications import similar as find_similar

    found = find_similar(store_engine(), app_id, limit)
    if as_json:
        print(
            json.dumps(
                [{"similarity": s.similarity, **s.app.to_dict()} for s in found],
                ensure_ascii=False,
            )
        )
        return
    if not found:
        out.print("其他城市和年份中没有相似的案例。")
    for s in found:
        _print_app(s.app, f" · 相似度 {s.similarity:.2f}")
