"""corpus/: the collection of submissions and its operations (ingest, search, review, export)."""

from .ingest import FileResult, IngestSummary, Overrides, ingest
from .samples import samples_dir
from .search import Filters, Hit, QueryError, more_like_this, search
from .settings import Settings, get_settings
from .status import StoreStatus, store_status
from .store import StoreUnavailable, open_store

__all__ = [
    "FileResult",
    "Filters",
    "Hit",
    "IngestSummary",
    "Overrides",
    "QueryError",
    "Settings",
    "StoreStatus",
    "StoreUnavailable",
    "get_settings",
    "ingest",
    "more_like_this",
    "open_store",
    "samples_dir",
    "search",
    "store_status",
]
