"""The app's routes, one module per part of the workflow."""

from . import auth, compare, pages, review, search, upload, users

ROUTERS = [
    auth.router,
    pages.router,
    review.router,
    search.router,
    compare.router,
    upload.router,
    users.router,
]
