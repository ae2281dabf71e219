"""H.264 parameter sets: reading an avcC record, writing one that holds several, and turning the
Annex B packets an encoder gives into the length-prefixed form an MP4 sample needs.

A clip joins re-encoded pieces to packets copied from the source. Each piece's encoder numbers
its SPS/PPS with an id the source does not use, and the clip's avcC lists them all, so every
slice finds its own parameter sets and the copied packets stay byte for byte as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SPS, PPS, IDR, AUD = 7, 8, 5, 9
_START = re.compile(b"\x00\x00\x01")
HIGH_PROFILES = frozenset({100, 110, 122, 144})


@dataclass(frozen=True, slots=True)
class ParameterSets:
    sps: tuple[bytes, ...]
    pps: tuple[bytes, ...]
    length_size: int = 4


def _ue(data: bytes, bit: int) -> tuple[int, int]:
    """One unsigned Exp-Golomb value read from `bit`; returns (value, next bit)."""
    zeros = 0
    while not (data[(bit + zeros) // 8] >> (7 - (bit + zeros) % 8)) & 1:
        zeros += 1
    bit += zeros + 1
    value = 0
    for _ in range(zeros):
        value = value << 1 | (data[bit // 8] >> (7 - bit % 8)) & 1
        bit += 1
    return (1 << zeros) - 1 + value, bit


def sps_id(nal: bytes) -> int:
    return _ue(nal, 32)[0]  # after the NAL header, profile, constraint flags and level


def pps_id(nal: bytes) -> int:
    return _ue(nal, 8)[0]


def read_avcc(data: bytes) -> ParameterSets | None:
    """The parameter sets of an avcC record; None for anything else (Annex B extradata)."""
    if len(data) < 7 or data[0] != 1:
        return None
    length_size = (data[4] & 3) + 1
    pos, sets = 5, []
    for mask in (0x1F, 0xFF):
        count, pos = data[pos] & mask, pos + 1
        found = []
        for _ in range(count):
            size = int.from_bytes(data[pos : pos + 2], "big")
            found.append(bytes(data[pos + 2 : pos + 2 + size]))
            pos += 2 + size
        sets.append(tuple(found))
    if not sets[0] or not sets[1]:
        return None
    return ParameterSets(sets[0], sets[1], length_size)


def write_avcc(sets: ParameterSets) -> bytes:
    first = sets.sps[0]
    out = bytearray([1, first[1], first[2], first[3], 0xFC | (sets.length_size - 1)])
    out.append(0xE0 | len(sets.sps))
    for nal in sets.sps:
        out += len(nal).to_bytes(2, "big") + nal
    out.append(len(sets.pps))
    for nal in sets.pps:
        out += len(nal).to_bytes(2, "big") + nal
    if first[1] in HIGH_PROFILES:
        out += bytes([0xFC | 1, 0xF8, 0xF8, 0])  # 4:2:0, 8 bit, no SPS extensions
    return bytes(out)


def annexb_units(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B buffer (start codes and trailing zero bytes removed)."""
    starts = [m.end() for m in _START.finditer(data)]
    units = []
    for i, begin in enumerate(starts):
        end = starts[i + 1] - 3 if i + 1 < len(starts) else len(data)
        unit = data[begin:end].rstrip(b"\x00")
        if unit:
            units.append(unit)
    return units


def annexb_sets(extradata: bytes) -> ParameterSets:
    units = annexb_units(extradata)
    return ParameterSets(
        tuple(u for u in units if u[0] & 0x1F == SPS), tuple(u for u in units if u[0] & 0x1F == PPS)
    )


def to_length_prefixed(data: bytes, length_size: int = 4) -> bytes:
    """An encoder's Annex B access unit as MP4 sample data (parameter sets and AUDs dropped:
    they live in the avcC)."""
    out = bytearray()
    for unit in annexb_units(data):
        if unit[0] & 0x1F in (SPS, PPS, AUD):
            continue
        out += len(unit).to_bytes(length_size, "big") + unit
    return bytes(out)


def has_idr(data: bytes, length_size: int = 4) -> bool:
    """Whether a length-prefixed access unit holds an IDR slice: decoding may start there even
    where the container did not flag it (packaged segments flag only their first IDR)."""
    pos = 0
    while pos + length_size < len(data):
        size = int.from_bytes(data[pos : pos + length_size], "big")
        if data[pos + length_size] & 0x1F == IDR:
            return True
        pos += length_size + size
    return False
