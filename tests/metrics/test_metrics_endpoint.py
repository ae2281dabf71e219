"""/metrics: the Prometheus exposition, who may read it, and what it counts."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import setup_admin

TOKEN = "scrape-token-0123456789"


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample(fams: dict, family: str, name: str, **labels: str) -> float | None:
    for s in fams[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


async def scrape(client, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = await client.get("/metrics", headers=headers)
    return resp.status, await resp.text()


async def test_exposition_parses_and_counts_requests_by_route(make_app, aiohttp_client):
    client = await aiohttp_client(make_app())
    for _ in range(3):
        assert (await client.get("/health")).status == 200
    assert (await client.get("/no/such/page/42")).status == 404
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await resp.text()
    assert "_created" not in text  # no start-time twin of every series
    fams = families(text)
    total = "mediaserver_http_requests_total"
    assert sample(fams, "mediaserver_http_requests", total, route="health", status="200") == 3
    assert sample(fams, "mediaserver_http_requests", total, route="unmatched", status="404") == 1
    # The raw path never becomes a label.
    assert "/no/such/page/42" not in text
    count = sample(
        fams,
        "mediaserver_http_request_duration_seconds",
        "mediaserver_http_request_duration_seconds_count",
        route="health",
    )
    assert count == 3
    for name in (
        "mediaserver_active_plays",
        "mediaserver_live_sessions",
        "mediaserver_live_encoder_fps",
        "mediaserver_segment_cache_lookups",
        "mediaserver_db_pool_connections",
        "mediaserver_websocket_connections",
        "mediaserver_job_queue_depth",
        "mediaserver_disk_free_bytes",
        "mediaserver_job_duration_seconds",
    ):
        assert name in fams, name
    data = sample(fams, "mediaserver_disk_free_bytes", "mediaserver_disk_free_bytes", folder="data")
    assert data is not None and data > 0
    sockets = "mediaserver_websocket_connections"
    assert sample(fams, sockets, sockets, kind="watchparty") == 0
    assert sample(fams, sockets, sockets, kind="job_events") == 0
    plays = "mediaserver_active_plays"
    assert {s.labels["method"] for s in fams[plays].samples} == {
        "direct", "ladder", "remux", "transcode"
    }


async def test_token_is_required_when_set(make_app, aiohttp_client):
    client = await aiohttp_client(make_app(metrics={"token": TOKEN}))
    # From an allowed address (the test client is 127.0.0.1) the token is still required.
    assert (await scrape(client))[0] == 404
    assert (await scrape(client, "wrong-token"))[0] == 404
    status, text = await scrape(client, TOKEN)
    assert status == 200 and "mediaserver_http_requests_total" in text


async def test_only_allowed_addresses_without_a_token(make_app, aiohttp_client):
    client = await aiohttp_client(make_app(metrics={"allowed_addresses": ["10.9.0.0/16"]}))
    assert (await scrape(client))[0] == 404
    allowed = await aiohttp_client(make_app(metrics={"allowed_addresses": ["127.0.0.0/8"]}))
    assert (await scrape(allowed))[0] == 200


async def test_behind_a_trusted_proxy_the_client_address_decides(make_app, aiohttp_client):
    client = await aiohttp_client(
        make_app(
            server={"trusted_proxies": ["127.0.0.1/32"]},
            metrics={"allowed_addresses": ["192.0.2.0/24"]},
        )
    )
    outside = await client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
    assert outside.status == 404
    inside = await client.get("/metrics", headers={"X-Forwarded-For": "192.0.2.9"})
    assert inside.status == 200


async def test_disabled_answers_404(make_app, aiohttp_client):
    client = await aiohttp_client(make_app(metrics={"enabled": False, "token": TOKEN}))
    assert (await scrape(client, TOKEN))[0] == 404


async def test_an_admin_session_is_not_enough(make_app, aiohttp_client):
    client = await aiohttp_client(make_app(metrics={"token": TOKEN}))
    await setup_admin(client)
    assert (await scrape(client))[0] == 404
