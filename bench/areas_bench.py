"""Area classifier: quality and speed, against two baselines measured in the same run.

    python bench/areas_bench.py [--grid]

Quality: 5-fold cross-validation on the training corpus (classify/data/areas/), then the model
trained on all of it scored on the held-out set bench/data/areas_holdout.jsonl, which was written
independently of the training corpus (other writers, other cities) and is never trained on.
Baselines on the same held-out set: keyword counting (one keyword list per area) and nearest guide
section (TF-IDF cosine to the guide's own section texts: what "compare with the guide" gets).
Speed: passages per second on one core with the model loaded, and the model's load time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classify import Params, cross_validate, evaluate, load_examples, train  # noqa: E402
from classify.areas import AreaModel  # noqa: E402
from classify.tokens import normalize  # noqa: E402

HOLDOUT = ROOT / "bench" / "data" / "areas_holdout.jsonl"
GUIDE = ROOT.parent / "shared" / "guide-2016.txt"

KEYWORDS = {
    1: "宽带 光纤 光网 4G 基站 WLAN WiFi 无线 提速 普遍服务 行政村 铁塔 共建共享 集约化 网络覆盖 通信",
    2: "可穿戴 智能家居 智能网联汽车 车联网 智能硬件 基础软件 操作系统 数据库 集成电路 芯片 服务器 "
    "高性能计算 云存储 显示 智能终端 软件和信息服务业 电子信息制造 产业化 核心技术 工业云",
    3: "公共数据 数据开放 智能化改造 水表 电表 燃气 智慧交通 智慧医疗 医院 智慧社区 养老 民生 市民卡 "
    "电子政务 政务服务 审批 应急 食品药品 治安 城市管理 网格化 城管",
    4: "数字文化 动漫 数字图书 网络出版 数字出版 游戏 图书馆 博物馆 文化馆 阅读 文化云 新媒体 文化",
    5: "电子商务 电商 网络零售 跨境 农村电商 线上线下 O2O 本地生活 移动支付 物流 互联网金融 两化融合 "
    "工业大数据 协同研发 众包 个性化定制 服务型制造 互联网+",
    6: "双创 众创空间 创客 孵化 创新工场 开源社区 创业 投融资 创投 产学研 成果转化 信息消费环境",
}

GUIDE_SECTIONS = {  # (一)..(六) of section 二 are areas 1-6; section 三 stands for 0
    "（一）加快信息基础设施升级改造": 1,
    "（二）增强信息消费高端供给水平": 2,
    "（三）提升公共服务能力": 3,
    "（四）推动新兴文化服务发展": 4,
    "（五）挖掘信息消费新需求": 5,
    "（六）释放大众创业万众创新潜能": 6,
    "三、措施与要求": 0,
}


def keyword_predict(texts: list[str]) -> np.ndarray:
    lists = {area: words.lower().split() for area, words in KEYWORDS.items()}
    out = []
    for text in texts:
        norm = normalize(text)
        counts = {area: sum(norm.count(w) for w in words) for area, words in lists.items()}
        best = max(counts, key=counts.get)
        out.append(best if counts[best] > 0 else 0)
    return np.array(out)


def guide_sections() -> dict[int, str] | None:
    if not GUIDE.exists():
        return None
    text = GUIDE.read_text(encoding="utf-8").replace("(", "（").replace(")", "）")
    marks = sorted((text.find(head), area) for head, area in GUIDE_SECTIONS.items())
    sections = {}
    for i, (start, area) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        sections[area] = text[start:end]
    return sections


def guide_predict(texts: list[str], sections: dict[int, str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    areas = sorted(sections)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True)
    guide = vec.fit_transform([normalize(sections[a]) for a in areas])
    sims = cosine_similarity(vec.transform([normalize(t) for t in texts]), guide)
    return np.array(areas)[sims.argmax(axis=1)]


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, pred, average="macro"))


def speed(model: AreaModel, texts: list[str], repeat: int = 3) -> float:
    model.predict(texts[:50])  # warm jieba and caches
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        model.predict(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="store_true", help="also print a small parameter grid")
    args = parser.parse_args()

    examples = load_examples()
    counts = np.bincount([e.area for e in examples], minlength=7)
    print(f"training corpus: {len(examples)} passages, per area {counts.tolist()}")
    holdout = load_examples([HOLDOUT])
    y_hold = np.array([e.area for e in holdout])
    hold_texts = [e.text for e in holdout]
    print(f"held-out set: {len(holdout)} passages, per area {np.bincount(y_hold).tolist()}")

    if args.grid:
        for C in (5.0, 20.0, 50.0):
            for title_weight in (0.3, 0.5):
                p = Params(C=C, title_weight=title_weight)
                cv = cross_validate(examples, p, 5)
                print(f"  grid C={C:<5} title_weight={title_weight}: CV macro-F1 {cv.macro_f1:.3f}")

    start = time.perf_counter()
    model, probs = train(examples)
    train_s = time.perf_counter() - start
    y = np.array([e.area for e in examples])
    cv = evaluate(y, probs, model.classes, model.threshold)
    print(
        f"\ntrained in {train_s:.1f} s (5 folds + final fit); temperature {model.temperature:.2f}"
    )
    print(
        f"5-fold CV:        macro-F1 {cv.macro_f1:.3f}  accuracy {cv.accuracy:.3f}  "
        f"calibration error {cv.calibration_error:.3f}"
    )
    print("  per area F1:", " ".join(f"{a}:{f:.2f}" for a, f in zip(cv.labels, cv.f1, strict=True)))

    hold_probs = model.probabilities(hold_texts, [e.title for e in holdout])
    held = evaluate(y_hold, hold_probs, model.classes, model.threshold)
    print(
        f"held-out:         macro-F1 {held.macro_f1:.3f}  accuracy {held.accuracy:.3f}  "
        f"calibration error {held.calibration_error:.3f}"
    )
    print(
        "  per area F1:",
        " ".join(f"{a}:{f:.2f}" for a, f in zip(held.labels, held.f1, strict=True)),
    )
    print(
        f"  review threshold {held.threshold:.2f}: {held.review_share:.1%} sent to review, "
        f"accuracy of the rest {held.accuracy_kept:.3f}"
    )
    print("  confusion (rows true, columns predicted):")
    for label, row in zip(held.labels, held.confusion, strict=True):
        print(f"    {label}: " + " ".join(f"{v:3d}" for v in row))
    no_title = model.probabilities(hold_texts)
    print(
        f"held-out, titles withheld: macro-F1 {macro_f1(y_hold, model.classes[no_title.argmax(1)]):.3f}"
    )

    kw = keyword_predict(hold_texts)
    print(f"\nbaseline keywords, held-out:      macro-F1 {macro_f1(y_hold, kw):.3f}")
    sections = guide_sections()
    if sections:
        g = guide_predict(hold_texts, sections)
        print(f"baseline guide sections, held-out: macro-F1 {macro_f1(y_hold, g):.3f}")
    else:
        print(f"baseline guide sections: skipped ({GUIDE} not found)")

    path = ROOT / "bench" / ".areas-bench.npz"
    model.save(path)
    start = time.perf_counter()
    loaded = AreaModel.load(path)
    load_s = time.perf_counter() - start
    path.unlink()
    texts = [e.text for e in examples] + hold_texts
    texts = (texts * (2000 // len(texts) + 1))[:2000]
    rate = speed(loaded, texts)
    start = time.perf_counter()
    keyword_predict(texts)
    kw_rate = len(texts) / (time.perf_counter() - start)
    mean_len = sum(map(len, texts)) / len(texts)
    print(f"\nspeed: {rate:,.0f} passages/s on one core (mean {mean_len:.0f} characters)")
    print(f"  keyword baseline {kw_rate:,.0f} passages/s; model/keywords = {rate / kw_rate:.2f}")
    print(f"model load: {load_s * 1000:.0f} ms ({len(loaded.coef[0]):,} features)")


if __name__ == "__main__":
    main()
