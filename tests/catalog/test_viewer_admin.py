"""Admin pages a viewer-facing server needs to read right: jobs name what they work on, Active
streams shows one row per play with its position and drops silent players within 30 s, a new
API key defaults to the least privilege, and the small form fixes (library heading, kids
rating, avatar previews)."""

from __future__ import annotations

import re
import time

from mediaserver.catalog.heartbeats import heartbeat_listeners_key
from mediaserver.keys import jobs_key
from mediaserver.streaming import active
from mediaserver.streaming.active import ActiveStreams
from mediaserver.streaming.api_models import ActiveStreamOut
from mediaserver.streaming.keys import active_streams_key
from mediaserver.streaming.tokens import MediaGrant
from tests.catalog.conftest import Browse
from tests.helpers import api, create_user

JSON = {"Accept": "application/json"}


async def test_jobs_name_their_title_library_and_file(browse: Browse) -> None:
    _, file_id = await browse.cat.movie("Night Drive", year=2019)
    runner = browse.client.app[jobs_key]
    # A type no handler runs: it stays queued, as a job waiting behind others does.
    await runner.enqueue("viewer.check", {"media_file_id": file_id})
    html = await (await browse.client.get("/admin/jobs")).text()
    subject = re.search(r'<dl class="job-subject">(.*?)</dl>', html, re.S).group(1)
    assert "<dt>Title</dt><dd>Night Drive (2019)</dd>" in subject
    assert "<dt>Library</dt><dd>Seeded</dd>" in subject
    assert re.search(r"<dt>File</dt><dd>[^<]+\.mkv</dd>", subject)
    jobs = (await (await browse.client.get("/api/v1/jobs", headers=JSON)).json())["jobs"]
    (mine,) = [j for j in jobs if j["type"] == "viewer.check"]
    assert mine["subject"]["title"] == "Night Drive (2019)"
    assert mine["subject"]["library"] == "Seeded"


def _grant(play_id: str, user: int = 1, profile: int = 2, file: int = 3) -> MediaGrant:
    return MediaGrant(user, profile, file, 0, int(time.time() + 600), play_id)


def _play(registry: ActiveStreams, grant: MediaGrant, client: str = "Chrome/120 Linux"):
    return registry.register(
        grant, method="remux", reason="r", client=client, title="T", rung=None, device_key="laptop"
    )


def test_one_row_per_play_and_a_stop_reaches_the_earlier_ones() -> None:
    registry = ActiveStreams()
    _play(registry, _grant("00000000000000a1"))
    _play(registry, _grant("00000000000000a2"))  # another audio track: the player restarts
    _play(registry, _grant("00000000000000a3"))
    _play(registry, _grant("00000000000000b1", profile=9), client="Safari/17 iPhone")
    assert sorted(e.play_id for e in registry.listing()) == ["00000000000000a3", "00000000000000b1"]
    assert registry.stop("00000000000000a3")
    assert all(registry.is_stopped(p) for p in ("00000000000000a1", "00000000000000a2"))
    assert [e.play_id for e in registry.listing()] == ["00000000000000b1"]


def test_position_paused_and_leaving_within_30_seconds() -> None:
    registry = ActiveStreams()
    _play(registry, _grant("00000000000000c1"))
    _play(registry, _grant("00000000000000d1", user=5, profile=6), client="VLC/3.0")
    registry.heartbeat(2, 3, 754.5, True)
    now = time.time()
    (row,) = [ActiveStreamOut.of(e, now) for e in registry.listing(now) if e.profile_id == 2]
    assert row.position_seconds == 754.5 and row.paused is True
    # The tab closed: no more reports. Gone within 30 s; a client that never reports (VLC on a
    # token URL) stays while its media requests are recent.
    later = now + active.GONE_SECONDS + 1
    assert [e.play_id for e in registry.listing(later)] == ["00000000000000d1"]
    assert registry.listing(now + active.ACTIVE_SECONDS + 1) == []


async def test_players_heartbeats_reach_active_streams(browse: Browse) -> None:
    app = browse.client.app
    registry = app[active_streams_key]
    listeners = app[heartbeat_listeners_key]
    assert any(getattr(fn, "__self__", None) is registry for fn in listeners)


async def test_a_new_api_key_defaults_to_the_least_privilege(browse: Browse) -> None:
    client = browse.client
    html = await (await client.get("/admin/api-keys")).text()
    # Only the administrator exists: nothing is chosen for them.
    assert re.search(r'<option value="" selected disabled>Choose an account</option>', html)
    assert "choose an administrator only for an app" in html
    user_id = await create_user(client, "tv", "living-room-tv-1")
    html = await (await client.get("/admin/api-keys")).text()
    assert re.search(rf'<option value="{user_id}" selected>tv \(user\)</option>', html)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    resp = await client.post(
        "/admin/api-keys", data={"csrf_token": csrf, "name": "TV", "user_id": str(user_id)}
    )
    assert resp.status == 201
    page = await resp.text()
    assert 'data-copy=".new-key .secret"' in page and ">Copy</button>" in page
    keys = (await (await client.get("/api/v1/api-keys", headers=JSON)).json())["api_keys"]
    assert [k["username"] for k in keys] == ["tv"]


async def test_form_fixes(browse: Browse) -> None:
    client = browse.client
    html = await (await client.get("/admin/libraries")).text()
    assert "<h1>Libraries</h1>" in html  # the button sits beside the heading, not inside it
    html = await (await client.get("/account/profiles/new")).text()
    avatars = re.findall(r"data-avatar-letter aria-hidden=\"true\">([^<]*)<", html)
    assert avatars and all(a == "" for a in avatars)  # a face from CSS, never "?"
    assert 'data-kids="PG (the kids default)"' in html
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {"csrf_token": csrf, "name": "", "avatar": "blue", "is_kids": "on", "max_rating": ""}
    again = await (await client.post("/account/profiles/new", data=form)).text()
    assert ">PG (the kids default)</option>" in again
    resp = await api(client, "GET", "/api/v1/profiles")
    assert resp.status == 200
