from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from extract import legacy
from tests import builders

REPO = Path(__file__).resolve().parents[1]
REALDOCS = REPO.parent / "shared" / "realdocs"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# Each test file by what it drives (pyproject registers the markers; docs/testing.md explains them):
#   unit        pure functions of extract/ and classify/, on built texts and files
#   store       corpus/ over a real SQLite file and a real PostgreSQL database
#   interfaces  the CLI in-process (CliRunner) and the web app (TestClient)
#   system      whole processes: a browser, kill -9, restarts, two ingests at once, the real files
# System tests, and any test that needs LibreOffice, are also `slow`: `make test-fast` leaves them
# out (-m "not slow"); `make test` runs everything. A new test file must be listed here.
GROUPS: dict[str, str] = {
    **dict.fromkeys(
        (
            "test_applications",
            "test_areas",
            "test_docs",
            "test_field_files",
            "test_figure_time",
            "test_figures",
            "test_formats",
            "test_hostile",
            "test_imports",
            "test_metadata",
            "test_ocr",
            "test_pdf",
            "test_table_units",
            "test_text_rules",
            "test_vocabulary",
            "test_word",
            "test_word_text_files",
        ),
        "unit",
    ),
    **dict.fromkeys(
        (
            "test_accounts",
            "test_apps",
            "test_compare_export",
            "test_documents",
            "test_figure_time_store",
            "test_figures_store",
            "test_ingest_bulk",
            "test_ingest_workers",
            "test_reports",
            "test_review",
            "test_search",
            "test_search_pg",
            "test_store",
            "test_versions",
        ),
        "store",
    ),
    **dict.fromkeys(
        ("test_cli", "test_desk", "test_errors", "test_web", "test_web_upload_names"), "interfaces"
    ),
    **dict.fromkeys(
        (
            "test_concurrency",
            "test_crash",
            "test_e2e",
            "test_e2e_desk",
            "test_fuzz",
            "test_queue",
            "test_issuers_real",
            "test_layout_realdocs",
            "test_legacy_converter",
            "test_realdocs",
            "test_store_faults",
            "test_table_rules",
            "test_web_restart",
            "test_web_shared",
        ),
        "system",
    ),
}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        stem = item.path.stem
        if stem not in GROUPS:
            raise pytest.UsageError(f"tests/conftest.py GROUPS does not list {item.path.name}")
        group = GROUPS[stem]
        item.add_marker(group)
        if group == "system" or "soffice" in getattr(item, "fixturenames", ()):
            item.add_marker("slow")


def require(available: bool, what: str) -> None:
    """A missing system dependency fails the test in CI and skips it on a developer's machine."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI (.ci/run installs it)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, monkeypatch):
    """Every test gets its own data directory and SQLite file; nothing touches the user's."""
    from corpus.settings import get_settings

    monkeypatch.setenv("INFOCITY_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("INFOCITY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def soffice() -> str:
    path = legacy.find_soffice()
    require(path is not None, "LibreOffice (soffice)")
    return path


@pytest.fixture
def realdoc():
    """Path of a file in ../shared/realdocs. A missing folder or file fails the test, here as in
    CI: a golden test that passes or skips without its files cannot fail."""

    def get(name: str) -> Path:
        path = REALDOCS / name
        if not path.exists():
            what = "the folder" if not REALDOCS.is_dir() else "the file"
            pytest.fail(f"realdocs fixture {name} is not present ({what} {path} is missing)")
        return path

    return get


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("built")


@pytest.fixture(scope="session")
def report_docx(built) -> Path:
    return builders.build_report_docx(built / "杭州市2016年上半年进展情况.docx")


@pytest.fixture(scope="session")
def report_pdf(report_docx, built, soffice) -> Path:
    return builders.convert(report_docx, "pdf", built)


@pytest.fixture(scope="session")
def report_doc(report_docx, built, soffice) -> Path:
    outdir = built / "doc"
    outdir.mkdir()
    return builders.convert(report_docx, "doc", outdir)


@pytest.fixture(scope="session")
def samples() -> Path:
    from corpus import samples_dir

    return samples_dir()


@pytest.fixture(scope="session")
def pg_server():
    """The machine's PostgreSQL when reachable, otherwise a throwaway cluster of our own."""
    from tests import pg

    if pg.reachable():
        yield pg.MACHINE_URL
        return
    require(pg.pg_bin() is not None, "PostgreSQL (reachable server or Debian's binaries)")
    server = pg.Throwaway()
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Each store test runs against a SQLite file and a real PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'infocity.db'}"
        return
    from tests import pg

    with pg.database(request.getfixturevalue("pg_server")) as url:
        yield url


@pytest.fixture
def store(db_url, tmp_path):
    """(engine, data_dir, limits) of a migrated, empty store."""
    from corpus.settings import Settings
    from corpus.store import open_store

    settings = Settings(data_dir=tmp_path / "data", database_url=db_url)
    engine = open_store(settings)
    yield engine, settings.data_dir, settings.limits()
    engine.dispose()


@pytest.fixture(scope="session")
def redis_server():
    """The machine's Redis when reachable, otherwise a throwaway redis-server on a free port."""
    from tests import brokers

    if brokers.redis_reachable():
        yield brokers.REDIS_URL
        return
    require(shutil.which("redis-server") is not None, "Redis (reachable server or redis-server)")
    server = brokers.ThrowawayRedis()
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture(scope="session")
def amqp_server():
    """The machine's RabbitMQ when reachable, otherwise a throwaway node of our own."""
    from tests import brokers

    if brokers.amqp_reachable():
        yield brokers.AMQP_URL
        return
    require(os.path.exists("/usr/sbin/rabbitmq-server"), "RabbitMQ (reachable or rabbitmq-server)")
    server = brokers.ThrowawayRabbit()
    try:
        yield server.url
    finally:
        server.close()
