"""What a finished packaging run records: its output, named by storage keys under the publish's
prefix, as the `PublishedLadder` the `ladders` row stores."""

from __future__ import annotations

import dataclasses

from mediaserver.packaging.records import (
    LadderAudio,
    LadderRung,
    LadderSubtitle,
    PosterCandidateRecord,
    PublishedLadder,
    Trickplay,
)
from mediaserver.packaging.work import SUBS_DIR, VTT_NAME, ConvertedSubtitle, Output, jsonable

ENCODER_MAX = 32  # the column's width


def _subtitle(entry: ConvertedSubtitle, final: str) -> LadderSubtitle:
    track, folder = entry.track, entry.name
    placed = entry.vtt is not None and folder
    return LadderSubtitle(
        language=track.language,
        forced=track.forced,
        default=track.default,
        sdh=track.sdh,
        source=track.source,
        format=track.format,
        stream_index=track.stream_index,
        burn_in_only=entry.burn_in_only,
        error=entry.error,
        name=folder,
        key=f"{final}/{SUBS_DIR}/{folder}/{VTT_NAME}" if placed else None,
        playlist_key=f"{final}/{SUBS_DIR}/{folder}/index.m3u8" if placed else None,
    )


def _poster(poster: PosterCandidateRecord, final: str) -> PosterCandidateRecord:
    files = {
        fmt: {width: f"{final}/{rel}" for width, rel in sizes.items()}
        for fmt, sizes in poster.files.items()
    }
    webp, jpeg = files.setdefault("webp", {}), files.setdefault("jpeg", {})
    largest_webp, largest_jpeg = next(iter(webp.values()), None), next(iter(jpeg.values()), None)
    return dataclasses.replace(poster, files=files, key=largest_webp, jpeg=largest_jpeg)


def _trickplay(trick: Trickplay | None, final: str) -> Trickplay | None:
    if trick is None:
        return None
    sheets = tuple(f"{final}/{x}" for x in trick.sheets)
    return dataclasses.replace(trick, vtt=f"{final}/{trick.vtt}", sheets=sheets)


def published_ladder(output: Output, final: str, encoder: str) -> PublishedLadder:
    """The run's output as the row records it, published under `final`."""
    ladder = output.ladder
    return PublishedLadder(
        storage_prefix=final,
        rungs=tuple(LadderRung.from_json(jsonable(r)) for r in ladder.rungs),
        audio=tuple(LadderAudio.from_json(jsonable(a)) for a in ladder.audio),
        subtitles=tuple(_subtitle(s, final) for s in output.subtitles),
        posters=tuple(_poster(p, final) for p in output.posters),
        trickplay=_trickplay(output.trickplay, final),
        duration_seconds=jsonable(ladder.duration),
        encoder=encoder[:ENCODER_MAX],
    )
