"""Height caps applied to a published ladder's master playlist and DASH manifest.

A token capped at a height sees a master playlist (and DASH manifest) without the rungs above
it; the files of those rungs are refused by the media routes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

CAPPED = ("master.m3u8", "manifest.mpd")  # the files a height cap rewrites
DASH_NS = "urn:mpeg:dash:schema:mpd:2011"


def cap_master(text: str, max_height: int) -> str:
    """The master playlist without the variants (and I-frame playlists) above max_height."""
    out: list[str] = []
    drop_uri = False
    for line in text.splitlines():
        if drop_uri and line and not line.startswith("#"):
            drop_uri = False  # the URI line of a dropped variant
            continue
        if line.startswith(("#EXT-X-STREAM-INF:", "#EXT-X-I-FRAME-STREAM-INF:")):
            match = re.search(r"RESOLUTION=\d+x(\d+)", line)
            if match and int(match.group(1)) > max_height:
                drop_uri = line.startswith("#EXT-X-STREAM-INF:")
                continue
        out.append(line)
    return "\n".join(out) + "\n"


def cap_manifest(data: bytes, max_height: int) -> bytes:
    """The DASH manifest without the video Representations above max_height."""
    ET.register_namespace("", DASH_NS)
    root = ET.fromstring(data)  # noqa: S314 - our own packager's output, read from our storage
    for adaptation in root.iter(f"{{{DASH_NS}}}AdaptationSet"):
        for rep in list(adaptation.findall(f"{{{DASH_NS}}}Representation")):
            height = rep.get("height")  # an XML attribute
            if height and height.isdigit() and int(height) > max_height:
                adaptation.remove(rep)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def capped(key: str, data: bytes, cap: int) -> bytes:
    """A ladder playlist (.m3u8) or manifest (.mpd) with the cap applied; 0: as it is."""
    if cap and key.endswith(".m3u8"):
        return cap_master(data.decode("utf-8"), cap).encode("utf-8")
    if cap:
        return cap_manifest(data, cap)
    return data
