"""The file side of uploads: safe names, tus metadata, partial files, streaming appends.

No web types and no database here. `uploads` drives these under the partial file's lock.

Partial files live in `<data_dir>/uploads/.partial/<token>`: named by the server's random token
only, never by anything the client sent. The client's file name is cleaned by `clean_filename`
and used for the final name alone, which is then only ever joined to the library's upload folder
and checked to stay inside it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import errno
import fcntl
import hashlib
import os
import re
import shutil
import unicodedata
from collections.abc import AsyncIterable, Callable
from pathlib import Path

from mediaserver.safe_paths import upload_folder

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,64}")
MAX_NAME_BYTES = 200
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
BATCH_BYTES = 4 << 20  # bytes per write; two batches at most are held, whatever the file size
BATCH_CHUNKS = 512  # and chunks per writev (IOV_MAX is 1024)
HASH_BLOCK = 4 << 20
_METADATA_KEY_RE = re.compile(r"[!-+\--~]{1,100}")  # printable ASCII, no space or comma
MAX_METADATA_KEYS = 20
MAX_METADATA_VALUE = 4096


class MetadataError(ValueError):
    """Upload-Metadata is not what tus 1.0 allows; the message says how."""


class BodyTooLong(Exception):
    """The request body goes past the declared upload length (or the size limit)."""


class BodyInterrupted(Exception):
    """The body stopped early: the client went away or sent less than it announced."""


class WriteFailed(OSError):
    """Writing to the partial file failed (disk full, I/O error)."""


class Locked(Exception):
    """Another request (or the finishing job) is working on this upload right now."""


# -- names and metadata -----------------------------------------------------------------------


def clean_filename(raw: str) -> str:
    """The client's file name reduced to a harmless basename (may be empty).

    Path components of either separator are dropped, then control and format characters
    (NUL, newlines, bidi overrides), leading dots and spaces; the result is cut to
    MAX_NAME_BYTES of UTF-8 at a character boundary.
    """
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch.isspace()
    )
    name = re.sub(r" {2,}", " ", name).lstrip(". ").rstrip(". ")
    encoded = name.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        name = encoded[:MAX_NAME_BYTES].decode("utf-8", "ignore").rstrip(". ")
    return name


def final_name(client_name: str, extension: str, taken: Callable[[str], bool]) -> str:
    """`<clean stem><extension>`, with " (2)", " (3)"... when the name is already used."""
    stem = clean_filename(client_name)
    if "." in stem:
        stem = stem.rsplit(".", 1)[0].rstrip(". ")
    if not stem:
        stem = "upload"
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", extension):
        raise ValueError(f"unexpected extension {extension!r}")
    room = MAX_NAME_BYTES - len(extension) - len(" (9999)")
    stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(". ") or "upload"
    for n in range(1, 10000):
        name = f"{stem}{extension}" if n == 1 else f"{stem} ({n}){extension}"
        if not taken(name):
            return name
    raise FileExistsError(f"too many files named {stem}{extension}")


def parse_metadata(header: str) -> dict[str, str]:
    """`key base64,key2 base64` -> {key: text}; bad UTF-8 in a value becomes U+FFFD."""
    result: dict[str, str] = {}
    if not header.strip():
        return result
    for part in header.split(","):
        pieces = part.strip().split(" ")
        if len(pieces) > 2 or not _METADATA_KEY_RE.fullmatch(pieces[0]):
            raise MetadataError(f"Upload-Metadata: {part.strip()[:40]!r} is not 'key base64value'")
        key = pieces[0]
        if key in result:
            raise MetadataError(f"Upload-Metadata: key {key!r} appears twice")
        raw = b""
        if len(pieces) == 2:
            try:
                raw = base64.b64decode(pieces[1], validate=True)
            except (binascii.Error, ValueError):
                raise MetadataError(
                    f"Upload-Metadata: the value of {key!r} is not base64"
                ) from None
        if len(raw) > MAX_METADATA_VALUE:
            raise MetadataError(f"Upload-Metadata: the value of {key!r} is too long")
        result[key] = raw.decode("utf-8", "replace")
        if len(result) > MAX_METADATA_KEYS:
            raise MetadataError(f"Upload-Metadata: more than {MAX_METADATA_KEYS} keys")
    return result


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}" if v else k for k, v in metadata.items()
    )


def parse_checksum(header: str) -> tuple[str, bytes]:
    """`sha1 <base64 digest>` -> ("sha1", digest); ValueError if unsupported or malformed."""
    algorithm, _, value = header.strip().partition(" ")
    factory = CHECKSUM_ALGORITHMS.get(algorithm.lower())
    if factory is None:
        raise ValueError(f"unsupported checksum algorithm {algorithm!r} (use sha1 or sha256)")
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the Upload-Checksum value is not base64") from None
    if len(digest) != factory().digest_size:
        raise ValueError(f"the Upload-Checksum value is not a {algorithm} digest")
    return algorithm.lower(), digest


# -- partial files ----------------------------------------------------------------------------


class PartialFiles:
    """The folder of partial uploads and the per-library upload folders under one root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.partial_dir = root / ".partial"

    def partial(self, token: str) -> Path:
        if not TOKEN_RE.fullmatch(token):
            raise ValueError("bad upload token")
        return self.partial_dir / token

    def library_dir(self, library_id: int) -> Path:
        # root is data_dir/uploads: the library's upload folder is the one its readers know.
        return upload_folder(self.root.parent, library_id)

    def create(self, token: str) -> None:
        self.partial_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(
            self.partial(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600
        )
        os.close(fd)

    def remove(self, token: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.partial(token).unlink()

    def tokens_on_disk(self) -> list[str]:
        if not self.partial_dir.is_dir():
            return []
        return [p.name for p in self.partial_dir.iterdir() if TOKEN_RE.fullmatch(p.name)]


class OpenPartial:
    """A partial file opened for appending and exclusively locked (flock: across processes too).

    flock locks belong to the open file description, so a second open of the same file (another
    request in this process, or another server on the same disk) is refused with `Locked`.
    """

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise Locked() from None

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def truncate(self, size: int) -> None:
        os.ftruncate(self.fd, size)

    def sync(self) -> None:
        os.fdatasync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # also releases the lock
            self.fd = -1


def _write_all(fd: int, chunks: list[bytes], hashers: list[hashlib._Hash]) -> None:
    """Write the chunks in one writev (finishing any short write), feeding the hashers."""
    try:
        written = os.writev(fd, chunks)
        for chunk in chunks:
            view = memoryview(chunk)
            for h in hashers:
                h.update(view)
            if written >= len(view):
                written -= len(view)
                continue
            view = view[written:]
            written = 0
            while view:
                view = view[os.write(fd, view) :]
    except OSError as exc:
        raise WriteFailed(exc.errno, exc.strerror) from None


async def stream_to_file(
    partial: OpenPartial,
    body: AsyncIterable[bytes],
    limit: int,
    hasher: hashlib._Hash | None,
) -> int:
    """Append `body` to the file; return the number of bytes written.

    The event loop collects the chunks aiohttp hands over (no copy) into a batch of up to
    BATCH_BYTES; a worker thread writes the previous batch with one writev meanwhile, so the loop
    never blocks on the disk and at most two batches are held. Raises BodyTooLong past `limit`
    bytes, BodyInterrupted when the body stops early, WriteFailed on disk errors. Whatever the
    outcome, every started write has finished when this returns or raises; the caller decides
    what to keep (it knows the offset it started from).
    """
    loop = asyncio.get_running_loop()
    hashers = [hasher] if hasher is not None else []
    batch: list[bytes] = []
    batch_bytes, total = 0, 0
    pending: asyncio.Future[None] | None = None

    async def flush() -> None:
        nonlocal pending, batch, batch_bytes
        if pending is not None:
            await asyncio.shield(pending)  # cancelled or not, `finally` waits for the thread
            pending = None
        if batch:
            pending = loop.run_in_executor(None, _write_all, partial.fd, batch, hashers)
            batch, batch_bytes = [], 0

    try:
        iterator = aiter(body)
        while True:
            try:
                chunk = await anext(iterator)
            except StopAsyncIteration:
                break
            except Exception as exc:  # the transport's error, whichever library it comes from
                raise BodyInterrupted(str(exc) or type(exc).__name__) from None
            total += len(chunk)
            if total > limit:
                raise BodyTooLong()
            if chunk:
                batch.append(chunk)
                batch_bytes += len(chunk)
            if batch_bytes >= BATCH_BYTES or len(batch) >= BATCH_CHUNKS:
                await flush()
        await flush()
        await flush()
    finally:
        # On any exit the writer thread must be done before we return, and what arrived before
        # the client went away is written too (tus resumes from it; the caller may drop it).
        if pending is not None:
            with contextlib.suppress(BaseException):
                await asyncio.shield(pending)
            with contextlib.suppress(BaseException):
                pending.result()
        if batch and total <= limit:
            with contextlib.suppress(WriteFailed):
                _write_all(partial.fd, batch, hashers)
    return total


def file_sha256(path: Path, progress: Callable[[int], None] | None = None) -> str:
    """SHA-256 of a file, read in blocks (run it in a thread)."""
    h = hashlib.sha256()
    done = 0
    with open(path, "rb", buffering=0) as fh:
        buf = bytearray(HASH_BLOCK)
        view = memoryview(buf)
        while n := fh.readinto(buf):
            h.update(view[:n])
            done += n
            if progress is not None:
                progress(done)
    return h.hexdigest()


def place_file(partial: Path, folder: Path, name: str) -> Path:
    """Put the partial file at folder/name without overwriting anything (hard link, else copy).

    Raises FileExistsError if the name was taken meanwhile; the caller picks the next one.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if target.resolve().parent != folder.resolve() or target.name != name:
        raise ValueError("the final name would leave the upload folder")
    try:
        os.link(partial, target)  # atomic and never replaces an existing file
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        temp = folder / f".incoming-{partial.name}"
        shutil.copyfile(partial, temp)
        try:
            os.link(temp, target)
        finally:
            temp.unlink(missing_ok=True)
    return target
