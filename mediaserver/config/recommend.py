"""Recommendations, tagging, poster tests and intro detection."""

from __future__ import annotations

from pydantic import Field, SecretStr  # noqa: F401

from mediaserver.config.base import Section


class RecommendSettings(Section):
    """Recommendations, tagging, poster tests and intro detection."""

    # --- Recommendations and similar titles (mediaserver/recommend/reco) ---
    reco_retrain_hours: float = Field(
        24.0,
        ge=1.0,
        le=24.0 * 30,
        description="Retrain the recommendation model when the last training is older than "
        "this (checked at each housekeeping run); admins can also retrain at once.",
    )
    reco_picks_per_profile: int = Field(
        60,
        ge=10,
        le=500,
        description="How many ranked titles are kept per profile for Top picks and New for you.",
    )
    reco_similar_per_title: int = Field(
        20, ge=5, le=100, description="How many similar titles are kept per title (More like this)."
    )
    reco_new_days: int = Field(
        60,
        ge=1,
        le=3650,
        description="Titles added within this many days are candidates for New for you.",
    )
    reco_trending_half_life_days: float = Field(
        7.0,
        ge=0.5,
        le=365.0,
        description="Trending now counts recent plays, each worth half as much per this many days.",
    )
    reco_search_play_minutes: float = Field(
        30.0,
        ge=1.0,
        le=24.0 * 60,
        description="A play counts as found by a search when the title was opened from the "
        "search results at most this long before it started (a strong signal for training).",
    )
    # --- end of recommendations ---

    # --- Automatic tagging (mediaserver/recommend/tagging) ---
    tagging_enabled: bool = Field(
        True,
        description="Analyse each title's media (pictures, sound, subtitles, description) after "
        "a scan and suggest tags for an admin to review.",
    )
    tagging_sample_fps: float = Field(
        2.0,
        ge=0.25,
        le=10.0,
        description="Frames a second looked at when analysing pictures (cuts, brightness, "
        "motion); more finds shorter shots but takes longer.",
    )
    tagging_max_seconds: int = Field(
        1800,
        ge=60,
        le=14400,
        description="At most this much of a title (spread over its length) is analysed.",
    )
    anthropic_api_key: SecretStr = Field(
        SecretStr(""),
        description="Anthropic API key. Set: Claude also reads the description, a subtitle "
        "excerpt and a few keyframes and suggests tags, a summary and a maturity rating. "
        "Empty: tags come from the offline analysis alone.",
    )
    anthropic_model: str = Field(
        "claude-sonnet-4-5",
        min_length=1,
        max_length=100,
        description="The Claude model asked for tag suggestions.",
    )
    anthropic_base_url: str = Field(
        "",
        max_length=200,
        description="Send Claude requests here instead of https://api.anthropic.com (a local "
        "Messages API endpoint for tests). Empty: Anthropic itself.",
    )
    anthropic_timeout_seconds: float = Field(
        60.0,
        ge=0.5,
        le=600.0,
        description="Give up on one Claude answer after this long and keep the offline tags.",
    )
    anthropic_keyframes: int = Field(
        4, ge=0, le=8, description="Keyframes (small JPEGs) sent to Claude with each title."
    )
    # --- end of automatic tagging ---

    # --- Poster A/B tests (mediaserver/recommend/artwork_ab) ---
    artwork_ab_enabled: bool = Field(
        True,
        description="Titles with several poster candidates show each profile one of them, "
        "chosen by Thompson sampling on impressions and plays, until one wins.",
    )
    artwork_ab_sticky_hours: float = Field(
        24.0,
        ge=0.0,
        le=24.0 * 30,
        description="A profile keeps seeing the same candidate for this long before it is "
        "drawn again (0: drawn on every page).",
    )
    artwork_ab_stop_probability: float = Field(
        0.95,
        ge=0.5,
        le=0.9999,
        description="Exploration stops once one candidate is best with at least this "
        "probability; it is then shown to everyone.",
    )
    artwork_ab_min_impressions: int = Field(
        200,
        ge=0,
        le=1_000_000,
        description="No winner is declared before a title's candidates have this many "
        "impressions together.",
    )
    artwork_ab_attribution_minutes: float = Field(
        60.0,
        ge=1.0,
        le=24.0 * 60,
        description="A play counts for the poster whose card was opened at most this long "
        "before it started.",
    )
    # --- end of poster A/B tests ---

    # --- Intro and credits detection (mediaserver/recommend/intro) ---
    intro_detection_enabled: bool = Field(
        True,
        description="After a scan adds episodes, compare the season's audio to find the "
        "shared intro and credits and set Skip Intro / Skip Credits.",
    )
    intro_search_minutes: float = Field(
        10.0,
        ge=1.0,
        le=30.0,
        description="How far into each episode the intro is looked for.",
    )
    credits_search_minutes: float = Field(
        5.0,
        ge=0.0,
        le=20.0,
        description="How much of the end of each episode is searched for credits (0: none).",
    )
    intro_min_seconds: float = Field(
        10.0,
        ge=3.0,
        le=120.0,
        description="Shorter shared stretches are not taken for an intro or credits.",
    )
    # --- end of intro and credits detection ---
