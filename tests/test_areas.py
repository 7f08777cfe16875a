"""The area classifier: the shipped model, training, the safe model format, the batch interface
and the evaluators' corrections feeding retraining."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from classify import (
    AREAS,
    AreaModel,
    Example,
    ModelError,
    evaluate,
    load_area_model,
    load_examples,
    train,
)
from classify.areas import DEFAULT_MODEL, choose_threshold, data_hash
from classify.batch import BadLine, Record, parse_input, run
from classify.evaluation import calibration_error
from classify.nlp import sentences
from classify.tokens import domain_tokens, normalize
from cli import app
from corpus import ingest
from corpus.classifiers import corrections, merge, train_areas
from models.tables import Document, ModelVersion, Passage

runner = CliRunner()

CLEAR = {
    1: "截至6月底，全市新建4G基站3200个，城区光纤到户覆盖率达到98%，20M以上宽带用户占比提高到62%。",
    2: "全市集成电路产业实现主营业务收入86亿元，同比增长21%，新型显示面板生产线二期建成投产。",
    3: "市民健康服务平台接入全市42家二级以上医院，提供预约挂号、检验报告查询和电子健康档案调阅服务。",
    4: "市图书馆建成数字图书馆分馆36个，在社区投放数字阅读终端120台，动漫产业园入驻企业达到58家。",
    5: "全市网络零售额达到320亿元，农村电商服务站覆盖80%的行政村，跨境电子商务进出口额增长45%。",
    6: "新认定市级众创空间12家，孵化器在孵企业超过600家，举办创业大赛和创业培训30余场次。",
    0: "市政府成立了由分管副市长任组长的信息消费示范城市建设工作领导小组，建立月度督查和年度绩效考核制度。",
}


@pytest.fixture(scope="module")
def model() -> AreaModel:
    return load_area_model()


@pytest.fixture(scope="module")
def small_corpus() -> list[Example]:
    """Twelve examples per area from the bundled corpus: enough to train in a second."""
    examples = load_examples()
    picked: list[Example] = []
    for area in AREAS:
        picked += [e for e in examples if e.area == area][:12]
    return picked


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_corpus_has_at_least_120_passages_per_area_with_traditional_and_hard_cases():
    rows = [
        json.loads(line)
        for path in sorted((Path("classify/data/areas")).glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    per_area = {a: [r for r in rows if r["area"] == a] for a in AREAS}
    assert all(len(v) >= 120 for v in per_area.values()), {a: len(v) for a, v in per_area.items()}
    for area, items in per_area.items():
        assert sum(r["script"] == "traditional" for r in items) >= 6, area
        assert sum(r["hard"] for r in items) >= 12, area
    assert len({r["text"] for r in rows}) == len(rows)
    assert len({r["id"] for r in rows}) == len(rows)


def test_shipped_model_was_trained_on_the_current_corpus(model):
    """Editing the corpus or the dictionary without retraining (make model) fails here."""
    assert model.meta["data_hash"] == data_hash(load_examples())
    assert "warning" not in model.meta


@pytest.mark.parametrize("area", sorted(CLEAR))
def test_clear_passages_get_their_area(model, area):
    (prediction,) = model.predict([CLEAR[area]])
    assert prediction.area == area
    assert prediction.second_area != area
    assert 0 <= prediction.second_confidence <= prediction.confidence <= 1


def test_traditional_and_simplified_classify_the_same(model):
    simplified = CLEAR[3]
    traditional = "市民健康服務平台接入全市42家二級以上醫院，提供預約掛號、檢驗報告查詢和電子健康檔案調閱服務。"
    a, b = model.probabilities([simplified, traditional])
    assert np.allclose(a, b)


def test_numbers_do_not_decide_the_area(model):
    one = model.probabilities(["全市新建4G基站3200个。"])
    other = model.probabilities(["全市新建4G基站１２个。"])
    assert np.allclose(one, other)


def test_low_confidence_is_marked_for_review(model):
    (vague,) = model.predict(["有关情况如下。"], threshold=0.99)
    assert vague.needs_review
    (sure,) = model.predict([CLEAR[1]], threshold=0.0)
    assert not sure.needs_review


def test_domain_dictionary_keeps_terms_whole():
    tokens = domain_tokens(
        normalize("全市光纤到户用户新增５万户，众创空间達到12家，工业云平台上线")
    )
    assert {"光纤到户", "众创空间", "工业云"} <= set(tokens)
    assert "达到" not in tokens  # a stop word, after folding 達 → 达
    assert "0" in tokens and "12" not in tokens and "５" not in tokens


def test_train_saves_and_loads_the_same_model(small_corpus, tmp_path):
    model, oof = train(small_corpus, folds=3)
    assert oof.shape == (len(small_corpus), 7)
    assert np.allclose(oof.sum(axis=1), 1)
    assert 0.5 <= model.threshold <= 0.9 and model.temperature > 0
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = AreaModel.load(path)
    texts = list(CLEAR.values())
    assert np.allclose(model.probabilities(texts), loaded.probabilities(texts))
    assert loaded.meta["data_hash"] == data_hash(small_corpus)
    assert loaded.threshold == model.threshold


def test_model_files_never_unpickle(tmp_path):
    """A model file is plain arrays: a pickle payload is refused, not executed."""
    evil = tmp_path / "evil.npz"
    marker = tmp_path / "pwned"

    class Boom:
        def __reduce__(self):
            return (Path.touch, (marker,))

    np.savez(
        evil,
        __meta__=np.array(json.dumps({"format": 1, "kind": "areas"})),
        coef=np.array([Boom()], dtype=object),
    )
    with pytest.raises(ModelError, match=r"evil\.npz"):
        AreaModel.load(evil)
    assert not marker.exists()
    pickled = tmp_path / "pickled.npz"
    pickled.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ModelError, match=r"pickled\.npz"):
        AreaModel.load(pickled)
    assert not marker.exists()


def test_damaged_or_foreign_model_files_give_clear_errors(tmp_path):
    truncated = tmp_path / "cut.npz"
    truncated.write_bytes(DEFAULT_MODEL.read_bytes()[:2000])
    with pytest.raises(ModelError, match=r"cut\.npz.*infocity train"):
        AreaModel.load(truncated)
    future = tmp_path / "future.npz"
    np.savez(future, __meta__=np.array(json.dumps({"format": 99, "kind": "areas"})))
    with pytest.raises(ModelError, match="格式 99"):
        AreaModel.load(future)
    with pytest.raises(ModelError, match="不存在"):
        AreaModel.load(tmp_path / "missing.npz")
    assert zipfile.is_zipfile(DEFAULT_MODEL)  # the shipped one is a plain .npz archive


def test_bad_corpus_line_names_file_and_line(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"text": "好", "area": 1}, {"text": "x", "area": 9}])
    with pytest.raises(ValueError, match=r"c\.jsonl:2"):
        load_examples([path])


def test_evaluation_figures():
    classes = np.array([0, 1, 2])
    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    result = evaluate([0, 1, 2, 2], probs, classes, threshold=0.6)
    assert result.confusion == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    assert result.recall == [1.0, 1.0, 0.5]
    assert result.precision == [1.0, 0.5, 1.0]
    assert result.accuracy == 0.75
    assert result.review_share == 0.25 and result.accuracy_kept == 1.0
    assert calibration_error(np.array([0.9, 0.9]), np.array([True, False])) == pytest.approx(0.4)
    assert choose_threshold(np.array([0.95, 0.8, 0.5]), np.array([True, True, False])) == 0.55


def test_parse_input_json_lines_and_plain_blocks():
    items = list(
        parse_input(
            ['{"id": "a", "text": "光纤", "title": "一、基础设施"}', "not json", '{"id": 3}', ""]
        )
    )
    assert items[0] == Record("a", "光纤", "一、基础设施", 1)
    assert isinstance(items[1], BadLine) and items[1].line == 2
    assert isinstance(items[2], BadLine) and "text" in items[2].reason
    blocks = list(parse_input(["", "第一段", "接着", "", "", "第二段"]))
    assert blocks == [Record(1, "第一段接着", None, 2), Record(2, "第二段", None, 6)]
    assert list(parse_input([])) == [] and list(parse_input(["", "  "])) == []


def test_run_keeps_order_across_batches(model):
    lines = [json.dumps({"id": i, "text": CLEAR[i % 7]}, ensure_ascii=False) for i in range(300)]
    lines.insert(150, "{broken")
    results = list(run(lines, model))
    assert len(results) == 301
    assert isinstance(results[150], BadLine) and results[150].line == 151
    good = [r for r in results if isinstance(r, dict)]
    assert [r["id"] for r in good] == list(range(300))
    assert all(r["area"] == r["id"] % 7 for r in good)


def test_cli_classify_json_lines_and_plain_text(tmp_path):
    rows = [
        {"id": "p1", "text": CLEAR[6]},
        {"id": "p2", "text": CLEAR[4], "title": "（四）数字文化"},
    ]
    result = runner.invoke(
        app, ["classify", "-"], input="\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["id"], o["area"]) for o in out] == [("p1", 6), ("p2", 4)]
    assert set(out[0]) >= {
        "id",
        "area",
        "confidence",
        "second_area",
        "second_confidence",
        "needs_review",
    }
    text = tmp_path / "passages.txt"
    text.write_text(CLEAR[1] + "\n\n" + CLEAR[5] + "\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(text)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["area"] for line in result.stdout.splitlines()] == [1, 5]


def test_cli_classify_bad_lines_named_and_the_rest_goes_on(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "text": "' + CLEAR[2] + '"}\n{oops\n', encoding="utf-8")
    result = runner.invoke(app, ["classify", str(path)])
    assert result.exit_code == 1
    assert json.loads(result.stdout.splitlines()[0])["area"] == 2
    assert "in.jsonl 第 2 行" in result.stderr
    missing = runner.invoke(app, ["classify", str(tmp_path / "无.jsonl")])
    assert missing.exit_code == 1 and "无.jsonl" in missing.stderr
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = runner.invoke(app, ["classify", str(binary)])
    assert result.exit_code == 1 and "UTF-8" in result.stderr


def test_cli_train_and_evaluate(small_corpus, tmp_path):
    corpus = write_jsonl(
        tmp_path / "corpus.jsonl", [e.__dict__ | {"id": e.id} for e in small_corpus]
    )
    result = runner.invoke(
        app,
        [
            "train",
            "--model",
            "areas",
            "--no-corrections",
            "--corpus",
            str(corpus),
            "--out",
            str(tmp_path),
            "--folds",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "areas.npz").exists() and not (tmp_path / "tags.npz").exists()
    assert "混淆矩阵" in result.stdout and "宏平均 F1" in result.stdout
    result = runner.invoke(
        app,
        ["evaluate", "--corpus", str(corpus), "--holdout", str(corpus), "--folds", "3", "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    cv = report["cross_validation"]
    assert len(cv["confusion"]) == 7 and sum(map(sum, cv["confusion"])) == len(small_corpus)
    assert 0 <= cv["macro_f1"] <= 1 and report["holdout"]["accuracy"] > 0.9


def test_ingest_stores_areas_and_search_filters_by_them(store, samples):
    from corpus import Filters, search

    engine, data_dir, limits = store
    ingest([samples], engine=engine, data_dir=data_dir, limits=limits, jobs=2)
    with Session(engine) as session:
        passages = session.exec(select(Passage)).all()
    assert passages and all(p.area is not None and p.area_confidence for p in passages)
    assert len({p.area for p in passages}) >= 5
    hits = search(engine, "光纤", Filters(area=1), 50)
    assert hits and all(h.area == 1 for h in hits)


def test_corrections_join_retraining_and_win_over_the_corpus(store, small_corpus, tmp_path):
    engine, data_dir, limits = store
    sample = next(e for e in small_corpus if e.area == 0 and 40 < len(e.text) < 250)
    report = tmp_path / "杭州市2016年上半年进展.txt"
    report.write_text(
        f"杭州市2016年上半年信息消费示范城市建设进展情况\n\n一、主要进展\n\n{sample.text}\n",
        encoding="utf-8",
    )
    ingest([report], engine=engine, data_dir=data_dir, limits=limits)
    with Session(engine) as session:
        passages = session.exec(select(Passage)).all()
        (passage,) = [p for p in passages if p.heading_path == ["一、主要进展"]]
        passage.reviewed_area = 4  # the evaluator disagrees with the corpus's label (0)
        session.add(passage)
        session.commit()
    fixes = corrections(engine)
    assert [(e.area, e.title) for e in fixes] == [(4, "一、主要进展")]
    merged = merge(small_corpus, fixes)
    assert len(merged) == len(small_corpus)
    assert [e.area for e in merged if normalize(e.text) == normalize(sample.text)] == [4]
    corpus = write_jsonl(tmp_path / "c.jsonl", [e.__dict__ for e in small_corpus])
    result = train_areas(engine, data_dir, corpus_files=[corpus], folds=3)
    assert result.corrections == 1 and (data_dir / "models" / "areas.npz").exists()
    assert result.path.name == f"{result.version}.npz"
    with Session(engine) as session:
        (row,) = session.exec(select(ModelVersion)).all()
        assert row.kind == "areas" and row.metrics["corrections"] == 1
        assert session.exec(select(Document)).one().n_passages == len(passages)


def test_sentences_keep_offsets():
    text = "截至6月底，全市建成4G基站1.2万个。光纤覆盖率达到95%！下一步继续推进"
    spans = sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "截至6月底，全市建成4G基站1.2万个。",
        "光纤覆盖率达到95%！",
        "下一步继续推进",
    ]
    assert sentences("   ") == []


# --- the real corpus (issue 16) -------------------------------------------------------------

REAL_DIR = Path("classify/data/areas")


def real_rows(name: str) -> list[dict]:
    path = REAL_DIR / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_real_holdout_documents_are_never_trained_on():
    train_rows, held_rows = real_rows("real_train"), real_rows("real_holdout")
    assert len(train_rows) + len(held_rows) >= 600
    held_docs = {r["doc"] for r in held_rows}
    assert not held_docs & {r["doc"] for r in train_rows}
    assert 0.15 <= len(held_rows) / (len(train_rows) + len(held_rows)) <= 0.25
    trained = load_examples()
    assert not held_docs & {e.doc for e in trained}
    assert {r["text"] for r in held_rows}.isdisjoint(e.text for e in trained)
    assert sum(e.real for e in trained) == len(train_rows)


def test_every_real_paragraph_has_its_source_and_two_labels():
    rows = real_rows("real_train") + real_rows("real_holdout")
    for r in rows:
        assert r["source"] and r["doc"], r["id"]
        assert len(r["labels"]) == 2 and r["area"] in AREAS
        if r["labels"][0] != r["labels"][1]:
            assert r["ruling"], r["id"]  # every disagreement was settled by a written rule
        else:
            assert r["area"] == r["labels"][0], r["id"]
    assert {r["area"] for r in rows} == set(AREAS)
    assert sum(r["area"] == 0 for r in rows) >= 300  # area 0's real faces


def test_agreement_figures_in_the_readme_are_the_corpus_s():
    rows = real_rows("real_train") + real_rows("real_holdout")
    first = np.array([r["labels"][0] for r in rows])
    second = np.array([r["labels"][1] for r in rows])
    observed = float((first == second).mean())
    expected = sum((first == a).mean() * (second == a).mean() for a in AREAS)
    kappa = (observed - expected) / (1 - expected)
    readme = (REAL_DIR / "README.md").read_text(encoding="utf-8")
    assert f"raw {observed:.3f}" in readme and f"Cohen's kappa {kappa:.3f}" in readme


def test_long_paragraphs_are_cut_into_whole_sentences():
    from classify.areas import segments

    text = "".join(f"第{i}句讲的是一件事情，内容比较长，需要凑够字数才行。" for i in range(30))
    runs = segments(text, 200)
    assert len(runs) > 1 and "".join(runs) == text
    assert all(r.endswith("。") for r in runs)
    assert all(len(r) <= 200 + 40 for r in runs[:-1])
    assert segments("短的一段。", 200) == ["短的一段。"]


def test_a_paragraph_on_two_areas_shows_both(model):
    broadband = (
        "全市新建4G基站1200个，城区光纤到户覆盖率达到98%，行政村光纤通达率达到100%，"
        "20M以上宽带用户占比提高到62%，主要商业区和旅游景点实现免费WLAN全覆盖。"
        "电信普遍服务试点完成农村宽带建设任务，新增光纤宽带用户5.6万户，4G网络深度覆盖进一步扩大。"
    )
    makers = (
        "新认定市级众创空间12家，国家级科技企业孵化器3家，在孵企业超过600家，"
        "举办创新创业大赛、创业训练营和投融资路演活动30余场次，"
        "设立天使投资引导基金，为初创企业提供创业培训、融资对接和知识产权服务。"
    )
    (prediction,) = model.predict([broadband + makers])
    assert {prediction.area, prediction.second_area} == {1, 6}


def test_real_paragraphs_count_at_most_as_much_as_written_ones():
    from classify.areas import sample_weights

    examples = [Example(f"w{i}", 0) for i in range(10)] + [
        Example(f"r{i}", 0, source="x", doc="d") for i in range(40)
    ]
    examples += [Example(f"a{i}", 1) for i in range(10)] + [
        Example(f"b{i}", 1, source="y", doc="e") for i in range(5)
    ]
    w = sample_weights(examples)
    area0, area1 = w[:50].sum(), w[50:].sum()
    assert area0 == pytest.approx(area1)  # areas count the same
    assert w[10:50].sum() == pytest.approx(w[:10].sum())  # 40 real count as the 10 written
    assert w[60:].sum() == pytest.approx(w[50:60].sum() / 2)  # 5 real count as 5


def test_shipped_model_is_calibrated_on_real_text(model):
    assert model.meta["calibrated_on"] == "real" and model.meta["real_examples"] >= 500
    assert 0.5 <= model.threshold <= 0.9


def test_a_corpus_without_headings_trains_and_takes_headings_later(small_corpus):
    """Real paragraphs carry no heading path: a corpus of them alone must still train."""
    from classify.areas import fit

    untitled = [Example(e.text, e.area, None, e.id, e.source, e.doc) for e in small_corpus]
    model = fit(untitled)
    probs = model.probabilities(list(CLEAR.values()), ["一、加快信息基础设施升级改造"] * len(CLEAR))
    assert probs.shape == (len(CLEAR), 7) and np.allclose(probs.sum(axis=1), 1)


def _sample_texts(samples) -> list[str]:
    from extract import read_document

    texts = ["", " ", "2016年GDP增长7.5%，\r\n光纤到户 ABC-12.5%", "ＡＢＣ１２３ 众创空间\t工业云"]
    for path in sorted(samples.glob("*.docx")) + sorted(samples.glob("*.pdf")):
        for block in read_document(path).blocks:
            texts.append(block.text)
            texts.extend(cell for row in block.rows or () for cell in row)
    return texts + [e.text for e in load_examples()]  # the training corpus too


REAL_CUT_FILES = (  # ../shared/realdocs: a ruled-table PDF and a Word file
    "auditrag__审计署报告-中央部门单位2023年度预算执行等审计查出问题的整改情况.pdf",
    "chatchat__核电厂定期安全审查指南 第1部分：通用要求（征求意见稿）.docx",
)


def test_our_cut_is_jiebas_word_for_word_with_both_dictionaries(samples, realdoc):
    """classify.tokens.cut replaces jieba's lcut for speed (issue 17): the same words, for the
    search index's default dictionary and the classifiers' domain dictionary alike, and the
    dictionaries are the ones jieba itself loads; on the samples, the training corpus (real
    paragraphs among it) and real public files as extracted."""
    import jieba

    from classify import tokens
    from extract import read_document

    default = tokens._jieba().dt
    fresh = jieba.Tokenizer()
    fresh.initialize()
    assert default.FREQ == fresh.FREQ and default.total == fresh.total
    domain = tokens._domain_tokenizer()
    fresh.load_userdict(str(tokens._DATA / "userdict.txt"))
    assert domain.FREQ == fresh.FREQ and domain.total == fresh.total
    texts = _sample_texts(samples)
    for name in REAL_CUT_FILES:
        texts += [block.text for block in read_document(realdoc(name)).blocks]
    assert sum(map(len, texts)) > 100_000
    for tokenizer in (default, domain):
        expected = [tokenizer.lcut(t) for t in texts]
        assert [tokens.cut(tokenizer, t) for t in texts] == expected
        # Again, every run now from the words remembered for it.
        assert [tokens.cut(tokenizer, t) for t in texts] == expected


def test_index_tokens_are_the_two_pass_tokens(samples):
    """index_tokens works each word's phrase and search tokens out once and keeps them (issue
    17): the same tokens as filtering the cut and its search-mode expansion, also when kept."""
    from classify import tokens

    texts = _sample_texts(samples)
    expected = []
    for text in texts:
        words = tokens._cut(text)
        expected.append((tokens._words(words), tokens._words(tokens._for_search(words))))
    assert [tokens.index_tokens(t) for t in texts] == expected
    assert [tokens.index_tokens(t) for t in texts] == expected


def test_loaded_features_are_what_scikit_learn_computes(samples):
    """A loaded model transforms text without scikit-learn (classify.features.Block); the matrix
    is TfidfVectorizer's with the same terms and idf, up to rounding in the last bit."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from classify import features

    model = load_area_model()
    texts = _sample_texts(samples)[:1500]
    columns = model.features._columns(texts, texts[::-1])
    for name, block in model.features.blocks.items():
        options = {
            "words": {"analyzer": features._word_ngrams},
            "chars": {"analyzer": "char", "ngram_range": (2, 3), "lowercase": False},
            "title": {"analyzer": features._title_words},
        }[name]
        theirs = TfidfVectorizer(sublinear_tf=True, vocabulary=block.index, **options)
        theirs.idf_ = block.idf
        want = theirs.transform(columns[name]).tocsr()
        got = block.transform(columns[name])
        assert want.nnz > 1000
        assert np.array_equal(want.indptr, got.indptr)
        assert np.array_equal(want.indices, got.indices)
        assert np.allclose(want.data, got.data, rtol=1e-12, atol=0)
