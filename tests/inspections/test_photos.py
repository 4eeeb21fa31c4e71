"""Photos: a real-image check, metadata stripped, stored outside static, scoped access."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import select

from rentals.errors import InvalidInput
from rentals.inspections.models import Photo
from rentals.inspections.photos import clean_image
from tests.conftest import csrf_token
from tests.inspections.helpers import jpeg_bytes


def test_renamed_text_file_is_rejected():
    with pytest.raises(InvalidInput):
        clean_image(b"this is a text file named photo.jpg\n" * 10)


def test_gif_is_not_on_the_whitelist():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "GIF")
    with pytest.raises(InvalidInput):
        clean_image(buf.getvalue())


def test_gps_exif_and_jpeg_comment_are_gone():
    raw = jpeg_bytes(comment=b"tel 13800000000", gps=True)
    with Image.open(io.BytesIO(raw)) as before:
        assert before.getexif().get_ifd(0x8825) and b"13800000000" in raw
    cleaned = clean_image(raw)
    with Image.open(io.BytesIO(cleaned.jpeg)) as after:
        assert not after.getexif()
        assert "comment" not in after.info and "exif" not in after.info
    assert b"13800000000" not in cleaned.jpeg and b"PhoneMaker" not in cleaned.jpeg


def _upload(client, unit, data, key="p1", name="x.jpg"):  # type: ignore[no-untyped-def]
    return client.post(
        "/inspections/photos",
        data={
            "csrf_token": csrf_token(client, "/inspect"),
            "unit": unit.code,
            "key": key,
            "inspection_key": "draft-1",
            "item": "F1",
            "photo": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def test_upload_is_idempotent_and_served_only_in_scope(login_as, world, session, client, app):
    login_as("inspector_a")
    first = _upload(client, world.unit_a, jpeg_bytes(gps=True))
    again = _upload(client, world.unit_a, jpeg_bytes(gps=True))
    assert first.status_code == 201 and again.status_code == 201
    session.expire_all()
    rows = session.exec(select(Photo).where(Photo.unit_id == world.unit_a.id)).all()
    assert len(rows) == 1
    assert "static" not in app.instance_path
    served = client.get(first.json["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert client.get(first.json["thumb"]).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inspect")})
    login_as("inspector_b")
    assert client.get(first.json["url"]).status_code == 404


def test_text_upload_answers_422(login_as, world, client):
    login_as("inspector_a")
    response = _upload(client, world.unit_a, b"not an image", name="evil.jpg")
    assert response.status_code == 422


def test_too_large_upload_answers_413_with_a_page(login_as, world, client, app):
    login_as("inspector_a")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = _upload(client, world.unit_a, b"\xff" * 4096)
    assert response.status_code == 413
    assert "上传的文件太大" in response.get_data(as_text=True)
