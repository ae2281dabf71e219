"""Asking Claude (the official `anthropic` client) for tags, a summary, content notes and a
suggested maturity rating, as structured output: one tool whose input schema is `ClaudeAnswer`,
forced with tool_choice, and the tool input validated with pydantic.

Claude is optional. Without a key nothing is sent; a time-out, a rate limit, a refused request
or an answer that is not what was asked returns a `Fallback` saying why, the caller keeps the
offline tags, and one line is logged."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Literal

import anthropic
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mediaserver.accounts import RATINGS
from mediaserver.config.recommend import RecommendSettings
from mediaserver.recommend.tagging.vocabulary import CONTENT, MOODS, STYLES, THEMES

log = logging.getLogger(__name__)

TOOL = "record_tags"
MAX_DESCRIPTION = 4000
MAX_EXCERPT = 6000
Rating = Literal["G", "TV-Y", "TV-Y7", "PG", "TV-PG", "PG-13", "TV-14", "R", "TV-MA", "NC-17"]
assert set(RATINGS) == set(Rating.__args__)  # type: ignore[attr-defined]  # the same list


class ClaudeAnswer(BaseModel):
    """What the tool call must carry; anything else is a bad answer."""

    model_config = ConfigDict(extra="ignore")

    tags: list[str] = Field(
        min_length=1,
        max_length=20,
        description="Moods, themes and style, lower-case words joined by hyphens, e.g. "
        "'slow-burn', 'coming-of-age'. Prefer these when they fit: "
        + ", ".join((*MOODS, *STYLES, *THEMES))
        + ".",
    )
    summary: str = Field(
        min_length=1,
        max_length=1500,
        description="One paragraph saying what the title is about, no spoilers.",
    )
    content_notes: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="What a parent may want to know, from: " + ", ".join(CONTENT) + ".",
    )
    maturity_rating: Rating | None = Field(
        None, description="The rating you would give it (US film or TV scale)."
    )


@dataclass(frozen=True, slots=True)
class Fallback:
    """Claude was asked and its answer is not used; `reason` is for the admin and the log."""

    reason: str


SYSTEM = (
    "You tag titles in a home media library so that people can find what suits their mood. "
    "Use only what you are given: the description, a dialogue excerpt and a few frames. "
    "Call the tool once with your answer."
)


def _content(description: str, excerpt: list[str], keyframes: list[bytes]) -> list[dict]:
    text = (
        "Description:\n"
        + (description[:MAX_DESCRIPTION] or "(none)")
        + "\n\nDialogue excerpt:\n"
        + ("\n".join(excerpt)[:MAX_EXCERPT] or "(none)")
    )
    blocks: list[dict] = [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": "image/jpeg",
                "data": base64.standard_b64encode(jpeg).decode("ascii"),
            },
        }
        for jpeg in keyframes
    ]
    return [*blocks, {"type": "text", "text": text}]


def _retry_after(exc: anthropic.APIStatusError) -> str:
    value = exc.response.headers.get("retry-after")
    return f" (retry after {value[:10]} s)" if value else ""


async def ask_claude(
    settings: RecommendSettings,
    title: str,
    description: str,
    excerpt: list[str],
    keyframes: list[bytes],
) -> ClaudeAnswer | Fallback:
    """Claude's answer for one title, or why there is none to use."""
    client = anthropic.AsyncAnthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url or None,
        timeout=settings.anthropic_timeout_seconds,
        max_retries=0,  # the job is tried again later; a wait here holds a worker
    )
    tool = {
        "name": TOOL,
        "description": "Record the title's tags, summary, content notes "
        "and suggested maturity rating.",
        "input_schema": ClaudeAnswer.model_json_schema(),
    }
    try:
        async with client:
            message = await client.messages.create(
                model=settings.anthropic_model,
                max_tokens=1024,
                system=SYSTEM,
                tools=[tool],  # type: ignore[list-item]
                tool_choice={"type": "tool", "name": TOOL},
                messages=[
                    {
                        "role": "user",
                        "content": _content(  # type: ignore[typeddict-item]
                            f"{title}\n{description}", excerpt, keyframes
                        ),
                    }
                ],
            )
    except anthropic.APITimeoutError:
        return _fell_back(title, "Claude did not answer in time")
    except anthropic.RateLimitError as exc:
        return _fell_back(title, "Claude's rate limit was reached" + _retry_after(exc))
    except anthropic.APIStatusError as exc:
        return _fell_back(title, f"Claude answered HTTP {exc.status_code}")
    except anthropic.APIConnectionError:
        return _fell_back(title, "Claude could not be reached")
    except (anthropic.APIError, ValueError) as exc:  # a body that is not the API's JSON
        return _fell_back(title, f"Claude's answer could not be read ({type(exc).__name__})")
    used = next((b for b in message.content if b.type == "tool_use" and b.name == TOOL), None)
    if used is None:
        return _fell_back(title, "Claude answered without the tags tool")
    try:
        return ClaudeAnswer.model_validate(used.input)
    except ValidationError as exc:
        return _fell_back(title, f"Claude's answer had {exc.error_count()} invalid field(s)")


def _fell_back(title: str, reason: str) -> Fallback:
    log.warning("tagging %r: %s; keeping the offline tags", title, reason)
    return Fallback(reason)
