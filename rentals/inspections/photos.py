"""Hazard photos: a real-image check, a re-encode that drops every metadata block, and
storage in the database (``photo_blob``) under random names.

Pillow decides what the bytes are (never the file name or Content-Type): ``verify()`` on
a first open, a format whitelist, then a second open that is re-encoded as JPEG without
``exif=``/``xmp=`` and with ``im.info`` cleared (Pillow would otherwise carry the JPEG
comment over).  The browser already downscales to JPEG; this is the server's guarantee.

The bytes live in the database, not on a node's disk: every web node serves any photo,
``rentals backup`` carries them, and a refused submit rolls them back with its rows.
Serving (``photo_response``) is for the views that have already checked who may see the
photo; names are random and a name's bytes never change, so answers are cacheable.
"""

from __future__ import annotations

import io
import logging
import secrets
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, request
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rentals.errors import InvalidInput
from rentals.inspections.models import Photo, PhotoBlob

log = logging.getLogger(__name__)

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
#: Longest side kept; phone photos are larger than anyone needs to see a hazard.
MAX_SIDE = 1600
THUMB_SIDE = 240
#: Largest picture decoded (a 48-megapixel phone camera fits); a few KB of PNG can
#: declare far more, and decoding it would take gigabytes (a decompression bomb).
#: Below Pillow's own warning threshold (89 Mpx), so Pillow never gets to decide.
MAX_PIXELS = 50_000_000
FULL, THUMB = "full", "thumb"
#: Bytes read from the database per piece of a served photo.
CHUNK = 256 * 1024
#: Browsers keep a photo a day: its bytes never change (random name), but a user who
#: loses access to the unit should not keep seeing it for long on a shared phone.
CACHE_SECONDS = 24 * 3600


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


def write_files(image: CleanImage, *, session: Session) -> str:
    """Store the photo and its thumbnail under a fresh random name; returns the name.

    The bytes are rows of ``session``'s transaction: if it is rolled back (a refused
    submit: validation error, conflict, any 4xx), they go with the other rows.
    """
    name = secrets.token_hex(16)
    for variant, data in ((FULL, image.jpeg), (THUMB, image.thumb)):
        session.add(PhotoBlob(name=name, variant=variant, size=len(data), data=data))
    return name


def store_photo(
    session: Session,
    data: bytes,
    *,
    key: str,
    unit_id: int,
    uploaded_by: int | None,
    **fields: object,
) -> Photo:
    """Check and re-encode ``data`` and keep it as a ``Photo`` of the unit (flushed, so
    it has its id): the one way every upload (hazard, handover, fix proof, contest)
    becomes a photo. ``fields`` are the photo's other columns (``created_at``, the
    inspection it belongs to)."""
    image = clean_image(data)
    photo = Photo(
        key=key,
        unit_id=unit_id,
        filename=write_files(image, session=session),
        width=image.width,
        height=image.height,
        uploaded_by=uploaded_by,
        **fields,
    )
    session.add(photo)
    session.flush()
    return photo


def read_bytes(session: Session, filename: str, *, thumb: bool = False) -> bytes | None:
    """The stored JPEG (or its thumbnail), None for an unknown name."""
    blob = session.get(PhotoBlob, (filename, THUMB if thumb else FULL))
    return bytes(blob.data) if blob is not None else None


def photo_response(session: Session, filename: str, *, thumb: bool = False) -> Response | None:
    """The JPEG as an answer for a user already allowed to see it; None for an unknown
    name (the caller answers 404). Read in one query, or above ``CHUNK`` streamed in
    pieces; with an ETag (the name) and ``private, immutable``: a revalidation is a 304."""
    variant = THUMB if thumb else FULL
    size = session.execute(
        select(PhotoBlob.size).where(PhotoBlob.name == filename, PhotoBlob.variant == variant)
    ).scalar_one_or_none()
    if size is None:
        return None
    etag = f"{filename}-{variant}"
    headers = {"Cache-Control": f"private, max-age={CACHE_SECONDS}, immutable"}
    if etag in request.if_none_match:
        response = Response(status=304, headers=headers)
        response.set_etag(etag)
        return response
    if size <= CHUNK:  # a photo's usual size: one read in the request's session
        body: bytes | Iterator[bytes] = read_bytes(session, filename, thumb=thumb) or b""
    else:
        body = _chunks(filename, variant, size)
    response = Response(body, mimetype="image/jpeg", headers=headers)
    response.content_length = size
    response.set_etag(etag)
    return response


def _chunks(name: str, variant: str, size: int) -> Iterator[bytes]:
    """The bytes piece by piece, each read in a short session of its own: the request's
    unit of work (and its app context) has ended when a streamed body is sent."""
    factory = current_app.extensions["rentals.db"][1]

    def pieces() -> Iterator[bytes]:
        for offset in range(0, size, CHUNK):
            with factory() as session:
                piece = session.execute(
                    select(func.substr(PhotoBlob.data, offset + 1, CHUNK)).where(
                        PhotoBlob.name == name, PhotoBlob.variant == variant
                    )
                ).scalar_one_or_none()
            if not piece:
                return
            yield bytes(piece)

    return pieces()


def legacy_dir(instance_path: str | Path) -> Path:
    """Where photos were kept before they moved into the database (``instance/photos``)."""
    return Path(instance_path) / "photos"
