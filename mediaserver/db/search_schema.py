"""The typo-tolerance vocabulary of search: every word of the indexed titles, people and
episode names, and each of its one-letter deletions (a "deletion neighbourhood"), so that the
words one edit away from a typed word are found by an index lookup on both backends.

The full-text documents themselves live in `title_search`, created with raw DDL by the
migrations (see mediaserver/db/search.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

search_word_variants = sa.Table(
    "search_word_variants",
    metadata,
    # The word itself, or the word with one letter deleted.
    sa.Column("variant", sa.String(64), primary_key=True),
    sa.Column("word", sa.String(64), primary_key=True),
)
