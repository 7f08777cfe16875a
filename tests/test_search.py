"""Search over the ingested samples, on SQLite FTS5 and PostgreSQL full text."""

from __future__ import annotations

import pytest

from corpus import Filters, QueryError, ingest, more_like_this, ranked, search
from corpus.search import make_snippet, parse_query


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request, tmp_path_factory, samples):
    """The samples plus a traditional-character report, ingested once per backend."""
    from contextlib import ExitStack

    from corpus.settings import Settings
    from corpus.store import open_store
    from tests import pg

    tmp = tmp_path_factory.mktemp(f"search-{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp / 'infocity.db'}"
        else:
            url = stack.enter_context(pg.database(request.getfixturevalue("pg_server")))
        settings = Settings(data_dir=tmp / "data", database_url=url)
        engine = open_store(settings)
        extra = tmp / "繁體"
        extra.mkdir()
        (extra / "台州市2016年上半年進展.txt").write_text(
            "台州市2016年上半年信息消費示範城市建設進展情況\n全市寬帶網絡提速，新增光纖到戶用戶8萬戶。",
            "utf-8",
        )
        ingest(
            [samples, extra],
            engine=engine,
            data_dir=settings.data_dir,
            limits=settings.limits(),
            jobs=2,
        )
        yield engine
        engine.dispose()


def test_ranked_hits_with_context(loaded):
    hits = search(loaded, "智慧医疗", limit=5)
    assert hits
    top = hits[0]
    assert top.city and top.period in ("H1", "FY") and top.document and top.page
    assert {top.snippet[s:e] for s, e in top.highlights} & {"智慧医疗", "智慧", "医疗"}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_filters(loaded):
    hits = search(loaded, "光纤", Filters(city="成都", period="FY"), limit=50)
    assert hits and {(h.city, h.period) for h in hits} == {("成都市", "FY")}
    assert search(loaded, "光纤", Filters(year=2015)) == []
    apps = search(loaded, "平台", Filters(kind="applications"), limit=50)
    assert apps and all("典型应用" in h.document or "案例" in h.document for h in apps)


def test_traditional_and_simplified_find_each_other(loaded):
    simplified_query = search(loaded, "宽带 光纤到户", Filters(city="台州"))
    assert [h.city for h in simplified_query] == ["台州市"]
    assert "寬帶" in simplified_query[0].snippet
    traditional_query = search(loaded, "寬帶網絡", Filters(city="杭州"))
    assert traditional_query and traditional_query[0].city == "杭州市"


def test_phrase_and_boolean(loaded):
    phrase = search(loaded, '"公共数据开放"', limit=50)
    assert phrase and all("公共数据开放" in h.text for h in phrase)
    both = {h.passage_id for h in search(loaded, "众创空间 孵化", limit=100)}
    either = {h.passage_id for h in search(loaded, "众创空间 OR 孵化", limit=100)}
    assert both < either
    without = search(loaded, "众创空间 -成都", limit=100)
    assert without and all("成都" not in h.text for h in without)
    assert {h.passage_id for h in search(loaded, "众创空间 NOT 成都", limit=100)} == {
        h.passage_id for h in without
    }


@pytest.mark.parametrize("query", ["！！！", "。，、", "NOT 光纤", "OR AND", "-", '""', "***"])
def test_nothing_to_search_is_a_clear_error(loaded, query):
    with pytest.raises(QueryError, match="没有可检索的词语"):
        search(loaded, query)


@pytest.mark.parametrize(
    "query",
    [
        '光纤" OR 1=1 --',
        "光纤'; DROP TABLE passage; --",
        "光纤 NEAR(a b)",
        "光纤 words:宽带",
        "光纤 ^宽带 *",
        "(光纤",
        "光纤)",
    ],
)
def test_hostile_queries_never_reach_sql_or_fts_syntax(loaded, query):
    hits = search(loaded, query, limit=5)
    assert isinstance(hits, list)
    assert search(loaded, "光纤", limit=1)  # the table is still there


def test_more_like_this_finds_other_documents(loaded):
    source = search(loaded, "智慧医疗 预约诊疗", limit=1)[0]
    similar = more_like_this(loaded, source.passage_id, limit=5)
    assert similar
    assert all(h.document_id != source.document_id for h in similar)
    with pytest.raises(QueryError):
        more_like_this(loaded, 10**9)


def test_parse_query():
    groups = parse_query('光纤 "智慧 社区" OR 宽带 -农村')
    assert len(groups) == 2
    assert groups[0].must[1].phrase and groups[1].must_not[0].tokens == ["农村"]


def test_snippet_marks_matches():
    snippet, spans = make_snippet("全市新增光纤到户用户12万户。", ["光纤", "到户"])
    assert [snippet[s:e] for s, e in spans] == ["光纤到户"]


def test_very_common_words_rank_the_newest_matches_and_filters_widen(store, tmp_path, monkeypatch):
    """A word in more passages than the candidate bound ranks only the newest matches; with a
    filter, older matches are reached by widening, so a city's only mention is still found."""
    import importlib

    search_module = importlib.import_module("corpus.search")  # corpus.search is also a function

    engine, data_dir, limits = store
    cities = ["宁波市", "成都市", "郑州市", "武汉市"]  # ingested oldest first
    for n, city in enumerate(cities):
        path = tmp_path / f"{city}2016年上半年进展.txt"
        path.write_text(
            f"{city}2016年上半年进展情况\n\n全市光纤网络建设进展顺利，第{n}批。", "utf-8"
        )
        ingest([path], engine=engine, data_dir=data_dir, limits=limits)
    assert {h.city for h in search(engine, "光纤", limit=20)} == set(cities)
    monkeypatch.setattr(search_module, "CANDIDATES", 2)
    monkeypatch.setattr(search_module, "NARROW_CANDIDATES", (2,))
    # The bound keeps the newest three matches (the bound plus the one at it); PostgreSQL ranks all.
    newest = cities[1:] if engine.dialect.name == "sqlite" else cities
    assert {h.city for h in search(engine, "光纤", limit=20)} == set(newest)
    (only,) = search(engine, "光纤", Filters(city="宁波市"), 20)
    assert only.city == "宁波市"
    # The page is told when the ranking left matches out, and not otherwise.
    bounded = ranked(engine, "光纤", limit=20)
    if engine.dialect.name == "sqlite":
        assert bounded.bound and "最新的约 2 段" in bounded.bound
    else:
        assert bounded.bound is None  # rum bounds only past RUM_BOUND (tests/test_search_pg.py)
    assert ranked(engine, "光纤", Filters(city="宁波市"), 20).bound is None  # widened to all
    assert ranked(engine, "第3批", limit=20).bound is None  # one match
