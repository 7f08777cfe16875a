"""The app's routes, one module per part of the workflow."""

from . import auth, compare, figures, pages, reports, review, search, upload, users

ROUTERS = [
    auth.router,
    pages.router,
    review.router,
    search.router,
    figures.router,
    compare.router,
    reports.router,
    upload.router,
    users.router,
]
