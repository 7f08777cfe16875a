"""The shared office server (issue 20): ingest queued for `infocity worker` processes, the
workers themselves, and `infocity jobs`, the jobs and their files (docs/office-server.md)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from .app import app, err, out
from .common import limits_for, store_engine


def ingest_queued_cli(engine, settings, paths, overrides, user, ocr, on_result):
    from corpus.executor import ingest_queued

    def stalled() -> None:
        err.print(
            "⚠ 已排队，但还没有任何文件处理完成：请确认至少一台机器在运行 infocity worker"
            f"（队列 {settings.broker_queue}）。",
            markup=False,
        )

    try:
        return ingest_queued(
            paths,
            engine=engine,
            settings=settings,
            limits=limits_for(settings, ocr),
            overrides=overrides,
            user=user,
            on_result=on_result,
            on_stall=stalled,
            review_threshold=settings.review_threshold,
        )
    except KeyboardInterrupt:
        err.print("已停止等待；已排队的文件仍由 worker 处理，用 infocity jobs 查看进度。")
        raise typer.Exit(130) from None


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", "-c", min=1, help="同时处理的文件数（默认 INFOCITY_JOBS）。"),
    ] = None,
    loglevel: Annotated[str, typer.Option(help="日志级别：DEBUG、INFO、WARNING。")] = "INFO",
) -> None:
    """启动导入 worker：从队列（INFOCITY_BROKER_URL）逐个取文件解析入库，直到被停止。"""
    from corpus import get_settings

    settings = get_settings()
    if not settings.broker_url:
        err.print(
            "✗ 未设置 INFOCITY_BROKER_URL（如 redis://127.0.0.1:6379/0），worker 无队列可取。"
        )
        raise typer.Exit(2)
    store_engine().dispose()  # the store is reachable and migrated before any task is taken
    from corpus.executor import run_worker

    run_worker(settings, concurrency, loglevel.upper())


@app.command("jobs")
def jobs_cmd(
    job_id: Annotated[str | None, typer.Argument(help="任务编号：列出其中每个文件的结果。")] = None,
    limit: Annotated[int, typer.Option(min=1, help="列出最近多少个任务。")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
    requeue: Annotated[
        bool, typer.Option("--requeue", help="把该任务中还没有结果的文件重新排队。")
    ] = False,
) -> None:
    """列出导入任务（命令行排队的导入和网页上传）及其进度；给出编号时列出每个文件。"""
    from corpus.jobs import list_jobs, load_job

    engine = store_engine()
    if requeue:
        _requeue(engine, job_id)
        return
    if job_id is None:
        rows = list_jobs(engine, limit)
        if as_json:
            print(json.dumps(rows, ensure_ascii=False, default=str))
            return
        table = Table(title=f"最近 {len(rows)} 个导入任务", title_justify="left")
        for column in (
            "编号",
            "来源",
            "导入人",
            "创建时间",
            "状态",
            "进度",
            "新增",
            "已存在",
            "失败",
        ):
            table.add_column(column)
        for r in rows:
            done = sum(r["counts"].values())
            table.add_row(
                r["id"],
                "上传" if r["kind"] == "upload" else "命令行",
                r["user"],
                f"{r['created']:%Y-%m-%d %H:%M}",
                JOB_STATES.get(r["state"], r["state"]),
                f"{done}/{r['expected']}" if r["expected"] is not None else str(done),
                str(r["counts"].get("added", 0) + r["counts"].get("version", 0)),
                str(r["counts"].get("present", 0)),
                str(r["counts"].get("failed", 0)),
            )
        out.print(table)
        return
    record = load_job(engine, job_id)
    if record is None:
        err.print(f"✗ 没有编号为 {job_id} 的导入任务。", markup=False)
        raise typer.Exit(1)
    if as_json:
        data = {**record.__dict__, "results": [r.__dict__ for r in record.results]}
        print(json.dumps(data, ensure_ascii=False, default=str))
        return
    out.print(
        f"任务 {record.id}：{JOB_STATES.get(record.state, record.state)}，"
        f"{len(record.results)} 个文件有结果" + (f"；{record.error}" if record.error else ""),
        markup=False,
    )
    for r in record.results:
        mark = {"failed": "✗", "skipped": "–", "present": "="}.get(r.status, "✓")
        out.print(f"{mark} {r.message}", markup=False, highlight=False)


def _requeue(engine, job_id: str | None) -> None:
    from corpus import get_settings
    from corpus.executor import requeue

    settings = get_settings()
    if job_id is None or not settings.broker_url:
        err.print("✗ --requeue 需要任务编号，并需设置 INFOCITY_BROKER_URL。", markup=False)
        raise typer.Exit(2)
    n = requeue(engine, settings, job_id)
    err.print(
        f"已把任务 {job_id} 中 {n} 个还没有结果的文件重新排队。"
        if n
        else f"任务 {job_id} 没有需要重新排队的文件（已完成，或暂存的文件已清理）。",
        markup=False,
    )


JOB_STATES = {
    "queued": "排队中",
    "running": "进行中",
    "done": "已完成",
    "error": "出错",
    "interrupted": "已中断",
}
