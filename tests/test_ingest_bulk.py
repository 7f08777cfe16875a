"""A document written with bulk statements (multi-row INSERT on SQLite, COPY on PostgreSQL), on a
real SQLite file and a real PostgreSQL database (issue 17): every column stored as the row
builders say (the models' defaults where ingest says nothing), figures and tags under the right
passage and application, the index fed, and all or nothing when a statement fails."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, func, select

from corpus import search
from corpus.ingest import Source, analyse_file, analyse_step, write
from corpus.ingest.rows import application_rows, figure_rows, passage_rows, tag_rows
from extract import sha256_regular
from models.tables import Application, ApplicationTag, Document, Figure, Passage

REPORT = "杭州市2016年上半年信息消费示范城市建设进展情况.docx"
CASES = "成都市信息消费典型应用(3个).docx"


def _analysed(samples, name, data_dir, limits):
    path = samples / name
    source = Source(path, name, sha256_regular(path))
    return analyse_file(source, analyse_step(data_dir), limits)


def _columns(row, skip=("id",)) -> dict:
    return {k: v for k, v in row.model_dump().items() if k not in skip}


def test_document_stored_as_its_rows_say(store, samples):
    engine, data_dir, limits = store
    written = {}
    for name in (REPORT, CASES):
        analysed = _analysed(samples, name, data_dir, limits)
        result = write(engine, analysed, data_dir=data_dir, user="评估员甲")
        assert result.status == "added", result.message
        doc_id, analysis = result.document_id, analysed.analysis
        written[name] = doc_id
        with Session(engine) as session:
            passages = session.exec(
                select(Passage).where(Passage.document_id == doc_id).order_by(Passage.id)
            ).all()
            ids = [p.id for p in passages]
            assert [_columns(p) for p in passages] == passage_rows(doc_id, analysis)
            # The ORM would have stored the same: the builders' rows are complete, defaults too.
            assert [_columns(Passage(**row)) for row in passage_rows(doc_id, analysis)] == [
                _columns(p) for p in passages
            ]
            figures = session.exec(
                select(Figure)
                .join(Passage)
                .where(Passage.document_id == doc_id)
                .order_by(Figure.id)
            ).all()
            assert [_columns(f) for f in figures] == figure_rows(ids, analysis)
            by_id = {p.id: p for p in passages}
            prose = [f for f in figures if f.row is None]
            assert prose and all(f.raw in by_id[f.passage_id].text for f in prose)
            apps = session.exec(
                select(Application)
                .where(Application.document_id == doc_id)
                .order_by(Application.id)
            ).all()
            app_ids = [a.id for a in apps]
            rows = application_rows(doc_id, analysis, analysed.city, analysed.year, analysed.period)
            assert [_columns(a) for a in apps] == rows
            tags = session.exec(
                select(ApplicationTag)
                .where(ApplicationTag.application_id.in_(app_ids))
                .order_by(ApplicationTag.id)
            ).all()
            assert [_columns(t) for t in tags] == tag_rows(app_ids, analysis)
            assert session.get(Document, doc_id).n_passages == len(passages)
        if name == CASES:
            assert len(apps) == 3 and tags
    # The full-text index was fed by the bulk statements.
    hits = search(engine, "光纤", limit=50)
    assert written[REPORT] in {h.document_id for h in hits}
    assert all("光纤" in h.text for h in hits)


def test_a_failing_statement_leaves_nothing_of_the_document(store, samples):
    engine, data_dir, limits = store
    analysed = _analysed(samples, CASES, data_dir, limits)
    first = analysed.analysis.cases[0]
    # The same tag twice on one application: the last statement of the transaction fails.
    broken_case = dataclasses.replace(first, tags=[*first.tags, first.tags[0]])
    analysed.analysis.cases[0] = broken_case
    result = write(engine, analysed, data_dir=data_dir)
    assert (result.status, result.code) == ("failed", "conflict")
    with Session(engine) as session:
        for model in (Document, Passage, Figure, Application, ApplicationTag):
            assert session.exec(select(func.count()).select_from(model)).one() == 0, model
    analysed.analysis.cases[0] = first  # and the same document, whole, writes
    assert write(engine, analysed, data_dir=data_dir).status == "added"
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Application)).one() == 3
