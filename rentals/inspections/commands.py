"""``rentals photos import-files``: move photos kept under ``instance/photos/`` (before
they lived in the database) into ``photo_blob``.

Run it once on every node that kept photo files, after ``rentals db upgrade``. It only
fills what is missing: a photo already in the database is left alone, so a rerun, or the
same files on two nodes, import each photo once. The files are left in place; remove the
folder once a backup holds the photos.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from rentals import db
from rentals.inspections.models import Photo, PhotoBlob
from rentals.inspections.photos import FULL, THUMB, legacy_dir

#: Photos imported per transaction (each is a few hundred KB).
BATCH = 100


@dataclass
class ImportReport:
    imported: int = 0
    already: int = 0
    #: Names of photo rows whose JPEG is in neither the database nor the folder.
    missing: list[str] = field(default_factory=list)


def import_photo_files(session: Session, folder: Path, names: list[str]) -> ImportReport:
    """Insert the blobs of ``names`` (photo rows' file names) that the database lacks,
    from ``folder``; a thumbnail file that is missing is made again from the photo."""
    report = ImportReport()
    stored = {
        (name, variant)
        for name, variant in session.execute(
            select(PhotoBlob.name, PhotoBlob.variant).where(PhotoBlob.name.in_(names))  # type: ignore[attr-defined]
        )
    }
    for name in names:
        if (name, FULL) in stored and (name, THUMB) in stored:
            report.already += 1
            continue
        full = folder / f"{name}.jpg"
        if (name, FULL) not in stored and not full.is_file():
            report.missing.append(name)
            continue
        data = full.read_bytes() if (name, FULL) not in stored else None
        if data is not None:
            session.add(PhotoBlob(name=name, variant=FULL, size=len(data), data=data))
        if (name, THUMB) not in stored:
            thumb_file = folder / f"{name}-t.jpg"
            thumb = (
                thumb_file.read_bytes()
                if thumb_file.is_file()
                else _thumbnail(data if data is not None else _stored(session, name))
            )
            session.add(PhotoBlob(name=name, variant=THUMB, size=len(thumb), data=thumb))
        report.imported += 1
    session.flush()
    return report


def _stored(session: Session, name: str) -> bytes:
    blob = session.get(PhotoBlob, (name, FULL))
    assert blob is not None
    return bytes(blob.data)


def _thumbnail(jpeg: bytes) -> bytes:
    from rentals.inspections.photos import clean_image

    return clean_image(jpeg).thumb


@click.group("photos")
def photos_group() -> None:
    """Photos (hazards, proofs of a fix, contests), kept in the database."""


@photos_group.command("import-files")
@click.option(
    "--from",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the old photo files (default: the instance folder's photos/).",
)
@click.option(
    "--if-present",
    is_flag=True,
    help="Do nothing, successfully, when the folder does not exist (for start scripts).",
)
@with_appcontext
def import_files_cmd(folder: Path | None, if_present: bool) -> None:
    """Move photo files from the instance folder into the database (safe to rerun)."""
    folder = folder or legacy_dir(current_app.instance_path)
    if not folder.is_dir():
        if if_present:
            return
        raise click.ClickException(f"No folder {folder}.")
    with db.unit_of_work(write=False) as session:
        names = list(session.scalars(select(Photo.filename).order_by(Photo.id)))
    total = ImportReport()
    for start in range(0, len(names), BATCH):
        with db.unit_of_work() as session:
            part = import_photo_files(session, folder, names[start : start + BATCH])
        total.imported += part.imported
        total.already += part.already
        total.missing += part.missing
    click.echo(
        f"{total.imported} photo(s) imported, {total.already} already in the database, "
        f"{len(total.missing)} not found in {folder}."
    )
    for name in total.missing[:20]:
        click.echo(f"  not found: {name}.jpg", err=True)
