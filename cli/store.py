"""The store: `demo`, `ingest`, `status`, `backup`, `restore`, `confirm`, `repair-versions`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .app import app, err, out
from .common import (
    OCR_HELP,
    PERIODS,
    OcrMode,
    Period,
    cli_actor,
    failure_line,
    limits_for,
    store_engine,
    whoami,
)
from .search import print_hits, run_search


def _run_ingest(
    engine,
    paths: list[Path],
    overrides,
    jobs: int | None,
    as_json: bool,
    user: str,
    ocr: OcrMode | None = None,
) -> int:
    from corpus import get_settings, ingest

    settings = get_settings()
    progress = Progress(
        TextColumn("入库"),
        MofNCompleteColumn(),
        TextColumn("页 {task.fields[pages]}"),
        TextColumn("失败 {task.fields[failed]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    counts = {"pages": 0, "failed": 0}

    def on_result(result) -> None:
        counts["pages"] += result.pages
        counts["failed"] += result.status == "failed"
        progress.update(task, advance=1, pages=counts["pages"], failed=counts["failed"])
        if result.status == "failed" and not as_json:
            progress.console.print(failure_line(result), markup=False, highlight=False)
        elif result.status == "skipped" and not as_json:
            progress.console.print(f"– {result.message}", markup=False, highlight=False)

    with progress:
        task = progress.add_task("ingest", total=None, pages=0, failed=0)
        if settings.broker_url:  # one task per file for `infocity worker` (issue 20)
            from .jobs import ingest_queued_cli

            summary = ingest_queued_cli(engine, settings, paths, overrides, user, ocr, on_result)
        else:
            summary = ingest(
                paths,
                engine=engine,
                data_dir=settings.data_dir,
                limits=limits_for(settings, ocr),
                jobs=jobs or settings.jobs,
                overrides=overrides,
                user=user,
                on_result=on_result,
                review_threshold=settings.review_threshold,
            )
    if as_json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, default=str))
    else:
        err.print(
            f"新增 {summary.count('added')}，新版本 {summary.count('version')}，"
            f"已存在 {summary.count('present')}，失败 {summary.count('failed')}"
            + (f"，跳过 {summary.count('skipped')}" if summary.count("skipped") else "")
            + "。"
            + (f"（清理了 {summary.swept} 个未完成入库的残留文件）" if summary.swept else "")
        )
        for r in summary.results:
            if r.needs_review or r.not_carried:
                err.print(f"⚠ {r.message}", markup=False, highlight=False)
            for item in r.not_carried:
                err.print(f"    未带入：{item['what']}（{item['reason']}）", markup=False)
    return 1 if summary.failed else 0


@app.command()
def demo(
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="同时解析的文件数。")
    ] = None,
) -> None:
    """把自带的示例报告文件夹导入本地数据库（SQLite），并显示入库情况和一次检索示例。"""
    from corpus import Overrides, samples_dir

    folder = samples_dir()
    err.print(f"示例文件夹：{folder}")
    engine = store_engine()
    code = _run_ingest(engine, [folder], Overrides(), jobs, as_json=False, user="demo")
    _print_status(engine)
    err.print("\n检索示例：infocity search 光纤到户")
    print_hits(run_search(engine, "光纤到户", None, 5)[0])
    _demo_admin(engine)
    raise typer.Exit(code)


def _demo_admin(engine) -> None:
    """The web app needs an account: on a store with none, the demo creates a local admin with a
    random password, printed once."""
    import secrets

    from corpus.accounts import add_user, list_users

    if not list_users(engine):
        password = secrets.token_urlsafe(12)
        add_user(engine, "admin", password, "admin", by="demo")
        err.print(
            f"\n已创建网页应用的管理员账户：用户名 admin，密码 {password}"
            "（只显示这一次；用 infocity user passwd admin 可修改）",
            markup=False,
        )
    err.print("网页应用：运行 infocity serve，然后在浏览器中打开 http://127.0.0.1:8000/")


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="要导入的文件、文件夹（递归）或 .zip 压缩包。")
    ],
    city: Annotated[str | None, typer.Option(help="指定城市（覆盖自动识别），如 杭州市。")] = None,
    year: Annotated[int | None, typer.Option(min=2000, max=2100, help="指定年份。")] = None,
    period: Annotated[Period | None, typer.Option(help="指定时段：H1 上半年，FY 全年。")] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="同时解析的文件数。")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出汇总。")] = False,
    user: Annotated[str, typer.Option(help="记录为导入人。")] = "",
    ocr: Annotated[OcrMode | None, typer.Option("--ocr", help=OCR_HELP)] = None,
) -> None:
    """导入报告：同一文件只存一次，同名新文件成为新版本，损坏的文件单独记录原因。"""
    from corpus import Overrides

    overrides = Overrides(city=city, year=year, period=period.value if period else None)
    raise typer.Exit(
        _run_ingest(store_engine(), paths, overrides, jobs, as_json, user or whoami(), ocr=ocr)
    )


def _print_status(engine) -> None:
    from corpus import store_status

    status = store_status(engine)
    table = Table(
        title=f"库中共 {status.documents} 个文档、{status.passages} 个段落", title_justify="left"
    )
    for column in ("城市", "年份", "时段", "文档", "页数", "段落"):
        table.add_column(column)
    for cell in status.cells:
        table.add_row(
            cell["city"] + ("（含待确认）" if cell.get("unconfirmed") else ""),
            str(cell["year"]),
            PERIODS.get(cell["period"], cell["period"]),
            str(cell["documents"]),
            str(cell["pages"]),
            str(cell["passages"]),
        )
    out.print(table)
    for doc in status.unassigned:
        out.print(f"· 未归入上半年或全年报送：{doc['name']}（文档 {doc['id']}）", markup=False)
    _print_unconfirmed(status)
    for doc in status.failed:
        out.print(f"✗ {doc['error']}", markup=False, highlight=False)


def _print_unconfirmed(status) -> None:
    """The status section of documents to confirm and of reviews not carried to a new version."""
    from corpus.labels import KINDS as KIND_LABELS
    from corpus.labels import PERIODS as PERIOD_LABELS

    if status.unconfirmed:
        out.print(
            f"\n待确认的文件（{len(status.unconfirmed)}）：确认或更正后才作为确定信息使用"
            "（infocity confirm 文档编号）",
            markup=False,
        )
    for doc in status.unconfirmed:
        values = (
            f"{doc['city'] or '未识别'} · {doc['year'] or '未识别'} · "
            f"{PERIOD_LABELS.get(doc['period'] or '', '未识别')} · "
            f"{KIND_LABELS.get(doc['kind'], doc['kind'])}"
        )
        out.print(f"⚠ {doc['name']}（文档 {doc['id']}）：{values}", markup=False)
        for field_name, reason in doc["reasons"].items():
            sources = "；".join(doc["sources"].get(field_name, [])) or "无"
            out.print(f"    {reason}（依据：{sources}）", markup=False, highlight=False)
    for doc in status.not_carried:
        out.print(
            f"⚠ {doc['name']}（文档 {doc['id']}，第 {doc['version']} 版）："
            f"上一版（文档 {doc['previous_id']}）的 {len(doc['items'])} 项评审未能带入",
            markup=False,
        )
        for item in doc["items"]:
            out.print(f"    {item['what']}（{item['reason']}）", markup=False, highlight=False)


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False) -> None:
    """显示库中已有内容：各城市、各时段的文档数，失败和待确认的文档。"""
    from corpus import store_status

    engine = store_engine()
    if as_json:
        print(json.dumps(store_status(engine).to_dict(), ensure_ascii=False, default=str))
    else:
        _print_status(engine)


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="备份文件路径（不会覆盖已有文件）。")],
) -> None:
    """备份本地数据库（SQLite 在线备份，导入进行中也可安全执行）；数据库文件之外的报告原件在数据目录 files/ 下。"""
    from corpus.backup import backup_sqlite

    path = backup_sqlite(store_engine(), target)
    err.print(f"已备份到 {path}", markup=False)


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="infocity backup 生成的备份文件。")],
) -> None:
    """从备份恢复本地数据库（SQLite）：先校验备份；网页应用或导入正在使用时拒绝；原数据库（连同 -wal 日志）移到 before-restore-时间/ 保存。"""
    from corpus import get_settings
    from corpus.backup import restore_sqlite

    settings = get_settings()
    url = settings.database_url or ""
    if url and not url.startswith("sqlite"):
        err.print(
            "✗ PostgreSQL 数据库请用 pg_restore 恢复（例如 pg_restore -d 库名 infocity.dump）。"
        )
        raise typer.Exit(1)
    database = Path(url.split("///", 1)[1]) if url else settings.data_dir / "infocity.db"
    restored = restore_sqlite(source, database, settings.data_dir)
    err.print(f"已从 {source} 恢复数据库：{restored.documents} 个文档。", markup=False)
    if restored.kept:
        err.print(f"原数据库保存在 {restored.kept}", markup=False)
    if restored.missing_files:
        err.print(
            f"⚠ 有 {restored.missing_files} 个文档的原件不在 files/ 中：请重新导入这些文件。",
            markup=False,
        )


@app.command("confirm")
def confirm_cmd(
    document_id: Annotated[int, typer.Argument(help="文档编号（见 infocity status）。")],
    city: Annotated[str | None, typer.Option(help="发文单位，如 杭州市、浙江省、洪泽区。")] = None,
    year: Annotated[int | None, typer.Option(min=2000, max=2100, help="年份。")] = None,
    period: Annotated[
        str | None, typer.Option(help="时段：H1 上半年、FY 全年；none 表示没有时段。")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="类型：progress、applications、work_report、disclosure、budget、statistics、"
            "plan、other。"
        ),
    ] = None,
    comment: Annotated[str | None, typer.Option(help="说明（记入修改记录）。")] = None,
) -> None:
    """确认或更正一个文档的发文单位、年份、时段和类型（未给出的项保持不变），记入修改记录。"""
    from corpus.documents import documents_metadata, set_document_metadata
    from corpus.labels import KINDS as KIND_LABELS
    from corpus.labels import PERIODS as PERIOD_LABELS

    engine = store_engine()
    found = documents_metadata(engine, [document_id])
    if not found:
        err.print(f"✗ 没有编号为 {document_id} 的文档", markup=False)
        raise typer.Exit(1)
    now = found[0]
    meta = set_document_metadata(
        engine,
        document_id,
        city if city is not None else now.city,
        year if year is not None else now.year,
        (None if period == "none" else period) if period is not None else now.period,
        kind=kind or now.kind,
        user=cli_actor(),
        expected_revision=now.revision,
        comment=comment,
    )
    state = "已确认" if meta.confirmed else "仍待确认：" + "；".join(meta.unconfirmed.values())
    out.print(
        f"{meta.name}（文档 {meta.id}）：{meta.city or '未识别'} · {meta.year or '未识别'} · "
        f"{PERIOD_LABELS.get(meta.period or '', '无时段')} · {KIND_LABELS.get(meta.kind, meta.kind)}"
        f"，{state}",
        markup=False,
    )


@app.command("repair-versions")
def repair_versions_cmd(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只列出将要修改的版本关系，不写入。")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """修复旧规则（同名即新版本）造成的错误版本关系：不同发文单位、年份、时段或类型的文件恢复为各自的现行文件，只保留真正的新版本；不删除任何内容，修改记入修改记录。"""
    from corpus.versions import repair_versions

    engine = store_engine()
    report = repair_versions(engine, dry_run=dry_run, user=cli_actor())
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
        return
    for change in report.changes:
        out.print(change.describe(), markup=False, highlight=False)
    verb = "将修改" if dry_run else "已修改"
    out.print(
        f"检查了 {report.checked} 个文档，发现 {len(report.wrong_links)} 个错误的版本关系，"
        f"{verb} {len(report.changes)} 个文档的版本信息。"
        + ("（试运行，未写入）" if dry_run else ""),
        markup=False,
    )


@app.command("retire-upload")
def retire_upload_command(
    job_id: Annotated[str, typer.Argument(help="上传编号（网页“入库进度”地址中的编号）。")],
    restore: Annotated[bool, typer.Option("--restore", help="恢复这次上传被撤回的文件。")] = False,
    comment: Annotated[str | None, typer.Option(help="撤回原因（记入审计）。")] = None,
) -> None:
    """撤回一次上传新入库的全部文件（不再计入检索、报送情况、对比和导出），记入审计；--restore 恢复。"""
    from corpus.retire import restore_upload, retire_upload

    engine = store_engine()
    if restore:
        ids = restore_upload(engine, job_id, user=cli_actor())
    else:
        ids = retire_upload(engine, job_id, user=cli_actor(), comment=comment)
    done = "已恢复" if restore else "已撤回"
    err.print(f"{done} {len(ids)} 个文件：{'、'.join(map(str, ids))}", markup=False)
