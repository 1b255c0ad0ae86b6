"""Photo evidence (处置照片): accepted by content, re-encoded without EXIF, stored by hash.

Pillow decides whether the bytes are JPEG or PNG; the file name and MIME type the client sent
are never trusted. The image size is checked from the header before any pixel is decoded
(decompression bombs), the pixels are re-encoded with no metadata at all (EXIF with GPS, XMP,
comments, text chunks), and the result is written atomically to
``<data_dir>/media/<sha256 of the stored bytes>.<jpg|png>`` — the same photo twice is one file.
A route is one line: ``ref = store_photo(await upload.read(MAX_BYTES + 1), settings.data_dir)``.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps

from gridops.datadir import private_dir
from gridops.errors import UserError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; Pillow's own bomb limit is higher
JPEG_QUALITY = 90
_KINDS: dict[str, Literal["jpeg", "png"]] = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png"}
_EXT = {"jpeg": "jpg", "png": "png"}


class MediaError(UserError):
    """An upload that is not a usable JPEG/PNG photo; the message says why."""


@dataclass(frozen=True)
class MediaRef:
    """A stored photo: content hash (the file name), kind, stored size and pixel size."""

    sha256: str
    kind: Literal["jpeg", "png"]
    bytes: int
    width: int
    height: int

    @property
    def filename(self) -> str:
        """``<sha256>.<jpg|png>`` under ``<data_dir>/media``."""
        return f"{self.sha256}.{_EXT[self.kind]}"


def media_dir(data_dir: Path) -> Path:
    """Where photos live."""
    return Path(data_dir) / "media"


def clean_photo(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> tuple[bytes, Literal["jpeg", "png"], int, int]:
    """Decode ``data`` as JPEG or PNG and re-encode it without metadata: (bytes, kind, w, h)."""
    if len(data) > max_bytes:
        raise MediaError(f"photo is {len(data)} bytes; at most {max_bytes} allowed")
    if not data:
        raise MediaError("photo is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["JPEG", "PNG"])
            kind = _KINDS.get(image.format or "")
            if kind is None:
                raise MediaError(f"photo must be JPEG or PNG, got {image.format}")
            width, height = image.size
            if width * height > max_pixels:
                raise MediaError(
                    f"photo is {width}x{height} pixels; at most {max_pixels} pixels allowed"
                )
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep the picture upright, then drop EXIF
    except MediaError:
        raise
    except Exception as exc:  # any decoder failure on untrusted bytes is a bad upload
        raise MediaError(
            f"photo is not a readable JPEG or PNG image ({type(exc).__name__})"
        ) from None
    return _encode(upright, kind), kind, upright.width, upright.height


def _encode(image: Image.Image, kind: Literal["jpeg", "png"]) -> bytes:
    """Pixels only: every metadata entry is dropped except PNG palette transparency."""
    transparency = image.info.get("transparency") if kind == "png" else None
    image.info.clear()
    out = io.BytesIO()
    if kind == "jpeg":
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY)
    else:
        extra = {"transparency": transparency} if transparency is not None else {}
        image.save(out, "PNG", **extra)
    return out.getvalue()


def store_photo(
    data: bytes, data_dir: Path, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> MediaRef:
    """Check, clean and store a photo; an identical photo already stored is reused."""
    clean, kind, width, height = clean_photo(data, max_bytes=max_bytes, max_pixels=max_pixels)
    digest = hashlib.sha256(clean).hexdigest()
    ref = MediaRef(digest, kind, len(clean), width, height)
    folder = private_dir(media_dir(data_dir))
    target = folder / ref.filename
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(clean)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return ref
