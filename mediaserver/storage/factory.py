"""Build the configured storage backend; the only place that knows which backends exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Storage
from .local import LocalStorage

if TYPE_CHECKING:
    from mediaserver.config import Settings


def create_storage(settings: Settings) -> Storage:
    """The backend named by `storage.backend`, rooted where the settings say."""
    backend = settings.storage.backend
    if backend == "local":
        return LocalStorage(settings.storage_root)
    # The settings model only admits known names; this guards a model change without a backend.
    raise ValueError(f"unknown storage backend {backend!r}")
