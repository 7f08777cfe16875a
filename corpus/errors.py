"""The corpus layer's one error root and its five kinds.

Every exception corpus/ raises on purpose subclasses `CorpusError` through one of the kinds, and
carries its message in Chinese, naming the thing and the reason. The interfaces turn the kinds
into what their users see, each in one place: web/errors.py into a status and an error page,
cli's boundary into `✗ message` and a non-zero exit. A module's own classes (NoSubmission,
DuplicateUser…) keep their names, so callers that catch them still work.
"""

from __future__ import annotations


class CorpusError(Exception):
    """A request the store cannot carry out; the message says why, in Chinese."""


class NotFound(CorpusError, LookupError):
    """No such document, passage, figure, case, user or submission."""


class Conflict(CorpusError):
    """The store changed under the request (another edit, a duplicate name); nothing was written."""


class Invalid(CorpusError, ValueError):
    """A value the store does not accept: an unknown code, a malformed spec, a bad name."""


class Forbidden(CorpusError, PermissionError):
    """The user may not do this."""


class Unavailable(CorpusError):
    """The store cannot be reached, read or written (disk full, read-only, corrupt, too new)."""


__all__ = ["Conflict", "CorpusError", "Forbidden", "Invalid", "NotFound", "Unavailable"]
