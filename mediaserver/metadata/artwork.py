"""Provider images made safe to serve: decoded with Pillow within bounds (bytes, sides, pixels,
format), turned upright and to RGB, resized to the card size of their kind and stored as WebP
(served) and JPEG (beside it; PNG for logos, which need their transparency)."""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from mediaserver.storage.base import Storage

FORMATS = ("JPEG", "PNG", "WEBP")
MAX_SIDE = 12_000
MAX_PIXELS = 50_000_000
MIN_SIDE = 16
WIDTHS = {"poster": 500, "fanart": 1280, "logo": 500, "thumb": 640, "profile": 185}
WEBP_QUALITY = 80
JPEG_QUALITY = 85


class ImageRefused(Exception):
    """The bytes are not an image we keep; the message says why."""


@dataclass(frozen=True, slots=True)
class StoredImage:
    location: str  # storage key of the WebP
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Encoded:
    webp: bytes
    fallback: bytes
    fallback_ext: str
    width: int
    height: int


def encode(data: bytes, kind: str) -> Encoded:
    """Decode, check and resize one image. Blocking: run it in a thread."""
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as img:
            width, height = img.size
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise ImageRefused(f"image of {width}x{height} pixels is too large")
            if width < MIN_SIDE or height < MIN_SIDE:
                raise ImageRefused(f"image of {width}x{height} pixels is too small")
            target = WIDTHS.get(kind, 500)
            if img.format == "JPEG":
                img.draft("RGB", (target, max(1, target * height // width)))
            img.load()
            picture = ImageOps.exif_transpose(img)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.UnidentifiedImageError):
        raise ImageRefused("not a JPEG, PNG or WebP image, or one too large to decode") from None
    except (OSError, ValueError, SyntaxError, MemoryError) as exc:
        raise ImageRefused(f"damaged image: {type(exc).__name__}") from None
    alpha = kind == "logo"
    picture = picture.convert("RGBA" if alpha else "RGB")
    if picture.width > target:
        size = (target, max(1, round(picture.height * target / picture.width)))
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    webp, fallback = io.BytesIO(), io.BytesIO()
    picture.save(webp, "WEBP", quality=WEBP_QUALITY, method=4)
    if alpha:
        picture.save(fallback, "PNG", optimize=True)
    else:
        picture.save(fallback, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return Encoded(webp.getvalue(), fallback.getvalue(), "png" if alpha else "jpg",
                   picture.width, picture.height)  # fmt: skip


async def store_image(storage: Storage, prefix: str, kind: str, data: bytes) -> StoredImage:
    """Check and store one image under `prefix`; its key names the content (re-storing the same
    picture writes the same keys)."""
    encoded = await asyncio.to_thread(encode, data, kind)
    digest = hashlib.sha256(encoded.webp).hexdigest()[:16]
    base = f"{prefix}/{kind}-{digest}"
    await storage.put_bytes(f"{base}.webp", encoded.webp)
    await storage.put_bytes(f"{base}.{encoded.fallback_ext}", encoded.fallback)
    return StoredImage(f"{base}.webp", encoded.width, encoded.height)
