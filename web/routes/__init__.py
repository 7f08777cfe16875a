"""The app's routes, one module per part of the workflow."""

from . import auth, compare, desk, figures, pages, reports, review, search, upload, users

ROUTERS = [
    auth.router,
    pages.router,
    review.router,
    desk.router,
    search.router,
    figures.router,
    compare.router,
    reports.router,
    upload.router,
    users.router,
]
