"""Who is making this request: user, device session or API key, and the chosen profile."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from mediaserver.accounts.profiles import Profile
from mediaserver.accounts.sessions import DeviceSession
from mediaserver.accounts.users import User


@dataclass(frozen=True, slots=True)
class Identity:
    user: User | None = None
    session: DeviceSession | None = None
    profile: Profile | None = None
    api_key_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.is_admin

    @property
    def via_api_key(self) -> bool:
        return self.api_key_id is not None


ANONYMOUS = Identity()
_REQUEST_KEY: web.RequestKey[Identity] = web.RequestKey("identity")


def get_identity(request: web.Request) -> Identity:
    return request.get(_REQUEST_KEY, ANONYMOUS)


def set_identity(request: web.Request, identity: Identity) -> None:
    request[_REQUEST_KEY] = identity
