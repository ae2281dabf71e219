"""Audio channel layouts made safe before PyAV touches them (a crash, not a nicety).

PyAV 18 hands out a channel layout as a shallow copy of FFmpeg's AVChannelLayout and frees it when
the Python object goes away. For a *custom-order* layout that frees the channel map FFmpeg still
owns, and the process dies later with "double free or corruption". FFmpeg gives custom-order
layouts to ordinary files: a MOV with 7.1 PCM whose `chan` box says L R C LFE Ls Rs Rls Rrs (side
before back), multichannel files from pro cameras, and so on. One such file in a library would
take the whole server down on its first probe. (PyAV 19 changes this code, but needs Python 3.12.)

So every input container opened by sniff.open_media goes through `make_layouts_safe` first: an
audio stream whose layout is not a named one has that layout object kept alive for the life of
the process (it must never be freed) and the decoder's layout replaced by the native-order layout
of the same channels, which carries no map. Decoded frames then carry that native layout, which
PyAV can copy freely. The samples are not reordered: the labels change, the channel set does not,
so a stereo downmix is the same; only side and back surrounds may trade places in a 5.1/7.1
output. Named layouts (stereo, 5.1, 7.1 ...) are native and left as they are.
"""

from __future__ import annotations

import av

# AVChannel order (libavutil/channel_layout.h): a layout listing its channels in this order is a
# native one.
NATIVE_ORDER = (
    *("FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC", "BC", "SL", "SR", "TC"),
    *("TFL", "TFC", "TFR", "TBL", "TBC", "TBR", "DL", "DR", "WL", "WR", "SDL", "SDR", "LFE2"),
    *("TSL", "TSR", "BFC", "BFL", "BFR"),
)
_kept: list[av.AudioLayout] = []  # custom-order layouts shared with FFmpeg: never to be freed


def is_named(name: str) -> bool:
    """Named layouts ("stereo", "5.1(side)", "ambisonic 1") are native or ambisonic without a
    map; FFmpeg describes others as "8 channels (FL+FR+...)" or "ambisonic 1+stereo"."""
    return "(" not in name and "+" not in name


def native_layout(channels: list[str], count: int) -> str:
    """The native-order layout with these channels (named), else FFmpeg's default for `count`
    channels ("Nc"), which is native or unordered: neither has a channel map."""
    if len(set(channels)) == len(channels) and all(c in NATIVE_ORDER for c in channels):
        candidate = "+".join(sorted(channels, key=NATIVE_ORDER.index))
        if is_named(av.AudioLayout(candidate).name):
            return candidate
    return f"{max(1, count)}c"


def make_layouts_safe(container: av.container.InputContainer) -> None:
    """Give every audio decoder of `container` a layout PyAV can copy (call before decoding)."""
    for stream in container.streams.audio:
        ctx = stream.codec_context
        layout = ctx.layout
        if is_named(layout.name):
            continue
        _kept.append(layout)
        ctx.layout = native_layout([c.name for c in layout.channels], layout.nb_channels)
