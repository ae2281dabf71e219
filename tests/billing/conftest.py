"""Fixtures: a Stripe-compatible fake on loopback, an app with billing on pointed at it, and
localstripe in its own process for the calls it serves."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.billing.fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
async def fake_stripe() -> AsyncIterator[FakeStripe]:
    fake = FakeStripe(WEBHOOK_SECRET)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def bclient(make_app, aiohttp_client, fake_stripe: FakeStripe):
    """The app with billing on, Stripe calls going to the fake, webhooks signed for it."""
    app = make_app(
        billing={
            "enabled": True,
            "stripe_secret_key": SecretStr("sk_test_fake"),
            "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
            "stripe_api_base": fake_stripe.base,
        }
    )
    client = await aiohttp_client(app)
    fake_stripe.webhook_url = str(client.make_url("/webhooks/stripe"))
    return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """localstripe on loopback, in its own process (GPL tool, never imported)."""
    port = _free_port()
    exe = Path(sys.executable).parent / "localstripe"
    proc = subprocess.Popen(
        [str(exe), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.skip("localstripe did not start")
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


from tests.streaming.conftest import clips, media_dir, place  # noqa: E402, F401  (shared media)
