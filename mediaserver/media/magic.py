"""What a file is, from its first bytes and its top-level structure; no FFmpeg involved.

`classify_head` names the container (and the FFmpeg demuxer to force for it) or says why the file
is plainly not media. `structure_problem` walks the top-level boxes of ISO BMFF files and the
EBML/Segment header of Matroska files to catch truncation with a precise reason.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass

HEAD_BYTES = 4096

MOV = "mov,mp4,m4a,3gp,3g2,mj2"
MKV = "matroska,webm"

_ISO_TOP_BOXES = {
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"styp", b"sidx",
    b"moof", b"junk", b"pdin", b"meta",
}  # fmt: skip
_IMAGE_BRANDS = {
    b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1",
    b"jxl ", b"crx ",
}  # fmt: skip

# (magic at offset 0, what it is) for files that are plainly not media.
_NOT_MEDIA = (
    (b"\x89PNG\r\n\x1a\n", "not a video: it is an image (PNG)"),
    (b"\xff\xd8\xff", "not a video: it is an image (JPEG)"),
    (b"GIF87a", "not a video: it is an image (GIF)"),
    (b"GIF89a", "not a video: it is an image (GIF)"),
    (b"II*\x00", "not a video: it is an image (TIFF)"),
    (b"MM\x00*", "not a video: it is an image (TIFF)"),
    (b"8BPS", "not a video: it is an image (Photoshop)"),
    (b"qoif", "not a video: it is an image (QOI)"),
    (b"\xff\x0a", "not a video: it is an image (JPEG XL)"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "not a video: it is an image (JPEG XL)"),
    (b"\x00\x00\x01\x00", "not a video: it is an image (icon)"),
    (b"PK\x03\x04", "not a video: it is an archive (ZIP)"),
    (b"PK\x05\x06", "not a video: it is an archive (ZIP)"),
    (b"Rar!\x1a\x07", "not a video: it is an archive (RAR)"),
    (b"7z\xbc\xaf\x27\x1c", "not a video: it is an archive (7z)"),
    (b"\x1f\x8b", "not a video: it is an archive (gzip)"),
    (b"BZh", "not a video: it is an archive (bzip2)"),
    (b"\xfd7zXZ\x00", "not a video: it is an archive (xz)"),
    (b"\x28\xb5\x2f\xfd", "not a video: it is an archive (zstd)"),
    (b"%PDF-", "not a video: it is a PDF document"),
    (b"\x7fELF", "not a video: it is a program (ELF executable)"),
    (b"MZ", "not a video: it is a program (Windows executable)"),
    (b"SQLite format 3\x00", "not a video: it is a database file (SQLite)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "not a video: it is an office document"),
)

# (magic at offset 0, kind, demuxer) for containers recognised without ambiguity.
_CONTAINERS = (
    (b"FLV\x01", "flv", "flv"),
    (b"OggS", "ogg", "ogg"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "asf", "asf"),
    (b".RMF", "rm", "rm"),
    (b"\x06\x0e\x2b\x34", "mxf", "mxf"),
    (b"nut/multimedia container", "nut", "nut"),
    (b"DKIF", "ivf", "ivf"),
    (b"\x00\x00\x01\xba", "mpeg", "mpeg"),
    (b"\x00\x00\x01\xb3", "mpeg", "mpegvideo"),
    (b"fLaC", "flac", "flac"),
    (b"caff", "caf", "caf"),
    (b"wvpk", "wv", "wv"),
    (b"MAC ", "ape", "ape"),
    (b"#!AMR", "amr", "amr"),
    (b"riff\x2e\x91\xcf\x11", "w64", "w64"),
)

_SRT_RE = re.compile(r"\A\s*\d+\s*\r?\n\s*\d{1,2}:\d\d:\d\d[,.]\d{1,3}\s*-->")
_URL_LINE_RE = re.compile(r"^\s*[a-z][a-z0-9+.-]{1,15}://", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Verdict:
    kind: str = "unknown"
    demuxer: str | None = None
    brand: str | None = None
    rejected: str | None = None


def _iso_kind(head: bytes) -> Verdict | None:
    if len(head) < 8 or head[4:8] not in _ISO_TOP_BOXES:
        return None
    (box_size,) = struct.unpack(">I", head[:4])
    if box_size not in (0, 1) and box_size < 8:
        return None
    if head[4:8] != b"ftyp":
        return Verdict("mov", MOV)
    brand = head[8:12]
    if brand in _IMAGE_BRANDS:
        return Verdict(rejected="not a video: it is an image (HEIF/AVIF)")
    text = brand.decode("latin-1")
    if brand == b"qt  ":
        kind = "mov"
    elif brand in (b"M4A ", b"M4B ", b"M4P "):
        kind = "m4a"
    elif brand.startswith(b"M4V"):
        kind = "m4v"
    elif brand.startswith(b"3g2"):
        kind = "3g2"
    elif brand.startswith(b"3g"):
        kind = "3gp"
    else:
        kind = "mp4"
    return Verdict(kind, MOV, text.strip("\x00 ") or None)


def _text_verdict(head: bytes) -> Verdict | None:
    """Refuse text: playlists, manifests, web pages, subtitles, anything else readable."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Verdict(rejected="not a video: it is a text file (UTF-16)")
    body = head.removeprefix(b"\xef\xbb\xbf")
    if b"\x00" in body:
        return None
    text = body.decode("utf-8", errors="replace")
    # A multi-byte character cut at the end of the window is fine; binary is not.
    bad = text[:-3].count("\ufffd")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v\x1b")
    if bad > len(text) // 50 or controls > len(text) // 50:
        return None
    lowered = text.lstrip().lower()
    playlist = "playlist files are not accepted as media"
    if lowered.startswith(("#extm3u", "#ext-x-", "#extinf")) or "\n#ext-x-" in lowered:
        return Verdict(rejected=f"{playlist} (M3U/HLS playlist)")
    if lowered.startswith("ffconcat"):
        return Verdict(rejected=f"{playlist} (FFmpeg concat list)")
    if lowered.startswith("[playlist]"):
        return Verdict(rejected=f"{playlist} (PLS playlist)")
    if lowered.startswith("v=0") and "\nm=" in lowered:
        return Verdict(rejected=f"{playlist} (SDP stream description)")
    if lowered.startswith("<"):
        for tag, what in (("<mpd", "DASH manifest"), ("<smil", "SMIL"), ("<asx", "ASX")):
            if tag in lowered[:2048]:
                return Verdict(rejected=f"{playlist} ({what})")
        if "<playlist" in lowered[:2048] or "<?wpl" in lowered[:2048]:
            return Verdict(rejected=f"{playlist} (XML playlist)")
        if "<html" in lowered[:2048] or lowered.startswith("<!doctype html"):
            return Verdict(rejected="not a video: it is a web page (HTML)")
        return Verdict(rejected="not a video: it is an XML or markup document")
    if _URL_LINE_RE.search(text):
        return Verdict(rejected=f"{playlist} (a list of links)")
    if lowered.startswith("webvtt"):
        return Verdict(rejected="not a video: it is a subtitle file (WebVTT)")
    if lowered.startswith("[script info]"):
        return Verdict(rejected="not a video: it is a subtitle file (ASS/SSA)")
    if _SRT_RE.match(text):
        return Verdict(rejected="not a video: it is a subtitle file (SubRip)")
    return Verdict(rejected="not a video: it is a text file")


def classify_head(head: bytes, size: int) -> Verdict:
    """Name the container announced by the first bytes, or say why it is not media."""
    if not head:
        return Verdict(rejected="empty file (0 bytes)")
    iso = _iso_kind(head)
    if iso is not None:
        return iso
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Verdict("webm" if b"webm" in head[:64] else "mkv", MKV)
    if head.startswith((b"RIFF", b"RF64")):
        form = head[8:12]
        if form in (b"AVI ", b"AVIX"):
            return Verdict("avi", "avi")
        if form == b"WAVE":
            return Verdict("wav", "wav")
        if form == b"WEBP":
            return Verdict(rejected="not a video: it is an image (WebP)")
        return Verdict(rejected=f"not a video: it is a RIFF {form.decode('latin-1')!r} file")
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return Verdict("aiff", "aiff")
    for magic, reason in _NOT_MEDIA:
        if head.startswith(magic):
            return Verdict(rejected=reason)
    if len(head) > 262 and head[257:262] == b"ustar":
        return Verdict(rejected="not a video: it is an archive (tar)")
    if head.startswith(b"BM") and len(head) > 14 and struct.unpack("<I", head[2:6])[0] == size:
        return Verdict(rejected="not a video: it is an image (BMP)")
    for magic, kind, demuxer in _CONTAINERS:
        if head.startswith(magic):
            return Verdict(kind, demuxer)
    if len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return Verdict("ts", "mpegts")
    if len(head) > 388 and head[4] == 0x47 and head[196] == 0x47 and head[388] == 0x47:
        return Verdict("m2ts", "mpegts")
    text = _text_verdict(head)
    if text is not None:
        return text
    # Binary we do not recognise (ID3-tagged or raw audio, DV ...): FFmpeg may still identify it,
    # but only among the whitelisted container demuxers.
    return Verdict()


def _iso_problem(fd: int, size: int) -> str | None:
    """Walk top-level ISO BMFF boxes: a box running past the end means truncation; no moov means
    the index is missing (typically a download cut short of a moov-at-end file)."""
    offset, seen_moov, seen_moof, boxes = 0, False, False, 0
    while offset + 8 <= size and boxes < 10_000:
        header = os.pread(fd, 16, offset)
        if len(header) < 8:
            break
        box_size, box_type = struct.unpack(">I4s", header[:8])
        if box_size == 1:
            if len(header) < 16:
                return "truncated or damaged: the file ends inside a box header"
            (box_size,) = struct.unpack(">Q", header[8:16])
        elif box_size == 0:
            box_size = size - offset
        if box_size < 8:
            return "truncated or damaged: invalid box structure"
        seen_moov |= box_type == b"moov"
        seen_moof |= box_type == b"moof"
        if offset + box_size > size:
            missing = offset + box_size - size
            name = box_type.decode("latin-1")
            if box_type == b"mdat" and not seen_moov:
                return "truncated or damaged: moov atom not found"
            return (
                f"truncated or damaged: the file ends inside its {name!r} box "
                f"({missing} bytes missing)"
            )
        offset += box_size
        boxes += 1
    if not seen_moov and not seen_moof:
        return "truncated or damaged: moov atom not found"
    return None


def _ebml_vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int] | None:
    if pos >= len(data) or data[pos] == 0:
        return None
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if pos + length > len(data):
        return None
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    return value, pos + length


def _mkv_problem(head: bytes, size: int) -> str | None:
    """A Segment with a known size larger than what is on disk means the file was cut short."""
    header = _ebml_vint(head, 4, keep_marker=False)
    if header is None:
        return "truncated or damaged: invalid Matroska header"
    header_size, pos = header
    pos += header_size
    segment_id = _ebml_vint(head, pos, keep_marker=True)
    if segment_id is None or segment_id[0] != 0x18538067:
        return None if pos >= len(head) else "truncated or damaged: Matroska segment not found"
    length_start = segment_id[1]
    seg = _ebml_vint(head, length_start, keep_marker=False)
    if seg is None:
        return None
    seg_size, data_start = seg
    width = data_start - length_start
    if seg_size == (1 << (7 * width)) - 1:  # "unknown size": live or streamed files
        return None
    if data_start + seg_size > size:
        missing = data_start + seg_size - size
        return f"truncated or damaged: the Matroska segment is {missing} bytes short"
    return None


def structure_problem(fd: int, kind: str, size: int, head: bytes) -> str | None:
    """A precise reason when the container's top-level structure shows truncation, else None."""
    try:
        if kind in ("mp4", "mov", "m4v", "m4a", "3gp", "3g2"):
            return _iso_problem(fd, size)
        if kind in ("mkv", "webm"):
            return _mkv_problem(head, size)
    except (OSError, struct.error):
        return "truncated or damaged: the file cannot be read to the end of its header"
    return None


_KINDS = {  # FFmpeg demuxer name -> (kind, extension when there is video, audio-only extension)
    "avi": ("avi", ".avi", ".avi"),
    "mpegts": ("ts", ".ts", ".ts"),
    "mpeg": ("mpeg", ".mpg", ".mpg"),
    "mpegvideo": ("mpeg", ".m2v", ".m2v"),
    "flv": ("flv", ".flv", ".flv"),
    "ogg": ("ogg", ".ogv", ".ogg"),
    "asf": ("asf", ".wmv", ".wma"),
    "rm": ("rm", ".rm", ".ra"),
    "mxf": ("mxf", ".mxf", ".mxf"),
    "nut": ("nut", ".nut", ".nut"),
    "dv": ("dv", ".dv", ".dv"),
    "ivf": ("ivf", ".ivf", ".ivf"),
    "wav": ("wav", ".wav", ".wav"),
    "w64": ("w64", ".w64", ".w64"),
    "aiff": ("aiff", ".aiff", ".aiff"),
    "caf": ("caf", ".caf", ".caf"),
    "flac": ("flac", ".flac", ".flac"),
    "mp3": ("mp3", ".mp3", ".mp3"),
    "aac": ("aac", ".aac", ".aac"),
    "ac3": ("ac3", ".ac3", ".ac3"),
    "eac3": ("eac3", ".eac3", ".eac3"),
    "dts": ("dts", ".dts", ".dts"),
    "truehd": ("truehd", ".thd", ".thd"),
    "wv": ("wv", ".wv", ".wv"),
    "ape": ("ape", ".ape", ".ape"),
    "amr": ("amr", ".amr", ".amr"),
}
_ISO_EXTENSIONS = {"mov": ".mov", "m4v": ".m4v", "3gp": ".3gp", "3g2": ".3g2", "mp4": ".mp4"}


def kind_and_extension(name: str, sniffed_kind: str, has_video: bool) -> tuple[str, str]:
    """(container_kind, extension) for what FFmpeg opened, refined by what the bytes said."""
    if name.startswith("matroska"):
        if sniffed_kind == "webm":
            return "webm", ".webm"
        return "mkv", ".mkv" if has_video else ".mka"
    if name.startswith("mov,"):
        kind = sniffed_kind if sniffed_kind in _ISO_EXTENSIONS or sniffed_kind == "m4a" else "mp4"
        if not has_video and kind in ("mp4", "m4a", "m4v"):
            return "m4a", ".m4a"
        if kind == "m4a":  # an "audio" brand that carries video anyway
            return "mp4", ".mp4"
        return kind, _ISO_EXTENSIONS[kind]
    if name == "mpegts" and sniffed_kind == "m2ts":
        return "m2ts", ".m2ts"
    kind, video_ext, audio_ext = _KINDS.get(name, (name.split(",")[0], "", ""))
    return kind, (video_ext if has_video else audio_ext) or f".{kind}"
