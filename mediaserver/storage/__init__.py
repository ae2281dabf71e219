"""The storage seam: code above it stores and reads derived media by key, on any backend."""

from ._fs import open_in_thread
from .base import (
    CHUNK_SIZE,
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    ObjectStream,
    RangeNotSatisfiable,
    Storage,
    StorageError,
    StorageFull,
)
from .factory import create_storage
from .keys import validate_key, validate_prefix
from .local import LocalStorage

__all__ = [
    "CHUNK_SIZE",
    "InvalidKey",
    "LocalStorage",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStream",
    "RangeNotSatisfiable",
    "Storage",
    "StorageError",
    "StorageFull",
    "create_storage",
    "open_in_thread",
    "validate_key",
    "validate_prefix",
]
