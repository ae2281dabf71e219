"""Claude tagging against a local endpoint on loopback that speaks the Messages API: a good
answer (a forced tool call) is used; a 429, a malformed body, a slow answer, a missing tool
call and an answer with the wrong shape each fall back to the offline tags with a log line."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from mediaserver.config.recommend import RecommendSettings
from mediaserver.recommend.tagging.claude import TOOL, ClaudeAnswer, Fallback, ask_claude

GOOD = {
    "tags": ["Slow Burn", "coming-of-age", "dark"],
    "summary": "Two friends grow apart over one long summer.",
    "content_notes": ["strong language"],
    "maturity_rating": "PG-13",
}


@dataclass
class FakeClaude:
    """What the endpoint answers next, and what it was sent."""

    mode: str = "ok"
    answer: dict[str, Any] = field(default_factory=lambda: dict(GOOD))
    requests: list[dict[str, Any]] = field(default_factory=list)

    def message(self, content: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": content,
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 1200, "output_tokens": 85},
        }

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"body": body, "headers": dict(request.headers)})
        if self.mode == "429":
            error = {
                "type": "error",
                "error": {"type": "rate_limit_error", "message": "Number of requests exceeded"},
            }
            return web.json_response(error, status=429, headers={"retry-after": "30"})
        if self.mode == "malformed":
            return web.Response(
                text='{"id": "msg_1", "content": [', content_type="application/json"
            )
        if self.mode == "slow":
            await asyncio.sleep(1.5)
        if self.mode == "no-tool":
            return web.json_response(self.message([{"type": "text", "text": "Sure! dark."}]))
        use = {
            "type": "tool_use",
            "id": "toolu_01A09q90qw90lq917835lq9",
            "name": TOOL,
            "input": self.answer,
        }
        return web.json_response(self.message([use]))


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeClaude, RecommendSettings]]:
    claude = FakeClaude()
    app = web.Application()
    app.router.add_post("/v1/messages", claude.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    settings = RecommendSettings(
        anthropic_api_key="sk-ant-test",
        anthropic_base_url=str(server.make_url("")),
        anthropic_timeout_seconds=0.5,
        anthropic_model="claude-sonnet-4-5",
    )
    try:
        yield claude, settings
    finally:
        await server.close()


async def test_a_good_answer_is_used_and_the_request_is_structured(fake) -> None:
    claude, settings = fake
    got = await ask_claude(settings, "Summer", "Two friends.", ["Hi.", "Bye."], [b"\xff\xd8jpeg"])
    assert isinstance(got, ClaudeAnswer)
    assert got.tags == GOOD["tags"] and got.maturity_rating == "PG-13"
    sent = claude.requests[0]
    headers = sent["headers"]
    assert "sk-ant-test" in (headers.get("x-api-key", "") + headers.get("Authorization", ""))
    body = sent["body"]
    assert body["tool_choice"] == {"type": "tool", "name": TOOL}
    assert body["tools"][0]["input_schema"]["required"] == ["tags", "summary"]
    blocks = body["messages"][0]["content"]
    assert blocks[0]["type"] == "image" and blocks[0]["source"]["media_type"] == "image/jpeg"
    assert blocks[0]["source"]["data"] == "/9hqcGVn"  # base64 of the bytes
    assert "Two friends." in blocks[-1]["text"] and "Bye." in blocks[-1]["text"]


@pytest.mark.parametrize(
    ("mode", "answer", "reason"),
    [
        ("429", None, "rate limit was reached (retry after 30 s)"),
        ("malformed", None, "could not be read"),
        ("slow", None, "did not answer in time"),
        ("no-tool", None, "without the tags tool"),
        ("ok", {"tags": [], "summary": ""}, "invalid field"),
        ("ok", {**GOOD, "maturity_rating": "XXX"}, "invalid field"),
    ],
)
async def test_failures_fall_back_with_a_log_line(fake, caplog, mode, answer, reason) -> None:
    claude, settings = fake
    claude.mode = mode
    if answer is not None:
        claude.answer = answer
    with caplog.at_level(logging.WARNING, logger="mediaserver.recommend.tagging.claude"):
        got = await ask_claude(settings, "Summer", "", [], [])
    assert isinstance(got, Fallback) and reason in got.reason
    assert any("keeping the offline tags" in r.getMessage() for r in caplog.records)
    assert len(claude.requests) == 1  # no retries that would hold the job


def test_answer_schema_round_trips() -> None:
    schema = json.dumps(ClaudeAnswer.model_json_schema())
    assert "maturity_rating" in schema and "content_notes" in schema
