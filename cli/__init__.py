"""`infocity`: the command line. Thin: each command parses its arguments, calls one corpus/ (or
extract/, classify/) function and prints the result; our errors become `✗ message` and a
non-zero exit in one place (cli/app.py's boundary).

One module per topic; importing the package registers every command on `app`:

    app.py       the Typer app, the consoles, the error boundary
    common.py    what several commands share (labels, the store, who is typing, file helpers)
    reading.py   extract
    store.py     demo, ingest, status, backup, restore, confirm, repair-versions, retire-upload
    jobs.py      worker, jobs (ingest queued for workers on the office server)
    search.py    search
    models.py    train, evaluate, classify
    figures.py   figures, scorecard, check, figure-role, headline
    apps.py      apps, similar
    reports.py   export, report, diff, summary
    users.py     user …, serve

A new command goes in the module of its topic (or a new one imported below), as a function of a
few lines over a library function; anything the web app would need too belongs in corpus/.
"""

from importlib import import_module

from .app import app

# The order `infocity --help` lists them in: read, store, search, classify, figures, cases,
# reports, the web app.
COMMAND_MODULES = (
    "reading",
    "store",
    "jobs",
    "search",
    "models",
    "figures",
    "apps",
    "reports",
    "users",
)
for _module in COMMAND_MODULES:
    import_module(f".{_module}", __name__)

__all__ = ["app"]
