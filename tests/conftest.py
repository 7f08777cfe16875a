from __future__ import annotations

import os
from pathlib import Path

import pytest

from extract import legacy
from tests import builders

REPO = Path(__file__).resolve().parents[1]
REALDOCS = REPO.parent / "shared" / "realdocs"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(available: bool, what: str) -> None:
    """A missing system dependency fails the test in CI and skips it on a developer's machine."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI (.ci/run installs it)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="session")
def soffice() -> str:
    path = legacy.find_soffice()
    require(path is not None, "LibreOffice (soffice)")
    return path


@pytest.fixture
def realdoc():
    """Path of a file in ../shared/realdocs; those files may go, so a missing one skips."""

    def get(name: str) -> Path:
        path = REALDOCS / name
        if not path.exists():
            pytest.skip(f"realdocs fixture {name} is not present")
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
