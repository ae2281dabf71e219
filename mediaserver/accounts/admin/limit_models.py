"""Bodies of the admin's limits API (/api/v1/users/{id}/limits)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from mediaserver.accounts.limits import MAX_HEIGHT, MAX_STREAMS, EffectiveLimits
from mediaserver.http.api import ApiModel

LibraryId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class UserLimitsBody(ApiModel):
    """Every limit of the account, all at once (what is left out has no limit)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    library_ids: list[LibraryId] | None = Field(
        None,
        max_length=1000,
        description="The libraries the user sees; null: every library, also ones added later.",
    )
    max_height: int = Field(0, ge=0, le=MAX_HEIGHT, description="Highest video height; 0: none.")
    max_streams: int = Field(
        0, ge=0, le=MAX_STREAMS, description="Devices streaming at once; 0: no limit."
    )
    may_download: bool = True

    def limits(self) -> EffectiveLimits:
        ids = None if self.library_ids is None else frozenset(self.library_ids)
        return EffectiveLimits(ids, self.max_height, self.max_streams, self.may_download)


class UserLimitsOut(ApiModel):
    user_id: int
    library_ids: list[LibraryId] | None = Field(description="null: every library.")
    max_height: int = Field(description="0: no cap.")
    max_streams: int = Field(description="0: no limit.")
    may_download: bool

    @classmethod
    def of(cls, user_id: int, limits: EffectiveLimits) -> UserLimitsOut:
        return cls.model_validate({"user_id": user_id, **limits.as_json()})
