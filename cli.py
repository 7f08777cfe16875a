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

from extract import vocabulary


class _App(typer.Typer):
    """The store's faults (disk full, read-only, corrupt, too new) end any command with their
    one-line message, never a traceback (issue 15)."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            store = sys.modules.get("corpus.store")  # not imported: not a store fault
            if store is None or not isinstance(exc, store.StoreUnavailable):
                raise
            err.print(f"✗ {exc}", markup=False, highlight=False)
            sys.exit(1)


app = _App(
    help="infocity：国家信息消费示范城市进展报告的读取、分类与检索工具。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# The one vocabulary (extract/vocabulary.py): importing it costs about 0.1 s at --help.
PERIODS = vocabulary.PERIOD_LABELS
KINDS = vocabulary.KIND_LABELS
SOURCES = vocabulary.SOURCE_LABELS
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
    "conflict": "与同时进行的另一次导入冲突，未保存",
}


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class OcrMode(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


OCR_HELP = "OCR：auto 只识别没有可用文字层的页面和图片（默认，见 INFOCITY_OCR），always 全部页面，never 不识别。"


def _limits(settings, ocr: OcrMode | None):
    """The settings' limits, with the command's --ocr over INFOCITY_OCR."""
    from dataclasses import replace

    limits = settings.limits()
    return replace(limits, ocr=ocr.value) if ocr else limits


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
        for outcome in extract_files(files, _limits(settings, ocr), jobs or settings.jobs):
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
    ocr: Annotated[OcrMode | None, typer.Option("--ocr", help=OCR_HELP)] = None,
) -> None:
    """读取报告文件，输出其结构：标题层级、段落、表格、页码及识别出的城市、年份、时段。"""
    raise typer.Exit(_run_extract(paths, format, jobs, show=True, ocr=ocr))


class Period(StrEnum):
    H1 = "H1"
    FY = "FY"


def _store():
    from corpus import StoreUnavailable, get_settings, open_store

    try:
        return open_store(get_settings())
    except StoreUnavailable as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc


def _run_ingest(
    engine,
    paths: list[Path],
    overrides,
    jobs: int | None,
    as_json: bool,
    user: str,
    ocr: OcrMode | None = None,
) -> int:
    from classify import ModelError
    from corpus import StoreUnavailable, get_settings, ingest

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
            progress.console.print(_failure_line(result), markup=False, highlight=False)
        elif result.status == "skipped" and not as_json:
            progress.console.print(f"– {result.message}", markup=False, highlight=False)

    with progress:
        task = progress.add_task("ingest", total=None, pages=0, failed=0)
        try:
            summary = ingest(
                paths,
                engine=engine,
                data_dir=settings.data_dir,
                limits=_limits(settings, ocr),
                jobs=jobs or settings.jobs,
                overrides=overrides,
                user=user,
                on_result=on_result,
                review_threshold=settings.review_threshold,
            )
        except (StoreUnavailable, ModelError) as exc:
            err.print(f"✗ {exc}", markup=False)
            return 1
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
    engine = _store()
    code = _run_ingest(engine, [folder], Overrides(), jobs, as_json=False, user="demo")
    _print_status(engine)
    err.print("\n检索示例：infocity search 光纤到户")
    _print_hits(_search(engine, "光纤到户", None, 5))
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
        _run_ingest(_store(), paths, overrides, jobs, as_json, user or _whoami(), ocr=ocr)
    )


def _whoami() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return ""


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

    engine = _store()
    if as_json:
        print(json.dumps(store_status(engine).to_dict(), ensure_ascii=False, default=str))
    else:
        _print_status(engine)


def _search(engine, query: str | None, like: int | None, limit: int, filters=None):
    from corpus import QueryError, more_like_this, search

    try:
        if like is not None:
            return more_like_this(engine, like, limit, filters)
        return search(engine, query or "", filters, limit)
    except QueryError as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(2) from exc


def _print_hits(hits) -> None:
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
    hits = _search(_store(), query, like, limit, filters)
    if as_json:
        print(json.dumps([hit.__dict__ for hit in hits], ensure_ascii=False, default=str))
    else:
        _print_hits(hits)


def _print_evaluation(evaluation, title: str) -> None:
    from classify import SHORT_NAMES

    table = Table(title=title, title_justify="left")
    for column in ("领域", "精确率", "召回率", "F1", "样本数"):
        table.add_column(column, justify="right")
    for i, label in enumerate(evaluation.labels):
        table.add_row(
            f"{label} {SHORT_NAMES.get(label, '')}",
            f"{evaluation.precision[i]:.3f}",
            f"{evaluation.recall[i]:.3f}",
            f"{evaluation.f1[i]:.3f}",
            str(evaluation.support[i]),
        )
    out.print(table)
    out.print(
        f"宏平均 F1 {evaluation.macro_f1:.3f}，准确率 {evaluation.accuracy:.3f}，"
        f"置信度校准误差 {evaluation.calibration_error:.3f}；"
        f"置信度低于 {evaluation.threshold:.2f} 的 {evaluation.review_share:.1%} 标为待复核，"
        f"其余准确率 {evaluation.accuracy_kept:.3f}。",
        markup=False,
    )
    matrix = Table(title="混淆矩阵（行：真实领域；列：预测领域）", title_justify="left")
    matrix.add_column("")
    for label in evaluation.labels:
        matrix.add_column(str(label), justify="right")
    for label, row in zip(evaluation.labels, evaluation.confusion, strict=True):
        matrix.add_row(str(label), *(str(v) for v in row))
    out.print(matrix)


def _model_error(exc: Exception) -> typer.Exit:
    err.print(f"✗ {exc}", markup=False)
    return typer.Exit(1)


class Which(StrEnum):
    areas = "areas"
    tags = "tags"
    all = "all"


@app.command()
def train(
    which: Annotated[
        Which,
        typer.Option("--model", help="训练哪个模型：areas 领域，tags 典型应用标签，all 两者。"),
    ] = Which.all,
    corpus: Annotated[
        list[Path] | None,
        typer.Option("--corpus", help="领域训练语料（JSON Lines）；默认使用自带语料。可重复。"),
    ] = None,
    cases: Annotated[
        list[Path] | None,
        typer.Option("--cases", help="典型应用标签训练样本（JSON Lines）；默认使用自带样本。"),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="模型保存到此文件夹（areas.npz、tags.npz）；默认保存到数据目录并启用。"
        ),
    ] = None,
    no_corrections: Annotated[
        bool, typer.Option("--no-corrections", help="不加入评估人员在库中的更正。")
    ] = False,
    folds: Annotated[int, typer.Option(min=2, max=20, help="交叉验证折数。")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出评估结果。")] = False,
) -> None:
    """训练模型（领域分类、典型应用标签）：自带语料加上评估人员的更正，保存带版本号的模型并启用。"""
    from classify import ModelError
    from corpus import get_settings
    from corpus.classifiers import train_areas, train_tags

    engine = None if no_corrections else _store()
    data_dir = get_settings().data_dir
    report: dict = {}
    try:
        if which in (Which.areas, Which.all):
            result = train_areas(
                engine,
                data_dir,
                corpus_files=corpus,
                out=out_dir / "areas.npz" if out_dir else None,
                folds=folds,
            )
            report["areas"] = {
                "version": result.version,
                "path": str(result.path),
                "examples": result.examples,
                "corrections": result.corrections,
                "evaluation": result.evaluation.to_dict(),
            }
            if not as_json:
                err.print(
                    f"已训练 {result.version}：{result.examples} 个样本（其中评估人员更正 "
                    f"{result.corrections} 个），保存到 {result.path}",
                    markup=False,
                )
                _print_evaluation(result.evaluation, f"领域分类：{folds} 折交叉验证")
        if which in (Which.tags, Which.all):
            tags = train_tags(
                engine,
                data_dir,
                corpus_files=cases,
                out=out_dir / "tags.npz" if out_dir else None,
                folds=folds,
            )
            report["tags"] = tags.__dict__ | {"path": str(tags.path)}
            if not as_json:
                err.print(
                    f"已训练 {tags.version}：{tags.cases} 个典型应用（其中评估人员标注 "
                    f"{tags.corrections} 个），交叉验证 micro-F1 {tags.micro_f1:.3f}，"
                    f"阈值 {tags.threshold:.2f}，保存到 {tags.path}",
                    markup=False,
                )
    except (ValueError, OSError, ModelError) as exc:
        raise _model_error(exc) from exc
    if as_json:
        print(json.dumps(report, ensure_ascii=False))


@app.command()
def evaluate(
    corpus: Annotated[
        list[Path] | None,
        typer.Option("--corpus", help="用于交叉验证的语料（JSON Lines）；默认使用自带语料。"),
    ] = None,
    holdout: Annotated[
        Path | None,
        typer.Option("--holdout", help="另用当前模型评估一个已标注文件（不参与训练）。"),
    ] = None,
    folds: Annotated[int, typer.Option(min=2, max=20, help="交叉验证折数。")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """评估领域分类：交叉验证的各领域精确率、召回率、F1 和混淆矩阵。"""
    from classify import ModelError, cross_validate, evaluate, load_examples
    from corpus import get_settings
    from corpus.classifiers import area_model

    try:
        model = area_model(get_settings().data_dir)
        cv = cross_validate(load_examples(corpus), model.params, folds, model.threshold)
        held = None
        if holdout is not None:
            examples = load_examples([holdout])
            probs = model.probabilities([e.text for e in examples], [e.title for e in examples])
            held = evaluate([e.area for e in examples], probs, model.classes, model.threshold)
    except (ValueError, OSError, ModelError) as exc:
        raise _model_error(exc) from exc
    if as_json:
        print(
            json.dumps(
                {"cross_validation": cv.to_dict(), "holdout": held and held.to_dict()},
                ensure_ascii=False,
            )
        )
        return
    _print_evaluation(cv, f"{folds} 折交叉验证")
    if held is not None:
        _print_evaluation(held, f"当前模型在 {holdout.name} 上")


@app.command()
def classify(
    source: Annotated[
        str,
        typer.Argument(
            help="输入文件；- 表示标准输入。JSON Lines（id、text、可选 title）或纯文本（空行分段）。"
        ),
    ] = "-",
) -> None:
    """批量分类：每个输入段落输出一行 JSON（领域、置信度、次选领域、是否待复核、数字、典型应用标签）。"""
    from classify import ModelError
    from classify.batch import BadLine, run
    from corpus import get_settings
    from corpus.classifiers import area_model, tag_model

    settings = get_settings()
    try:
        model = area_model(settings.data_dir)
        tags = tag_model(settings.data_dir)
        stream = sys.stdin if source == "-" else open(source, encoding="utf-8-sig")  # noqa: SIM115
    except (OSError, ModelError) as exc:
        raise _model_error(exc) from exc
    bad = 0
    name = "标准输入" if source == "-" else source
    try:
        with stream:
            for item in run(stream, model, settings.review_threshold, tags):
                if isinstance(item, BadLine):
                    bad += 1
                    err.print(f"✗ {name} 第 {item.line} 行：{item.reason}", markup=False)
                else:
                    print(json.dumps(item, ensure_ascii=False), flush=False)
    except UnicodeDecodeError as exc:
        err.print(f"✗ {name}：不是 UTF-8 文本（{exc.reason}）", markup=False)
        raise typer.Exit(1) from exc
    sys.stdout.flush()
    raise typer.Exit(1 if bad else 0)


def _city(name: str | None) -> str | None:
    """ "杭州" and "杭州市" name the same city; an unknown name is used as typed."""
    from extract import city_named

    known = city_named(name) if name else None
    return known.name if known else name


CHECKS = {"met": "✓ 达标", "not_met": "✗ 未达标", "not_comparable": "— 无法比较"}
KINDS_OF_FIGURE = {"level": "水平", "change": "变化", "target": "计划"}


def _number(value: float | None, unit: str | None) -> str:
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{text} {unit or ''}".strip()


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
        _store(),
        FigureFilters(
            _city(city),
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
            ("≈" if r.approx else "") + (r.cmp or "") + _number(r.effective_value, r.unit),
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
    from corpus.figures import NoSubmission
    from corpus.figures import scorecard as make_scorecard

    try:
        card = make_scorecard(_store(), _city(city), year, period.value if period else None)
    except NoSubmission as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc
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

    engine = _store()
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
    rows = list_apps(engine, AppFilters(_city(city), year, tag, area), limit)
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
    from corpus.applications import UnknownApp
    from corpus.applications import similar as find_similar

    try:
        found = find_similar(_store(), app_id, limit)
    except UnknownApp as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc
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


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="备份文件路径（不会覆盖已有文件）。")],
) -> None:
    """备份本地数据库（SQLite 在线备份，导入进行中也可安全执行）；数据库文件之外的报告原件在数据目录 files/ 下。"""
    from corpus.backup import BackupError, backup_sqlite

    try:
        path = backup_sqlite(_store(), target)
    except BackupError as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc
    err.print(f"已备份到 {path}", markup=False)


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="infocity backup 生成的备份文件。")],
) -> None:
    """从备份恢复本地数据库（SQLite）：先校验备份；网页应用或导入正在使用时拒绝；原数据库（连同 -wal 日志）移到 before-restore-时间/ 保存。"""
    from corpus import get_settings
    from corpus.backup import BackupError, restore_sqlite

    settings = get_settings()
    url = settings.database_url or ""
    if url and not url.startswith("sqlite"):
        err.print(
            "✗ PostgreSQL 数据库请用 pg_restore 恢复（例如 pg_restore -d 库名 infocity.dump）。"
        )
        raise typer.Exit(1)
    database = Path(url.split("///", 1)[1]) if url else settings.data_dir / "infocity.db"
    try:
        restored = restore_sqlite(source, database, settings.data_dir)
    except BackupError as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc
    err.print(f"已从 {source} 恢复数据库：{restored.documents} 个文档。", markup=False)
    if restored.kept:
        err.print(f"原数据库保存在 {restored.kept}", markup=False)
    if restored.missing_files:
        err.print(
            f"⚠ 有 {restored.missing_files} 个文档的原件不在 files/ 中：请重新导入这些文件。",
            markup=False,
        )


user_app = typer.Typer(
    help="管理网页版的用户账号：添加、列出、改密码、改角色、停用。",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(user_app, name="user")


class Role(StrEnum):
    admin = "admin"
    evaluator = "evaluator"
    viewer = "viewer"


def _cli_actor() -> str:
    """Who the audit names for changes made from the command line."""
    return f"命令行（{_whoami() or '?'}）"


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    for _ in range(3):
        first = typer.prompt("密码", hide_input=True)
        if typer.prompt("再次输入密码", hide_input=True) == first:
            return first
        err.print("两次输入的密码不一致，请重新输入。")
    err.print("✗ 三次输入不一致，已放弃。")
    raise typer.Exit(1)


def _account_call(fn, *args, **kwargs):
    from corpus.accounts import AccountError

    try:
        return fn(*args, **kwargs)
    except AccountError as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名（登录名）。")],
    role: Annotated[Role, typer.Option(help="角色：admin 管理员，evaluator 评估员，viewer 只读。")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="从标准输入读取密码（一行），供脚本使用。")
    ] = False,
) -> None:
    """添加用户；密码在提示时输入两次（不回显），或用 --password-stdin 从标准输入读取。"""
    from corpus.accounts import ROLES, add_user

    engine = _store()
    user = _account_call(
        add_user, engine, name, _read_password(password_stdin), role.value, by=_cli_actor()
    )
    err.print(f"已添加用户 {user.name}（{ROLES[user.role]}）", markup=False)


@user_app.command("list")
def user_list(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """列出所有用户及其角色和状态。"""
    from corpus.accounts import ROLES, list_users
    from corpus.review import format_time

    users = list_users(_store())
    if as_json:
        print(json.dumps([u.to_dict() for u in users], ensure_ascii=False, default=str))
        return
    if not users:
        out.print("还没有用户。添加：infocity user add 用户名 --role admin")
        return
    table = Table(title=f"共 {len(users)} 个用户", title_justify="left")
    for column in ("用户名", "角色", "状态", "创建时间"):
        table.add_column(column)
    for u in users:
        table.add_row(
            u.name,
            ROLES.get(u.role, u.role),
            "正常" if u.active else "已停用",
            format_time(u.created_at),
        )
    out.print(table)


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="用户名。")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="从标准输入读取新密码（一行）。")
    ] = False,
) -> None:
    """修改用户的密码。"""
    from corpus.accounts import set_password

    engine = _store()
    user = _account_call(
        set_password, engine, name, _read_password(password_stdin), by=_cli_actor()
    )
    err.print(f"已修改 {user.name} 的密码", markup=False)


@user_app.command("role")
def user_role(
    name: Annotated[str, typer.Argument(help="用户名。")],
    role: Annotated[Role, typer.Argument(help="新角色：admin、evaluator 或 viewer。")],
) -> None:
    """修改用户的角色（唯一的管理员不能降级）。"""
    from corpus.accounts import ROLES, set_role

    user = _account_call(set_role, _store(), name, role.value, by=_cli_actor())
    err.print(f"{user.name} 现在是{ROLES[user.role]}", markup=False)


@user_app.command("remove")
def user_remove(name: Annotated[str, typer.Argument(help="用户名。")]) -> None:
    """停用用户：不能再登录，审计记录中的名字保留（用户不会被删除）。"""
    from corpus.accounts import deactivate

    user = _account_call(deactivate, _store(), name, by=_cli_actor())
    err.print(f"已停用用户 {user.name}", markup=False)


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
    from corpus.export import ExportError, export
    from corpus.figures import NoSubmission

    _refuse_existing(out_file)
    try:
        data = export(
            kind.value,
            fmt.value,
            engine=_store(),
            year=year,
            period=period.value if period else None,
            city=_city(city),
        )
    except (ExportError, NoSubmission) as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc
    _write_new(out_file, data)
    err.print(f"已导出到 {out_file}（{len(data):,} 字节）", markup=False)


def _refuse_existing(out_file: Path) -> None:
    if out_file.exists():
        err.print(f"✗ {out_file} 已存在，不会覆盖", markup=False)
        raise typer.Exit(1)


def _write_new(out_file: Path, data: bytes) -> None:
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
    from corpus.figures import NoSubmission
    from corpus.report import (
        choose_submission,
        draft_report,
        draft_reports_zip,
        report_file_name,
    )

    if all_units == (city is not None):
        err.print("✗ 请给出一个单位，或用 --all（同时给出 --year 和 --period）", markup=False)
        raise typer.Exit(2)
    engine = _store()
    try:
        if all_units:
            if year is None or period is None:
                err.print("✗ --all 需要同时给出 --year 和 --period", markup=False)
                raise typer.Exit(2)
            data = draft_reports_zip(engine, year, period.value)
            name = f"{year}年{PERIODS[period.value]}评估报告（初稿）.zip"
        else:
            unit = _city(city)
            year, chosen = choose_submission(engine, unit, year, period.value if period else None)
            data = draft_report(engine, unit, year, chosen)
            name = report_file_name(unit, year, chosen)
    except NoSubmission as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc
    target = out_file or Path(name)
    _refuse_existing(target)
    _write_new(target, data)
    err.print(f"已写入 {target}（{len(data):,} 字节）", markup=False)


@app.command()
def diff(
    city: Annotated[str, typer.Argument(help="单位，如 杭州市。")],
    before: Annotated[str, typer.Option("--from", help="较早的报送期，如 2016H1。")],
    after: Annotated[str, typer.Option("--to", help="较晚的报送期，如 2016FY。")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出。")] = False,
) -> None:
    """比较某单位两次报送：新增、删去和改写的章节与段落，数值变化的指标，新增和重复报送的典型应用。"""
    from corpus.diff import DiffError, parse_submission, submission_diff
    from corpus.figures import NoSubmission

    try:
        d = submission_diff(
            _store(), _city(city), parse_submission(before), parse_submission(after)
        )
    except (DiffError, NoSubmission) as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc
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
    from corpus.figures import NoSubmission
    from corpus.summary import period_summary, summary_docx, summary_xlsx

    engine = _store()
    try:
        s = period_summary(engine, year, period.value)
    except NoSubmission as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc
    if out_file is not None:
        if out_file.suffix not in (".xlsx", ".docx"):
            err.print(f"✗ {out_file}：只能保存为 .xlsx 或 .docx", markup=False)
            raise typer.Exit(2)
        _refuse_existing(out_file)
        data = summary_xlsx(engine, s) if out_file.suffix == ".xlsx" else summary_docx(engine, s)
        _write_new(out_file, data)
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


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="监听地址；只在本机使用时保持 127.0.0.1，局域网共享用 0.0.0.0。")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="端口。")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="服务进程数：多人同时使用时可设为 2–4；登录、会话和上传任务都保存在数据库中，各进程共享。",
        ),
    ] = 1,
) -> None:
    """启动评估人员使用的网页应用：上传、复核、检索、城市比较和导出，在浏览器中使用。"""
    import uvicorn

    from corpus import StoreUnavailable, get_settings
    from corpus.accounts import list_users
    from web import create_app

    try:
        web_app = create_app(get_settings())
    except StoreUnavailable as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc
    if not any(u.active and u.role == "admin" for u in list_users(web_app.state.engine)):
        err.print("还没有管理员账户：请先运行 infocity user add 名字 --role admin", markup=False)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    err.print(f"网页应用地址：http://{shown}:{port}/（按 Ctrl+C 停止）", markup=False)
    # Forwarded headers are read by the app itself, and only from INFOCITY_TRUSTED_PROXIES.
    if workers == 1:
        uvicorn.run(web_app, host=host, port=port, log_level="warning", proxy_headers=False)
        return
    # Several processes: each builds its own app from the same environment (the store is
    # already migrated above); logins, sessions and jobs are shared through the database.
    web_app.state.jobs.shutdown()
    web_app.state.engine.dispose()
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=False,
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
    from corpus.review import ReviewError

    engine = _store()
    found = documents_metadata(engine, [document_id])
    if not found:
        err.print(f"✗ 没有编号为 {document_id} 的文档", markup=False)
        raise typer.Exit(1)
    now = found[0]
    try:
        meta = set_document_metadata(
            engine,
            document_id,
            city if city is not None else now.city,
            year if year is not None else now.year,
            (None if period == "none" else period) if period is not None else now.period,
            kind=kind or now.kind,
            user=_cli_actor(),
            expected_revision=now.revision,
            comment=comment,
        )
    except ReviewError as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc
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

    engine = _store()
    report = repair_versions(engine, dry_run=dry_run, user=_cli_actor())
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

    findings = check_city(_store(), _city(city), year, period.value if period else None)
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


def _figure_edit(fn, *args, **kwargs):
    from corpus.review import ReviewError

    try:
        return fn(*args, **kwargs)
    except ReviewError as exc:
        err.print(f"✗ {exc}", markup=False)
        raise typer.Exit(1) from exc


def _figure_version(figure_id: int) -> int:
    from sqlmodel import Session

    from models.tables import Figure

    with Session(_store()) as session:
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

    engine = _store()
    change = _figure_edit(
        set_figure_role,
        engine,
        figure_id,
        None if role == "auto" else role,
        user=_cli_actor(),
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

    engine = _store()
    change = _figure_edit(
        choose_headline,
        engine,
        figure_id,
        user=_cli_actor(),
        expected_version=_figure_version(figure_id),
        comment=comment,
        clear=clear,
    )
    err.print(f"已保存（数据 {figure_id}，版本 {change.version}）", markup=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
