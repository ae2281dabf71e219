"""The fakes' pictures: flat colours named by their file name, posters with their language drawn
on them, logos with their name on a transparent ground, and a decompression bomb."""

from __future__ import annotations

import io
import zlib

from PIL import Image, ImageDraw, ImageFont


def png(width: int, height: int, color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def color_of(name: str) -> tuple[int, int, int]:
    """The flat colour of the fake's picture with this file name."""
    seed = sum(name.encode())
    return (seed * 7 % 256, seed * 13 % 256, seed * 29 % 256)


def language_of(name: str) -> str | None:
    """'matrix-poster-fr.png' -> 'fr'."""
    stem = name.rsplit(".", 1)[0]
    tail = stem.rsplit("-", 1)[-1]
    return tail if len(tail) == 2 and tail.isalpha() and "-" in stem else None


def labelled(width: int, height: int, color: tuple[int, int, int], label: str) -> bytes:
    """A poster with `label` in a band at the bottom, the colour left plain above."""
    img = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, height * 3 // 4, width, height), fill=(20, 20, 20))
    draw.text((width // 2, height * 7 // 8), label, fill=(255, 255, 255), anchor="mm",
              font=ImageFont.load_default(size=width // 5))  # fmt: skip
    return _png(img)


def logo(height: int, color: tuple[int, int, int], label: str) -> bytes:
    """A logo: `label` in the colour, outlined, on a transparent ground cropped to it (as
    providers' logos are)."""
    font = ImageFont.load_default(size=height * 3 // 4)
    left, top, right, bottom = font.getbbox(label, stroke_width=3)
    img = Image.new("RGBA", (right - left + 8, bottom - top + 8), (0, 0, 0, 0))
    ImageDraw.Draw(img).text((4 - left, 4 - top), label, fill=(*color, 255), font=font,
                             stroke_width=3, stroke_fill=(255, 255, 255, 255))  # fmt: skip
    return _png(img)


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def bomb_png(side: int = 30_000) -> bytes:
    """A tiny PNG whose header claims side x side pixels (a decompression bomb)."""
    raw = zlib.compress(b"\x00" * (side // 8 + 1) * 16, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))  # fmt: skip

    header = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
