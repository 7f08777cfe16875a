"""The README is for users and short; the design lives in docs/, and every link between them
resolves."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def test_readme_stays_short():
    assert len((REPO / "README.md").read_bytes()) <= 10_000


def test_every_relative_link_resolves():
    broken, checked = [], 0
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if "://" in target:
                continue
            checked += 1
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)} → {target}")
    assert checked > 20 and broken == []


def test_architecture_names_every_command_module_and_the_boundaries():
    text = (REPO / "docs" / "architecture.md").read_text("utf-8")
    from cli import COMMAND_MODULES

    for module in (*COMMAND_MODULES, "app", "common"):
        assert f"`{module}.py`" in text, module
    for where in ("web/boundary.py", "corpus/errors.py", "extract/registry.py", "cli/__init__.py"):
        assert where.split("/")[-1] in text, where
