"""Pictures made with Pillow for the media tests: real files of each kind, and bad ones."""

import functools
import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><secret>where I live</secret></x:xmpmeta>'


def gradient(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Not a flat colour, so that encoders and the blurhash have something to do."""
    image = Image.linear_gradient("L").resize((width, height))
    if mode == "L":
        return image
    other = Image.linear_gradient("L").rotate(90).resize((width, height))
    rgb = Image.merge("RGB", (image, other, Image.new("L", (width, height), 128)))
    return rgb.convert(mode) if mode != "RGB" else rgb


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_gps(width: int = 800, height: int = 600, orientation: int = 1) -> bytes:
    """A JPEG carrying GPS coordinates, a camera make, an orientation, XMP and a comment."""
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)}
    return encode(
        gradient(width, height),
        "JPEG",
        exif=exif.tobytes(),
        xmp=XMP,
        comment=b"taken at home",
        quality=90,
    )


def png(width: int = 300, height: int = 200, mode: str = "RGBA") -> bytes:
    return encode(gradient(width, height, mode), "PNG")


def webp(width: int = 300, height: int = 200) -> bytes:
    return encode(gradient(width, height), "WEBP", exif=Image.Exif().tobytes())


def animated_gif(width: int = 120, height: int = 80, frames: int = 3) -> bytes:
    images = [Image.new("RGB", (width, height), (60 * i, 0, 255 - 60 * i)) for i in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=100)


def truncated_jpeg() -> bytes:
    whole = jpeg_with_gps()
    return whole[: len(whole) // 2]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def bomb_png(side: int = 50_000) -> bytes:
    """A real 1-bit PNG of side x side pixels (2.5 gigapixels at 50000): all zeros, so it
    compresses to a few hundred kilobytes, and decoding it would need gigabytes."""
    row = bytes(1 + (side + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)
TEXT = b"this is not a picture\n"
