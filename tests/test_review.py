"""Evaluators' review on real ingested documents, in a SQLite file and a real PostgreSQL: every
change recorded with its event, stale edits refused, nothing an evaluator entered overwritten."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from corpus import ingest, search
from corpus.accounts import UserInfo
from corpus.applications import get_app, list_apps
from corpus.classifiers import corrections, tag_corrections
from corpus.figures import FigureFilters, list_figures
from corpus.review import (
    Conflict,
    Forbidden,
    InvalidValue,
    NotFound,
    add_comment,
    count_queue,
    document_view,
    get_passage,
    history,
    recent_events,
    review_figure,
    review_queue,
    set_app_tags,
    set_outstanding,
    set_passage_area,
)
from corpus.scorecard import scorecard
from corpus.search import Filters
from models.db import alembic_config, make_engine, migrate
from models.tables import ApplicationTag, Passage, ReviewEvent

H1_REPORT = "杭州市2016年上半年信息消费示范城市建设进展情况.docx"
APPS = "成都市信息消费典型应用(3个).docx"


def ingest_files(store, *paths: Path, user: str = "测试"):
    engine, data_dir, limits = store
    summary = ingest(
        list(paths), engine=engine, data_dir=data_dir, limits=limits, jobs=2, user=user
    )
    assert not summary.failed, [r.message for r in summary.failed]
    return summary


def events(engine) -> list[ReviewEvent]:
    with Session(engine) as session:
        return list(session.exec(select(ReviewEvent).order_by(ReviewEvent.id)))


def first_passage(engine, **where) -> Passage:
    with Session(engine) as session:
        query = select(Passage).order_by(Passage.id)
        for name, value in where.items():
            query = query.where(getattr(Passage, name) == value)
        return session.exec(query).first()


def test_passage_area_change_is_recorded_and_used(store, samples):
    engine, _, _ = store
    ingest_files(store, samples / H1_REPORT)
    passage = first_passage(engine, area=1)
    new_area = 3
    change = set_passage_area(
        engine, passage.id, new_area, user="评估员甲", expected_version=1, comment="应属公共服务"
    )
    assert (change.entity, change.entity_id, change.version) == ("passage", passage.id, 2)
    view = get_passage(engine, passage.id)
    assert (view.area, view.predicted_area, view.reviewed_area, view.version) == (3, 1, 3, 2)
    [event] = events(engine)
    assert (event.user, event.entity, event.entity_id, event.action) == (
        "评估员甲",
        "passage",
        passage.id,
        "set_area",
    )
    assert event.before == {"reviewed_area": None, "predicted_area": 1}
    assert event.after == {"reviewed_area": 3, "predicted_area": 1}
    assert event.comment == "应属公共服务"
    [shown] = history(engine, "passage", passage.id)
    assert shown.summary == "领域：1 信息基础设施 → 3 公共服务" and shown.id == change.event.id
    # `infocity train` learns from it, and the search's area filter sees it
    assert [(e.id, e.area) for e in corrections(engine)] == [(f"db-{passage.id}", 3)]
    word = passage.words.split()[0]
    hits = search(engine, word, Filters(area=3), limit=200)
    assert passage.id in {h.passage_id for h in hits}
    # back to the model's area
    back = set_passage_area(engine, passage.id, None, user="评估员乙", expected_version=2)
    assert back.version == 3 and get_passage(engine, passage.id).area == 1
    assert history(engine, "passage", passage.id)[0].summary.startswith("领域改回模型判断")


def test_stale_edit_is_refused_and_names_who_changed_it(store, samples):
    engine, _, _ = store
    ingest_files(store, samples / H1_REPORT)
    passage = first_passage(engine)
    set_passage_area(engine, passage.id, 5, user="张三", expected_version=1)
    with pytest.raises(Conflict) as caught:
        set_passage_area(engine, passage.id, 6, user="李四", expected_version=1)
    conflict = caught.value
    assert "张三" in str(conflict) and "没有保存" in str(conflict)
    assert (conflict.by, conflict.current_version, conflict.expected_version) == ("张三", 2, 1)
    assert get_passage(engine, passage.id).reviewed_area == 5  # the first evaluator's word stands
    assert len(events(engine)) == 1  # the refused edit left no trace but the refusal


def test_two_evaluators_at_the_same_moment(store, samples):
    """Both load version 1 and save together: exactly one wins, the other is told."""
    engine, _, _ = store
    ingest_files(store, samples / H1_REPORT)
    passage = first_passage(engine)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def edit(name: str, area: int) -> None:
        barrier.wait()
        try:
            outcomes[name] = set_passage_area(
                engine, passage.id, area, user=name, expected_version=1
            )
        except Exception as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=edit, args=args) for args in (("甲", 2), ("乙", 4))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    conflicts = [v for v in outcomes.values() if isinstance(v, Conflict)]
    wins = [v for v in outcomes.values() if not isinstance(v, Exception)]
    assert len(conflicts) == 1 and len(wins) == 1, outcomes
    [event] = events(engine)
    assert get_passage(engine, passage.id).reviewed_area == event.after["reviewed_area"]
    assert conflicts[0].by == event.user


def test_reingest_never_touches_reviews(store, samples, tmp_path):
    engine, _, _ = store
    ingest_files(store, samples / H1_REPORT)
    passage = first_passage(engine)
    set_passage_area(engine, passage.id, 6, user="评估员", expected_version=1)
    again = ingest_files(store, samples / H1_REPORT)
    assert again.count("present") == 1
    view = get_passage(engine, passage.id)
    assert (view.reviewed_area, view.version) == (6, 2)


def test_bad_requests(store, samples):
    engine, _, _ = store
    ingest_files(store, samples / H1_REPORT)
    passage = first_passage(engine)
    with pytest.raises(NotFound, match="没有编号为 999999 的段落"):
        set_passage_area(engine, 999_999, 1, user="甲", expected_version=1)
    with pytest.raises(InvalidValue, match="未知领域"):
        set_passage_area(engine, passage.id, 9, user="甲", expected_version=1)
    viewer = UserInfo(1, "观察员", "viewer", True)
    with pytest.raises(Forbidden, match="只读"):
        set_passage_area(engine, passage.id, 1, user=viewer, expected_version=1)
    retired = UserInfo(2, "前评估员", "evaluator", False)
    with pytest.raises(Forbidden, match="停用"):
        add_comment(engine, "passage", passage.id, "看看", user=retired)
    with pytest.raises(Forbidden):
        set_passage_area(engine, passage.id, 1, user="  ", expected_version=1)
    with pytest.raises(NotFound, match="没有编号为 999999 的数据"):
        review_figure(engine, 999_999, "accept", user="甲", expected_version=1)
    with pytest.raises(NotFound, match="典型应用"):
        set_outstanding(engine, 999_999, True, user="甲", expected_version=1)
    with pytest.raises(InvalidValue, match="未知对象类型"):
        history(engine, "city", 1)
    assert events(engine) == []
    assert get_passage(engine, passage.id).version == 1


def test_figure_review_reaches_the_scorecard(store, samples):
    engine, _, _ = store
    ingest_files(store, samples / H1_REPORT)
    card = scorecard(engine, "杭州市", 2016, "H1")
    line = next(line for line in card.lines if line.figure and line.check)
    figure = line.figure
    assert figure.version == 1 and figure.review_status is None

    change = review_figure(
        engine, figure.id, "correct", user="甲", expected_version=1, corrected_value=1.0
    )
    assert change.version == 2
    fixed = next(
        x for x in scorecard(engine, "杭州市", 2016, "H1").lines if x.indicator == line.indicator
    )
    assert fixed.figure.id == figure.id and fixed.figure.value == 1.0
    assert history(engine, "figure", figure.id)[0].summary.startswith("更正数值")

    review_figure(engine, figure.id, "reject", user="乙", expected_version=2, comment="误读")
    after = next(
        (x for x in scorecard(engine, "杭州市", 2016, "H1").lines if x.indicator == line.indicator),
        None,
    )
    assert after is None or after.figure is None or after.figure.id != figure.id
    stored = next(
        f for f in list_figures(engine, FigureFilters(city="杭州市"), 10_000) if f.id == figure.id
    )
    assert (stored.review_status, stored.corrected_value, stored.version) == ("rejected", None, 3)
    assert stored.value == figure.value  # what ingest read is kept beside the review

    review_figure(engine, figure.id, "accept", user="乙", expected_version=3)
    with pytest.raises(InvalidValue, match="必须给出正确的数值"):
        review_figure(engine, figure.id, "correct", user="甲", expected_version=4)
    with pytest.raises(InvalidValue, match="未知操作"):
        review_figure(engine, figure.id, "delete", user="甲", expected_version=4)
    with pytest.raises(Conflict):
        review_figure(engine, figure.id, "reject", user="甲", expected_version=2)
    assert [e.action for e in history(engine, "figure", figure.id)] == [
        "accept",
        "reject",
        "correct",
    ]


def test_app_tags_and_outstanding(store, samples):
    engine, _, _ = store
    ingest_files(store, samples / APPS)
    app_ = list_apps(engine)[0]
    assert app_.version == 1 and all(t["source"] == "model" for t in app_.tags)
    with pytest.raises(InvalidValue, match="未知标签：no-such-tag"):
        set_app_tags(engine, app_.id, ["e-commerce", "no-such-tag"], user="甲", expected_version=1)
    change = set_app_tags(
        engine,
        app_.id,
        ["smart-healthcare", "e-government", "smart-healthcare"],
        user="甲",
        expected_version=1,
    )
    assert change.version == 2
    stored = get_app(engine, app_.id)
    assert sorted(t["tag"] for t in stored.tags) == ["e-government", "smart-healthcare"]
    assert {t["source"] for t in stored.tags} == {"evaluator"}
    [case] = tag_corrections(engine)
    assert sorted(case.tags) == ["e-government", "smart-healthcare"]
    event = change.event
    assert event.before["tags"] == sorted(t["tag"] for t in app_.tags)
    assert event.after == {"tags": ["e-government", "smart-healthcare"], "source": "evaluator"}

    # the same tags again change nothing and record nothing
    same = set_app_tags(
        engine, app_.id, ["e-government", "smart-healthcare"], user="乙", expected_version=2
    )
    assert same.event is None and same.version == 2

    out = set_outstanding(engine, app_.id, True, user="乙", expected_version=2, comment="推荐")
    assert out.version == 3 and get_app(engine, app_.id).outstanding
    with pytest.raises(Conflict, match="乙"):
        set_app_tags(engine, app_.id, [], user="甲", expected_version=2)
    cleared = set_app_tags(engine, app_.id, [], user="甲", expected_version=3)
    assert get_app(engine, app_.id).tags == [] and cleared.event.summary == "清空标签"
    assert [e.action for e in history(engine, "application", app_.id)] == [
        "set_tags",
        "set_outstanding",
        "set_tags",
    ]
    with Session(engine) as session:
        assert (
            session.exec(
                select(ApplicationTag).where(ApplicationTag.application_id == app_.id)
            ).all()
            == []
        )


def test_comments_and_recent_events(store, samples):
    engine, _, _ = store
    ingest_files(store, samples / H1_REPORT)
    passage = first_passage(engine)
    event = add_comment(engine, "passage", passage.id, "  这段数据需要核实  ", user="甲")
    assert (event.action, event.comment, event.summary) == ("comment", "这段数据需要核实", "评论")
    assert get_passage(engine, passage.id).version == 1  # a comment changes nothing
    with pytest.raises(InvalidValue, match="评论不能为空"):
        add_comment(engine, "passage", passage.id, "   ", user="甲")
    with pytest.raises(NotFound):
        add_comment(engine, "figure", 999_999, "?", user="甲")
    doc_id = passage.document_id
    add_comment(engine, "document", doc_id, "<script>alert(1)</script>", user="乙")
    # an edit that changes nothing but carries a comment is kept as a comment
    same = set_passage_area(engine, passage.id, None, user="丙", expected_version=1, comment="维持")
    assert same.version == 1 and same.event.action == "comment"
    recent = recent_events(engine, 10)
    assert [e.user for e in recent] == ["丙", "乙", "甲"]
    assert recent[1].comment == "<script>alert(1)</script>"  # stored as given; pages escape it
    assert [e.user for e in recent_events(engine, 10, user="乙")] == ["乙"]
    assert [e.entity for e in recent_events(engine, 10, entity="document")] == ["document"]
    assert len(recent_events(engine, 2)) == 2


def test_review_queue(store, samples):
    engine, _, _ = store
    ingest_files(store, samples)
    queue = review_queue(engine)
    assert queue and len(queue) == count_queue(engine)
    confidences = [q.area_confidence or 0 for q in queue]
    assert confidences == sorted(confidences)
    assert all(q.needs_review and q.reviewed_area is None for q in queue)
    first = queue[0]
    for_city = review_queue(engine, city=first.city, year=first.year, period=first.period)
    assert {(q.city, q.year, q.period) for q in for_city} == {
        (first.city, first.year, first.period)
    }
    set_passage_area(
        engine, first.id, first.predicted_area, user="甲", expected_version=first.version
    )
    assert first.id not in {q.id for q in review_queue(engine)}
    assert count_queue(engine) == len(queue) - 1
    assert len(review_queue(engine, limit=1)) == min(1, len(queue) - 1)
    assert history(engine, "passage", first.id)[0].summary.startswith("确认领域")


def test_document_view(store, samples):
    engine, _, _ = store
    ingest_files(store, samples / H1_REPORT)
    passage = first_passage(engine)
    view = document_view(engine, passage.document_id)
    assert view.name == H1_REPORT and view.city == "杭州市" and view.is_current
    assert [p.order for p in view.passages] == sorted(p.order for p in view.passages)
    assert view.figures and {f.passage_id for f in view.figures} <= {p.id for p in view.passages}
    set_passage_area(engine, passage.id, 4, user="甲", expected_version=1)
    only = document_view(engine, passage.document_id, area=4)
    assert passage.id in {p.id for p in only.passages} and {p.area for p in only.passages} == {4}
    with pytest.raises(NotFound):
        document_view(engine, 999_999)


# --- migrations --------------------------------------------------------------------------------


def test_store_from_before_0003_upgrades(db_url):
    """A store made by the previous release (migrations up to 0002) with data in it upgrades:
    the data stays, figures start at version 1, and the user table appears."""
    engine = make_engine(db_url)
    try:
        command.upgrade(alembic_config(engine), "0002")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO document (id, sha256, name, size, format, kind, status, "
                    "needs_review, truncated, n_passages, version, is_current, ingested_at, "
                    "ingested_by) VALUES (1, 'abc', '旧.docx', 1, 'docx', 'progress', 'ok', "
                    "false, false, 1, 1, true, CURRENT_TIMESTAMP, '')"
                )
            )
            conn.execute(
                text(
                    'INSERT INTO passage (id, document_id, "order", text, words, extra, '
                    "needs_review, reviewed_area, version) "
                    "VALUES (1, 1, 0, '光纤到户用户达到100万户', '光纤 到户', '', false, 2, 3)"
                )
            )
            conn.execute(
                text(
                    'INSERT INTO figure (id, passage_id, raw, approx, start, "end", '
                    "review_status) VALUES (1, 1, '100万户', false, 8, 14, 'accepted')"
                )
            )
            conn.execute(
                text(
                    'INSERT INTO reviewevent (at, "user", entity, entity_id, action) '
                    "VALUES (CURRENT_TIMESTAMP, '甲', 'passage', 1, 'set_area')"
                )
            )
        migrate(engine)
        names = set(inspect(engine).get_table_names())
        assert "user" in names
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version, review_status FROM figure")).one() == (
                1,
                "accepted",
            )
            assert conn.execute(text("SELECT reviewed_area, version FROM passage")).one() == (2, 3)
        assert [e.user for e in recent_events(engine)] == ["甲"]
        # and the upgraded store works for review
        change = review_figure(engine, 1, "reject", user="乙", expected_version=1)
        assert change.version == 2
        # the migration can be undone and redone
        command.downgrade(alembic_config(engine), "0002")
        assert "user" not in set(inspect(engine).get_table_names())
        migrate(engine)
        assert "user" in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(store):
    """The tables the migrations build are the ones models/tables.py declares."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    engine, _, _ = store
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    extra = {"passage_fts", "passage_vocab"} | {
        f"passage_fts_{s}" for s in ("data", "idx", "docsize", "config", "content")
    }
    diffs = [
        d
        for d in diffs
        if not (d[0] == "remove_table" and d[1].name in extra)
        and not (
            d[0] == "remove_index"
            and d[1].name in ("ix_passage_search_gin", "ix_passage_search_rum")
        )
        and not (d[0] == "remove_column" and d[2] == "passage" and d[3].name in ("tsv", "facets"))
    ]  # by hand: FTS5 tables on SQLite; on PostgreSQL tsv (0001), facets, rum (0011), GIN (0012)
    assert diffs == []
