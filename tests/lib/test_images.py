"""Picture processing on bytes alone: sniffing, limits, full decoding, orientation, metadata
stripping, previews and blurhashes."""

import io

import blurhash
import pytest
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from myna.lib import images
from myna.lib.errors import ValidationFailed
from tests import pictures


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def refused(data: bytes, limits: images.Limits = images.Limits()) -> str:
    with pytest.raises(ValidationFailed) as caught:
        images.process(data, limits)
    return caught.value.message


def test_sniffing_reads_bytes_not_names() -> None:
    assert images.sniff(pictures.jpeg_with_gps()) == "JPEG"
    assert images.sniff(pictures.png()) == "PNG"
    assert images.sniff(pictures.animated_gif()) == "GIF"
    assert images.sniff(pictures.webp()) == "WEBP"
    for other in (pictures.SVG, pictures.TEXT, b"", b"RIFF\x00\x00\x00\x00WAVE", b"BM\x00\x00"):
        assert images.sniff(other) is None


def test_limits_bytes_then_pixels_before_decoding() -> None:
    data = pictures.png(100, 100)
    assert refused(data, images.Limits(max_bytes=len(data) - 1)) == images.TOO_LARGE
    assert images.process(data, images.Limits(max_bytes=len(data))).original.width == 100
    assert refused(data, images.Limits(max_pixels=9_999)) == images.TOO_MANY_PIXELS
    assert images.process(data, images.Limits(max_pixels=10_000)).original.height == 100
    # Beyond Pillow's own ceiling too (its DecompressionBombError becomes ours).
    assert refused(pictures.bomb_png()) == images.TOO_MANY_PIXELS


def test_unreadable_and_unsupported() -> None:
    assert refused(pictures.truncated_jpeg()) == images.UNREADABLE
    whole = pictures.png(400, 300)
    assert refused(whole[: len(whole) - 200]) == images.UNREADABLE
    assert refused(pictures.SVG) == images.NOT_SUPPORTED
    bmp = pictures.encode(pictures.gradient(10, 10), "BMP")
    assert refused(bmp) == images.NOT_SUPPORTED


@pytest.mark.parametrize(
    ("orientation", "size"), [(1, (400, 300)), (3, (400, 300)), (8, (300, 400))]
)
def test_exif_orientation_is_applied_then_dropped(orientation: int, size: tuple[int, int]) -> None:
    done = images.process(pictures.jpeg_with_gps(400, 300, orientation=orientation))
    stored = reopen(done.original.data)
    assert stored.size == size == (done.original.width, done.original.height)
    assert dict(stored.getexif()) == {}
    for secret in (b"SpyCam", b"where I live", b"taken at home", b"Exif"):
        assert secret not in done.original.data and secret not in done.preview.data


def test_png_and_webp_metadata_is_gone() -> None:
    text = PngInfo()
    text.add_text("Comment", "my address")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    png = pictures.encode(pictures.gradient(50, 40), "PNG", pnginfo=text, exif=exif.tobytes())
    webp = pictures.encode(pictures.gradient(50, 40), "WEBP", exif=exif.tobytes(), xmp=pictures.XMP)
    for data in (png, webp):
        assert b"SpyCam" in data
        done = images.process(data)
        assert b"SpyCam" not in done.original.data and b"my address" not in done.original.data
        assert b"where I live" not in done.original.data
        assert reopen(done.original.data).info.get("exif") is None


def test_colour_profile_is_baked_in_and_dropped() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for icc in (srgb, profile):
        data = pictures.encode(pictures.gradient(40, 30), "JPEG", icc_profile=icc)
        stored = reopen(images.process(data).original.data)
        assert "icc_profile" not in stored.info


@pytest.mark.parametrize(
    ("image", "fmt", "mode"),
    [
        pytest.param(Image.new("P", (30, 20)), "PNG", "RGB", id="palette"),
        pytest.param(Image.new("I;16", (30, 20), 40_000), "PNG", "L", id="16-bit-grey"),
        pytest.param(Image.new("1", (30, 20), 1), "PNG", "L", id="1-bit"),
        pytest.param(Image.new("LA", (30, 20), (100, 50)), "PNG", "RGBA", id="grey-alpha"),
        pytest.param(Image.new("CMYK", (30, 20), (0, 255, 0, 0)), "JPEG", "RGB", id="cmyk"),
        pytest.param(Image.new("L", (30, 20), 99), "JPEG", "L", id="grey-jpeg"),
    ],
)
def test_modes_become_l_rgb_or_rgba(image: Image.Image, fmt: str, mode: str) -> None:
    done = images.process(pictures.encode(image, fmt))
    assert reopen(done.original.data).mode == mode
    assert blurhash.is_valid_blurhash(done.blurhash)


def test_transparent_palette_keeps_its_alpha() -> None:
    image = Image.new("P", (20, 20), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.info["transparency"] = 0
    done = images.process(pictures.encode(image, "PNG", transparency=0))
    stored = reopen(done.original.data)
    assert stored.mode == "RGBA" and stored.getpixel((0, 0))[3] == 0


def test_animated_gif_keeps_its_first_frame_as_png() -> None:
    done = images.process(pictures.animated_gif(60, 40, frames=3))
    assert done.type == "image" and done.original.content_type == "image/png"
    stored = reopen(done.original.data)
    assert getattr(stored, "n_frames", 1) == 1
    assert stored.convert("RGB").getpixel((5, 5)) == (0, 0, 255)  # frame 0's colour


def test_preview_fits_640_keeping_aspect_and_blurhash_is_small_work() -> None:
    done = images.process(pictures.png(2000, 500))
    assert (done.preview.width, done.preview.height) == (640, 160)
    assert reopen(done.preview.data).size == (640, 160)
    assert blurhash.is_valid_blurhash(done.blurhash)
    assert len(done.blurhash) == 28  # 4 x 3 components
    tall = images.process(pictures.png(10, 3000))
    assert (tall.preview.width, tall.preview.height) == (2, 640)
