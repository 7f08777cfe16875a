"""The classifiers: `train`, `evaluate`, `classify`."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .app import app, err, out
from .common import store_engine


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
    from corpus import get_settings
    from corpus.classifiers import train_areas, train_tags

    engine = None if no_corrections else store_engine()
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
    except (ValueError, OSError) as exc:
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
    from classify import cross_validate, evaluate, load_examples
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
    except (ValueError, OSError) as exc:
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
    from classify.batch import BadLine, run
    from corpus import get_settings
    from corpus.classifiers import area_model, tag_model

    settings = get_settings()
    try:
        model = area_model(settings.data_dir)
        tags = tag_model(settings.data_dir)
        stream = sys.stdin if source == "-" else open(source, encoding="utf-8-sig")  # noqa: SIM115
    except OSError as exc:
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
