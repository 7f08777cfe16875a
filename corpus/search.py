"""Search over every stored passage: BM25 on SQLite FTS5; on PostgreSQL, rum's ranking index when
the extension is there, else ts_rank over a bounded candidate set (see `_run_postgresql`).

Queries are parsed here into terms, quoted phrases and AND/OR/NOT (or a leading `-`); every term
goes through the same tokeniser as the index (traditional folded to simplified, jieba), and only
the resulting word tokens, quoted, reach the full-text syntax. A query that is only punctuation or
operators finds nothing instead of raising a database error.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from classify import phrase_tokens, to_simplified

from .errors import Invalid

_QUERY_RE = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')
_TOKEN_SAFE = re.compile(r"[^\w.%]+")
SNIPPET_CHARS = 90


class QueryError(Invalid):
    """The query has nothing to search for; the message says why, in Chinese."""


@dataclass
class Term:
    tokens: list[str]
    phrase: bool = False


@dataclass
class Group:
    """Terms that must all match (AND) and terms that must not (NOT); groups are ORed."""

    must: list[Term] = field(default_factory=list)
    must_not: list[Term] = field(default_factory=list)


@dataclass
class Filters:
    city: str | None = None
    year: int | None = None
    period: str | None = None
    area: int | None = None
    tag: str | None = None
    kind: str | None = None
    all_versions: bool = False


@dataclass
class Hit:
    passage_id: int
    document_id: int
    document: str
    city: str | None
    year: int | None
    period: str | None
    page: int | None
    heading_path: list[str]
    text: str
    snippet: str
    highlights: list[tuple[int, int]]
    score: float
    area: int | None
    confirmed: bool = True  # False: city, year, period or kind await an evaluator (待确认)


@dataclass
class Ranked:
    """A ranked page and how far its ranking reached. `bound` is None when every match under the
    filters was ranked; otherwise it says, in Chinese, which matches were (the newest ones, see
    CANDIDATES and RUM_BOUND), for the results page and the command to show beside the hits."""

    hits: list[Hit]
    bound: str | None = None
    years: list[int] | None = None  # the only years ranked (RUM_BOUND), None: all


def _clean_tokens(tokens: list[str]) -> list[str]:
    out = []
    for token in tokens:
        token = _TOKEN_SAFE.sub("", token)
        if token and re.search(r"\w", token):
            out.append(token)
    return out


def parse_query(query: str) -> list[Group]:
    """`光纤 "智慧 社区" OR 宽带 -农村` → [Group(must=[光纤, 智慧社区(phrase)]), Group(must=[宽带], must_not=[农村])]."""
    groups = [Group()]
    negate = False
    for match in _QUERY_RE.finditer(query):
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        word = match.group(3)
        if word in ("OR", "|", "或"):
            groups.append(Group())
            continue
        if word in ("AND", "&"):
            continue
        if word in ("NOT", "非"):
            negate = True
            continue
        if word and word.startswith("-") and len(word) > 1:
            negate, word = True, word[1:]
        if quoted is not None:
            term = Term(_clean_tokens(phrase_tokens(quoted)), phrase=True)
        else:
            term = Term(_clean_tokens(phrase_tokens(word or "")))
        if term.tokens:
            (groups[-1].must_not if negate else groups[-1].must).append(term)
        negate = False
    return [g for g in groups if g.must]


def _fts5(groups: list[Group]) -> str:
    def term(t: Term) -> str:
        quoted = [f'"{tok}"' for tok in t.tokens]
        if t.phrase and len(quoted) > 1:
            return "{words} : " + '"' + " ".join(t.tokens) + '"'
        return "(" + " AND ".join(quoted) + ")"

    parts = []
    for g in groups:
        expr = " AND ".join(term(t) for t in g.must)
        if g.must_not:
            expr = f"({expr}) NOT (" + " OR ".join(term(t) for t in g.must_not) + ")"
        parts.append(f"({expr})")
    return " OR ".join(parts)


def _tsquery(groups: list[Group], relax_phrases: bool = False) -> str:
    """The tsquery of `groups`; with `relax_phrases`, a required phrase becomes its words ANDed
    (the order rum is walked in for a phrase query, see `postgresql_statement`)."""

    def term(t: Term, relax: bool = False) -> str:
        quoted = [f"'{tok}'" for tok in t.tokens]
        return "(" + (" <-> " if t.phrase and not relax else " & ").join(quoted) + ")"

    parts = []
    for g in groups:
        expr = " & ".join(term(t, relax_phrases) for t in g.must)
        if g.must_not:
            expr += " & !(" + " | ".join(term(t) for t in g.must_not) + ")"
        parts.append(f"({expr})")
    return " | ".join(parts)


def _filter_sql(filters: Filters, params: dict) -> str:
    clauses = ["d.status = 'ok'"]
    if not filters.all_versions:
        clauses.append("d.is_current")
    if filters.city:
        clauses.append("(d.city = :city OR d.city = :city_full)")
        params["city"], params["city_full"] = filters.city, filters.city.removesuffix("市") + "市"
    if filters.year:
        clauses.append("d.year = :year")
        params["year"] = filters.year
    if filters.period:
        clauses.append("d.period = :period")
        params["period"] = filters.period
    if filters.kind:
        clauses.append("d.kind = :kind")
        params["kind"] = filters.kind
    if filters.area is not None:
        clauses.append("COALESCE(p.reviewed_area, p.area) = :area")
        params["area"] = filters.area
    if filters.tag:
        clauses.append(
            "EXISTS (SELECT 1 FROM application a JOIN applicationtag t ON t.application_id = a.id "
            "WHERE a.document_id = d.id AND t.tag = :tag)"
        )
        params["tag"] = filters.tag
    return " AND ".join(clauses)


# A query matching more passages than this ranks only the most recent ones: scoring every match of a
# word found in a tenth of a million-passage archive costs a quarter of a second, and evaluators
# asking for such a word are served by the newest submissions first. bench/README.md has figures.
CANDIDATES = 5_000
# With a narrowing filter (city, period...), the most recent matches are joined and filtered in
# growing windows until enough survive.
NARROW_CANDIDATES = (5_000, 50_000)

_COLUMNS = (
    "p.id, p.document_id, d.name, d.city, d.year, d.period, p.page, p.heading_path, p.text, "
    "COALESCE(p.reviewed_area, p.area), d.confirmed"
)


def search(
    engine: Engine, query: str, filters: Filters | None = None, limit: int = 20
) -> list[Hit]:
    """Ranked passages for `query`; raises QueryError when there is nothing to search for."""
    return ranked(engine, query, filters, limit).hits


def ranked(engine: Engine, query: str, filters: Filters | None = None, limit: int = 20) -> Ranked:
    """`search`, with how far the ranking reached (Ranked.bound), for a page that says so."""
    groups = parse_query(query)
    if not groups:
        raise QueryError("查询中没有可检索的词语（只有标点或运算符）。")
    return _run(engine, groups, filters or Filters(), limit, exclude_document=None)


# PostgreSQL. With the `rum` index (ix_passage_search_rum, migrations 0009 and 0011), the ranked
# search is one ordered index scan: `ORDER BY tsv <=> query` reads the matches' positions from the
# index, ranks them there (rum's ts_rank-like score, no row read from the table) and hands them
# over best first. The index covers `tsv || facets`: the filters (city, year, period, kind, area)
# are lexemes of each passage's `facets` (migration 0011), so a filtered search is the query ANDed
# with them and rum ranks only the passages that pass. The first RUM_WINDOW are ranked again
# exactly on their rows (see RUM_WINDOW). Without rum
# (extension not installed, or INFOCITY_SEARCH_RUM=0) the fallback ranks with ts_rank only the
# newest `PG_CANDIDATES` matches that pass the filters: exact among them, not over older ones.
# Its GIN index covers `tsv || facets` too (migration 0012), so the filters are intersected with
# the words inside it (`_gin_match`); the match counts use the same index. ts_rank is rum's
# score for a one-word query, so both plans rank such queries identically; for several words
# rum's score weighs proximity its own way. docs/search.md has the trade-offs.
PG_CANDIDATES = 5_000
RUM_INDEX = "ix_passage_search_rum"
# What the index covers: the words, and the filter lexemes (`facets`, kept by triggers).
RUM_TSV = "(p.tsv || p.facets)"
# The GIN index (ix_passage_search_gin, migration 0012) covers the same expression.
GIN_TSV = RUM_TSV
# rum ranks every match inside the index and sorts them: 100,000 matches spill PostgreSQL's
# default 4 MB to disk, which costs a third of the time (bench/README.md).
RUM_WORK_MEM = "64MB"
# rum's first rows for a query of several words are not always its best: asked for 5 rows of
# `智慧 & 社区 & 养老` on the 1M bench store it missed the best, which its first 400 hold. So the
# first RUM_WINDOW rows are taken and ranked again, exactly, on their rows.
RUM_WINDOW = 400
# engine → rum wanted (set by open_store from Settings); engine → the index exists (looked up once)
_rum_choice: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()
_rum_present: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def configure(engine: Engine, *, rum: bool = True) -> None:
    """Whether searches on `engine` may use the rum index (Settings.search_rum)."""
    _rum_choice[engine] = rum
    _rum_present.pop(engine, None)


def uses_rum(engine: Engine) -> bool:
    """True when this engine's PostgreSQL searches go through the rum index."""
    if engine.dialect.name != "postgresql" or not _rum_choice.get(engine, True):
        return False
    if engine not in _rum_present:
        with engine.connect() as conn:
            _rum_present[engine] = bool(
                conn.execute(
                    text("SELECT 1 FROM pg_indexes WHERE tablename = 'passage' AND indexname = :i"),
                    {"i": RUM_INDEX},
                ).first()
            )
    return _rum_present[engine]


def enable_rum(engine: Engine) -> bool:
    """Creates the rum extension and index on an existing PostgreSQL store, by migration 0011's
    own step (what it does when the extension is there at upgrade time); False when the server
    lacks it."""
    if engine.dialect.name != "postgresql":
        return False
    from alembic.script import ScriptDirectory

    from models.db import alembic_config

    migration = ScriptDirectory.from_config(alembic_config(engine)).get_revision("0011")
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7270015)")
        created = migration.module.create_search_rum_index(conn)
    _rum_present.pop(engine, None)
    return created


def _run_postgresql(
    engine: Engine, groups: list[Group], filters: Filters, limit: int, exclude_document: int | None
) -> Ranked:
    """One statement either way; see PG_CANDIDATES and RUM_INDEX above for the two plans, and
    RUM_BOUND for a query so common that only its newest years are ranked."""
    terms = [tok for g in groups for t in g.must for tok in t.tokens]
    years = None
    with engine.connect() as conn:
        if uses_rum(engine):  # rum sorts the matches' scores: in memory, not in temp files
            conn.exec_driver_sql(f"SET LOCAL work_mem = '{RUM_WORK_MEM}'")
            # The planner misjudges how many rows pass a word and a filter together (it takes
            # them as independent, and COALESCE(reviewed_area, area) as rare): it then repeats
            # the word's GIN bitmap for every document a narrow filter keeps, or scans the whole
            # table for an area, seconds at 1M passages. Walking the rum index is bounded.
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            # Where no other plan is left, the planner prices the one it takes at its 1e10
            # penalty, which is past jit_above_cost: compiling would cost more than the search.
            conn.exec_driver_sql("SET LOCAL jit = off")
            years = _newest_years(conn, groups, filters)
        sql, params = postgresql_statement(
            engine, groups, filters, limit, exclude_document, years=years
        )
        rows = conn.execute(text(sql), params).all()
    bound = None
    if "cap" in params:  # the fallback: its last column counts the candidates it ranked
        if rows and rows[0][-1] >= params["cap"]:
            bound = _newest(params["cap"])
        rows = [row[:-1] for row in rows]
    if years:
        shown = "、".join(str(y) for y in sorted(years))
        bound = (
            f"匹配的段落很多（预计超过 {RUM_BOUND:,} 段），只对最新的 {shown} 年的匹配按相关度"
            "排序；要查其他年份，请选择年份。"
        )
    return Ranked([_hit(row, terms) for row in rows], bound, years)


# A query the planner expects to match more passages than this, without a year filter, is ranked
# among its newest years' matches only (as many years, newest first, as stay under the bound,
# and at least RUM_YEARS_MIN expected matches, so a new year with a few reports in is not all
# there is): rum scores every match before it hands over the first, about 0.6 µs each for an
# OR, so 150,000 matches take the whole 100 ms a search may. Ranking is exact among them, and
# `Ranked.bound` says which years were ranked. Passages without a year are not among them.
# SQLite bounds every query with more than CANDIDATES matches the same way, more tightly.
RUM_BOUND = 100_000
RUM_YEARS_MIN = 5_000


def _newest_years(conn, groups: list[Group], filters: Filters) -> list[int] | None:
    """The newest years to rank a very common query in (RUM_BOUND), from the planner's
    estimates (EXPLAIN, a millisecond each); None when every match is to be ranked."""
    if filters.year:
        return None
    facets = facets_tsquery(filters)
    query = _tsquery(groups)

    def expected(year: int | None) -> float:
        params = {"q": query}
        cond = "to_tsquery('simple', :q)"
        extra = [f for f in (facets, _lexeme(f"y:{year}") if year else None) if f]
        if extra:
            params["f"] = " & ".join(f"({f})" for f in extra)
            cond = f"({cond} && CAST(:f AS tsquery))"
        plan = conn.execute(
            text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM passage p WHERE {RUM_TSV} @@ {cond}"),
            params,
        ).scalar()
        return float(plan[0]["Plan"]["Plan Rows"])

    if expected(None) <= RUM_BOUND:
        return None
    years = conn.execute(
        text(
            "SELECT DISTINCT year FROM document WHERE status = 'ok' AND year IS NOT NULL "
            "ORDER BY year DESC"
        )
    ).scalars()
    chosen: list[int] = []
    total = 0.0
    for year in years:
        more = expected(year)
        if chosen and total >= RUM_YEARS_MIN and total + more > RUM_BOUND:
            return chosen
        chosen.append(int(year))
        total += more
    return None  # every year fits: nothing left out


def _lexeme(value: str) -> str:
    """`value` as one quoted tsquery lexeme, taken as it is (no parser, no lower-casing)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def facets_tsquery(filters: Filters) -> str | None:
    """The filters as a tsquery over the passages' facet lexemes (migration 0011): `c:` city,
    `y:` year, `p:` period, `k:` kind, `a:` effective area; None without such a filter. A city
    matches as `_filter_sql` has it, as given or with 市 added. The tag and the version stay
    checks on the document."""
    parts = []
    if filters.city:
        cities = dict.fromkeys((filters.city, filters.city.removesuffix("市") + "市"))
        parts.append("(" + " | ".join(_lexeme(f"c:{c}") for c in cities) + ")")
    if filters.year:
        parts.append(_lexeme(f"y:{filters.year}"))
    if filters.period:
        parts.append(_lexeme(f"p:{filters.period}"))
    if filters.kind:
        parts.append(_lexeme(f"k:{filters.kind}"))
    if filters.area is not None:
        parts.append(_lexeme(f"a:{filters.area}"))
    return " & ".join(parts) or None


def _gin_match(filters: Filters, params: dict) -> str:
    """The words of `:q` and the filters' facet lexemes, as one condition on the GIN index over
    `tsv || facets` (migration 0012): the index intersects them, where a condition on `tsv` alone
    had the planner join every document a narrow filter keeps to a fresh bitmap of the words."""
    cond = "to_tsquery('simple', :q)"
    facets = facets_tsquery(filters)
    if facets:
        params["facets"] = facets
        cond = f"({cond} && CAST(:facets AS tsquery))"
    return f"{GIN_TSV} @@ {cond}"


def postgresql_statement(
    engine: Engine,
    groups: list[Group],
    filters: Filters,
    limit: int,
    exclude_document: int | None = None,
    years: list[int] | None = None,
) -> tuple[str, dict]:
    """The ranked search's SQL and parameters on PostgreSQL (tests EXPLAIN it); with `years`
    (rum only, see RUM_BOUND), only those years' matches are ranked."""
    params: dict = {"limit": limit, "q": _tsquery(groups)}
    where = _filter_sql(filters, params)
    if exclude_document is not None:
        where += " AND d.id != :exclude"
        params["exclude"] = exclude_document
    columns = _COLUMNS
    joined = "passage p JOIN document d ON d.id = p.document_id"
    if uses_rum(engine):
        # The index hands matches over in its distance order, and the first RUM_WINDOW that pass
        # the filters are ranked again by rum's score on their rows, best first, ties newest
        # first: the index's early order is approximate for several words. A phrase (`<->`) is
        # walked in the order of its words ANDed (`:order`): rum's order for the phrase itself
        # ignores adjacency (it is close to the index's item order), while the words' order
        # puts the best phrase matches first. Rows are kept only if they match the phrase
        # (`@@ :q`, checked on the index's positions) until RUM_WINDOW have passed, then ranked
        # by rum's score of the phrase query itself. docs/search.md says what is exact.
        q = "to_tsquery('simple', :q)"
        params["order"] = _tsquery(groups, relax_phrases=True)
        order = "to_tsquery('simple', :order)" if params["order"] != params["q"] else q
        params["window"] = max(RUM_WINDOW, limit)
        # The filters on the document's fields and the area are lexemes of the indexed
        # `tsv || facets`: ANDed with the query, rum intersects them with the words and ranks
        # only what passes. The document is still checked per row (status, version, tag, and
        # the same filters again), `OFFSET 0` so that it stays a check and not a join: the
        # planner takes the words as independent and, as a join, sorted every match of
        # `众创 & 空间 & 孵化` on its rows instead of walking rum's order (0.3-0.4 s at 1M).
        cond = q
        if order != q:
            # The phrase's words ANDed with the phrase: the same matches (a phrase holds its
            # words), but rum can then skip through the words' and the filters' lists instead of
            # reading them whole: `"公共数据开放"` with a city and period, 156-220 ms -> 31 ms at 1M.
            cond = f"({order} && {q})"
        facets = facets_tsquery(filters)
        if years:
            newest = "(" + " | ".join(_lexeme(f"y:{y}") for y in years) + ")"
            facets = f"{facets} & {newest}" if facets else newest
        if facets:
            params["facets"] = facets
            cond = f"({cond} && CAST(:facets AS tsquery))"
        walk = (
            f"passage p WHERE {RUM_TSV} @@ {cond} AND EXISTS (SELECT 1 FROM document d "
            f"WHERE d.id = p.document_id AND {where} OFFSET 0)"
        )
        if filters.tag:
            # A tag has no facet (it belongs to the document's applications): as a join the
            # planner may start from the few documents holding it instead of walking rum's
            # order through every match until 400 pass.
            walk = f"{joined} WHERE {RUM_TSV} @@ {cond} AND {where}"
        sql = (
            f"WITH top AS (SELECT p.id FROM {walk} ORDER BY {RUM_TSV} <=> {order} LIMIT :window) "
            f"SELECT {columns}, -rum_ts_score(p.tsv, {q}) AS score FROM top "
            "JOIN passage p ON p.id = top.id JOIN document d ON d.id = p.document_id "
            "ORDER BY score, p.id DESC LIMIT :limit"
        )
    else:
        params["cap"] = PG_CANDIDATES
        sql = (
            "WITH cand AS MATERIALIZED ("
            f"SELECT p.id FROM {joined} WHERE {_gin_match(filters, params)} AND {where} "
            "ORDER BY p.id DESC LIMIT :cap) "
            f"SELECT {columns}, -ts_rank(p.tsv, to_tsquery('simple', :q)) AS score, "
            "(SELECT count(*) FROM cand) AS candidates "  # = :cap: older matches were left out
            "FROM cand JOIN passage p ON p.id = cand.id JOIN document d ON d.id = p.document_id "
            "ORDER BY score, p.id DESC LIMIT :limit"
        )
    return sql, params


def _newest(cap: int) -> str:
    """Ranked.bound for a ranking among the `cap` newest matches (SQLite, the GIN fallback)."""
    return (
        f"匹配的段落很多，只在最新的约 {cap:,} 段匹配中按相关度排序；要查更早的，请选择年份或城市。"
    )


def _run(
    engine: Engine, groups: list[Group], filters: Filters, limit: int, exclude_document: int | None
) -> Ranked:
    """SQLite (PostgreSQL: `_run_postgresql`). Two plans, chosen by the filters, both bounded
    by recency for very common words (said in Ranked.bound).

    Without a narrowing filter, joining every match to its document before sorting costs as much
    as ranking itself for common words: the index ranks the newest `CANDIDATES` matches, returns
    its best `window`, only those are joined, and the window widens tenfold in the rare case too
    few survive. With a narrowing filter (city, period, area...) the newest matches are joined and
    filtered first, in widening windows, and only the survivors are ranked. A query with fewer
    matches than the bound is ranked whole. bench/README.md has the figures.
    """
    limit = max(1, min(limit, 500))
    if engine.dialect.name == "postgresql":
        return _run_postgresql(engine, groups, filters, limit, exclude_document)
    params: dict = {"limit": limit}
    where = _filter_sql(filters, params)
    if exclude_document is not None:
        where += " AND d.id != :exclude"
        params["exclude"] = exclude_document
    params["q"] = _fts5(groups)
    match, score = "passage_fts MATCH :q", "bm25(passage_fts, 1.0, 0.6)"
    source, key = "passage_fts", "passage_fts.rowid"
    joins = "JOIN document d ON d.id = p.document_id"
    narrow = any(
        v is not None
        for v in (
            filters.city,
            filters.year,
            filters.period,
            filters.area,
            filters.tag,
            filters.kind,
        )
    )
    terms = [tok for g in groups for t in g.must for tok in t.tokens]
    with engine.connect() as conn:
        if narrow:
            passage_join = "JOIN passage p ON p.id = passage_fts.rowid "
            sql = (
                f"SELECT {_COLUMNS}, {score} AS score FROM {source} {passage_join}{joins} "
                f"WHERE {match} AND {key} >= :floor AND {where} ORDER BY score LIMIT :limit"
            )
            # Most recent matches first: widen until enough survive the filters or all are in.
            for cap in (*NARROW_CANDIDATES, None):
                params["floor"] = _floor(conn, source, key, match, params, cap)
                rows = conn.execute(text(sql), params).all()
                if len(rows) >= limit or params["floor"] == 0:
                    break
            bound = _newest(cap) if cap and params["floor"] else None
            return Ranked([_hit(row, terms) for row in rows], bound)
        params["floor"] = _floor(conn, source, key, match, params, CANDIDATES)
        top = (
            f"SELECT {key} AS id, {score} AS score FROM {source} WHERE {match} "
            f"AND {key} >= :floor ORDER BY score LIMIT :window"
        )
        sql = (
            f"WITH top AS ({top}) SELECT {_COLUMNS}, top.score FROM top "
            f"JOIN passage p ON p.id = top.id {joins} WHERE {where} ORDER BY top.score LIMIT :limit"
        )
        count = f"SELECT count(*) FROM {source} WHERE {match} AND {key} >= :floor"
        window = limit * 5
        while True:
            params["window"] = window
            rows = conn.execute(text(sql), params).all()
            if len(rows) >= limit or conn.execute(text(count), params).scalar() <= window:
                break  # enough, or every match was a candidate
            window *= 10
    bound = _newest(CANDIDATES) if params["floor"] else None
    return Ranked([_hit(row, terms) for row in rows], bound)


def _floor(conn, source: str, key: str, match: str, params: dict, cap: int | None) -> int:
    """The lowest passage id among the `cap` most recent matches (0: no bound). Ids grow with
    ingest, so this keeps the newest matches; FTS5 walks its match list backwards and stops after
    `cap`, which costs far less than scoring every match of a very common word."""
    if cap is None:
        return 0
    sql = f"SELECT {key} FROM {source} WHERE {match} ORDER BY {key} DESC LIMIT 1 OFFSET :cap"
    row = conn.execute(text(sql), {**params, "cap": cap}).first()
    return int(row[0]) if row else 0


def _hit(row, terms: list[str]) -> Hit:
    pid, did, name, city, year, period, page, heading_path, body, area, confirmed, score = row
    if isinstance(heading_path, str):
        heading_path = json.loads(heading_path)
    snippet, highlights = make_snippet(body, terms)
    return Hit(
        pid,
        did,
        name,
        city,
        year,
        period,
        page,
        list(heading_path or []),
        body,
        snippet,
        highlights,
        -float(score),
        area,
        bool(confirmed),
    )


def make_snippet(
    body: str, terms: list[str], width: int = SNIPPET_CHARS
) -> tuple[str, list[tuple[int, int]]]:
    """A window of the passage around the first match, with the matched spans in it.

    Matching runs on the simplified, lower-cased text (same length as the original for t2s), so
    a traditional passage is highlighted where a simplified query found it.
    """
    folded = to_simplified(body).lower()
    if len(folded) != len(body):
        folded = body.lower()
    spans = []
    for term in sorted(set(terms), key=len, reverse=True):
        for m in re.finditer(re.escape(term), folded):
            if not any(s < m.end() and m.start() < e for s, e in spans):
                spans.append((m.start(), m.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:  # 光纤|到户 → one highlight
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    spans = merged
    start = max(0, spans[0][0] - width // 3) if spans else 0
    end = min(len(body), start + width)
    snippet = ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")
    offset = 1 if start else 0
    inside = [(s - start + offset, e - start + offset) for s, e in spans if s >= start and e <= end]
    return snippet, inside


def more_like_this(
    engine: Engine, passage_id: int, limit: int = 10, filters: Filters | None = None
) -> list[Hit]:
    """Passages of other documents that share the given passage's rarest words."""
    return similar(engine, passage_id, limit, filters).hits


def similar(
    engine: Engine, passage_id: int, limit: int = 10, filters: Filters | None = None
) -> Ranked:
    """`more_like_this`, with how far its ranking reached (Ranked.bound), as `ranked`."""
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT words, document_id FROM passage WHERE id = :id"), {"id": passage_id}
        ).first()
        if row is None:
            raise QueryError(f"没有编号为 {passage_id} 的段落。")
        words, document_id = row
        tokens = [
            t for t in dict.fromkeys(_clean_tokens(words.split())) if len(t) > 1 and not t.isdigit()
        ]
        if not tokens:
            return Ranked([])
        df = _document_frequencies(conn, engine.dialect.name, tokens)
    keep = sorted(tokens, key=lambda t: df.get(t, 0))[:12]
    keep = [t for t in keep if df.get(t, 0) > 0] or keep
    groups = [Group(must=[Term([t])]) for t in keep]
    return _run(engine, groups, filters or Filters(), limit, exclude_document=document_id)


def _document_frequencies(conn, dialect: str, tokens: list[str]) -> dict[str, int]:
    if dialect == "sqlite":
        rows = conn.execute(
            text(
                "SELECT term, doc FROM passage_vocab WHERE term IN (SELECT value FROM json_each(:t))"
            ),
            {"t": json.dumps(tokens, ensure_ascii=False)},
        ).all()
        return {term: doc for term, doc in rows}
    out = {}
    for token in tokens:
        out[token] = conn.execute(
            text(f"SELECT count(*) FROM passage p WHERE {GIN_TSV} @@ to_tsquery('simple', :q)"),
            {"q": f"'{token}'"},
        ).scalar()
    return out


def count_matches(engine: Engine, query: str, filters: Filters | None = None) -> int:
    """How many passages match `query` under `filters`: the total a results page states. (The
    ranked list itself is bounded, see `_run`; the total is not.)"""
    groups = parse_query(query)
    if not groups:
        raise QueryError("查询中没有可检索的词语（只有标点或运算符）。")
    params: dict = {}
    where = _filter_sql(filters or Filters(), params)
    if engine.dialect.name == "sqlite":
        params["q"] = _fts5(groups)
        sql = (
            "SELECT count(*) FROM passage_fts JOIN passage p ON p.id = passage_fts.rowid "
            f"JOIN document d ON d.id = p.document_id WHERE passage_fts MATCH :q AND {where}"
        )
    else:
        params["q"] = _tsquery(groups)
        match = _gin_match(filters or Filters(), params)
        sql = (
            "SELECT count(*) FROM passage p JOIN document d ON d.id = p.document_id "
            f"WHERE {match} AND {where}"
        )
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar() or 0)
