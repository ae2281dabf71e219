"""The tag vocabulary and how measured features, dialogue and the description map onto it.

Tags are lower-case words joined by hyphens. Each has a kind: a mood (how it feels), a theme
(what it is about), a style (how it is made) or a content note (what a parent may want to
know). The thresholds are plain numbers on the features `analysis` measures, chosen so that the
ordinary middle of a film gets few mood tags and only the clearly dark, fast or slow do."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

TagKind = Literal["mood", "theme", "style", "content"]
TAG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_TAG = 40

MOODS = ("dark", "light-hearted", "fast-paced", "slow-burn", "tense", "calm", "gritty")
STYLES = ("animation", "colourful", "black-and-white", "dialogue-driven", "music-heavy")
CONTENT = ("violence", "strong-language", "sexual-content", "drug-use", "frightening-scenes")

# Theme -> description words that suggest it (whole words, singular or plural).
THEMES: dict[str, tuple[str, ...]] = {
    "crime": (
        "crime",
        "murder",
        "detective",
        "police",
        "heist",
        "gang",
        "mafia",
        "robbery",
        "thief",
        "cop",
        "killer",
        "criminal",
        "investigation",
    ),
    "romance": ("love", "romance", "romantic", "wedding", "marriage", "lover", "affair"),
    "family": ("family", "father", "mother", "daughter", "son", "sister", "brother", "parents"),
    "war": ("war", "soldier", "army", "battle", "troops", "wartime", "military"),
    "science-fiction": (
        "space",
        "alien",
        "planet",
        "spaceship",
        "robot",
        "future",
        "galaxy",
        "time travel",
        "android",
    ),
    "supernatural": (
        "ghost",
        "haunted",
        "demon",
        "witch",
        "vampire",
        "curse",
        "spirit",
        "zombie",
        "monster",
    ),
    "coming-of-age": ("teenager", "teen", "school", "growing up", "summer camp", "graduation"),
    "friendship": ("friend", "friends", "friendship", "buddy", "companions"),
    "revenge": ("revenge", "vengeance", "avenge", "retribution"),
    "survival": ("survival", "survive", "stranded", "wilderness", "disaster", "castaway"),
    "mystery": ("mystery", "secret", "disappearance", "vanished", "clue", "puzzle"),
    "sports": ("football", "soccer", "baseball", "basketball", "boxing", "team", "champion"),
    "music": ("band", "singer", "musician", "concert", "song"),
    "nature": ("wildlife", "ocean", "animals", "forest", "nature", "jungle"),
    "true-story": ("true story", "based on the life", "biography", "real events"),
    "adventure": ("adventure", "quest", "journey", "treasure", "expedition"),
    "comedy": ("comedy", "hilarious", "comic", "laugh", "funny"),
}

# Content notes from words in the dialogue or the description. Kept short and unambiguous:
# a word that is often harmless ("shoot" a film, "hell" of a day) would only add noise.
STRONG_LANGUAGE = frozenset(
    {
        "fuck",
        "fucking",
        "fucked",
        "fucker",
        "motherfucker",
        "shit",
        "shitty",
        "bullshit",
        "bitch",
        "bastard",
        "asshole",
        "cunt",
        "dick",
        "prick",
        "wanker",
        "twat",
        "goddamn",
    }
)
VIOLENCE = frozenset(
    {
        "kill",
        "killed",
        "killing",
        "murder",
        "murdered",
        "stab",
        "stabbed",
        "shot",
        "gun",
        "guns",
        "blood",
        "bloody",
        "dead",
        "die",
        "corpse",
        "torture",
        "strangle",
        "massacre",
        "bomb",
        "knife",
        "slaughter",
        "execute",
        "executed",
        "assault",
        "beaten",
    }
)
DRUGS = frozenset({"cocaine", "heroin", "meth", "overdose", "junkie", "crack", "dealer"})
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True, slots=True)
class Suggestion:
    tag: str
    kind: TagKind
    score: float  # 0..1: how clearly the evidence points at it


def normalise_tag(raw: str) -> str | None:
    """ "Slow burn " -> "slow-burn"; None for something that is no tag (empty, symbols only)."""
    words = re.findall(r"[a-z0-9]+", raw.lower().replace("'", ""))
    tag = "-".join(words)[:MAX_TAG].strip("-")
    return tag if tag and TAG_RE.fullmatch(tag) else None


def kind_of(tag: str) -> TagKind:
    if tag in MOODS:
        return "mood"
    if tag in STYLES:
        return "style"
    if tag in CONTENT:
        return "content"
    return "theme"


def _clip(x: float) -> float:
    return round(max(0.0, min(1.0, x)), 2)


def mood_tags(f: dict[str, float | None]) -> list[Suggestion]:
    """Moods and styles from the picture and sound features (see analysis.FEATURES)."""
    out: list[Suggestion] = []
    spm, luma = f.get("shots_per_minute") or 0.0, f.get("mean_luma") or 0.0
    motion, sat = f.get("motion") or 0.0, f.get("saturation") or 0.0
    warmth, flat = f.get("warmth") or 0.0, f.get("flat_share") or 0.0
    speech, music = f.get("speech_share") or 0.0, f.get("music_share") or 0.0
    lra = f.get("loudness_range") or 0.0
    if luma < 0.28:
        out.append(Suggestion("dark", "mood", _clip((0.28 - luma) / 0.15 + 0.5)))
    if spm >= 18 or motion >= 0.09:
        out.append(Suggestion("fast-paced", "mood", _clip(max(spm / 36, motion / 0.18))))
    if spm <= 6 and motion < 0.03:
        out.append(Suggestion("slow-burn", "mood", _clip(1 - spm / 12)))
    if luma > 0.45 and sat > 0.3 and warmth > -0.02:
        out.append(Suggestion("light-hearted", "mood", _clip((luma - 0.45) * 2 + sat)))
    if luma < 0.35 and (lra > 12 or spm >= 14):
        out.append(Suggestion("tense", "mood", _clip(max(lra / 24, spm / 28))))
    if spm <= 8 and motion < 0.03 and luma >= 0.35 and lra < 8:
        out.append(Suggestion("calm", "mood", 0.6))
    if sat < 0.05 and luma > 0.05:
        out.append(Suggestion("black-and-white", "style", _clip(1 - sat * 10)))
    elif sat > 0.5:
        out.append(Suggestion("colourful", "style", _clip(sat)))
    if flat > 0.55 and sat > 0.25 and luma > 0.2:
        out.append(Suggestion("animation", "style", _clip(flat)))
    if speech > 0.6:
        out.append(Suggestion("dialogue-driven", "style", _clip(speech)))
    if music > 0.6:
        out.append(Suggestion("music-heavy", "style", _clip(music)))
    return out


def words(lines: Iterable[str]) -> Counter[str]:
    return Counter(w.strip("'") for line in lines for w in _WORD.findall(line.lower()))


def content_notes(dialogue: Iterable[str], description: str) -> list[Suggestion]:
    """Strong language, violence and drug use from what is said and the description."""
    said = words(dialogue)
    told = words([description])
    out: list[Suggestion] = []
    swearing = sum(n for w, n in said.items() if w in STRONG_LANGUAGE)
    if swearing >= 2:
        out.append(Suggestion("strong-language", "content", _clip(0.5 + swearing / 20)))
    violent = sum(n for w, n in said.items() if w in VIOLENCE)
    violent += 3 * sum(n for w, n in told.items() if w in VIOLENCE)
    if violent >= 3:
        out.append(Suggestion("violence", "content", _clip(0.4 + violent / 30)))
    drugs = sum(n for w, n in (said + told).items() if w in DRUGS)
    if drugs >= 2:
        out.append(Suggestion("drug-use", "content", _clip(0.4 + drugs / 10)))
    return out


def theme_tags(description: str) -> list[Suggestion]:
    """Themes whose words appear in the description (phrases matched as phrases)."""
    text = " " + " ".join(_WORD.findall(description.lower())) + " "
    out: list[Suggestion] = []
    for theme, cues in THEMES.items():
        hits = sum(1 for cue in cues if f" {cue} " in text or f" {cue}s " in text)
        if hits:
            out.append(Suggestion(theme, "theme", _clip(0.4 + 0.2 * hits)))
    return out
