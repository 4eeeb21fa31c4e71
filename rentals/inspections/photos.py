"""Hazard photos: a real-image check, a re-encode that drops every metadata block, and
storage outside the static folder under random names.

Pillow decides what the bytes are (never the file name or Content-Type): ``verify()`` on
a first open, a format whitelist, then a second open that is re-encoded as JPEG without
``exif=``/``xmp=`` and with ``im.info`` cleared (Pillow would otherwise carry the JPEG
comment over).  The browser already downscales to JPEG; this is the server's guarantee.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from rentals.errors import InvalidInput

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
#: Longest side kept; phone photos are larger than anyone needs to see a hazard.
MAX_SIDE = 1600
THUMB_SIDE = 240
#: Largest picture decoded (a 48-megapixel phone camera fits); a few KB of PNG can
#: declare far more, and decoding it would take gigabytes (a decompression bomb).
#: Below Pillow's own warning threshold (89 Mpx), so Pillow never gets to decide.
MAX_PIXELS = 50_000_000


@dataclass(frozen=True)
class CleanImage:
    jpeg: bytes
    thumb: bytes
    width: int
    height: int


def clean_image(data: bytes) -> CleanImage:
    """Re-encoded JPEG and thumbnail of ``data``; InvalidInput when it is not a photo."""
    try:
        with warnings.catch_warnings():
            # Sizes Pillow only warns about are refused below (MAX_PIXELS is lower).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                size = probe.size
                if size[0] * size[1] > MAX_PIXELS:
                    raise InvalidInput(_l("照片的像素太多，请换一张照片。"), field="photo")
                probe.verify()
        if fmt not in ALLOWED_FORMATS:
            raise InvalidInput(_l("只能上传 JPEG、PNG 或 WEBP 格式的照片。"), field="photo")
        with Image.open(io.BytesIO(data)) as im:
            if im.size != size:
                raise InvalidInput(_l("上传的文件不是有效的照片。"), field="photo")
            im.load()
            upright = ImageOps.exif_transpose(im)
            picture = upright.convert("RGB")
    except Image.DecompressionBombError:
        raise InvalidInput(_l("照片的像素太多，请换一张照片。"), field="photo") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidInput(_l("上传的文件不是有效的照片。"), field="photo") from None
    picture.info.clear()
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    full = io.BytesIO()
    picture.save(full, "JPEG", quality=82, optimize=True)
    thumb_im = picture.copy()
    thumb_im.info.clear()
    thumb_im.thumbnail((THUMB_SIDE, THUMB_SIDE))
    thumb = io.BytesIO()
    thumb_im.save(thumb, "JPEG", quality=75)
    return CleanImage(full.getvalue(), thumb.getvalue(), picture.width, picture.height)


def photo_dir() -> Path:
    """instance/photos/: outside static, so only the checked route can serve a photo."""
    path = Path(current_app.instance_path) / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_files(image: CleanImage) -> str:
    """Store the photo and its thumbnail under a fresh random name; returns the name."""
    name = secrets.token_hex(16)
    folder = photo_dir()
    (folder / f"{name}.jpg").write_bytes(image.jpeg)
    (folder / f"{name}-t.jpg").write_bytes(image.thumb)
    return name


def file_path(filename: str, *, thumb: bool = False) -> Path:
    return photo_dir() / f"{filename}{'-t' if thumb else ''}.jpg"
