"""Hazard photos: a real-image check, a re-encode that drops every metadata block, and
storage outside the static folder under random names.

Pillow decides what the bytes are (never the file name or Content-Type): ``verify()`` on
a first open, a format whitelist, then a second open that is re-encoded as JPEG without
``exif=``/``xmp=`` and with ``im.info`` cleared (Pillow would otherwise carry the JPEG
comment over).  The browser already downscales to JPEG; this is the server's guarantee.
"""

from __future__ import annotations

import io
import logging
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from rentals.errors import InvalidInput

log = logging.getLogger(__name__)

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


def write_files(image: CleanImage, *, session: Session) -> str:
    """Store the photo and its thumbnail under a fresh random name; returns the name.

    The files belong to ``session``'s transaction: if it is rolled back (a refused
    submit: validation error, conflict, any 4xx), they are deleted with the rows, so a
    refused submit leaves no file on disk.
    """
    name = secrets.token_hex(16)
    folder = photo_dir()
    paths = [folder / f"{name}.jpg", folder / f"{name}-t.jpg"]
    _track(session).extend(paths)
    paths[0].write_bytes(image.jpeg)
    paths[1].write_bytes(image.thumb)
    return name


def _track(session: Session) -> list[Path]:
    """The files written in ``session``'s open transaction (listeners added once)."""
    if _PENDING not in session.info:
        session.info[_PENDING] = []
        event.listen(session, "after_commit", _kept)
        event.listen(session, "after_rollback", _discarded)
    pending: list[Path] = session.info[_PENDING]
    return pending


#: session.info key of the photo files written since the last commit or rollback.
_PENDING = "rentals.photo_files"


def _kept(session: Session) -> None:
    # A savepoint's commit is not the transaction's: wait for the outermost one.
    if not session.in_nested_transaction():
        session.info[_PENDING].clear()


def _discarded(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back (a lost insert race): the photos' rows remain
    pending: list[Path] = session.info[_PENDING]
    for path in pending:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove photo file %s of a rolled-back submit", path.name)
    pending.clear()


def file_path(filename: str, *, thumb: bool = False) -> Path:
    return photo_dir() / f"{filename}{'-t' if thumb else ''}.jpg"
