"""The audit log: admin actions are recorded with who, what and from where; the page searches
them and exports them as CSV and JSON, for admins only."""

from __future__ import annotations

import csv
import io
import re

from mediaserver.db.audit import AuditActor, record_audit
from mediaserver.keys import db_key, jobs_key
from tests.helpers import api, csrf_from, setup_admin, setup_with_user, sign_in

SECRET_RE = re.compile(r'<p class="secret">(msk_[A-Za-z0-9_-]+)</p>')


async def entries(client, query: str = "") -> list[dict]:
    resp = await client.get(f"/api/v1/admin/audit?{query}")
    assert resp.status == 200, await resp.text()
    return (await resp.json())["entries"]


async def test_user_actions_are_recorded(client) -> None:
    await setup_admin(client)
    csrf = await csrf_from(client, "/admin/users")
    form = {"csrf_token": csrf, "username": "bob", "password": "bob-password-1", "role": "user"}
    assert (await client.post("/admin/users", data=form, allow_redirects=False)).status == 303
    bob = next(u for u in (await (await client.get("/api/v1/users")).json())["users"]
               if u["username"] == "bob")
    page = f"/admin/users/{bob['id']}"
    for action, extra in (
        ("role", {"role": "admin"}),
        ("disable", {}),
        ("enable", {}),
        ("password", {"password": "new-password-22", "password_confirm": "new-password-22"}),
        ("delete", {}),
    ):
        data = {"csrf_token": csrf, "action": action, **extra}
        resp = await client.post(page, data=data, allow_redirects=False)
        assert resp.status == 303, (action, await resp.text())
    found = await entries(client, "action=user.")
    # Newest first.
    assert [e["action"] for e in found] == [
        "user.delete", "user.password_reset", "user.enable", "user.disable", "user.role",
        "user.create",
    ]
    assert all(e["target"] == "user bob" and e["actor_name"] == "admin" for e in found)
    assert all(e["address"] == "127.0.0.1" and e["actor_id"] for e in found)
    assert found[4]["detail"] == {"role": "admin"}
    # The new password is nowhere in the log.
    assert "new-password-22" not in str(found) and "bob-password-1" not in str(found)


async def test_api_user_and_key_actions_are_recorded(client) -> None:
    _, _, alice_id = await setup_with_user(client)
    await sign_in(client, "admin", "admin-password-1")
    csrf = await csrf_from(client, "/admin/api-keys")
    resp = await client.post(
        "/admin/api-keys", data={"csrf_token": csrf, "name": "TV", "user_id": str(alice_id)}
    )
    secret = SECRET_RE.search(await resp.text()).group(1)
    key_id = (await (await client.get("/api/v1/api-keys")).json())["api_keys"][0]["id"]
    resp = await api(client, "DELETE", f"/api/v1/api-keys/{key_id}", csrf=csrf)
    assert resp.status == 204
    resp = await api(client, "PATCH", f"/api/v1/users/{alice_id}",
                     {"password": "other-password-9"}, csrf=csrf)
    assert resp.status == 200
    resp = await api(client, "DELETE", f"/api/v1/users/{alice_id}", csrf=csrf)
    assert resp.status == 204
    found = await entries(client)
    actions = [e["action"] for e in found]
    assert actions[:4] == ["user.delete", "user.update", "api_key.revoke", "api_key.create"]
    assert "user.create" in actions  # alice, made through the API by setup_with_user
    create = found[3]
    assert create["target"] == "API key TV" and create["detail"]["user"] == "alice"
    assert secret not in str(found) and "other-password-9" not in str(found)
    assert found[1]["detail"] == {"password": "(secret)"}
    assert found[0]["target"] == "user alice"


async def test_library_actions_are_recorded(client, tmp_path) -> None:
    await setup_admin(client)
    folder = tmp_path / "films"
    folder.mkdir()
    csrf = await csrf_from(client, "/admin/users")
    resp = await api(client, "POST", "/api/v1/libraries",
                     {"name": "Films", "kind": "movies", "paths": [str(folder)]}, csrf=csrf)
    assert resp.status == 201, await resp.text()
    lib_id = (await resp.json())["id"]
    resp = await api(client, "PATCH", f"/api/v1/libraries/{lib_id}", {"name": "Movies"}, csrf=csrf)
    assert resp.status == 200
    assert (await api(client, "POST", f"/api/v1/libraries/{lib_id}/scan", csrf=csrf)).status == 202
    resp = await client.post(
        f"/admin/libraries/{lib_id}",
        data={"csrf_token": csrf, "action": "delete"},
        allow_redirects=False,
    )
    assert resp.status == 303
    found = await entries(client, "action=library.")
    assert [(e["action"], e["target"]) for e in found] == [
        ("library.delete", "library Movies"),
        ("library.scan", "library Movies"),
        ("library.edit", "library Movies"),
        ("library.create", "library Films"),
    ]
    assert found[3]["detail"]["paths"] == [str(folder)]




async def _seed(client, n: int) -> None:
    db = client.server.app[db_key]
    admin = AuditActor(1, "admin", "192.0.2.1")
    for i in range(n):
        await record_audit(db, admin, f"test.{'even' if i % 2 == 0 else 'odd'}", f"thing {i}",
                           {"n": i})


async def test_page_searches_pages_and_exports(client) -> None:
    await setup_admin(client)
    await _seed(client, 60)
    await record_audit(client.server.app[db_key], AuditActor(None, "=cmd|' /C calc'!A0"),
                       "test.formula", "=HYPERLINK(\"x\")")
    page = await (await client.get("/admin/audit")).text()
    assert "Audit log" in page and "thing 59" in page and "thing 9<" not in page
    older = re.search(r'href="(/admin/audit\?before=\d+)"', page)
    assert older, "no link to older entries"
    page2 = await (await client.get(older.group(1).replace("&amp;", "&"))).text()
    assert "thing 9<" in page2 and "thing 59" not in page2

    odd = await (await client.get("/admin/audit?action=test.odd&q=thing+1")).text()
    assert "thing 11" in odd and "thing 12" not in odd
    assert "thing 10<" not in odd  # even

    resp = await client.get("/admin/audit.csv?action=test.")
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(await resp.text())))
    assert rows[0][:3] == ["id", "time_utc", "actor_id"]
    assert len(rows) == 1 + 61
    # A cell a spreadsheet would run as a formula is quoted.
    assert rows[1][3].startswith("'=") and rows[1][6].startswith("'=")
    assert rows[2][6] == "thing 59"

    api_page = await (await client.get("/api/v1/admin/audit?action=test.even&limit=10")).json()
    assert len(api_page["entries"]) == 10 and api_page["next_before"]
    assert api_page["entries"][0]["detail"] == {"n": 58}
    rest = await entries(client, f"action=test.even&limit=100&before={api_page['next_before']}")
    assert len(rest) == 20 and rest[0]["detail"] == {"n": 38}


async def test_dates_filter(client) -> None:
    await setup_admin(client)
    await _seed(client, 3)
    assert len(await entries(client, "action=test.&since=2000-01-01")) == 3
    assert await entries(client, "action=test.&until=2000-01-01") == []
    assert (await client.get("/api/v1/admin/audit?since=yesterday")).status == 400


async def test_only_admins(client) -> None:
    await setup_with_user(client)  # signed in as alice
    for path in ("/admin/audit", "/admin/audit.csv", "/api/v1/admin/audit"):
        assert (await client.get(path, allow_redirects=False)).status == 403, path
    client.session.cookie_jar.clear()
    assert (await client.get("/api/v1/admin/audit")).status == 401


async def test_job_cancel_and_retry_are_recorded(client) -> None:
    await setup_admin(client)
    job_id = await client.server.app[jobs_key].enqueue("test.never-runs", {})
    csrf = await csrf_from(client, "/admin/users")
    assert (await api(client, "POST", f"/api/v1/jobs/{job_id}/cancel", csrf=csrf)).status == 200
    assert (await api(client, "POST", f"/api/v1/jobs/{job_id}/retry", csrf=csrf)).status == 200
    found = await entries(client, "action=job.")
    assert [(e["action"], e["target"]) for e in found] == [
        ("job.retry", f"job #{job_id} test.never-runs"),
        ("job.cancel", f"job #{job_id} test.never-runs"),
    ]


async def test_the_search_form_with_blank_fields(client) -> None:
    await setup_admin(client)
    await _seed(client, 3)
    resp = await client.get("/admin/audit?q=thing+1&action=&since=&until=")
    assert resp.status == 200
    page = await resp.text()
    assert "thing 1<" in page and "thing 2<" not in page


async def test_packaging_requests_are_recorded(make_app, aiohttp_client) -> None:
    from tests.catalog.player_helpers import signed_in_catalog

    client = await aiohttp_client(make_app(library={"watch": False}, jobs={"concurrency": 0}))
    catalog, csrf = await signed_in_catalog(client)
    resp = await api(client, "POST", f"/api/v1/media/{catalog.heat}/package", {}, csrf=csrf)
    job_id = (await resp.json())["job_id"]
    (entry,) = await entries(client, "action=media.package")
    assert entry["target"] == f"file #{catalog.heat}" and entry["detail"] == {"job_id": job_id}
