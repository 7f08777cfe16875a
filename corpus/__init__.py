"""corpus/: the collection of submissions and its operations (ingest, search, review, export)."""

from .samples import samples_dir
from .settings import Settings, get_settings

__all__ = ["Settings", "get_settings", "samples_dir"]
