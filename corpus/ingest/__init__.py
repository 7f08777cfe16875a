"""Ingest: files, folders and .zip archives into the store, one transaction per document.

Each file is hashed first: content already stored is reported as present without parsing.
The rest is extracted and analysed in parallel by isolated workers (extract.extract_files with
`step.AnalyseStep`: models load once per worker); the parent only writes each result in its own
transaction (`write.write`, bulk statements). The file is copied into the store before the transaction and
committed with it, so a kill at any moment leaves every document whole or absent, plus at most a
stored file without a row, which the next run sweeps away.

Two ingests may run at once (the web app and the command line, two evaluators): each holds a
lease (corpus/leases.py) so neither sweeps what the other has copied but not yet committed; a
document whose transaction loses a race for a new city or submission is written again, and a
file is reported as present only when its document is committed.

Modules, in the order a file goes through them: `batch` (`ingest` itself), `sources` (folders and
archives into files), `triage` (already stored? a duplicate?), `step` (extract + analyse in a
worker: the pure per-file function), `rows` (one row builder per entity) and `write` (one
transaction). `pools` keeps the workers between ingests.
"""

from extract.lazy import exports

# Light: a worker that unpickles its step (corpus.ingest.step) imports that module and what it
# needs, not the database layer the rest of ingest uses.
__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "PERIODIC_KINDS": ".write",
        "AnalyseStep": ".step",
        "AnalysedDocument": ".step",
        "FailedDocument": ".step",
        "FileResult": ".results",
        "IngestSummary": ".results",
        "Overrides": ".results",
        "Source": ".triage",
        "analyse_file": ".step",
        "analyse_step": ".batch",
        "ingest": ".batch",
        "record_issuer": ".write",
        "submission_for": ".write",
        "unconfirmed_reasons": ".write",
        "write": ".write",
    },
)
