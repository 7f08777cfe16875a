"""PostgreSQL search with the rum index and with its GIN fallback (issue 20, part 4), over the
ingested samples in one real PostgreSQL database read through two engines: one as opened by
default (the rum index, created by migration 0009 from Debian's postgresql-15-rum), one opened
with INFOCITY_SEARCH_RUM=0 (the fallback)."""

from __future__ import annotations

import importlib
import itertools

import pytest
from sqlalchemy import text

from corpus import Filters, ingest, search
from corpus.search import (
    _tsquery,
    count_matches,
    parse_query,
    postgresql_statement,
    uses_rum,
)

search_module = importlib.import_module("corpus.search")  # corpus.search is also a function

ONE_WORD = ["光纤", "宽带", "平台", "智慧", "电子商务", "企业"]  # one token each
SEVERAL = [
    "信息消费",
    "电子商务 交易额",
    '"光纤到户"',
    "宽带 OR 4G",
    "平台 -杭州",
    "智慧 城市 建设",
]


@pytest.fixture(scope="module")
def engines(tmp_path_factory, samples, pg_server):
    """(rum engine, fallback engine) over one database holding the samples."""
    from corpus.settings import Settings
    from corpus.store import open_store
    from tests import pg

    tmp = tmp_path_factory.mktemp("search-pg")
    with pg.database(pg_server) as url:
        settings = Settings(data_dir=tmp / "data", database_url=url)
        rum = open_store(settings)
        ingest([samples], engine=rum, data_dir=settings.data_dir, limits=settings.limits(), jobs=2)
        gin = open_store(settings.model_copy(update={"search_rum": False}))
        yield rum, gin
        rum.dispose()
        gin.dispose()


def _brute_force(
    engine, query: str, score: str, filters: Filters | None = None
) -> list[tuple[int, float]]:
    """Every match with its `score`, best first, ties newest first: what an exact ranking
    returns."""
    params: dict = {"q": _tsquery(parse_query(query))}
    where = search_module._filter_sql(filters or Filters(), params)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT p.id, {score}(p.tsv, to_tsquery('simple', :q)) AS s "
                "FROM passage p JOIN document d ON d.id = p.document_id "
                f"WHERE p.tsv @@ to_tsquery('simple', :q) AND {where} ORDER BY s DESC, p.id DESC"
            ),
            params,
        ).all()
    return [(int(i), float(s)) for i, s in rows]


def assert_exact(hits, ranked: list[tuple[int, float]], what) -> None:
    """`hits` are the best len(hits) of `ranked`: the same scores in the same order, the same
    passages at every score but the last one reached (where a tie may be cut either way), and
    ties newest first."""
    top = ranked[: len(hits)]
    assert len(hits) == len(top), what
    assert [h.score for h in hits] == pytest.approx([s for _, s in top], rel=1e-5), what
    cut = top[-1][1] if top else None
    above = [i for i, s in ranked if s > cut * (1 + 1e-5)] if top else []
    assert [h.passage_id for h in hits][: len(above)] == above, what
    got_at_cut = [h.passage_id for h in hits][len(above) :]
    at_cut = {i for i, s in ranked if s == pytest.approx(cut, rel=1e-5)}
    assert set(got_at_cut) <= at_cut, what
    # Best first, ties (equal scores as returned) newest first. Scores within rel 1e-5 of each
    # other count as one score above, but may differ in their last bits, which orders them.
    for a, b in itertools.pairwise(hits):
        assert a.score > b.score or (a.score == b.score and a.passage_id > b.passage_id), what


def test_the_migration_creates_the_rum_index_and_the_setting_turns_it_off(engines):
    rum, gin = engines
    with rum.connect() as conn:
        assert conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'rum'")).first()
    assert uses_rum(rum) and not uses_rum(gin)


def test_one_word_queries_rank_the_same_with_and_without_rum(engines):
    """rum's score is ts_rank's for one word: both plans return the best of the same ranking."""
    rum, gin = engines
    for word in ONE_WORD:
        ranked = _brute_force(gin, word, "ts_rank")
        assert len(ranked) > 5, word
        assert_exact(search(rum, word, limit=30), ranked, (word, "rum"))
        assert_exact(search(gin, word, limit=30), ranked, (word, "fallback"))


def test_several_words_find_the_same_passages_with_and_without_rum(engines):
    rum, gin = engines
    for query in SEVERAL:
        total = count_matches(rum, query)
        assert 0 < total <= 500, query
        with_rum = {h.passage_id for h in search(rum, query, limit=500)}
        assert with_rum == {h.passage_id for h in search(gin, query, limit=500)}, query
        assert len(with_rum) == total


def test_ranking_is_exact_over_every_match(engines):
    rum, gin = engines
    for query in ONE_WORD + SEVERAL:
        for engine, score in ((rum, "rum_ts_score"), (gin, "ts_rank")):
            hits = search(engine, query, limit=20)
            assert_exact(hits, _brute_force(engine, query, score), (query, score))


def test_filtered_search_is_exact_and_ordered_by_the_rum_index(engines):
    rum, gin = engines
    filters = [
        Filters(city="杭州", period="H1"),
        Filters(year=2016),
        Filters(kind="applications"),
        Filters(area=3),
    ]
    for f in filters:
        for query in ("光纤", "平台", "宽带 OR 4G"):
            ranked = _brute_force(rum, query, "rum_ts_score", f)
            assert_exact(search(rum, query, f, limit=10), ranked, (query, f))
            ranked = _brute_force(gin, query, "ts_rank", f)
            assert_exact(search(gin, query, f, limit=10), ranked, (query, f, "fallback"))
    assert search(rum, "光纤", Filters(city="杭州", period="H1"))
    with rum.connect() as conn:  # a tag is checked on the document (it has no facet)
        tag = conn.execute(
            text("SELECT tag FROM applicationtag GROUP BY tag ORDER BY count(*) DESC LIMIT 1")
        ).scalar()
    for f in (Filters(tag=tag), Filters(tag=tag, year=2016)):
        for query in ("平台", "企业"):
            ranked = _brute_force(rum, query, "rum_ts_score", f)
            assert_exact(search(rum, query, f, limit=10), ranked, (query, f))
    assert search(rum, "平台", Filters(tag=tag))
    # The statement's ordering is one the rum index can produce: with plain scans and sorts
    # priced out, the plan walks ix_passage_search_rum in distance order, the filters' facet
    # lexemes inside the index condition; the document is a per-row check (no join for the
    # planner to sort around), filtered or not.
    for f in (Filters(city="杭州", period="H1", area=0), Filters()):
        sql, params = postgresql_statement(rum, parse_query("光纤"), f, 10)
        with rum.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            conn.exec_driver_sql("SET enable_sort = off")
            plan = "\n".join(conn.execute(text("EXPLAIN " + sql), params).scalars())
            conn.rollback()
        assert "ix_passage_search_rum" in plan, (f, plan)
        assert "Order By: ((tsv || facets) <=>" in plan, (f, plan)
        assert "Index Cond: ((tsv || facets) @@ " in plan, (f, plan)
        assert ("''c:杭州''" in plan) == (f != Filters()), (f, plan)


def test_the_fallback_and_the_counts_intersect_the_filters_inside_the_gin_index(engines):
    """Without rum, a filtered search and a filtered count are one GIN condition on the words
    and the facet lexemes together (migration 0012); both agree with a brute-force check of the
    filters on the documents."""
    rum, gin = engines
    f = Filters(city="杭州", year=2016, period="H1", area=0)
    sql, params = postgresql_statement(gin, parse_query("平台"), f, 10)
    with gin.connect() as conn:
        # As on a server without rum (the drop is rolled back): the planner may otherwise take
        # the rum index's bitmap, over the same expression.
        conn.exec_driver_sql("DROP INDEX ix_passage_search_rum")
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_indexscan = off")  # not a walk of the primary key
        plan = "\n".join(conn.execute(text("EXPLAIN " + sql), params).scalars())
        conn.rollback()
    assert "Bitmap Index Scan on ix_passage_search_gin" in plan, plan
    assert "Index Cond: ((tsv || facets) @@ " in plan, plan
    assert "''c:杭州''" in plan and "''a:0''" in plan, plan
    for filters in (Filters(), Filters(city="杭州", period="H1"), f, Filters(kind="applications")):
        for query in ("平台", "宽带 OR 企业", '"公共数据开放"'):
            every = _brute_force(gin, query, "ts_rank", filters)
            assert count_matches(gin, query, filters) == len(every), (query, filters)
            assert count_matches(rum, query, filters) == len(every), (query, filters)
        ranked = _brute_force(gin, "平台", "ts_rank", filters)
        assert ranked, filters
        assert_exact(search(gin, "平台", filters, limit=10), ranked, (filters, "fallback"))


def test_enable_rum_creates_the_index_on_a_store_migrated_without_it(engines):
    """A store migrated before the extension was installed has no rum index and searches through
    the fallback; `enable_rum` (migration 0011's own step) creates it and rum is used again."""
    from sqlalchemy import create_engine

    from corpus.search import configure, enable_rum

    rum, _ = engines
    with rum.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_passage_search_rum")
    fresh = create_engine(rum.url)  # a process that looks the index up anew
    try:
        configure(fresh)
        assert not uses_rum(fresh)
        assert enable_rum(fresh) and uses_rum(fresh)
        ranked = _brute_force(fresh, "平台", "rum_ts_score")
        assert_exact(search(fresh, "平台", limit=10), ranked, "rum again")
    finally:
        fresh.dispose()
    assert enable_rum(rum)  # the index is there: nothing to do, still True


def test_the_fallback_ranks_only_the_newest_matches(engines, monkeypatch):
    rum, gin = engines
    every = _brute_force(gin, "光纤", "ts_rank")
    assert len(every) > 20
    newest = sorted(i for i, _ in every)[-3:]
    assert search_module.ranked(gin, "光纤", limit=20).bound is None
    monkeypatch.setattr(search_module, "PG_CANDIDATES", 3)
    page = search_module.ranked(gin, "光纤", limit=20)
    # Only the three newest matches, ranked among themselves, and the page is told.
    assert_exact(page.hits, [(i, s) for i, s in every if i in newest], "fallback bound")
    assert page.bound and "最新的约 3 段" in page.bound
    # rum ranks every match.
    assert_exact(search(rum, "光纤", limit=20), _brute_force(rum, "光纤", "rum_ts_score"), "rum")


# Two-word phrases of the samples whose words also meet apart in other passages: the words'
# order (what a phrase walks, see postgresql_statement) holds more than the phrase matches.
PHRASES = ['"服务企业"', '"累计达到"', '"平台接入"', '"公共数据开放"']


def test_phrase_queries_are_ranked_exactly_with_and_without_filters(engines):
    """A phrase walks rum's order for its words ANDed, keeps the rows matching the phrase and
    ranks them by the phrase's own score: the same page as a brute-force phrase ranking of every
    match, unfiltered and filtered."""
    rum, _ = engines
    filters = [
        None,
        Filters(city="杭州"),
        Filters(year=2016, period="FY"),
        Filters(kind="applications"),
        Filters(area=0),
    ]
    filtered_pages = apart = 0
    for query in PHRASES:
        phrase = _brute_force(rum, query, "rum_ts_score")
        words = count_matches(rum, query.strip('"'))  # the same words, anywhere in the passage
        assert 3 < len(phrase) <= words, (query, len(phrase), words)
        apart += len(phrase) < words
        assert count_matches(rum, query) == len(phrase)
        for f in filters:
            ranked = _brute_force(rum, query, "rum_ts_score", f)
            hits = search(rum, query, f, limit=5)
            assert_exact(hits, ranked, (query, f))
            assert {h.passage_id for h in hits} <= {i for i, _ in phrase}, (query, f)
            filtered_pages += bool(f and hits)
        every = search(rum, query, limit=500)
        assert sorted(h.passage_id for h in every) == sorted(i for i, _ in phrase), query
    assert filtered_pages >= 6  # the filters leave phrase matches to rank, not empty pages
    assert apart >= 2  # phrases whose words also meet apart: the walk must skip those rows


def test_a_phrase_beyond_the_window_is_ranked_exactly_among_what_it_returns(engines, monkeypatch):
    """With fewer window rows than phrase matches, the page holds only phrase matches (none of
    the passages where the words merely meet apart), each with its brute-force phrase score,
    best first: exact among the matches it returns."""
    rum, _ = engines
    monkeypatch.setattr(search_module, "RUM_WINDOW", 4)
    for query in PHRASES:
        phrase = dict(_brute_force(rum, query, "rum_ts_score"))
        hits = search(rum, query, limit=4)
        assert len(hits) == 4, query
        assert all(h.passage_id in phrase for h in hits), query
        assert [h.score for h in hits] == pytest.approx([phrase[h.passage_id] for h in hits])
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # The walk is rum's order for the words, with the phrase as the condition.
    sql, params = postgresql_statement(rum, parse_query('"服务企业"'), Filters(), 4)
    assert "(p.tsv || p.facets) <=> to_tsquery('simple', :order)" in sql
    # The condition is the phrase, ANDed with its words (the same matches) so that rum can skip.
    assert "@@ (to_tsquery('simple', :order) && to_tsquery('simple', :q))" in sql
    assert params["order"] == "(('服务' & '企业'))" and params["q"] == "(('服务' <-> '企业'))"


def test_an_evaluators_corrections_reach_the_filtered_search_at_once(engines):
    """The filters are lexemes of the rum index (migration 0011), kept in step by triggers in
    the edit's own transaction: a document's new city, year and kind, and a passage's reviewed
    area, are what a filtered search finds next, exactly as a brute-force ranking has it."""
    from corpus.documents import set_document_metadata
    from corpus.review import get_passage, set_passage_area

    rum, gin = engines
    hit = search(rum, "光纤", limit=1)[0]
    with rum.connect() as conn:
        city, year, period, kind = conn.execute(
            text("SELECT city, year, period, kind FROM document WHERE id = :d"),
            {"d": hit.document_id},
        ).one()
    new = Filters(city="拉萨市", year=2019)
    assert not search(rum, "光纤", new)
    area = get_passage(rum, hit.passage_id)
    old_area = area.area  # the reviewed area, else the predicted one
    new_area = (old_area + 1) % 7 if old_area is not None else 0
    try:
        set_document_metadata(
            rum, hit.document_id, "拉萨市", 2019, period, kind="applications", user="甲"
        )
        for f in (new, Filters(city="拉萨"), Filters(kind="applications", year=2019)):
            hits = search(rum, "光纤", f, limit=10)
            assert hit.passage_id in {h.passage_id for h in hits}, f
            assert_exact(hits, _brute_force(rum, "光纤", "rum_ts_score", f), f)
            assert {h.passage_id for h in hits} == {h.passage_id for h in search(gin, "光纤", f)}
        old = Filters(city=city, year=year)
        assert hit.document_id not in {h.document_id for h in search(rum, "光纤", old, limit=500)}
        set_passage_area(rum, hit.passage_id, new_area, user="甲", expected_version=area.version)
        assert hit.passage_id in {h.passage_id for h in search(rum, "光纤", Filters(area=new_area))}
        if old_area is not None:
            moved = search(rum, "光纤", Filters(area=old_area), limit=500)
            assert hit.passage_id not in {h.passage_id for h in moved}
        f = Filters(city="拉萨市", area=new_area)
        assert_exact(search(rum, "光纤", f), _brute_force(rum, "光纤", "rum_ts_score", f), f)
    finally:
        set_document_metadata(rum, hit.document_id, city, year, period, kind=kind, user="甲")
        now = get_passage(rum, hit.passage_id)
        if now.reviewed_area != area.reviewed_area:
            set_passage_area(
                rum, hit.passage_id, area.reviewed_area, user="甲", expected_version=now.version
            )
    assert hit.passage_id in {h.passage_id for h in search(rum, "光纤", Filters(city=city))}
    with rum.connect() as conn:  # every passage's facets are its document's, as ingest left them
        stale = conn.execute(
            text(
                "SELECT count(*) FROM passage "
                "WHERE facets <> passage_facets(document_id, area, reviewed_area)"
            )
        ).scalar()
        assert stale == 0


def test_migration_0011_fills_the_facets_of_a_store_that_has_passages(engines):
    """Down to 0010 (rum over `tsv` alone, no facets) and up again: the upgrade fills every
    stored passage's facets from its document, and filtered searches are exact again."""
    from alembic import command

    from models.db import alembic_config, migrate

    rum, _ = engines
    command.downgrade(alembic_config(rum), "0010")
    with rum.connect() as conn:
        columns = conn.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = 'passage'")
        ).scalars()
        assert "facets" not in set(columns)
        indexes = set(
            conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'passage'"))
            .scalars()
            .all()
        )
        assert "ix_passage_tsv_rum" in indexes and "ix_passage_search_rum" not in indexes
        assert "ix_passage_tsv" in indexes and "ix_passage_search_gin" not in indexes
    migrate(rum)
    with rum.connect() as conn:
        indexes = set(
            conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'passage'"))
            .scalars()
            .all()
        )
        # 0012: one GIN index, over the words and the facets.
        assert {"ix_passage_search_rum", "ix_passage_search_gin"} <= indexes
        assert "ix_passage_tsv" not in indexes
    with rum.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE facets = "
                "passage_facets(document_id, area, reviewed_area) AND facets <> ''::tsvector) "
                "FROM passage"
            )
        ).one()
        assert counts[0] > 100 and counts[0] == counts[1]
    for f in (Filters(city="杭州", period="H1"), Filters(area=3)):
        ranked = _brute_force(rum, "平台", "rum_ts_score", f)
        assert_exact(search(rum, "平台", f, limit=10), ranked, f)


def test_a_very_common_query_is_ranked_in_its_newest_years_and_says_so(
    tmp_path, samples, pg_server, monkeypatch
):
    """Past RUM_BOUND expected matches and without a year filter, rum ranks only the newest
    years' matches, exactly among them, and Ranked.bound names those years; a year filter, or a
    query under the bound, ranks every match."""
    from corpus import ranked
    from corpus.settings import Settings
    from corpus.store import open_store
    from tests import pg

    with pg.database(pg_server) as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        engine = open_store(settings)
        try:
            files = [
                samples / "杭州市2016年上半年信息消费示范城市建设进展情况.docx",
                samples / "宁波市2016年国家信息消费示范城市建设工作总结.docx",
            ]
            ingest(files, engine=engine, data_dir=settings.data_dir, limits=settings.limits())
            with engine.begin() as conn:  # one report of another year (its facets follow)
                conn.execute(text("UPDATE document SET year = 2015 WHERE name LIKE '杭州%'"))
            assert uses_rum(engine)
            query = "平台"
            every = ranked(engine, query, limit=50)
            assert every.bound is None
            assert {h.year for h in every.hits} == {2015, 2016}

            monkeypatch.setattr(search_module, "RUM_BOUND", 0)  # every query is "very common"
            # A newest year with too few matches to stand alone takes the next one with it (here
            # every year: nothing is left out).
            assert ranked(engine, query, limit=50).bound is None
            monkeypatch.setattr(search_module, "RUM_YEARS_MIN", 0)
            newest = ranked(engine, query, limit=50)
            assert newest.bound and "2016 年" in newest.bound and "2015" not in newest.bound
            assert {h.year for h in newest.hits} == {2016}
            only_2016 = _brute_force(engine, query, "rum_ts_score", Filters(year=2016))
            assert_exact(newest.hits, only_2016, "newest year")
            # A year filter is the evaluator's own bound: every match of that year is ranked.
            older = ranked(engine, query, Filters(year=2015), limit=50)
            assert older.bound is None and {h.year for h in older.hits} == {2015}
            # The fallback keeps its own bound (PG_CANDIDATES), not reached here.
            gin = open_store(settings.model_copy(update={"search_rum": False}))
            try:
                assert ranked(gin, query, limit=50).bound is None
            finally:
                gin.dispose()
        finally:
            engine.dispose()
