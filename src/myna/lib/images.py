"""Uploaded pictures, bytes in and bytes out: what they really are, whether they are
acceptable, and a clean copy of their pixels plus a preview and a blurhash.

Nothing of the upload is trusted: the type comes from the bytes (never the file name or the
declared content type), the size is checked from the header before a pixel is decoded, and
every pixel is decoded (a truncated file fails). What is stored is re-encoded from pixels only,
after the EXIF orientation is applied, so no metadata survives: EXIF (GPS included), XMP,
comments, ICC profiles (colours are converted to sRGB first).

Animated GIF and WebP keep their first frame only and are stored as a still `image` (Myna
does not transcode to video, so it has no `gifv`). A GIF is stored as PNG: one frame needs no
palette, and re-quantising would lose colours.

Profile pictures (`fit`) go through the same checks and cleaning, then are cropped to a fixed
size: an avatar is a square, a header a wide strip.

Pure and synchronous: callers run `process()` and `fit()` off the event loop
(asyncio.to_thread).
"""

import io
from dataclasses import dataclass

import blurhash
from PIL import Image, ImageCms, ImageOps

from myna.lib.errors import ValidationFailed

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
PREVIEW_SIZE = (640, 640)
BLURHASH_SIZE = (64, 64)  # the hash describes a few colour blobs: a tiny copy is plenty
BLURHASH_COMPONENTS = (4, 3)
JPEG_QUALITY = 90
PREVIEW_QUALITY = 80

# Pillow format name -> the MIME type clients see.
SUPPORTED = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
# What each accepted format is stored as: (Pillow format, MIME type, file extension).
STORED_AS = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "GIF": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
}
EXTENSIONS = {mime: ext for _fmt, mime, ext in STORED_AS.values()}

NOT_SUPPORTED = "Validation failed: File type is not supported"
TOO_LARGE = "Validation failed: File is too large"
TOO_MANY_PIXELS = "Validation failed: Image is too large (decompression bomb?)"
UNREADABLE = "Validation failed: File could not be read (truncated?)"


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class Encoded:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class Processed:
    type: str  # Mastodon's attachment type: always "image" here
    original: Encoded
    preview: Encoded
    blurhash: str


def sniff(data: bytes) -> str | None:
    """The Pillow format name of an accepted type, from the magic bytes alone."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def process(data: bytes, limits: Limits = Limits()) -> Processed:
    """Check and clean an upload; raises ValidationFailed with a message for the client."""
    kind, pixels = _load(data, limits)
    fmt, content_type, extension = STORED_AS[kind]
    original = _encode(pixels, fmt, content_type, extension, JPEG_QUALITY)
    small = pixels.copy()
    small.thumbnail(PREVIEW_SIZE, Image.Resampling.LANCZOS)
    preview = _encode(small, fmt, content_type, extension, PREVIEW_QUALITY)
    tiny = small.copy()
    tiny.thumbnail(BLURHASH_SIZE, Image.Resampling.BILINEAR)
    # blurhash.encode closes the image it is given: it gets its own copy.
    hashed = blurhash.encode(_flatten(tiny).convert("RGB"), *BLURHASH_COMPONENTS)
    return Processed(type="image", original=original, preview=preview, blurhash=hashed)


def fit(data: bytes, size: tuple[int, int], limits: Limits = Limits()) -> Encoded:
    """A profile picture: the upload checked and cleaned as `process` does, then scaled and
    centre-cropped to exactly `size` (smaller pictures are scaled up), like a CSS cover."""
    kind, pixels = _load(data, limits)
    fitted = ImageOps.fit(pixels, size, Image.Resampling.LANCZOS)
    fmt, content_type, extension = STORED_AS[kind]
    return _encode(fitted, fmt, content_type, extension, JPEG_QUALITY)


def _load(data: bytes, limits: Limits) -> tuple[str, Image.Image]:
    """The accepted format and the clean pixels of an upload, or ValidationFailed."""
    if len(data) > limits.max_bytes:
        raise ValidationFailed(TOO_LARGE)
    kind = sniff(data)
    if kind is None:
        raise ValidationFailed(NOT_SUPPORTED)
    image = _open(data, kind, limits)
    try:
        return kind, _decode(image)
    finally:
        image.close()


def _open(data: bytes, kind: str, limits: Limits) -> Image.Image:
    """Read the header only (Pillow decodes lazily) and check the size before any pixel."""
    try:
        # Pillow has its own, higher, limit: above it it warns (an error where warnings are
        # errors, as in the tests), above twice that it raises. Either way the answer is ours.
        # (warnings.catch_warnings would change process-wide state from a worker thread.)
        image = Image.open(io.BytesIO(data), formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed(TOO_MANY_PIXELS) from None
    except (OSError, SyntaxError, ValueError, EOFError):  # UnidentifiedImageError included
        raise ValidationFailed(UNREADABLE) from None
    width, height = image.size
    if width < 1 or height < 1:
        image.close()
        raise ValidationFailed(UNREADABLE)
    if width * height > limits.max_pixels:
        image.close()
        raise ValidationFailed(TOO_MANY_PIXELS)
    return image


def _decode(image: Image.Image) -> Image.Image:
    """Every pixel of the first frame, upright, in sRGB, with nothing else attached."""
    try:
        image.seek(0)
        image.load()
        upright = ImageOps.exif_transpose(image) or image
        icc = image.info.get("icc_profile")
        converted = _normalise_mode(upright)
        if icc and converted.mode in ("RGB", "RGBA"):
            converted = _to_srgb(converted, icc)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed(TOO_MANY_PIXELS) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError):
        # Pillow reports a cut-off or corrupt stream with any of these.
        raise ValidationFailed(UNREADABLE) from None
    # A fresh image from the raw pixels: no info dict, no EXIF, no XMP, no comment, no ICC.
    clean = Image.frombytes(converted.mode, converted.size, converted.tobytes())
    return clean


def _normalise_mode(image: Image.Image) -> Image.Image:
    """L, RGB or RGBA: what every output format can store without a palette or profile."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    if image.mode in ("L", "RGB"):
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I") or image.mode == "F":
        # 16- and 32-bit greyscale: scale into 8 bits rather than clip.
        return image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Bake an embedded colour profile into the pixels, since the profile itself is dropped."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, source, target, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unusable profile: keep the pixels as they are
    return converted if converted is not None else image


def _flatten(image: Image.Image) -> Image.Image:
    """Without alpha (on white), for JPEG and the blurhash; L and RGB stay as they are."""
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image if image.mode in ("L", "RGB") else image.convert("RGB")


def _encode(
    image: Image.Image, fmt: str, content_type: str, extension: str, quality: int
) -> Encoded:
    out = io.BytesIO()
    if fmt == "JPEG":
        _flatten(image).save(out, "JPEG", quality=quality, optimize=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=quality, method=4)
    else:
        image.save(out, "PNG", optimize=True)
    return Encoded(
        data=out.getvalue(),
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
    )
