"""Library and catalog tables: libraries, media files and their streams, titles, series,
seasons, episodes, genres, people, images, subtitles, chapters, scan issues and uploads.

Times are UTC epoch seconds (float). Every change here needs an Alembic migration.
Full-text search (FTS5 / tsvector) is created by the migration itself, see db/search.py.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

libraries = sa.Table(
    "libraries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    # movies | shows | mixed
    sa.Column("kind", sa.String(16), nullable=False),
    # Absolute folder paths (JSON list of strings); files are only ever read below these.
    sa.Column("paths", sa.JSON, nullable=False),
    # preencode | on_the_fly | hybrid (used by packaging)
    sa.Column("policy", sa.String(16), nullable=False, server_default="hybrid"),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("last_scan_at", sa.Float, nullable=True),
    sa.CheckConstraint("kind IN ('movies', 'shows', 'mixed')", name="kind"),
    sa.CheckConstraint("policy IN ('preencode', 'on_the_fly', 'hybrid')", name="policy"),
)

titles = sa.Table(
    "titles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "library_id", sa.Integer, sa.ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False
    ),
    # movie | series
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("sort_title", sa.String(500), nullable=False),
    sa.Column("original_title", sa.String(500), nullable=True),
    sa.Column("year", sa.Integer, nullable=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("tagline", sa.String(500), nullable=True),
    # Maturity rating on our scale (accounts.profiles.RATINGS), NULL when unknown.
    sa.Column("maturity_rating", sa.String(16), nullable=True),
    sa.Column("community_rating", sa.Float, nullable=True),
    sa.Column("runtime_seconds", sa.Float, nullable=True),
    # {"imdb": "tt0111161", "tmdb": "278", ...} from NFO files.
    sa.Column("provider_ids", sa.JSON, nullable=False),
    # Fields an admin edited by hand; scans never overwrite them.
    sa.Column("locked_fields", sa.JSON, nullable=False),
    # The folder (series) or file stem (movie) the title was built from: its identity for scans.
    sa.Column("source_key", sa.String(2000), nullable=False),
    sa.Column("added_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    # Set when no file is left: hidden from browsing, history kept.
    sa.Column("removed_at", sa.Float, nullable=True),
    sa.CheckConstraint("kind IN ('movie', 'series')", name="kind"),
    sa.UniqueConstraint("library_id", "kind", "source_key", name="uq_titles_source"),
)
sa.Index("ix_titles_library_kind", titles.c.library_id, titles.c.kind)
sa.Index("ix_titles_added_at", titles.c.added_at)

seasons = sa.Table(
    "seasons",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "series_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False
    ),
    # 0 holds specials.
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("title", sa.String(500), nullable=True),
    sa.Column("removed_at", sa.Float, nullable=True),
    sa.UniqueConstraint("series_id", "number", name="uq_seasons_series_number"),
)

episodes = sa.Table(
    "episodes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "series_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "season_id", sa.Integer, sa.ForeignKey("seasons.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("season_number", sa.Integer, nullable=False),
    sa.Column("episode_number", sa.Integer, nullable=False),
    # Multi-episode files (S01E01E02) cover episode_number..episode_number_end.
    sa.Column("episode_number_end", sa.Integer, nullable=True),
    sa.Column("title", sa.String(500), nullable=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("air_date", sa.String(10), nullable=True),
    sa.Column("runtime_seconds", sa.Float, nullable=True),
    sa.Column("locked_fields", sa.JSON, nullable=False),
    sa.Column("added_at", sa.Float, nullable=False),
    sa.Column("removed_at", sa.Float, nullable=True),
    sa.UniqueConstraint("series_id", "season_number", "episode_number", name="uq_episodes_number"),
)
sa.Index("ix_episodes_season_id", episodes.c.season_id)

media_files = sa.Table(
    "media_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "library_id", sa.Integer, sa.ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False
    ),
    # Absolute path as the OS gave it; non-UTF-8 bytes kept via surrogateescape -> stored as
    # the escaped text, and display_path is safe to show.
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("display_path", sa.Text, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mtime", sa.Float, nullable=False),
    # Device and inode: a renamed or moved file is recognised and keeps its title and history.
    sa.Column("device", sa.BigInteger, nullable=True),
    sa.Column("inode", sa.BigInteger, nullable=True),
    # ok | failed | missing
    sa.Column("status", sa.String(16), nullable=False, server_default="ok"),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column(
        "episode_id", sa.Integer, sa.ForeignKey("episodes.id", ondelete="SET NULL"), nullable=True
    ),
    # Multi-part movies (cd1/part2): 1-based part number, NULL for single files.
    sa.Column("part", sa.Integer, nullable=True),
    # Extras (trailer, featurette, behindthescenes, deleted, interview, scene, short, other).
    sa.Column("extra_kind", sa.String(32), nullable=True),
    # What the file really is, from probing.
    sa.Column("container", sa.String(64), nullable=True),
    sa.Column("duration_seconds", sa.Float, nullable=True),
    sa.Column("bitrate", sa.BigInteger, nullable=True),
    # The whole probe result (streams, chapters, format tags) as JSON, for the media-info panel.
    sa.Column("probe", sa.JSON, nullable=True),
    sa.Column("probed_at", sa.Float, nullable=True),
    sa.Column("first_seen_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=False),
    sa.Column("removed_at", sa.Float, nullable=True),
    sa.CheckConstraint("status IN ('ok', 'failed', 'missing')", name="status"),
    sa.UniqueConstraint("library_id", "path", name="uq_media_files_library_path"),
)
sa.Index("ix_media_files_title_id", media_files.c.title_id)
sa.Index("ix_media_files_episode_id", media_files.c.episode_id)
sa.Index("ix_media_files_inode", media_files.c.device, media_files.c.inode)

media_streams = sa.Table(
    "media_streams",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("stream_index", sa.Integer, nullable=False),
    # video | audio | subtitle | attachment | data
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("codec", sa.String(64), nullable=True),
    sa.Column("profile", sa.String(64), nullable=True),
    sa.Column("level", sa.Integer, nullable=True),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("sample_aspect", sa.String(16), nullable=True),
    sa.Column("display_aspect", sa.String(16), nullable=True),
    sa.Column("frame_rate", sa.Float, nullable=True),
    sa.Column("bit_depth", sa.Integer, nullable=True),
    sa.Column("pixel_format", sa.String(32), nullable=True),
    # e.g. smpte2084 (HDR10/PQ), arib-std-b67 (HLG); NULL for SDR/unknown.
    sa.Column("hdr_transfer", sa.String(32), nullable=True),
    sa.Column("rotation", sa.Integer, nullable=True),
    sa.Column("interlaced", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("channels", sa.Integer, nullable=True),
    sa.Column("channel_layout", sa.String(32), nullable=True),
    sa.Column("sample_rate", sa.Integer, nullable=True),
    sa.Column("bitrate", sa.BigInteger, nullable=True),
    sa.Column("language", sa.String(16), nullable=True),
    sa.Column("title", sa.String(500), nullable=True),
    sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_forced", sa.Boolean, nullable=False, server_default=sa.false()),
)
sa.Index("ix_media_streams_file", media_streams.c.media_file_id)

subtitle_tracks = sa.Table(
    "subtitle_tracks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # embedded | sidecar
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("stream_index", sa.Integer, nullable=True),
    sa.Column("path", sa.Text, nullable=True),
    # srt | ass | ssa | vtt | mov_text | sub_idx | pgs | dvb | other
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("language", sa.String(16), nullable=True),
    sa.Column("is_forced", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_sdh", sa.Boolean, nullable=False, server_default=sa.false()),
    # Text formats convert to WebVTT; bitmap ones (pgs, sub_idx, dvb) can only be burned in.
    sa.Column("is_bitmap", sa.Boolean, nullable=False, server_default=sa.false()),
)
sa.Index("ix_subtitle_tracks_file", subtitle_tracks.c.media_file_id)

chapters = sa.Table(
    "chapters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("title", sa.String(500), nullable=True),
    sa.Column("start_seconds", sa.Float, nullable=False),
    sa.Column("end_seconds", sa.Float, nullable=True),
)
sa.Index("ix_chapters_file", chapters.c.media_file_id)

genres = sa.Table(
    "genres",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("name_key", sa.String(80), nullable=False, unique=True),
)

title_genres = sa.Table(
    "title_genres",
    metadata,
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "genre_id", sa.Integer, sa.ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True
    ),
)
sa.Index("ix_title_genres_genre", title_genres.c.genre_id)

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False, unique=True),
)

title_people = sa.Table(
    "title_people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    ),
    # actor | director | writer | producer
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("character", sa.String(200), nullable=True),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
)
sa.Index("ix_title_people_title", title_people.c.title_id)
sa.Index("ix_title_people_person", title_people.c.person_id)

images = sa.Table(
    "images",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column(
        "season_id", sa.Integer, sa.ForeignKey("seasons.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column(
        "episode_id", sa.Integer, sa.ForeignKey("episodes.id", ondelete="CASCADE"), nullable=True
    ),
    # poster | fanart | thumb | logo | banner
    sa.Column("kind", sa.String(16), nullable=False),
    # local (a file next to the media) | upload (an admin's) | generated (from the video)
    sa.Column("source", sa.String(16), nullable=False),
    # local: absolute path inside a library root; upload/generated: storage key.
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("is_selected", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.Float, nullable=False),
    # ISO 639-1 code of the text on a provider's image ("fr"); NULL: no text, or not known.
    # `is_selected` is the title's default; a profile may see another image in its language.
    sa.Column("language", sa.String(12), nullable=True),
)
sa.Index("ix_images_title", images.c.title_id)

scan_issues = sa.Table(
    "scan_issues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "library_id", sa.Integer, sa.ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("path", sa.Text, nullable=False),
    # The reason in words a person can act on ("not a video: text file", "NFO is not XML").
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("seen_at", sa.Float, nullable=False),
    sa.UniqueConstraint("library_id", "path", name="uq_scan_issues_library_path"),
)

uploads = sa.Table(
    "uploads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # The random id in the tus URL (/api/v1/uploads/<token>); never a path.
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "library_id", sa.Integer, sa.ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False
    ),
    # The client's file name, cleaned; only ever used to name the final file.
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("length", sa.BigInteger, nullable=True),
    sa.Column("offset_bytes", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("client_metadata", sa.JSON, nullable=False),
    # receiving | processing | done | failed
    sa.Column("status", sa.String(16), nullable=False, server_default="receiving"),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("sha256", sa.String(64), nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)
