"""Who is making this request: user, device session or API key, and the profile it acts as.

The profile is settled once per request, by the guard as it identifies the caller
(`guard.chosen_profile`): the profile a browser chose at the picker, or the one an API key names
in the X-Profile-Id header. Handlers read it with `request_profile` (code holding the Identity
with `acting_profile`), so every route that depends on the profile (what it may watch, its
lists, its plays) sees the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, overload

from aiohttp import web

from mediaserver.accounts.profiles import Profile
from mediaserver.accounts.sessions import DeviceSession
from mediaserver.accounts.users import User
from mediaserver.errors import BadRequest

PROFILE_HEADER = "X-Profile-Id"


@dataclass(frozen=True, slots=True)
class Identity:
    user: User | None = None
    session: DeviceSession | None = None
    profile: Profile | None = None
    api_key_id: int | None = None
    # An admin limited the account to some libraries: it must browse as one of its profiles,
    # whose queries carry the limit (account-wide browsing would see every library).
    library_limited: bool = False

    @property
    def has_limits(self) -> bool:
        """Acting as a kids profile or one with a rating cap: a profile given to someone who is
        to watch within limits."""
        return self.profile is not None and (
            self.profile.is_kids or self.profile.max_rating is not None
        )

    @property
    def is_admin(self) -> bool:
        """An admin account acting as a grown-up: with a kids or capped profile chosen (by the
        picker or by an API key's header), an admin account has no admin powers, which would
        lift the limits at once (an API key or a new account sees everything)."""
        return self.user is not None and self.user.is_admin and not self.has_limits

    @property
    def via_api_key(self) -> bool:
        return self.api_key_id is not None


ANONYMOUS = Identity()
_REQUEST_KEY: web.RequestKey[Identity] = web.RequestKey("identity")


def get_identity(request: web.Request) -> Identity:
    return request.get(_REQUEST_KEY, ANONYMOUS)


def set_identity(request: web.Request, identity: Identity) -> None:
    request[_REQUEST_KEY] = identity


@overload
def acting_profile(identity: Identity, *, required: Literal[True] = True) -> Profile: ...
@overload
def acting_profile(identity: Identity, *, required: bool) -> Profile | None: ...
def acting_profile(identity: Identity, *, required: bool = True) -> Profile | None:
    """The profile a caller acts as: the one chosen in the browser, or the one an API key names
    in the X-Profile-Id header (the guard settled which, `guard.chosen_profile`).

    An API key that names none gets a 400 saying how to name one, or None when `required` is
    False (account-wide browsing, uncapped, where a route allows it).
    """
    if identity.profile is None and (required or identity.library_limited):
        raise BadRequest(
            f"Name the profile in the {PROFILE_HEADER} header (GET /api/v1/profiles lists them)."
        )
    return identity.profile


@overload
def request_profile(request: web.Request, *, required: Literal[True] = True) -> Profile: ...
@overload
def request_profile(request: web.Request, *, required: bool) -> Profile | None: ...
def request_profile(request: web.Request, *, required: bool = True) -> Profile | None:
    """The profile this request acts as (`acting_profile` of its caller)."""
    return acting_profile(get_identity(request), required=required)
