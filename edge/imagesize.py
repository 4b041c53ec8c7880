"""How many pixels an encoded image holds, read from its header, and the one pixel limit the runner applies.

A few hundred KB of PNG can declare 30000x30000 pixels and decode to gigabytes (a "decompression bomb"):
on a Raspberry Pi the process is killed. So every picture the runner decodes — files and folders for
`edge detect` and `edge run`, uploads to the web page — is measured here from its header first and
refused above `MAX_PIXELS`; videos and streams are measured from the size the capture announces when it
opens. A file whose size cannot be read from its header is not decoded at all.
"""
from __future__ import annotations

import mmap
import re
import struct
from pathlib import Path
from typing import Union

# A 12 MP phone photo (4032x3024) and a 24 MP one (6000x4000) fit; decoded as BGR this is at most 120 MB
MAX_PIXELS = 40_000_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FORMATS = "PNG, JPEG, WebP, BMP, TIFF, GIF or PNM"  # what `encoded_size` reads (for messages)

Buffer = Union[bytes, bytearray, mmap.mmap]
Size = tuple[int, int]  # (width, height)


class ImageTooLarge(ValueError):
    """An image over the pixel limit; the message is one line naming it and its size."""


def encoded_size(data: Buffer) -> Size | None:
    """(width, height) from a PNG, JPEG, WebP, BMP, TIFF (or BigTIFF), GIF or PNM/PAM header, without decoding.

    None for any other format and for a header cut too short to tell: such data is not decoded.
    """
    head = bytes(data[:32])
    try:
        if head.startswith(PNG_MAGIC) and head[12:16] == b"IHDR":
            return struct.unpack_from(">II", head, 16)
        if head.startswith(b"\xff\xd8"):
            return _jpeg_size(data)
        if head.startswith(b"BM"):  # a negative height is top-down; the old 12-byte core header has 16-bit sides
            core = struct.unpack_from("<I", head, 14)[0] == 12
            width, height = struct.unpack_from("<hh" if core else "<ii", head, 18)
            return abs(width), abs(height)
        if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
            return _webp_size(head)
        if head[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
            return _tiff_size(data)
        if head[:6] in (b"GIF87a", b"GIF89a"):  # the logical screen every frame is drawn on
            return struct.unpack_from("<HH", head, 6)
        if re.match(rb"P[1-7]\s", head):
            return _pnm_size(bytes(data[:4096]))
    except (struct.error, ValueError, IndexError):
        return None
    return None


def _jpeg_size(data: Buffer) -> Size | None:
    """From the frame header (SOF0..SOF15 but DHT, JPG and DAC), walking the segments before it."""
    i = 2
    while i + 9 <= len(data):
        if data[i] != 0xFF:  # bytes between segments: the decoder skips to the next marker, and so do we
            i = data.find(b"\xff", i)
            if i < 0:
                return None
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
        elif marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header: not a picture
            return None
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            i += 2
        elif 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        else:
            i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    return None


def _webp_size(head: bytes) -> Size | None:
    """From the first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended: the canvas of all frames)."""
    chunk = head[12:16]
    if chunk == b"VP8 ":  # 14-bit sides after the frame tag and the 9d 01 2a start code
        width, height = struct.unpack_from("<HH", head, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":  # 14-bit sides minus one, packed after the 0x2f signature
        bits = struct.unpack_from("<I", head, 21)[0]
        return (bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1
    if chunk == b"VP8X" and len(head) >= 30:  # 24-bit sides minus one after flags and reserved bytes
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    return None


def _tiff_size(data: Buffer) -> Size | None:
    """ImageWidth (256) and ImageLength (257) of the first IFD, the page OpenCV decodes (TIFF or BigTIFF)."""
    order = "<" if data[:2] == b"II" else ">"
    big = struct.unpack_from(order + "H", data, 2)[0] == 43  # BigTIFF: 64-bit offsets and counts
    count_fmt, entry_size, value_at = ("Q", 20, 12) if big else ("H", 12, 8)
    ifd = struct.unpack_from(order + ("Q" if big else "I"), data, 8 if big else 4)[0]
    count = struct.unpack_from(order + count_fmt, data, ifd)[0]
    first = ifd + struct.calcsize(count_fmt)
    sides = {}
    for entry in range(first, min(first + entry_size * count, len(data) - entry_size + 1), entry_size):
        tag, kind = struct.unpack_from(order + "HH", data, entry)
        value = {3: "H", 4: "I", 16: "Q"}.get(kind)  # SHORT, LONG, LONG8: left-aligned in the value field
        if tag in (256, 257) and value:
            sides[tag] = struct.unpack_from(order + value, data, entry + value_at)[0]
    return (sides[256], sides[257]) if len(sides) == 2 else None


def _pnm_size(head: bytes) -> Size | None:
    """PBM/PGM/PPM (P1-P6): the first two numbers after the magic, comments skipped; PAM (P7): WIDTH and HEIGHT."""
    if head[1:2] == b"7":
        width, height = re.search(rb"\bWIDTH\s+(\d+)", head), re.search(rb"\bHEIGHT\s+(\d+)", head)
        return (int(width[1]), int(height[1])) if width and height else None
    numbers = re.match(rb"P[1-6](?:\s+|#[^\n]*\n)*(\d+)(?:\s+|#[^\n]*\n)+(\d+)", head)
    return (int(numbers[1]), int(numbers[2])) if numbers else None


def file_size(path: str | Path) -> Size | None:
    """`encoded_size` of a file, mapped rather than read: a TIFF may keep its header at the end of the file.

    None for an empty file or one of an unknown format; OSError when it cannot be opened.
    """
    with open(path, "rb") as file:
        try:
            view = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            return None
        with view:
            return encoded_size(view)


def check(name: str, width: int, height: int, max_pixels: int = MAX_PIXELS) -> None:
    """ImageTooLarge when width x height is over `max_pixels`."""
    if width * height > max_pixels:
        raise ImageTooLarge(f"{name}: {width}x{height} pixels ({width * height / 1e6:.1f} megapixels) is over "
                            f"the limit of {max_pixels / 1e6:g} megapixels")
