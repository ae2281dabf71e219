"""Strict validation of storage keys and prefixes: the one gate every backend goes through.

A key is a relative POSIX string of segments joined by "/". Rather than normalising suspicious
input (which is how `..%5c` and friends slip through), anything that is not plainly a safe name is
refused with InvalidKey. Keys are never URL-decoded here: "%2e%2e" is a literal segment name.
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import InvalidKey

MAX_KEY_BYTES = 1024  # the S3 limit, so a key valid here is valid on every backend
MAX_SEGMENT_BYTES = 255  # NAME_MAX on common filesystems


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code <= 0x9F


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a safe object key, else raise InvalidKey."""
    if not isinstance(key, str):
        raise InvalidKey(f"a storage key must be a string, not {type(key).__name__}")
    if not key:
        raise InvalidKey("empty storage key")
    shown = ascii(key[:80])  # ascii(): control characters must not reach logs raw
    if any(_is_control(ch) for ch in key):
        raise InvalidKey(f"storage key {shown} contains a control character")
    if "\\" in key:
        raise InvalidKey(f"storage key {shown} contains a backslash")
    if key.startswith("/"):
        raise InvalidKey(f"storage key {shown} is absolute")
    try:
        encoded = key.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, e.g. from os.fsdecode of bad bytes
        raise InvalidKey(f"storage key {shown} is not valid Unicode") from None
    if len(encoded) > MAX_KEY_BYTES:
        raise InvalidKey(f"storage key {shown}... is longer than {MAX_KEY_BYTES} bytes")
    segments = key.split("/")
    for seg in segments:
        if seg == "":
            raise InvalidKey(f"storage key {shown} has an empty segment")
        if seg in (".", ".."):
            raise InvalidKey(f"storage key {shown} has a '{seg}' segment")
        if len(seg.encode("utf-8")) > MAX_SEGMENT_BYTES:
            raise InvalidKey(f"storage key {shown} has a segment over {MAX_SEGMENT_BYTES} bytes")
    # Top-level names starting with "." are the backends' own (temporary area, manifests).
    if segments[0].startswith("."):
        raise InvalidKey(f"storage key {shown} starts with a reserved '.' name")
    return key


def validate_prefix(prefix: str, *, allow_empty: bool = False) -> str:
    """Validate a prefix (a key, optionally with one trailing "/"); return it without the slash.

    The empty prefix means "everything" and is accepted only where `allow_empty` says so.
    """
    if isinstance(prefix, str) and prefix.endswith("/") and prefix != "/":
        prefix = prefix[:-1]  # "a//" becomes "a/", which validation then refuses
    if prefix == "" and allow_empty:
        return ""
    return validate_key(prefix)


def key_to_path(root: Path, key: str) -> Path:
    """The path of `key` under `root` (an absolute, already resolved directory).

    Validates the key, then checks lexically that the result stays inside `root` — a second line
    of defence should validation ever be loosened. Symbolic links are the caller's job (they need
    disk I/O): LocalStorage refuses any path whose realpath differs from this one.
    """
    validate_key(key)
    path = root.joinpath(*key.split("/"))
    if os.path.commonpath([root, path]) != str(root) or path == root:
        raise InvalidKey(f"storage key {ascii(key[:80])} resolves outside the storage root")
    return path


def is_within(prefix: str, key: str) -> bool:
    """Whether `key` lies under `prefix` at a segment boundary ("" covers everything)."""
    return prefix == "" or key.startswith(prefix + "/")
