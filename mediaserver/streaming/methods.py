"""The names of the ways a title plays, and of the two on-the-fly modes."""

from __future__ import annotations

from typing import Literal

PlaybackMethod = Literal["ladder", "direct", "remux", "transcode"]
LiveMode = Literal["remux", "transcode"]
Prefer = Literal["auto", "transcode"]  # what a player may ask for
