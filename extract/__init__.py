"""extract/: submitted files into structured documents. Knows files, not databases."""

from .archive import check_zip
from .divisions import Division, canonical_city, find_divisions
from .divisions import division_named as city_named
from .document import Block, Document, Evidence, Metadata, PageInfo, Passage
from .errors import (
    ConverterMissing,
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    ExtractError,
    MissingFile,
    ResourceLimit,
    TooLarge,
    TypeMismatch,
    UnsupportedFormat,
    ZipBomb,
)
from .files import (
    Found,
    NotRegular,
    display_name,
    escape_controls,
    iter_files,
    sha256_regular,
    walk,
)
from .isolate import Failure, Outcome, extract_file, extract_files
from .limits import Limits
from .passages import to_passages
from .readers import read_document, sha256_of
from .sniff import ALLOWED

ACCEPTED_SUFFIXES = frozenset(ALLOWED)

__all__ = [
    "ACCEPTED_SUFFIXES",
    "Block",
    "ConverterMissing",
    "CorruptDocument",
    "Division",
    "Document",
    "EmptyDocument",
    "EncryptedDocument",
    "Evidence",
    "ExtractError",
    "Failure",
    "Found",
    "Limits",
    "Metadata",
    "MissingFile",
    "NotRegular",
    "Outcome",
    "PageInfo",
    "Passage",
    "ResourceLimit",
    "TooLarge",
    "TypeMismatch",
    "UnsupportedFormat",
    "ZipBomb",
    "canonical_city",
    "check_zip",
    "city_named",
    "display_name",
    "escape_controls",
    "extract_file",
    "extract_files",
    "find_divisions",
    "iter_files",
    "read_document",
    "sha256_of",
    "sha256_regular",
    "to_passages",
    "walk",
]
