"""The admin's pages and JSON API for people and API keys: users under /admin/users and
/api/v1/users (their limits under /api/v1/users/{id}/limits), keys under /admin/api-keys and
/api/v1/api-keys. `policy` says what an admin may
change on an account; `inputs` reads the submitted fields the pages and the API share.
"""

from aiohttp import web

from mediaserver.accounts.admin import api_key_routes, api_routes, limit_routes, user_routes

routes: list[web.AbstractRouteDef] = [
    *user_routes.routes,
    *limit_routes.routes,
    *api_key_routes.routes,
    *api_routes.routes,
]
