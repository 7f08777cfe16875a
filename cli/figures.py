"""Figures: `figures`, `scorecard`, `check`, `figure-role`, `headline`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from extract.divisions import canonical_city

from .app import app, err, out
from .common import CHECKS, PERIODS, Period, cli_actor, number, store_engine


@app.command()
def figures(
    city: Annotated[str | None, typer.Option(help="只看某城市，如 杭州市。")] = None,
    year: Annotated[int | None, typer.Option(help="只看某年份。")] = None,
    period: Annotated[Period | None, typer.Option(help="只看某时段：H1 或 FY。")] = None,
    indicator: Annotated[
        str | None, typer.Option(help="只看某指标，如 broadband_20m_share。")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="只看某类数字：level 水平 / change 变化 / target 计划。")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="只看某种数据：baseline 基期值 / current 当期值 / target 目标 / plan 计划 / change 变化量。"
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="只看所指日期，可只写前缀：2016、2016-11、2016-11-30。"),
    ] = None,
    min_value: Annotated[
        float | None, typer.Option("--min", help="数值下限（按规范化单位，如 % 或 户）。")
    ] = None,
    max_value: Annotated[float | None, typer.Option("--max", help="数值上限。")] = None,
    limit: Annotated[int, typer.Option(min=1, help="最多显示条数。")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """列出报告中的数字：原文、规范化数值与单位、所指日期、类型、所属指标、是否达到指南目标及出处；
    可按指标、类型、日期和数值范围筛选，如 --indicator broadband_20m_share --min 50 --as-of 2016。"""
    from corpus.figures import FigureFilters, list_figures
    from extract.vocabulary import ROLE_LABELS

    if role is not None and role not in ROLE_LABELS:
        err.print(f"✗ 未知类型：{role}（可选：{'、'.join(ROLE_LABELS)}）", markup=False)
        raise typer.Exit(2)
    rows = list_figures(
        store_engine(),
        FigureFilters(
            canonical_city(city),
            year,
            period.value if period else None,
            indicator,
            kind,
            role=role,
            as_of=as_of,
            min_value=min_value,
            max_value=max_value,
        ),
        limit,
    )
    if as_json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False))
        return
    if not rows:
        out.print("没有找到数字。")
        return
    table = Table(title=f"共 {len(rows)} 个数字", title_justify="left")
    for column in ("编号", "报告", "原文", "数值", "类型（所指日期）", "指标", "目标", "出处"):
        table.add_column(column)
    for r in rows:
        role = ROLE_LABELS.get(r.role or "", r.role or "") + ("（评估人员）" if r.role_by else "")
        table.add_row(
            str(r.id),
            f"{r.city or '?'} {r.year or ''}{PERIODS.get(r.submission_period or '', '')}",
            r.raw,
            ("≈" if r.approx else "") + (r.cmp or "") + number(r.effective_value, r.unit),
            f"{role}\n{r.as_of_label}",
            r.indicator or "",
            CHECKS.get(r.target_check or "", "") if r.indicator else "",
            f"{r.document} 第{r.page or '?'}页",
        )
    out.print(table)


@app.command()
def scorecard(
    city: Annotated[str, typer.Argument(help="城市，如 杭州市。")],
    year: Annotated[int | None, typer.Option(help="年份；默认最近一次报告。")] = None,
    period: Annotated[Period | None, typer.Option(help="时段：H1 或 FY；默认最近一次。")] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="列出每条未采用的数据及原因。")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """某城市一次报告的各项指标与指南目标对照：报告值及其所指日期、目标、是否达标、上次报告值。
    报告值取本期内日期最晚的当期值（同日期表格优先）；基期值、计划和变化量不参与达标判断。"""
    from corpus.scorecard import scorecard as make_scorecard

    card = make_scorecard(
        store_engine(), canonical_city(city), year, period.value if period else None
    )
    if as_json:
        print(json.dumps(card.to_dict(), ensure_ascii=False))
        return
    table = Table(
        title=f"{card.city} {card.year}年{PERIODS.get(card.period or '', '')} 指标对照",
        title_justify="left",
    )
    for column in ("指标", "报告值（所指日期）", "指南目标", "结论", "上次报告", "出处"):
        table.add_column(column)
    for line in card.lines:
        f, prev = line.figure, line.previous
        shown = line.shown + (f"（评估人员 {line.chosen_by} 选定）" if line.chosen_by else "")
        if line.passed_over:
            shown += f"（未采用 {len(line.passed_over)} 条）"
        table.add_row(
            line.name,
            shown + (f"\n⚠ {line.note}" if line.note else ""),
            line.target or "",
            CHECKS.get(line.check or "", ""),
            f"{prev.raw}（{prev.as_of_label}）" if prev else "",
            f"{f.document} 第{f.page or '?'}页" if f else "",
        )
    out.print(table)
    if verbose:
        out.print("未采用的数据及原因（编号可用于 infocity headline / figure-role）：")
        for line in card.lines:
            for p in line.passed_over:
                out.print(
                    f"  {line.name}：[{p.figure.id}] {p.figure.raw} — {p.reason}",
                    markup=False,
                    highlight=False,
                )
    else:
        out.print("报告值取本期内日期最晚的当期值；加 -v 列出未采用的数据及原因。")


# --- figures in time (issue 13): consistency checks, evaluators' role and headline choices ------


@app.command()
def check(
    city: Annotated[str, typer.Argument(help="城市，如 杭州市。")],
    year: Annotated[int | None, typer.Option(help="只查某年份的报告。")] = None,
    period: Annotated[Period | None, typer.Option(help="只查某时段：H1 或 FY。")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """检查某城市报告中数字的一致性：累计数下降、上半年高于全年、表格与正文不一致、合计行不等于各项之和；
    每条列出文件、页码和原文。"""
    from corpus.checks import check_city

    findings = check_city(
        store_engine(), canonical_city(city), year, period.value if period else None
    )
    if as_json:
        print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False))
        return
    if not findings:
        out.print("未发现不一致。")
        return
    for f in findings:
        out.print(f"[{f.label}] {f.message}", markup=False, highlight=False)
        for w in f.where:
            passage = f" 段落 {w.passage_id}" if w.passage_id else ""
            out.print(
                f"    {w.document} 第{w.page or '?'}页{passage}：{w.context}",
                markup=False,
                highlight=False,
            )


def _figure_version(figure_id: int) -> int:
    from sqlmodel import Session

    from models.tables import Figure

    with Session(store_engine()) as session:
        row = session.get(Figure, figure_id)
    if row is None:
        err.print(f"✗ 没有编号为 {figure_id} 的数据", markup=False)
        raise typer.Exit(1)
    return row.version


@app.command("figure-role")
def figure_role(
    figure_id: Annotated[int, typer.Argument(help="数据编号（infocity figures 的“编号”列）。")],
    role: Annotated[
        str,
        typer.Argument(
            help="baseline 基期值 / current 当期值 / target 目标 / plan 计划 / change 变化量；auto 恢复自动识别。"
        ),
    ],
    comment: Annotated[str | None, typer.Option(help="说明（记入审计）。")] = None,
) -> None:
    """评估人员标注一条数据的类型（基期值、当期值、计划……），记入审计；重新导入或新版本后仍然有效。"""
    from corpus.figure_review import set_figure_role

    engine = store_engine()
    change = set_figure_role(
        engine,
        figure_id,
        None if role == "auto" else role,
        user=cli_actor(),
        expected_version=_figure_version(figure_id),
        comment=comment,
    )
    err.print(f"已保存（数据 {figure_id}，版本 {change.version}）", markup=False)


@app.command()
def headline(
    figure_id: Annotated[int, typer.Argument(help="数据编号（infocity figures 的“编号”列）。")],
    clear: Annotated[
        bool, typer.Option("--clear", help="取消该指标已选定的报告值，恢复按规则选取。")
    ] = False,
    comment: Annotated[str | None, typer.Option(help="说明（记入审计）。")] = None,
) -> None:
    """评估人员选定一条数据作为其指标本期的报告值（用于达标判断、城市对比和导出），记入审计；
    重新导入或新版本后仍然有效。"""
    from corpus.figure_review import choose_headline

    engine = store_engine()
    change = choose_headline(
        engine,
        figure_id,
        user=cli_actor(),
        expected_version=_figure_version(figure_id),
        comment=comment,
        clear=clear,
    )
    err.print(f"已保存（数据 {figure_id}，版本 {change.version}）", markup=False)
