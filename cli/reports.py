"""Reports and exports: `export`, `report`, `diff`, `summary`."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from extract.divisions import canonical_city

from .app import app, err, out
from .common import CHECKS, PERIODS, Period, refuse_existing, store_engine, write_new


class ExportKind(StrEnum):
    matrix = "matrix"
    indicators = "indicators"
    figures = "figures"
    applications = "applications"


class ExportFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


@app.command("export")
def export_cmd(
    kind: Annotated[
        ExportKind,
        typer.Argument(
            help="导出内容：matrix 领域覆盖矩阵，indicators 指标对照，figures 数据，applications 典型应用。"
        ),
    ],
    out_file: Annotated[Path, typer.Option("--out", help="输出文件（不会覆盖已有文件）。")],
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help="xlsx（Excel）或 csv（UTF-8，Excel 可直接打开）。"),
    ] = ExportFormat.xlsx,
    year: Annotated[int | None, typer.Option(help="年份；矩阵和指标默认最近一期。")] = None,
    period: Annotated[Period | None, typer.Option(help="时段：H1 或 FY。")] = None,
    city: Annotated[str | None, typer.Option(help="只导出某城市。")] = None,
) -> None:
    """导出领域覆盖矩阵、指标对照、数据或典型应用为 Excel（.xlsx）或 CSV 文件。"""
    from corpus.export import export

    refuse_existing(out_file)
    data = export(
        kind.value,
        fmt.value,
        engine=store_engine(),
        year=year,
        period=period.value if period else None,
        city=canonical_city(city),
    )
    write_new(out_file, data)
    err.print(f"已导出到 {out_file}（{len(data):,} 字节）", markup=False)


@app.command()
def report(
    city: Annotated[
        str | None, typer.Argument(help="单位，如 杭州市；与 --all 二选一。", show_default=False)
    ] = None,
    year: Annotated[int | None, typer.Option(help="年份；默认该单位最近一次报送。")] = None,
    period: Annotated[Period | None, typer.Option(help="时段：H1 或 FY；默认最近一次。")] = None,
    all_units: Annotated[
        bool, typer.Option("--all", help="为该时段的所有单位各起草一份，打包为 .zip。")
    ] = False,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="输出文件（.docx，--all 时为 .zip；不会覆盖）。")
    ] = None,
) -> None:
    """起草某单位一次报送的评估报告（Word）：报送材料、指标对照、六大领域、主要数据、待核实事项、典型应用、与上期相比的变化，并留出评估意见。"""
    from corpus.report import (
        choose_submission,
        draft_report,
        draft_reports_zip,
        report_file_name,
    )

    if all_units == (city is not None):
        err.print("✗ 请给出一个单位，或用 --all（同时给出 --year 和 --period）", markup=False)
        raise typer.Exit(2)
    engine = store_engine()
    if all_units:
        if year is None or period is None:
            err.print("✗ --all 需要同时给出 --year 和 --period", markup=False)
            raise typer.Exit(2)
        data = draft_reports_zip(engine, year, period.value)
        name = f"{year}年{PERIODS[period.value]}评估报告（初稿）.zip"
    else:
        unit = canonical_city(city)
        year, chosen = choose_submission(engine, unit, year, period.value if period else None)
        data = draft_report(engine, unit, year, chosen)
        name = report_file_name(unit, year, chosen)
    target = out_file or Path(name)
    refuse_existing(target)
    write_new(target, data)
    err.print(f"已写入 {target}（{len(data):,} 字节）", markup=False)


@app.command()
def diff(
    city: Annotated[str, typer.Argument(help="单位，如 杭州市。")],
    before: Annotated[str, typer.Option("--from", help="较早的报送期，如 2016H1。")],
    after: Annotated[str, typer.Option("--to", help="较晚的报送期，如 2016FY。")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """比较某单位两次报送：新增、删去和改写的章节与段落，数值变化的指标，新增和重复报送的典型应用。"""
    from corpus.diff import parse_submission, submission_diff

    d = submission_diff(
        store_engine(), canonical_city(city), parse_submission(before), parse_submission(after)
    )
    if as_json:
        print(json.dumps(d.to_dict(), ensure_ascii=False))
        return
    c = d.counts
    out.print(
        f"{d.city}：{before} → {after}　章节 +{c['sections_added']} −{c['sections_removed']} "
        f"~{c['sections_changed']}；段落 +{c['passages_added']} −{c['passages_removed']} "
        f"~{c['passages_changed']}；指标变化 {c['figures_changed']}；"
        f"典型应用 新增 {c['applications_new']} 重复 {c['applications_repeated']}",
        markup=False,
    )
    marks = {"added": "+", "removed": "−", "changed": "~"}
    for s in d.sections:
        if s.status == "unchanged":
            continue
        out.print(f"{marks[s.status]} {' > '.join(s.heading) or '（无标题）'}", markup=False)
        for p in s.added:
            out.print(f"    + {p.text[:60]}（{p.document} 第{p.page or '?'}页）", markup=False)
        for p in s.removed:
            out.print(f"    − {p.text[:60]}（{p.document} 第{p.page or '?'}页）", markup=False)
        for ch in s.changed:
            out.print(f"    ~ {ch.after.text[:60]}（相似度 {ch.similarity:.0%}）", markup=False)
    words = {"changed": "变化", "new": "新报告", "dropped": "未再报告"}
    for f in d.figures:
        if f.status != "same":
            out.print(
                f"指标 {f.name}：{f.before or '—'} → {f.after or '—'}（{words[f.status]}）",
                markup=False,
            )
    for a in d.applications:
        label = {"new": "新增", "repeated": "重复报送", "dropped": "未再报送"}[a.status]
        out.print(f"典型应用 {label}：{a.title}", markup=False)


@app.command()
def summary(
    year: Annotated[int, typer.Option(help="年份。")],
    period: Annotated[Period, typer.Option(help="时段：H1 或 FY。")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="另存为 .xlsx（Excel）或 .docx（Word）；不会覆盖。")
    ] = None,
) -> None:
    """某时段的汇总：各单位六大领域覆盖、指标与指南目标对照、未报送单位、各领域优秀典型应用。"""
    from corpus.summary import period_summary, summary_docx, summary_xlsx

    engine = store_engine()
    s = period_summary(engine, year, period.value)
    if out_file is not None:
        if out_file.suffix not in (".xlsx", ".docx"):
            err.print(f"✗ {out_file}：只能保存为 .xlsx 或 .docx", markup=False)
            raise typer.Exit(2)
        refuse_existing(out_file)
        data = summary_xlsx(engine, s) if out_file.suffix == ".xlsx" else summary_docx(engine, s)
        write_new(out_file, data)
        err.print(f"已写入 {out_file}（{len(data):,} 字节）", markup=False)
        return
    from classify import SHORT_NAMES

    table = Table(title=f"{s.label} 六大领域覆盖（段落数）", title_justify="left")
    for column in ("单位", *(SHORT_NAMES[a] for a in range(1, 7)), "未涉及"):
        table.add_column(column)
    for row in s.matrix.rows:
        table.add_row(
            row.city,
            *(str(row.cells[a].passages) for a in range(1, 7)),
            "、".join(SHORT_NAMES[a] for a in row.missing),
        )
    out.print(table)
    table = Table(title="指标与指南目标", title_justify="left")
    for column in ("指标", "指南目标", *(r.city for r in s.indicators.rows)):
        table.add_column(column)
    for column in s.indicators.indicators:
        cells = []
        for r in s.indicators.rows:
            line = r.line(column.id)
            f = line.figure if line else None
            cells.append(f"{f.raw} {CHECKS.get(line.check or '', '')}".strip() if f else "")
        table.add_row(column.name, column.target or "", *cells)
    out.print(table)
    out.print(f"未报送单位：{'、'.join(s.not_submitted) or '无'}", markup=False)
    for area, apps in s.outstanding.items():
        names = "；".join(f"{a.city} {a.title}" for a in apps)
        out.print(f"优秀典型应用（{SHORT_NAMES[area]}）：{names}", markup=False)
