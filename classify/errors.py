"""classify/'s one error root. Its subclasses name the file or entry at fault and say what to do:
`CatalogueError` (classify/indicators.py), `UnknownIndicator`, `ModelError` (classify/artifact.py)."""

from __future__ import annotations


class ClassifyError(Exception):
    """A catalogue, dictionary or trained model that cannot be used; the message says which."""
