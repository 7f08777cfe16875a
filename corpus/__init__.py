"""corpus/: the collection of submissions and its operations (ingest, search, review, export)."""

from extract.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "FileResult": ".ingest",
        "Filters": ".search",
        "Hit": ".search",
        "IngestSummary": ".ingest",
        "Overrides": ".ingest",
        "QueryError": ".search",
        "Ranked": ".search",
        "Settings": ".settings",
        "StoreStatus": ".status",
        "StoreUnavailable": ".store",
        "get_settings": ".settings",
        "ingest": ".ingest",
        "more_like_this": ".search",
        "open_store": ".store",
        "ranked": ".search",
        "samples_dir": ".samples",
        "similar": ".search",
        "search": ".search",
        "store_status": ".status",
    },
)
