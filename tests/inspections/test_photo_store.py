"""Photo bytes live in the database (issue 17): served with an ETag, revalidated with a
304, streamed in pieces when large, a plain 404 for anything unknown; files kept under
``instance/photos/`` by earlier releases are moved in by ``rentals photos import-files``."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlmodel import func, select

from rentals.inspections import photos
from rentals.inspections.models import Photo, PhotoBlob
from tests.conftest import csrf_token
from tests.inspections.helpers import jpeg_bytes


def _upload(client, unit, key="s1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/inspections/photos",
        data={
            "csrf_token": csrf_token(client, "/inspect"),
            "unit": unit.code,
            "key": key,
            "inspection_key": "draft-s",
            "item": "F1",
            "photo": (io.BytesIO(jpeg_bytes()), "x.jpg"),
        },
        content_type="multipart/form-data",
    )


def _stored(session, key: str) -> tuple[Photo, dict[str, bytes]]:  # type: ignore[no-untyped-def]
    session.expire_all()
    photo = session.exec(select(Photo).where(Photo.key == key)).one()
    blobs = session.exec(select(PhotoBlob).where(PhotoBlob.name == photo.filename)).all()
    return photo, {b.variant: bytes(b.data) for b in blobs}


def test_served_bytes_are_the_stored_ones_with_an_etag_and_a_304(login_as, world, session):
    client = login_as("inspector_a")
    answer = _upload(client, world.unit_a)
    assert answer.status_code == 201
    photo, blobs = _stored(session, "s1")
    assert set(blobs) == {"full", "thumb"}
    full = client.get(answer.json["url"])
    thumb = client.get(answer.json["thumb"])
    assert full.data == blobs["full"] and thumb.data == blobs["thumb"]
    with Image.open(io.BytesIO(full.data)) as im:
        assert (im.format, im.size) == ("JPEG", (photo.width, photo.height))
    with Image.open(io.BytesIO(thumb.data)) as im:
        assert max(im.size) <= 240
    assert full.headers["Content-Length"] == str(len(blobs["full"]))
    assert full.headers["Cache-Control"] == "private, max-age=86400, immutable"
    assert full.headers["ETag"] != thumb.headers["ETag"]
    again = client.get(answer.json["url"], headers={"If-None-Match": full.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # Another inspector's browser holding the ETag still gets 404, not 304.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inspect")})
    login_as("inspector_b")
    other = client.get(answer.json["url"], headers={"If-None-Match": full.headers["ETag"]})
    assert other.status_code == 404


def test_a_large_photo_is_streamed_in_pieces(login_as, world, session, monkeypatch):
    client = login_as("inspector_a")
    answer = _upload(client, world.unit_a, key="big")
    _photo, blobs = _stored(session, "big")
    monkeypatch.setattr(photos, "CHUNK", 64)  # the photo is now "large"
    assert len(blobs["full"]) > 3 * 64
    pieces: list[int] = []
    real = photos._chunks

    def counted(*args):  # type: ignore[no-untyped-def]
        inner = real(*args)  # called in the request, like the real one
        return (pieces.append(len(p)) or p for p in inner)

    monkeypatch.setattr(photos, "_chunks", counted)
    served = client.get(answer.json["url"])
    assert served.status_code == 200 and served.data == blobs["full"]
    assert len(pieces) == -(-len(blobs["full"]) // 64) and max(pieces) == 64


@pytest.mark.parametrize(
    "path",
    [
        "/photos/unknown-key",
        "/photos/" + "a" * 200,
        "/photos/%00",
        "/photos/..%2F..%2Fetc%2Fpasswd",
        "/photos/s1?size=../../x",
    ],
)
def test_unknown_or_hostile_names_answer_404(login_as, world, path):
    client = login_as("manager")
    assert client.get(path).status_code in {400, 404}


def test_a_photo_row_without_its_bytes_answers_404_not_500(login_as, world, session):
    client = login_as("inspector_a")
    answer = _upload(client, world.unit_a, key="gone")
    photo, _ = _stored(session, "gone")
    for blob in session.exec(select(PhotoBlob).where(PhotoBlob.name == photo.filename)):
        session.delete(blob)
    session.commit()
    assert client.get(answer.json["url"]).status_code == 404
    assert client.get(answer.json["thumb"]).status_code == 404


def _picture(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def _legacy(app, session, world, n: int) -> list[tuple[Photo, bytes, bytes]]:  # type: ignore[no-untyped-def]
    """Photos as an earlier release kept them: a row, and two files in instance/photos."""
    folder = Path(app.instance_path) / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(n):
        image = photos.clean_image(_picture(800, 600))
        name = hashlib.md5(f"legacy{i}".encode()).hexdigest()  # noqa: S324 - a test name
        (folder / f"{name}.jpg").write_bytes(image.jpeg + bytes([i]))  # distinct bytes
        (folder / f"{name}-t.jpg").write_bytes(image.thumb)
        photo = Photo(key=f"legacy-{i}", unit_id=world.unit_a.id, filename=name)
        session.add(photo)
        made.append((photo, image.jpeg + bytes([i]), image.thumb))
    session.commit()
    return made


def _import(app, *args: str):  # type: ignore[no-untyped-def]
    from rentals.inspections.commands import import_files_cmd

    with app.app_context():
        return CliRunner().invoke(import_files_cmd, list(args), catch_exceptions=False)


def test_import_files_moves_old_photos_in_once_and_they_are_served(
    app, login_as, world, session, monkeypatch
):
    import rentals.inspections.commands as commands

    monkeypatch.setattr(commands, "BATCH", 2)  # several transactions
    made = _legacy(app, session, world, 5)
    # One old photo lost its thumbnail file, one its JPEG altogether.
    (Path(app.instance_path) / "photos" / f"{made[3][0].filename}-t.jpg").unlink()
    (Path(app.instance_path) / "photos" / f"{made[4][0].filename}.jpg").unlink()
    result = _import(app)
    assert result.exit_code == 0, result.output
    assert "4 photo(s) imported, 0 already in the database, 1 not found" in result.output
    assert f"not found: {made[4][0].filename}.jpg" in result.output
    rerun = _import(app)
    assert "0 photo(s) imported, 4 already in the database, 1 not found" in rerun.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(PhotoBlob)) == 8
    client = login_as("manager")
    for photo, jpeg, thumb in made[:3]:
        assert client.get(f"/photos/{photo.key}").data == jpeg
        assert client.get(f"/photos/{photo.key}?size=thumb").data == thumb
    remade = client.get(f"/photos/{made[3][0].key}?size=thumb")
    with Image.open(io.BytesIO(remade.data)) as im:
        assert im.format == "JPEG" and im.size == (240, 180)
    assert client.get(f"/photos/{made[4][0].key}").status_code == 404


def test_the_rentals_command_has_photos_import_files():
    from rentals.cli import main

    assert "import-files" in main.commands["photos"].commands  # type: ignore[attr-defined]


def test_import_files_without_the_folder_says_so(app, tmp_path):
    result = _import(app, "--from", str(tmp_path / "nowhere"))
    assert result.exit_code != 0 and "No folder" in result.output
    # The start script's call: a fresh installation has no folder, and that is fine.
    quiet = _import(app, "--from", str(tmp_path / "nowhere"), "--if-present")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_nothing_is_written_to_the_instance_folder(app, login_as, world, session):
    client = login_as("inspector_a")
    assert _upload(client, world.unit_a, key="nofile").status_code == 201
    assert not (Path(app.instance_path) / "photos").exists()
