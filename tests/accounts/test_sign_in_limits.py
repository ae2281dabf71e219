"""Guessing passwords and PINs: strangers get slower and slower, and never lock a real user out."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from mediaserver.accounts.ratelimit import LoginLimiter, login_limiter_key
from tests.helpers import (
    ADMIN,
    api,
    csrf_from,
    pick_profile,
    setup_admin,
    setup_with_user,
)

PROXIES = {"trusted_proxies": ["127.0.0.0/8", "::1"]}
STRANGER = "198.51.100.7"
ADMIN_HOME = "203.0.113.20"
DEVICE_COOKIE = "ms_device"


def device_cookie(client: TestClient) -> str:
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))[DEVICE_COOKIE].value


async def login_from(
    client: TestClient,
    username: str,
    password: str,
    address: str | None = None,
    device: str | None = None,
    json: bool = False,
):
    """A sign-in by a browser holding only the `device` cookie (if any), from `address`."""
    client.session.cookie_jar.clear()
    if device is not None:
        client.session.cookie_jar.update_cookies(
            {DEVICE_COOKIE: device}, response_url=client.make_url("/")
        )
    headers = {"X-Forwarded-For": address} if address else {}
    token = await csrf_from(client, "/login")
    if json:
        headers["Accept"] = "application/json"
    return await client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password},
        headers=headers,
        allow_redirects=False,
    )


async def flood(client: TestClient, address: str | None) -> None:
    """Made-up names and the admin's name with wrong passwords, until the address is refused;
    then the failures of hours of guessing the admin's password from there."""
    statuses = []
    for _ in range(8):
        resp = await login_from(client, ADMIN[0], "guess-password", address)
        statuses.append(resp.status)
    for n in range(25):
        resp = await login_from(client, f"made-up-{n}", "guess-password", address)
        statuses.append(resp.status)
    assert 429 in statuses and set(statuses) <= {400, 429}
    limiter = client.app[login_limiter_key]
    for _ in range(30):
        limiter.record_failure(limiter.sign_in_limits(ADMIN[0], address or "127.0.0.1"))


async def test_a_flood_from_one_address_does_not_lock_the_admin_out(make_app, aiohttp_client):
    client = await aiohttp_client(make_app(server=PROXIES))
    await setup_admin(client)  # the admin's browser becomes a known device
    known = device_cookie(client)
    await flood(client, STRANGER)

    # The flooding address is refused, with a wait it names, even with the right password.
    resp = await login_from(client, *ADMIN, STRANGER, json=True)
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 800
    detail = (await resp.json())["detail"]
    assert detail == "Too many failed sign-in attempts. Try again in 15 minutes."
    # The admin signs in from their own address, and from their usual browser anywhere.
    assert (await login_from(client, *ADMIN, ADMIN_HOME)).status == 303
    assert (await login_from(client, *ADMIN, STRANGER, device=known)).status == 303


async def test_behind_a_proxy_everyone_shares_an_address_yet_known_devices_sign_in(client):
    """Without trusted_proxies every client has the proxy's address: a stranger's flood must not
    lock out the admin's usual browser."""
    await setup_admin(client)
    known = device_cookie(client)
    await flood(client, None)
    assert (await login_from(client, *ADMIN)).status == 429  # a new browser waits
    assert (await login_from(client, *ADMIN, device=known)).status == 303


async def test_known_device_cookie_cannot_be_forged_or_moved_to_another_account(client):
    await setup_admin(client)
    known = device_cookie(client)
    await flood(client, None)
    device_id, user_ids, signature = known.split(".")
    forged = f"{device_id}.{user_ids}.{'A' * len(signature)}"
    assert (await login_from(client, *ADMIN, device=forged)).status == 429
    other_account = f"{device_id}.{int(user_ids) + 1}.{signature}"
    assert (await login_from(client, *ADMIN, device=other_account)).status == 429


async def test_guessing_the_admins_password_from_one_address_backs_off(make_app, aiohttp_client):
    client = await aiohttp_client(make_app(server=PROXIES))
    await setup_admin(client)
    for _ in range(5):  # auth.login_attempts_per_account
        assert (await login_from(client, ADMIN[0], "wrong-password", STRANGER)).status == 400
    resp = await login_from(client, *ADMIN, STRANGER)
    assert resp.status == 429 and resp.headers["Retry-After"] == "1"
    assert "Too many failed sign-in attempts. Try again in 1 second." in await resp.text()
    await asyncio.sleep(1.05)
    assert (await login_from(client, ADMIN[0], "wrong-password", STRANGER)).status == 400
    resp = await login_from(client, *ADMIN, STRANGER, json=True)
    assert resp.status == 429 and resp.headers["Retry-After"] == "2"  # doubled
    assert (await resp.json())["detail"].endswith("Try again in 2 seconds.")
    # Another address is not slowed down by these guesses.
    assert (await login_from(client, *ADMIN, ADMIN_HOME)).status == 303


async def test_a_guesser_cannot_hop_addresses_inside_its_ipv6_block(make_app, aiohttp_client):
    """One host holds a whole IPv6 /64 and can send each guess from a new address in it: those
    guesses back off together, and the admin elsewhere is not slowed down."""
    client = await aiohttp_client(make_app(server=PROXIES))
    await setup_admin(client)
    statuses = []
    for n in range(1, 9):
        resp = await login_from(client, ADMIN[0], "wrong-password", f"2001:db8:1:2::{n:x}")
        statuses.append(resp.status)
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}
    resp = await login_from(client, *ADMIN, "2001:db8:1:2:ffff::1")
    assert resp.status == 429
    assert (await login_from(client, *ADMIN, "2001:db8:1:3::1")).status == 303
    # An IPv4 client written IPv4-mapped is the same client.
    for _ in range(5):
        assert (await login_from(client, ADMIN[0], "wrong-password", STRANGER)).status == 400
    assert (await login_from(client, *ADMIN, f"::ffff:{STRANGER}")).status == 429


def test_backoff_doubles_and_is_forgotten_after_a_quiet_window() -> None:
    limiter = LoginLimiter(per_account=3, per_address=100, window_seconds=60)
    limits = limiter.sign_in_limits("Admin", "198.51.100.7")
    now = 1000.0
    waits = []
    for _ in range(9):
        now += waits[-1] if waits else 0
        limiter.record_failure(limits, now)
        waits.append(limiter.retry_after(limits, now))
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 60]  # never longer than the window
    # The same name from another address, or another name from here, is not slowed down.
    assert limiter.retry_after(limiter.sign_in_limits("admin", "203.0.113.20"), now) == 0
    assert limiter.retry_after(limiter.sign_in_limits("bob", "198.51.100.7"), now) == 0
    # Quiet for the window after the last wait ended: forgotten, counting starts again.
    later = now + 60 + 60 + 1
    limiter.record_failure(limits, later)
    assert limiter.retry_after(limits, later) == 0


def test_made_up_names_fill_only_the_address_cap() -> None:
    limiter = LoginLimiter(per_account=5, per_address=10, window_seconds=900)
    for n in range(10):
        limiter.record_failure(limiter.sign_in_limits(f"made-up-{n}", "198.51.100.7"), 0.0)
    assert limiter.retry_after(limiter.sign_in_limits("admin", "198.51.100.7"), 0.0) == 1
    assert limiter.retry_after(limiter.sign_in_limits("admin", "203.0.113.20"), 0.0) == 0
    known = limiter.sign_in_limits("admin", "198.51.100.7", known_device="device-1")
    assert limiter.retry_after(known, 0.0) == 0


async def test_wrong_pins_back_off_on_that_device_only(client) -> None:
    await setup_with_user(client)
    csrf = await csrf_from(client, "/account/profiles/new")
    resp = await client.post(
        "/account/profiles/new",
        data={"csrf_token": csrf, "name": "Locked", "avatar": "green", "pin": "4321"},
        allow_redirects=False,
    )
    assert resp.status == 303
    profiles = (await (await client.get("/api/v1/profiles")).json())["profiles"]
    locked = next(p["id"] for p in profiles if p["name"] == "Locked")
    for _ in range(5):
        resp = await client.post(
            f"/profiles/{locked}/select", data={"csrf_token": csrf, "pin": "0000"}
        )
        assert resp.status == 403 and "Wrong PIN." in await resp.text()
    resp = await client.post(f"/profiles/{locked}/select", data={"csrf_token": csrf, "pin": "4321"})
    assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
    assert "Too many wrong PINs. Try again in 1 second." in await resp.text()
    # The account holder's other device is not slowed down by this one's guesses.
    client.session.cookie_jar.clear()
    resp = await login_from(client, "alice", "alice-password-1")
    assert resp.status == 303
    await pick_profile(client, locked, pin="4321")


async def test_wrong_current_passwords_back_off(client) -> None:
    await setup_admin(client)
    csrf = await csrf_from(client, "/account/password")
    body = {"current_password": "wrong-password", "new_password": "new-password-2"}
    as_json = {"Accept": "application/json"}
    for _ in range(5):
        resp = await api(client, "POST", "/account/password", body, csrf=csrf, headers=as_json)
        assert resp.status == 400
    resp = await api(client, "POST", "/account/password", body, csrf=csrf, headers=as_json)
    assert resp.status == 429 and resp.headers["Retry-After"] == "1"
    assert "Too many wrong current passwords" in (await resp.json())["detail"]
