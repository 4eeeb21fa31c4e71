"""The issue's check on the demo community: the command lines print all 160 plaques in
one file (13 green, 141 yellow, 6 red) and a roster whose rows are the tasks due in its
window."""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta

from sqlalchemy import func, select

from rentals.printing.commands import print_group
from rentals.register import demo
from rentals.register.models import Area, Unit
from rentals.tasks import services
from rentals.tasks.models import Task
from tests.printing.helpers import pages, text

TODAY = date(2027, 1, 28)
#: Page colours of the plaques (templates/print/plaque_back.css).
COLOURS = {"green": (0x1B, 0x7F, 0x3B), "yellow": (0xF2, 0xC2, 0x00), "red": (0xC0, 0x26, 0x2D)}


def _page_colours(pdf_path, tmp_path) -> list[str]:
    """The colour of each page's margin (10 dpi render), by nearest plaque colour."""
    subprocess.run(["pdftoppm", "-r", "10", pdf_path, tmp_path / "pg"], check=True)
    from PIL import Image

    found = []
    for path in sorted(tmp_path.glob("pg-*.ppm")):
        with Image.open(path) as image:
            pixel = image.convert("RGB").getpixel((1, 1))
        distance = {
            c: sum((a - b) ** 2 for a, b in zip(rgb, pixel, strict=True))
            for c, rgb in COLOURS.items()
        }
        found.append(min(distance, key=distance.__getitem__))
    return found


def test_demo_community_plaques_and_roster_from_the_command_line(app, session, tmp_path):
    with app.app_context():
        demo.seed(session, today=TODAY)
        for n in range(28):
            services.plan(session, today=date(2027, 2, 1) + timedelta(days=n))
        session.commit()
    runner = app.test_cli_runner()

    out = tmp_path / "plaques.pdf"
    result = runner.invoke(print_group, ["plaques", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert pages(pdf) == 160
    colours = _page_colours(out, tmp_path)
    assert {c: colours.count(c) for c in COLOURS} == {"green": 13, "yellow": 141, "red": 6}
    body = text(pdf)
    assert body.count("二星 · 黄色一般型") == 141 and body.count("扫码核验") == 160

    start, end = date(2027, 2, 1), date(2027, 2, 14)
    out = tmp_path / "roster.pdf"
    args = ["roster", "--area", "南区", "--from", start.isoformat(), "--to", end.isoformat()]
    result = runner.invoke(print_group, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    codes = session.execute(
        select(Unit.code)
        .join(Task, Task.unit_id == Unit.id)
        .join(Area, Area.id == Unit.area_id)
        .where(Area.name == "南区", Task.due >= start, Task.due <= end)
        .where(Task.status != "cancelled")
    ).scalars()
    expected = sorted(codes)
    roster = text(out.read_bytes())
    printed = sorted(re.findall(r"ZX-S-\d{3}", roster))
    assert expected and printed == expected  # one row per task, no more, no less
    assert f"共 {len(expected)} 户次" in roster
    due = session.scalar(
        select(func.count()).select_from(Task).where(Task.due >= start, Task.due <= end)
    )
    assert due > len(expected)  # the north area's tasks stayed out
