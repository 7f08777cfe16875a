"""Analysis runs in the extraction worker, under that worker's limits (issue 17)."""

from __future__ import annotations

from corpus.ingest import AnalysedDocument, AnalyseStep, Overrides
from extract import Failure, Limits, extract_file

REPORT = "杭州市2016年上半年信息消费示范城市建设进展情况.docx"


def test_worker_returns_the_analysed_document(samples):
    outcome = extract_file(
        samples / REPORT, Limits(), then=AnalyseStep(overrides=Overrides(year=2017))
    )
    assert isinstance(outcome, AnalysedDocument)
    assert (outcome.city, outcome.year, outcome.period) == ("杭州市", 2017, "H1")
    assert outcome.evidence["year"][0]["source"] == "option"
    assert len(outcome.analysis.passages) > 20
    assert all(p.words for p in outcome.analysis.passages if p.passage.text.strip())


def test_the_memory_limit_covers_the_analysis(samples):
    """Parsing fits in 300 MB; loading the models does not fit in 32 MB more: the file fails as
    a resource limit instead of the analysis escaping the limit."""
    tight = Limits(memory_bytes=300 * 2**20, analysis_memory_bytes=32 * 2**20)
    outcome = extract_file(samples / REPORT, tight, then=AnalyseStep())
    assert isinstance(outcome, Failure) and outcome.code == "resource limit", outcome
    assert isinstance(extract_file(samples / REPORT, tight), Failure) is False  # parsing alone fits


def _worker_pids(pool) -> list[int]:
    return sorted(w.proc.pid for w in list(pool._idle.queue) if w is not None)


def test_ingests_of_one_process_reuse_the_workers_and_their_models(store, samples, tmp_path):
    """A second ingest with the same settings borrows the first one's workers (models already
    loaded in them); other options get workers of their own, and only KEEP_IDLE idle pools stay."""
    from corpus import ingest
    from corpus.ingest import pools

    engine, data_dir, limits = store
    pools.close_all()
    names = sorted(p.name for p in samples.glob("*.docx"))[:4]
    assert len(names) == 4
    summary = ingest([samples / names[0]], engine=engine, data_dir=data_dir, limits=limits)
    assert summary.count("added") == 1
    [(key, first)] = list(pools._kept.items())
    pids = _worker_pids(first.pool)
    assert len(pids) == 1 and first.users == 0
    summary = ingest([samples / names[1]], engine=engine, data_dir=data_dir, limits=limits)
    assert summary.count("added") == 1
    assert pools._kept[key] is first and _worker_pids(first.pool) == pids
    for name, year in ((names[2], 2017), (names[3], 2018)):
        ingest(
            [samples / name],
            engine=engine,
            data_dir=data_dir,
            limits=limits,
            overrides=Overrides(year=year),
        )
    assert len(pools._kept) == pools.KEEP_IDLE and key not in pools._kept
    pools.close_all()
    assert pools._kept == {}
