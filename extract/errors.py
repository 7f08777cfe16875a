"""Our own exceptions: each names the file and a short reason code shown to evaluators."""

from __future__ import annotations

from pathlib import Path


class ExtractError(Exception):
    """Base class. `code` is the stable short reason (`type mismatch`, `encrypted`...)."""

    code = "failed"
    verb = "failed"

    def __init__(self, path: str | Path, detail: str = "") -> None:
        self.path = str(path)
        self.detail = detail
        super().__init__(self.message)

    @property
    def name(self) -> str:
        from .files import display_name

        return display_name(Path(self.path).name)[0]  # decoded, control characters escaped

    @property
    def message(self) -> str:
        tail = f" ({self.detail})" if self.detail else ""
        return f"{self.name}: {self.verb}: {self.code}{tail}"

    def __reduce__(self):  # keep subclass and fields across process boundaries
        return (self.__class__, (self.path, self.detail))


class UnsupportedFormat(ExtractError):
    code = "unsupported format"
    verb = "rejected"


class TypeMismatch(ExtractError):
    code = "type mismatch"
    verb = "rejected"


class MissingFile(ExtractError):
    code = "not found"


class EmptyDocument(ExtractError):
    code = "empty file"
    verb = "rejected"


class TooLarge(ExtractError):
    code = "too large"
    verb = "rejected"


class ZipBomb(ExtractError):
    code = "zip bomb"
    verb = "rejected"


class CorruptDocument(ExtractError):
    code = "parse error"


class EncryptedDocument(ExtractError):
    code = "encrypted"


class ResourceLimit(ExtractError):
    code = "resource limit"


class ConverterMissing(ExtractError):
    code = "converter missing"
