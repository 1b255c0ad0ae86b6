"""Photos: content decides the type, EXIF/GPS is gone, bombs are refused, one file per photo."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from gridops.errors import UserError
from gridops.web.media import MediaError, MediaRef, clean_photo, media_dir, store_photo

GPS_IFD = 0x8825


def jpeg_with_gps(orientation: int = 1) -> bytes:
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 12.0, 30.0), 3: "E", 4: (121.0, 35.0, 1.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "王小明 13812345678")
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N"})
    Image.new("RGBA", (16, 16), (0, 0, 255, 128)).save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


def test_jpeg_is_stored_without_exif_gps_or_comment(tmp_path: Path) -> None:
    data = jpeg_with_gps()
    assert b"Exif" in data and b"PhoneMaker" in data
    ref = store_photo(data, tmp_path)
    stored = (media_dir(tmp_path) / ref.filename).read_bytes()
    assert ref.kind == "jpeg" and ref.filename.endswith(".jpg") and ref.bytes == len(stored)
    assert b"Exif" not in stored and b"PhoneMaker" not in stored and b"secret" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and (image.width, image.height) == (40, 20)
        assert not image.getexif() and "comment" not in image.info


def test_exif_orientation_is_applied_before_it_is_dropped(tmp_path: Path) -> None:
    ref = store_photo(jpeg_with_gps(orientation=6), tmp_path)  # rotate 90°
    assert (ref.width, ref.height) == (20, 40)


def test_png_text_and_exif_are_dropped_alpha_kept(tmp_path: Path) -> None:
    data = png_with_text()
    assert b"Author" in data and b"eXIf" in data
    ref = store_photo(data, tmp_path)
    stored = (media_dir(tmp_path) / ref.filename).read_bytes()
    assert ref.kind == "png" and b"Author" not in stored and b"eXIf" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0)) == (0, 0, 255, 128)


def test_same_photo_twice_is_one_file(tmp_path: Path) -> None:
    data = jpeg_with_gps()
    first, second = store_photo(data, tmp_path), store_photo(data, tmp_path)
    assert first == second
    assert [p.name for p in media_dir(tmp_path).iterdir()] == [first.filename]


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP", "TIFF"])
def test_other_image_formats_are_refused_by_content(fmt: str, tmp_path: Path) -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, fmt)
    with pytest.raises(MediaError, match="not a readable JPEG or PNG"):
        store_photo(out.getvalue(), tmp_path)
    assert not media_dir(tmp_path).exists() or not any(media_dir(tmp_path).iterdir())


def test_size_limits_and_bombs(tmp_path: Path) -> None:
    data = jpeg_with_gps()
    with pytest.raises(MediaError, match=f"photo is {len(data)} bytes; at most 100 allowed"):
        store_photo(data, tmp_path, max_bytes=100)
    with pytest.raises(MediaError, match="photo is 40x20 pixels; at most 500 pixels"):
        store_photo(data, tmp_path, max_pixels=500)
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")  # 64 megapixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    with pytest.raises(MediaError, match="8000x8000 pixels"):
        store_photo(out.getvalue(), tmp_path)
    with pytest.raises(MediaError, match="empty"):
        store_photo(b"", tmp_path)


def test_truncated_and_garbage_are_refused_as_user_errors(tmp_path: Path) -> None:
    data = jpeg_with_gps()
    for bad in (data[: len(data) // 2], b"GIF89a not really", b"\x89PNG\r\n\x1a\n" + b"\0" * 40):
        with pytest.raises(UserError):
            clean_photo(bad)


@settings(max_examples=50)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_anything_but_media_error(data: bytes) -> None:
    with contextlib.suppress(MediaError):
        clean_photo(jpeg_with_gps()[:20] + data)


def test_media_ref_filename() -> None:
    assert MediaRef("ab" * 32, "png", 1, 1, 1).filename == "ab" * 32 + ".png"
