"""extract/: submitted files into structured documents. Knows files, not databases."""

from .document import Block, Document, Evidence, Metadata, PageInfo, Passage
from .errors import (
    ConverterMissing,
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    ExtractError,
    ResourceLimit,
    TooLarge,
    TypeMismatch,
    UnsupportedFormat,
    ZipBomb,
)
from .files import iter_files
from .isolate import Failure, Outcome, extract_file, extract_files
from .limits import Limits
from .passages import to_passages
from .readers import read_document

__all__ = [
    "Block",
    "ConverterMissing",
    "CorruptDocument",
    "Document",
    "EmptyDocument",
    "EncryptedDocument",
    "Evidence",
    "ExtractError",
    "Failure",
    "Limits",
    "Metadata",
    "Outcome",
    "PageInfo",
    "Passage",
    "ResourceLimit",
    "TooLarge",
    "TypeMismatch",
    "UnsupportedFormat",
    "ZipBomb",
    "extract_file",
    "extract_files",
    "iter_files",
    "read_document",
    "to_passages",
]
