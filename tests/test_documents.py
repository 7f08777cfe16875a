"""A document's city, year and period set by an evaluator (corpus/documents.py), on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

REPORT = "一、总体情况\n\n全市新建5G基站300个，光纤到户用户达到120万户。\n"


@pytest.fixture
def stored(store, tmp_path):
    """(engine, id) of one stored report whose city and period were not recognised."""
    from corpus import ingest

    engine, data_dir, limits = store
    path = tmp_path / "报告.txt"
    path.write_text(REPORT, encoding="utf-8")
    summary = ingest([path], engine=engine, data_dir=data_dir, limits=limits)
    result = summary.results[0]
    assert result.status == "added" and result.needs_review
    return engine, result.document_id


def test_setting_metadata_files_the_document_under_its_submission(stored):
    from corpus import store_status
    from corpus.documents import documents_metadata, set_document_metadata
    from corpus.review import history

    engine, doc_id = stored
    meta = documents_metadata(engine, [doc_id, 999])
    assert [m.id for m in meta] == [doc_id] and meta[0].needs_review
    kind = meta[0].kind  # what extraction made of it; the edit leaves it as it is
    after = set_document_metadata(
        engine, doc_id, "郑州", 2017, "FY", user="评估员甲", expected=(None, None, None)
    )
    assert (after.city, after.year, after.period) == ("郑州市", 2017, "FY")
    assert not after.needs_review
    assert after.evidence["city"][0]["source"] == "evaluator"
    cells = store_status(engine).cells
    assert {"city": "郑州市", "year": 2017, "period": "FY"}.items() <= cells[0].items()
    event = history(engine, "document", doc_id)[0]
    assert event.user == "评估员甲" and event.action == "set_metadata"
    assert event.before == {
        "city": None,
        "year": None,
        "period": None,
        "kind": kind,
        "confirmed": False,
    }
    assert event.after == {
        "city": "郑州市",
        "year": 2017,
        "period": "FY",
        "kind": kind,
        "confirmed": True,
    }
    # The same values again change nothing and record nothing.
    set_document_metadata(engine, doc_id, "郑州市", 2017, "FY", user="评估员甲")
    assert len(history(engine, "document", doc_id)) == 1


def test_a_stale_form_conflicts_and_writes_nothing(stored):
    from corpus.documents import documents_metadata, set_document_metadata
    from corpus.review import Conflict

    engine, doc_id = stored
    set_document_metadata(engine, doc_id, "杭州市", 2016, "H1", user="甲")
    with pytest.raises(Conflict, match="甲"):
        set_document_metadata(
            engine, doc_id, "宁波市", 2016, "FY", user="乙", expected=(None, None, None)
        )
    assert documents_metadata(engine, [doc_id])[0].city == "杭州市"


def test_a_stale_form_names_the_last_change_not_a_later_comment(stored):
    """The conflict of a document's form names who changed it (a comment is not a change) and
    does not pretend the form sent a version: it sent the values it showed."""
    from corpus.documents import documents_metadata, set_document_metadata
    from corpus.review import Conflict, add_comment

    engine, doc_id = stored
    set_document_metadata(engine, doc_id, "杭州市", 2016, "H1", user="甲")
    add_comment(engine, "document", doc_id, "看过了", user="丙")
    with pytest.raises(Conflict) as caught:
        set_document_metadata(
            engine, doc_id, "宁波市", 2016, "FY", user="乙", expected=(None, None, None)
        )
    assert caught.value.by == "甲" and "丙" not in str(caught.value)
    assert caught.value.expected_version is None
    assert caught.value.current_version == documents_metadata(engine, [doc_id])[0].revision


def test_bad_values_and_viewers_are_refused(stored):
    from corpus.accounts import UserInfo
    from corpus.documents import set_document_metadata
    from corpus.review import Forbidden, InvalidValue, NotFound

    engine, doc_id = stored
    with pytest.raises(InvalidValue):
        set_document_metadata(engine, doc_id, "杭州市", 1899, "H1", user="甲")
    with pytest.raises(InvalidValue):
        set_document_metadata(engine, doc_id, "杭州市", 2016, "Q3", user="甲")
    with pytest.raises(NotFound):
        set_document_metadata(engine, 424242, "杭州市", 2016, "H1", user="甲")
    viewer = UserInfo(1, "看", "viewer", True)
    with pytest.raises(Forbidden):
        set_document_metadata(engine, doc_id, "杭州市", 2016, "H1", user=viewer)
