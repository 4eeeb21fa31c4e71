"""Uploads (issue 9): every metadata block removed (XMP in JPEG and PNG, EXIF in PNG), file
names never used on disk, and decompression bombs refused with a 4xx."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin
from sqlmodel import select

from rentals.errors import InvalidInput
from rentals.inspections.models import Photo, PhotoBlob
from rentals.inspections.photos import MAX_PIXELS, clean_image
from tests.conftest import csrf_token
from tests.inspections.helpers import all_answers, checklist_data, form_fields

#: A GPS position and a phone number inside the XMP packet: neither may survive.
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" exif:GPSLatitude="29,39.1234N" '
    b'exif:GPSLongitude="91,7.5678E" dc:creator="tel 13900001111"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
SECRETS = (b"29,39.1234N", b"91,7.5678E", b"13900001111", b"PhoneMaker", b"xmpmeta")


def _picture() -> Image.Image:
    return Image.new("RGB", (80, 60), (30, 120, 200))


def jpeg_with_xmp() -> bytes:
    buf = io.BytesIO()
    _picture().save(buf, "JPEG", xmp=XMP)
    return buf.getvalue()


def png_with_metadata(*, xmp: bool = True, exif: bool = True) -> bytes:
    info = PngImagePlugin.PngInfo()
    if xmp:
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    kwargs: dict[str, Any] = {"pnginfo": info}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"
        data.get_ifd(0x8825).update({1: "N", 2: (29.0, 39.0, 0.0), 3: "E", 4: (91.0, 7.0, 0.0)})
        kwargs["exif"] = data
    buf = io.BytesIO()
    _picture().save(buf, "PNG", **kwargs)
    return buf.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of ``width`` x ``height`` white pixels: a few KB that decode to
    width*height bytes (and three times that as RGB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def _clean_of_everything(out: bytes) -> None:
    for secret in SECRETS:
        assert secret not in out, secret
    with Image.open(io.BytesIO(out)) as after:
        assert after.format == "JPEG"
        assert not {"xmp", "XML:com.adobe.xmp", "exif", "comment"} & set(after.info)
        assert not after.getexif()
    # No APP1 (EXIF/XMP) or COM segment at all in the re-encoded file.
    assert b"\xff\xe1" not in out.split(b"\xff\xda", 1)[0]
    assert b"\xff\xfe" not in out.split(b"\xff\xda", 1)[0]


def test_xmp_is_removed_from_a_jpeg():
    raw = jpeg_with_xmp()
    assert b"29,39.1234N" in raw and b"\xff\xe1" in raw
    cleaned = clean_image(raw)
    _clean_of_everything(cleaned.jpeg)
    _clean_of_everything(cleaned.thumb)


def test_xmp_is_removed_from_a_png():
    raw = png_with_metadata(exif=False)
    with Image.open(io.BytesIO(raw)) as before:
        before.load()
        assert "XML:com.adobe.xmp" in before.info
    cleaned = clean_image(raw)
    _clean_of_everything(cleaned.jpeg)
    _clean_of_everything(cleaned.thumb)


def test_exif_is_removed_from_a_png():
    raw = png_with_metadata(xmp=False)
    with Image.open(io.BytesIO(raw)) as before:
        before.load()
        assert before.getexif().get(0x010F) == "PhoneMaker"
    cleaned = clean_image(raw)
    _clean_of_everything(cleaned.jpeg)
    _clean_of_everything(cleaned.thumb)


@pytest.mark.parametrize(
    "size",
    [
        (20_000, 20_000),  # past Pillow's own error threshold
        (10_000, 10_000),  # Pillow only warns here (89-179 Mpx)
        (8_000, 8_000),  # under Pillow's limits, over ours
    ],
)
def test_decompression_bomb_is_refused(size):
    width, height = size
    assert width * height > MAX_PIXELS
    with pytest.raises(InvalidInput):
        clean_image(bomb_png(width, height))


def test_a_large_but_reasonable_photo_is_kept():
    cleaned = clean_image(bomb_png(4000, 3000))
    assert max(cleaned.width, cleaned.height) == 1600


def _photo_files(session) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The stored photo bytes (name, variant): the database is their only home."""
    return set(session.exec(select(PhotoBlob.name, PhotoBlob.variant)).all())


def _everything_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _upload(client, unit, data, *, name, key="k1", item="F1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/inspections/photos",
        data={
            "csrf_token": csrf_token(client, "/inspect"),
            "unit": unit.code,
            "key": key,
            "inspection_key": "draft-x",
            "item": item,
            "photo": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("name", "item"),
    [
        ("../../etc/passwd.jpg", "../F1"),
        ("..\\..\\x.png", "F1"),
        ("/tmp/abs.jpg", "F1/../../x"),
    ],
)
def test_file_names_are_never_used_on_disk(login_as, world, session, client, app, name, item):
    root = Path(app.instance_path).parent
    before = _everything_under(root)
    login_as("inspector_a")
    data = png_with_metadata() if name.endswith(".png") else jpeg_with_xmp()
    answer = _upload(client, world.unit_a, data, name=name, key="k-1", item=item)
    assert answer.status_code == 201
    session.expire_all()
    row = session.exec(select(Photo).where(Photo.key == "k-1")).one()
    assert re.fullmatch(r"[0-9a-f]{32}", row.filename)
    # Exactly the photo and its thumbnail, in the database under a random name; no file.
    assert _everything_under(root) == before
    assert _photo_files(session) == {(row.filename, "full"), (row.filename, "thumb")}
    served = client.get(answer.json["url"])
    assert served.status_code == 200
    for secret in SECRETS:
        assert secret not in served.data


@pytest.mark.parametrize("key", ["../../etc/passwd", "..\\x", "a/b", "k 1", "%2e%2e"])
def test_photo_keys_with_path_characters_are_refused(login_as, world, session, client, app, key):
    root = Path(app.instance_path).parent
    before = _everything_under(root)
    login_as("inspector_a")
    answer = _upload(client, world.unit_a, jpeg_with_xmp(), name="ok.jpg", key=key)
    assert answer.status_code == 422
    session.expire_all()
    assert session.exec(select(Photo).where(Photo.unit_id == world.unit_a.id)).all() == []
    assert _everything_under(root) == before


def test_bomb_upload_answers_422_and_stores_nothing(login_as, world, session, client, app):
    login_as("inspector_a")
    before = _photo_files(session)
    answer = _upload(client, world.unit_a, bomb_png(20_000, 20_000), name="big.png")
    assert answer.status_code == 422
    assert answer.json["status"] == "invalid"
    session.expire_all()
    assert session.exec(select(Photo).where(Photo.unit_id == world.unit_a.id)).all() == []
    assert _photo_files(session) == before


def test_bomb_in_the_no_js_checklist_form_is_a_4xx(login_as, world, session, client, app):
    login_as("inspector_a")
    html = client.get(f"/units/{world.unit_a.code}/inspect").get_data(as_text=True)
    data = checklist_data(form_fields(html), all_answers())
    data["p_F1"] = (io.BytesIO(bomb_png(10_000, 10_000)), "../../big.png")
    answer = client.post(
        f"/units/{world.unit_a.code}/inspect", data=data, content_type="multipart/form-data"
    )
    assert 400 <= answer.status_code < 500
    assert "照片" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.exec(select(Photo).where(Photo.unit_id == world.unit_a.id)).all() == []
