"""Accounts: users, their profiles (with the maturity cap a kids profile carries), signed-in
device sessions, API keys, and who is calling each request. Other domains read the caller with
`get_identity(request)` (or `current_user_id`), the profile the request acts as with
`request_profile(request)` (a `Profile`; its `max_rating` caps what it may watch, its `language`
names the artwork it sees first) and the
rating scale `RATINGS`, lowest first; metadata asks `profile_languages` which artwork
languages profiles chose; the admin dashboard reads `account_counts`; the command
line reads the first-run `setup_code`.
`setup(app)` installs the identifying and CSRF middlewares, the sign-in, first-run, profile and
account pages and API, the admin's users and API keys pages and API, the login limiter, and
the start-up notice of the setup code while there are no accounts.
Per-user limits: `effective_limits` (libraries, highest height, devices streaming at once,
downloads; `add_limit_source` narrows them further), `library_condition` (the SQL the catalog
filters titles with) and `may_download`.
"""

import functools

from aiohttp import web

from mediaserver.accounts.admin import routes as admin_routes
from mediaserver.accounts.csrf import CSRF_HEADER, csrf_middleware, setup_csrf
from mediaserver.accounts.first_run import announce_setup_code, setup_code
from mediaserver.accounts.guard import auth_middleware, current_user_id
from mediaserver.accounts.identity import (
    PROFILE_HEADER,
    Identity,
    acting_profile,
    get_identity,
    request_profile,
)
from mediaserver.accounts.limits import (
    NO_LIMITS,
    EffectiveLimits,
    LimitSource,
    add_limit_source,
    effective_limits,
    library_condition,
    may_download,
)
from mediaserver.accounts.page_context import identity_context
from mediaserver.accounts.profiles import (
    RATINGS,
    Profile,
    get_profile,
    list_profiles,
    profile_languages,
)
from mediaserver.accounts.ratelimit import (
    LoginLimiter,
    limiter_settings_changed,
    login_limiter_key,
)
from mediaserver.accounts.routes import routes as account_routes
from mediaserver.accounts.sessions import purge_ended_sessions
from mediaserver.accounts.settings_api_routes import routes as settings_api_routes
from mediaserver.accounts.settings_routes import routes as settings_routes
from mediaserver.accounts.stats import AccountCounts, account_counts
from mediaserver.accounts.users import (
    User,
    count_users,
    create_user,
    find_user,
    list_users,
    set_disabled,
    set_password,
)
from mediaserver.http.live_settings import on_settings_change
from mediaserver.http.templating import add_page_context
from mediaserver.jobs import add_housekeeping
from mediaserver.keys import config_key

__all__ = [
    "CSRF_HEADER",
    "NO_LIMITS",
    "PROFILE_HEADER",
    "RATINGS",
    "AccountCounts",
    "EffectiveLimits",
    "Identity",
    "LimitSource",
    "Profile",
    "User",
    "account_counts",
    "acting_profile",
    "add_limit_source",
    "count_users",
    "create_user",
    "current_user_id",
    "effective_limits",
    "find_user",
    "get_identity",
    "get_profile",
    "library_condition",
    "list_profiles",
    "profile_languages",
    "list_users",
    "may_download",
    "request_profile",
    "set_disabled",
    "set_password",
    "setup",
    "setup_code",
]


def setup(app: web.Application) -> None:
    """Who is calling (the identifying and CSRF middlewares, after the error middleware), the
    sign-in, profile and account settings pages and API, the admin's users and API keys pages
    and API, and the login limiter."""
    app.middlewares.extend([auth_middleware, csrf_middleware])
    setup_csrf(app)
    add_page_context(app, identity_context)
    settings = app[config_key]
    app[login_limiter_key] = LoginLimiter(
        settings.auth.login_attempts_per_account,
        settings.auth.login_attempts_per_address,
        settings.auth.login_window_seconds,
    )
    on_settings_change(app, functools.partial(limiter_settings_changed, app))
    app.cleanup_ctx.append(announce_setup_code)  # after the database context (create_app)
    app.router.add_routes([*account_routes, *settings_routes, *settings_api_routes, *admin_routes])
    add_housekeeping(app, "ended sessions", purge_ended_sessions)
