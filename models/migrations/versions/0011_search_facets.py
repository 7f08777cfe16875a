"""search filters inside the ranked index (PostgreSQL only): each passage carries its document's
city, year, period and kind and its effective area as lexemes of a `facets` tsvector
('c:杭州市', 'y:2016', 'p:FY', 'k:progress', 'a:3'), kept in step by triggers, and the rum index
covers `tsv || facets`. A filtered search then intersects the filter's lexemes with the query's
words inside the index and ranks only the passages that pass, instead of walking every match in
rank order and dropping the ones of other cities (docs/search.md). SQLite is unchanged.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_RUM_INDEX = "ix_passage_tsv_rum"
RUM_INDEX = "ix_passage_search_rum"

# The facets of a passage: a lexeme per known value (NULLs left out), no positions, so they
# neither match a query's words (those never hold ':') nor change rum's score of them.
FACETS_FUNCTION = """
CREATE OR REPLACE FUNCTION passage_facets(doc_id integer, area integer, reviewed_area integer)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT COALESCE((
        SELECT array_to_tsvector(array_remove(ARRAY[
            'c:' || d.city, 'y:' || d.year, 'p:' || d.period, 'k:' || d.kind,
            'a:' || COALESCE(reviewed_area, area)], NULL))
        FROM document d WHERE d.id = doc_id), ''::tsvector)
$$
"""
PASSAGE_TRIGGER = """
CREATE OR REPLACE FUNCTION passage_facets_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.facets := passage_facets(NEW.document_id, NEW.area, NEW.reviewed_area);
    RETURN NEW;
END $$;
CREATE TRIGGER passage_facets_row BEFORE INSERT OR UPDATE OF document_id, area, reviewed_area
    ON passage FOR EACH ROW EXECUTE FUNCTION passage_facets_row();
"""
# An evaluator's correction of a document's city, year, period or kind reaches its passages in
# the same transaction (corpus.documents.set_metadata, and any other writer).
DOCUMENT_TRIGGER = """
CREATE OR REPLACE FUNCTION document_facets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE passage SET facets = passage_facets(NEW.id, area, reviewed_area)
        WHERE document_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER document_facets AFTER UPDATE OF city, year, period, kind ON document
    FOR EACH ROW WHEN (OLD.city IS DISTINCT FROM NEW.city OR OLD.year IS DISTINCT FROM NEW.year
        OR OLD.period IS DISTINCT FROM NEW.period OR OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION document_facets();
"""


def _in_savepoint(conn, *statements: str) -> bool:
    """Runs `statements` in a savepoint; False, with nothing changed, when one fails (the rum
    extension missing, or not the user's to create)."""
    savepoint = conn.begin_nested()
    try:
        for statement in statements:
            conn.exec_driver_sql(statement)
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def create_search_rum_index(conn) -> bool:
    """The rum index over `tsv || facets` when the server has the extension (Debian:
    postgresql-15-rum) and the user may create it; False otherwise, changing nothing.
    corpus.search.enable_rum runs it too, for a store migrated before the extension was there."""
    return _in_savepoint(
        conn,
        "CREATE EXTENSION IF NOT EXISTS rum",
        f"CREATE INDEX IF NOT EXISTS {RUM_INDEX} ON passage "
        "USING rum ((tsv || facets) rum_tsvector_ops)",
    )


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    # Filling the column by ALTER COLUMN … TYPE … USING rewrites the table once, with live rows
    # only, and rebuilds its indexes from it. With an UPDATE in this transaction the rum index
    # built after it came out twice its size at 1M passages (1,466 MB against 725), apparently
    # holding the old row versions too, and the table a dead copy of every row.
    op.execute(f"DROP INDEX IF EXISTS {OLD_RUM_INDEX}")
    op.execute("ALTER TABLE passage ADD COLUMN facets tsvector NOT NULL DEFAULT ''")
    op.execute(FACETS_FUNCTION)
    op.execute(
        "ALTER TABLE passage ALTER COLUMN facets TYPE tsvector "
        "USING passage_facets(document_id, area, reviewed_area)"
    )
    op.execute(PASSAGE_TRIGGER)
    op.execute(DOCUMENT_TRIGGER)
    create_search_rum_index(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {RUM_INDEX}")
    op.execute("DROP TRIGGER IF EXISTS document_facets ON document")
    op.execute("DROP TRIGGER IF EXISTS passage_facets_row ON passage")
    op.execute("DROP FUNCTION IF EXISTS document_facets()")
    op.execute("DROP FUNCTION IF EXISTS passage_facets_row()")
    op.execute("ALTER TABLE passage DROP COLUMN facets")
    op.execute("DROP FUNCTION IF EXISTS passage_facets(integer, integer, integer)")
    _in_savepoint(
        conn,
        f"CREATE INDEX IF NOT EXISTS {OLD_RUM_INDEX} ON passage USING rum (tsv rum_tsvector_ops)",
    )
