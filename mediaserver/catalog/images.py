"""Artwork for browse pages: a title's poster, backdrop or logo in the profile's language, a
season's poster, an episode's thumbnail.

Each image is found by owner and kind (never by a path from the request). A title's own art (a
file beside the media, an admin's upload) is shown to everyone; otherwise the image in the
first of the wanted languages there is (the profile's, then the server's), then one without
text, then the selected one, whatever its language. Local artwork is read
only when it still resolves inside one of its library's roots (its folders and upload folder);
uploaded and generated images are storage keys.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

from mediaserver.accounts import Profile
from mediaserver.catalog.browse import visible
from mediaserver.db.catalog_schema import episodes, images, libraries, seasons, titles
from mediaserver.db.engine import Database
from mediaserver.safe_paths import file_inside, library_roots

CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                 ".webp": "image/webp", ".tbn": "image/jpeg"}  # fmt: skip
TITLE_KINDS = {"poster": "poster", "backdrop": "fanart", "logo": "logo"}
ImageSource = Literal["local", "upload", "generated", "provider"]
OWN_ART = ("local", "upload")


@dataclass(frozen=True, slots=True)
class ImageRef:
    source: ImageSource
    location: str
    library_paths: list[str]
    library_id: int
    image_id: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(os.path.splitext(self.location)[1].lower(), "image/jpeg")

    def local_file(self, data_dir: Path) -> Path | None:
        """The local artwork's path if it is still inside its library's roots (`data_dir` holds
        the upload folder); blocking: call it in a thread."""
        if self.source != "local":
            return None
        roots = library_roots(self.library_paths, self.library_id, data_dir)
        real = file_inside(self.location, roots)
        return Path(real) if real is not None else None


def _image_select() -> sa.Select:
    """What an ImageRef is made of: the image row and its library's id and folders."""
    return sa.select(
        images.c.id,
        images.c.source,
        images.c.location,
        libraries.c.id.label("library_id"),
        libraries.c.paths,
    )


def _of_visible_title(
    query: sa.Select, title_id: sa.ColumnElement[int], profile: Profile | None
) -> sa.Select:
    """The query's images whose title (`title_id`: the owner's title or series) this profile
    may see, joined to that title's library for the ImageRef's folders."""
    return (
        query.join(titles, titles.c.id == title_id)
        .join(libraries, libraries.c.id == titles.c.library_id)
        .where(visible(profile))
    )


def by_language(languages: Sequence[str]) -> tuple[sa.ColumnElement, ...]:
    """ORDER BY among one owner's images of one kind: its own selected art first, then the
    wanted languages in order, no text, any other; the selected one, then the newest, first."""
    own = sa.and_(images.c.is_selected.is_(True), images.c.source.in_(OWN_ART))
    wanted = [(images.c.language == lang, n) for n, lang in enumerate(languages)]
    language = sa.case(
        *wanted, (images.c.language.is_(None), len(languages)), else_=len(languages) + 1
    )
    return (sa.case((own, 0), else_=1), language, sa.case((images.c.is_selected, 0), else_=1))


def shown_to_profiles() -> sa.ColumnElement[bool]:
    """The images a profile may be shown: the selected one and the providers' others (kept for
    the profiles whose language they are in)."""
    return sa.or_(images.c.is_selected.is_(True), images.c.source == "provider")


async def _find(
    db: Database, query: sa.Select, order: Sequence[sa.ColumnElement] = ()
) -> ImageRef | None:
    async with db.read() as conn:
        row = (await conn.execute(query.order_by(*order, images.c.id.desc()).limit(1))).first()
    if row is None:
        return None
    paths = row.paths if isinstance(row.paths, list) else []
    return ImageRef(row.source, row.location, [str(p) for p in paths], row.library_id, row.id)


async def title_image(
    db: Database,
    profile: Profile | None,
    title_id: int,
    kind: str,
    candidate: int | None = None,
    languages: Sequence[str] = (),
) -> ImageRef | None:
    """The poster/backdrop/logo of a title this profile may see, in the first of `languages`
    it comes in (or, given `candidate`, that image of the title's, selected or not)."""
    chosen = shown_to_profiles() if candidate is None else images.c.id == candidate
    query = _of_visible_title(_image_select(), images.c.title_id, profile).where(
        images.c.title_id == title_id,
        images.c.kind == TITLE_KINDS[kind],
        chosen,
        images.c.season_id.is_(None),
        images.c.episode_id.is_(None),
    )
    return await _find(db, query, by_language(languages) if candidate is None else ())


async def season_poster(
    db: Database, profile: Profile | None, season_id: int, languages: Sequence[str] = ()
) -> ImageRef | None:
    """The poster of a season whose series this profile may see."""
    of_season = _image_select().join(seasons, seasons.c.id == images.c.season_id)
    query = _of_visible_title(of_season, seasons.c.series_id, profile).where(
        images.c.season_id == season_id,
        images.c.kind == "poster",
        images.c.episode_id.is_(None),
        shown_to_profiles(),
    )
    return await _find(db, query, by_language(languages))


async def episode_thumb(db: Database, profile: Profile | None, episode_id: int) -> ImageRef | None:
    """The selected thumbnail of an episode whose series this profile may see."""
    of_episode = _image_select().join(episodes, episodes.c.id == images.c.episode_id)
    query = _of_visible_title(of_episode, episodes.c.series_id, profile).where(
        images.c.episode_id == episode_id,
        images.c.kind == "thumb",
        images.c.is_selected.is_(True),
    )
    return await _find(db, query)
