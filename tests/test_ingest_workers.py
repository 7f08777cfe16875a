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
