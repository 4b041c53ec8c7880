"""Picture sizes from headers alone, for every format the runner decodes, and the one pixel limit."""
from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest

from edge import imagesize
from edge.imagesize import ImageTooLarge, check, encoded_size, file_size


def bmp_header(width: int, height: int) -> bytes:
    """File header and BITMAPINFOHEADER claiming width x height (negative height: top-down rows)."""
    return b"BM" + struct.pack("<IHHI", 54, 0, 0, 54) + struct.pack("<IiiHH", 40, width, height, 1, 24)


def webp_header(chunk: bytes, width: int, height: int) -> bytes:
    """A RIFF/WEBP file whose first chunk (VP8, VP8L or VP8X) claims width x height."""
    payload = {
        b"VP8 ": b"\x10\x02\x00\x9d\x01\x2a" + struct.pack("<HH", width, height),
        b"VP8L": b"\x2f" + struct.pack("<I", (width - 1) | (height - 1) << 14),
        b"VP8X": bytes(4) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little"),
    }[chunk]
    return b"RIFF" + struct.pack("<I", 12 + len(payload)) + b"WEBP" + chunk + struct.pack("<I", len(payload)) + payload


def tiff_header(width: int, height: int, order: str = "<", kind: int = 4) -> bytes:
    """A TIFF whose first IFD has ImageWidth and ImageLength as SHORT (3) or LONG (4) values."""
    value = order + ("HH" if kind == 3 else "I")
    entries = b"".join(struct.pack(order + "HHI", tag, kind, 1) + struct.pack(value, side, *[0] * (kind == 3))
                       for tag, side in ((256, width), (257, height)))
    return (b"II*\0" if order == "<" else b"MM\0*") + struct.pack(order + "IH", 8, 2) + entries + bytes(4)


def bigtiff_header(width: int, height: int) -> bytes:
    """A little-endian BigTIFF whose first IFD (after a gap, as writers leave) has the sides as LONG8 values."""
    entries = b"".join(struct.pack("<HHQQ", tag, 16, 1, side) for tag, side in ((256, width), (257, height)))
    return b"II+\0" + struct.pack("<HHQ", 8, 0, 64) + bytes(48) + struct.pack("<Q", 2) + entries + bytes(8)


def jpeg_with(segments: bytes, image: np.ndarray) -> bytes:
    """A real JPEG of `image` with `segments` put in front of everything after its SOI marker."""
    data = cv2.imencode(".jpg", image)[1].tobytes()
    return data[:2] + segments + data[2:]


@pytest.mark.parametrize("ext, image, options", [
    (".png", np.zeros((45, 123), np.uint8), []), (".png", np.zeros((45, 123, 4), np.uint8), []),
    (".png", np.zeros((45, 123, 3), np.uint16), []), (".jpg", np.zeros((45, 123, 3), np.uint8), []),
    (".bmp", np.zeros((45, 123, 3), np.uint8), []), (".tiff", np.zeros((45, 123, 3), np.uint8), []),
    (".webp", np.zeros((45, 123, 3), np.uint8), [cv2.IMWRITE_WEBP_QUALITY, 80]),  # lossy: VP8
    (".webp", np.zeros((45, 123, 3), np.uint8), [cv2.IMWRITE_WEBP_QUALITY, 101]),  # lossless: VP8L
    (".webp", np.zeros((45, 123, 4), np.uint8), [cv2.IMWRITE_WEBP_QUALITY, 80]),  # lossy with alpha: VP8X
    (".gif", np.zeros((45, 123, 3), np.uint8), []), (".ppm", np.zeros((45, 123, 3), np.uint8), []),
    (".pgm", np.zeros((45, 123), np.uint8), []), (".pbm", np.zeros((45, 123), np.uint8), []),
    (".pam", np.zeros((45, 123, 3), np.uint8), []),
], ids=lambda v: v if isinstance(v, str) else None)
def test_every_format_opencv_writes_tells_its_size(ext, image, options):
    if not cv2.haveImageWriter("x" + ext):
        pytest.skip(f"OpenCV {cv2.__version__} cannot write {ext}")
    ok, encoded = cv2.imencode(ext, image, options)
    assert ok, f"this OpenCV cannot encode {ext}"
    assert encoded_size(encoded.tobytes()) == (123, 45)
    assert cv2.imdecode(encoded, cv2.IMREAD_COLOR).shape[:2] == (45, 123)  # and OpenCV reads what we measured


@pytest.mark.parametrize("header, side", [
    (bmp_header(20_000, 20_000), 20_000), (bmp_header(20_000, -20_000), 20_000),
    (webp_header(b"VP8 ", 16_000, 16_000), 16_000),  # VP8 and VP8L sides stop at 16383
    (webp_header(b"VP8L", 16_000, 16_000), 16_000), (webp_header(b"VP8X", 20_000, 20_000), 20_000),
    (tiff_header(20_000, 20_000), 20_000), (tiff_header(20_000, 20_000, ">"), 20_000),
    (tiff_header(20_000, 20_000, "<", kind=3), 20_000), (tiff_header(20_000, 20_000, ">", kind=3), 20_000),
    (bigtiff_header(300_000, 300_000), 300_000),
    (b"GIF89a" + struct.pack("<HH", 65_535, 65_535) + bytes(3), 65_535),
    (b"P6\n# a comment\n# and another\n30000 30000\n255\n", 30_000),
    (b"P7\nWIDTH 30000\nHEIGHT 30000\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n", 30_000),
], ids=["bmp", "bmp-top-down", "webp-vp8", "webp-vp8l", "webp-vp8x", "tiff-le", "tiff-be", "tiff-le-short",
        "tiff-be-short", "bigtiff", "gif", "pnm-comments", "pam"])
def test_a_bombs_header_tells_its_size_in_every_format(header, side):
    assert encoded_size(header) == (side, side)


def test_a_bomb_png_header_tells_its_size(png_header):
    assert encoded_size(png_header(30_000, 30_000)) == (30_000, 30_000)


def test_jpeg_frame_header_is_found_behind_exif_and_stray_bytes():
    exif = b"Exif\0\0" + bytes(70_000 - 8)  # a long APP1 segment before the frame header, as phones write
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 60_000) + exif[:60_000]
    image = np.zeros((45, 123, 3), np.uint8)
    assert encoded_size(jpeg_with(app1, image)) == (123, 45)
    assert encoded_size(jpeg_with(app1 + b"\0\0junk" + b"\xff\xff", image)) == (123, 45)  # skipped like libjpeg does
    assert encoded_size(b"\xff\xd8\xff\xda\0\x08" + bytes(20)) is None  # scan data before any frame header


def test_unknown_and_truncated_headers_tell_nothing(png_header):
    for data in (b"", b"GIF89a", b"this is not a picture", png_header(5, 5)[:20], bmp_header(5, 5)[:20],
                 webp_header(b"VP8X", 5, 5)[:26], tiff_header(5, 5)[:20], b"II*\0" + struct.pack("<I", 10_000),
                 b"\xff\xd8\xff\xe0 truncated jpeg", b"P6\n# no numbers\n", b"P7\nWIDTH 5\n",
                 b"\x59\xa6\x6a\x95" + struct.pack(">II", 30_000, 30_000)):  # Sun raster: OpenCV reads it, we do not
        assert encoded_size(data) is None, data


def test_file_size_reads_the_header_of_a_file(tmp_path, png_header):
    (tmp_path / "bomb.png").write_bytes(png_header(30_000, 30_000))
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "tail.tif").write_bytes(bigtiff_header(7, 9))
    assert file_size(tmp_path / "bomb.png") == (30_000, 30_000)
    assert file_size(tmp_path / "tail.tif") == (7, 9)
    assert file_size(tmp_path / "empty.png") is None
    with pytest.raises(OSError):
        file_size(tmp_path / "missing.png")


def test_the_limit_takes_phone_photos_and_names_what_it_refuses():
    check("phone.jpg", 4032, 3024)  # a 12 MP phone photo, and a 24 MP one, pass the default
    check("phone.jpg", 6000, 4000)
    assert imagesize.MAX_PIXELS < 30_000 * 30_000 // 20
    with pytest.raises(ImageTooLarge, match=r"^bomb.png: 30000x30000 pixels \(900.0 megapixels\) is over the limit "
                                            r"of 40 megapixels$"):
        check("bomb.png", 30_000, 30_000)
    check("bomb.png", 30_000, 30_000, max_pixels=900_000_000)  # a raised limit lets it through
