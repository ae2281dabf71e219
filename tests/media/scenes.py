"""A small generator of videos made of distinct scenes (black, flat, blurred, detailed), for the
poster and trickplay tests: frames are drawn with Pillow and encoded with PyAV."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFilter


def detailed_picture(width: int, height: int, seed: int = 1) -> Image.Image:
    """Colourful, contrasty, full of edges: what a good poster frame looks like to the measures."""
    rng = random.Random(seed)
    picture = Image.new("RGB", (width, height), (40, 90, 160))
    draw = ImageDraw.Draw(picture)
    cell = max(8, width // 40)
    for y in range(0, height, cell):
        for x in range(0, width, cell):
            if (x // cell + y // cell) % 2:
                draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=(235, 225, 200))
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        size = rng.randrange(cell, cell * 6)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + size, y + size), outline=colour, width=3)
        draw.line((x, y, rng.randrange(width), rng.randrange(height)), fill=colour, width=2)
    return picture


def scene_picture(kind: str, width: int, height: int) -> Image.Image:
    if kind == "black":
        return Image.new("RGB", (width, height), (0, 0, 0))
    if kind == "flat":
        return Image.new("RGB", (width, height), (128, 128, 128))
    if kind == "blurred":  # big contrasty blocks, out of focus: not flat, but no edges
        picture = Image.new("RGB", (width, height), (20, 20, 30))
        draw = ImageDraw.Draw(picture)
        colours = [(230, 60, 40), (240, 240, 220), (40, 160, 70), (250, 200, 30)]
        for i in range(4):
            for j in range(3):
                if (i + j) % 2:
                    box = (
                        i * width // 4,
                        j * height // 3,
                        (i + 1) * width // 4,
                        (j + 1) * height // 3,
                    )
                    draw.rectangle(box, fill=colours[(i + j) % 4])
        return picture.filter(ImageFilter.GaussianBlur(max(6, width // 50)))
    if kind == "detailed":
        return detailed_picture(width, height, seed=3)
    if kind == "marker":  # left half red, right half blue: shows which way a frame was turned
        picture = Image.new("RGB", (width, height), (0, 0, 255))
        ImageDraw.Draw(picture).rectangle((0, 0, width // 2 - 1, height - 1), fill=(255, 0, 0))
        return picture
    raise ValueError(kind)


def make_scenes(
    path: Path,
    scenes: Sequence[tuple[str, float]],
    *,
    width: int = 640,
    height: int = 360,
    fps: int = 12,
    gop: int | None = None,
    rotation: int | None = None,
    container: str = "mp4",
) -> Path:
    """A video of consecutive scenes, each (kind, seconds); kind as in scene_picture."""
    fmt = {"mp4": "mp4", "mkv": "matroska"}[container]
    with av.open(str(path), "w", format=fmt) as out:
        options = {"preset": "ultrafast", "crf": "18"}
        if gop:
            options.update({"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"})
        stream = out.add_stream("libx264", rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if rotation:
            stream.set_display_rotation(-rotation)
        pts = 0
        for kind, seconds in scenes:
            frame = av.VideoFrame.from_image(scene_picture(kind, width, height))
            frame = frame.reformat(format="yuv420p")
            for _ in range(max(1, round(seconds * fps))):
                frame.pts = pts
                pts += 1
                out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path
