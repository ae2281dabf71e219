"""Language tags for playlists: ISO 639-2 codes from files -> BCP 47 tags players expect.

HLS LANGUAGE and DASH @lang are BCP 47, which uses the two-letter ISO 639-1 code where one exists
("en", not "eng"). Files carry ISO 639-2 (B or T) codes, so the common ones are mapped here; other
well-formed codes pass through unchanged, anything else (free text from metadata) is dropped.
"""

from __future__ import annotations

import re

TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")

# ISO 639-2 (B and T) -> (ISO 639-1, English name)
_TABLE = {
    "ara": ("ar", "Arabic"),
    "bul": ("bg", "Bulgarian"),
    "cat": ("ca", "Catalan"),
    "ces": ("cs", "Czech"),
    "cze": ("cs", "Czech"),
    "chi": ("zh", "Chinese"),
    "zho": ("zh", "Chinese"),
    "dan": ("da", "Danish"),
    "deu": ("de", "German"),
    "ger": ("de", "German"),
    "ell": ("el", "Greek"),
    "gre": ("el", "Greek"),
    "eng": ("en", "English"),
    "est": ("et", "Estonian"),
    "fas": ("fa", "Persian"),
    "per": ("fa", "Persian"),
    "fin": ("fi", "Finnish"),
    "fra": ("fr", "French"),
    "fre": ("fr", "French"),
    "heb": ("he", "Hebrew"),
    "hin": ("hi", "Hindi"),
    "hrv": ("hr", "Croatian"),
    "hun": ("hu", "Hungarian"),
    "ind": ("id", "Indonesian"),
    "isl": ("is", "Icelandic"),
    "ice": ("is", "Icelandic"),
    "ita": ("it", "Italian"),
    "jpn": ("ja", "Japanese"),
    "kor": ("ko", "Korean"),
    "lav": ("lv", "Latvian"),
    "lit": ("lt", "Lithuanian"),
    "msa": ("ms", "Malay"),
    "may": ("ms", "Malay"),
    "nld": ("nl", "Dutch"),
    "dut": ("nl", "Dutch"),
    "nor": ("no", "Norwegian"),
    "nob": ("nb", "Norwegian Bokmål"),
    "pol": ("pl", "Polish"),
    "por": ("pt", "Portuguese"),
    "ron": ("ro", "Romanian"),
    "rum": ("ro", "Romanian"),
    "rus": ("ru", "Russian"),
    "slk": ("sk", "Slovak"),
    "slo": ("sk", "Slovak"),
    "slv": ("sl", "Slovenian"),
    "spa": ("es", "Spanish"),
    "srp": ("sr", "Serbian"),
    "swe": ("sv", "Swedish"),
    "tha": ("th", "Thai"),
    "tur": ("tr", "Turkish"),
    "ukr": ("uk", "Ukrainian"),
    "vie": ("vi", "Vietnamese"),
}
_NAMES = {short: name for short, name in _TABLE.values()}


def bcp47(code: str | None) -> str | None:
    """'eng' -> 'en'; 'pt-BR' stays; None or anything malformed -> None."""
    if not code or not TAG.match(code):
        return None
    primary, _, rest = code.partition("-")
    primary = primary.lower()
    if primary in ("und", "unk", "mul", "zxx", "mis"):
        return None
    short = _TABLE.get(primary, (primary, ""))[0]
    return f"{short}-{rest}" if rest else short


def safe_code(code: str | None) -> str:
    """A code fit for a folder name: lower-case letters only, 'und' when unknown."""
    tag = bcp47(code)
    primary = tag.split("-")[0] if tag else "und"
    return primary if primary.isalpha() and primary.isascii() else "und"


def display_name(code: str | None) -> str:
    """'eng' -> 'English'; unknown -> the tag itself, or 'Unknown'."""
    tag = bcp47(code)
    if tag is None:
        return "Unknown"
    return _NAMES.get(tag.split("-")[0], tag)


def language_names() -> dict[str, str]:
    """The two-letter (ISO 639-1) codes this table knows, with their English names, by name."""
    return dict(sorted(_NAMES.items(), key=lambda kv: kv[1]))
