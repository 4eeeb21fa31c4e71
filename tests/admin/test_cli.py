"""``rentals community|area|user add`` and ``rentals landlord-logins`` on an empty database."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from sqlmodel import select

from rentals import cli
from rentals.audit.models import AuditEvent
from rentals.auth.models import User, UserArea, UserCommunity
from rentals.register.models import Area, Community
from tests import factories
from tests.printing.helpers import text


def _run(app, *args):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(cli.main, list(args))
    return result


def test_a_community_is_set_up_from_the_command_line(app, session, tmp_path):
    result = _run(
        app,
        "community",
        "add",
        "吉日社区",
        "--name-bo",
        "སྐྱིད་རི་སྡོད་ཁུལ།",
        "--issuer",
        "吉日社区居委会",
        "--police-station",
        "吉日派出所",
        "--public-url",
        "https://jiri.example.cn",
    )
    assert result.exit_code == 0, result.output
    community = session.exec(select(Community).where(Community.name == "吉日社区")).one()
    assert (
        community.name_bo,
        community.issuer,
        community.police_station,
        community.public_url,
    ) == (
        "སྐྱིད་རི་སྡོད་ཁུལ།",
        "吉日社区居委会",
        "吉日派出所",
        "https://jiri.example.cn",
    )
    result = _run(app, "area", "add", "吉日社区", "一组", "--name-bo", "སྡེ་ཚན་དང་པོ།")
    assert result.exit_code == 0, result.output
    area = session.exec(select(Area).where(Area.community_id == community.id)).one()
    assert (area.name, area.name_bo) == ("一组", "སྡེ་ཚན་དང་པོ།")
    # Again: a clear refusal, nothing added.
    result = _run(app, "area", "add", "吉日社区", "一组")
    assert result.exit_code == 1 and "一组" in result.output
    result = _run(app, "community", "add", "吉日社区")
    assert result.exit_code == 1 and "吉日社区" in result.output
    assert len(session.exec(select(Community)).all()) == 1
    # An inspector of the area, and a manager of the community.
    result = _run(
        app,
        "user",
        "add",
        "Norbu",
        "--role",
        "inspector",
        "--area",
        "一组",
        "--display-name",
        "罗布",
    )
    assert result.exit_code == 0, result.output
    password = re.search(r"One-time password: (\S+)", result.output).group(1)  # type: ignore[union-attr]
    norbu = session.exec(select(User).where(User.username == "norbu")).one()
    assert norbu.display_name == "罗布" and norbu.must_change_password
    assert PasswordHasher().verify(norbu.password_hash, password)
    assert session.exec(select(UserArea.area_id).where(UserArea.user_id == norbu.id)).all() == [
        area.id
    ]
    result = _run(app, "user", "add", "boss", "--role", "manager", "--community", "吉日社区")
    assert result.exit_code == 0, result.output
    boss = session.exec(select(User).where(User.username == "boss")).one()
    assert session.exec(
        select(UserCommunity.community_id).where(UserCommunity.user_id == boss.id)
    ).all() == [community.id]
    # Unknown names are refused with the name.
    result = _run(app, "user", "add", "ghost", "--role", "inspector", "--area", "没有的区")
    assert result.exit_code == 1 and "没有的区" in result.output
    actions = set(session.exec(select(AuditEvent.action)))
    assert {"admin.community.created", "admin.area.created", "admin.user.created"} <= actions


def test_landlord_logins_from_the_command_line_are_idempotent(app, session, tmp_path):
    with app.app_context():
        community = factories.make_community(session, "拉鲁社区")
        area = factories.make_area(session, community, "一组")
        with_phone = factories.make_person(session, name="索朗", phone="+8613712345678")
        without = factories.make_person(session, name="白玛", phone=None)
        factories.make_unit(session, area, with_phone, code="LL-00001")
        factories.make_unit(session, area, with_phone, code="LL-00002")
        factories.make_unit(session, area, without, code="LL-00003")
        session.commit()
    out = tmp_path / "logins.pdf"
    result = _run(app, "landlord-logins", "拉鲁社区", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "1 logins created" in result.output and "白玛" in result.output
    sheet = text(out.read_bytes())
    assert "索朗" in sheet and "13712345678" in sheet and "LL-00001、LL-00002" in sheet
    # The masked identity number: first six, stars, last four.
    assert with_phone.id_number[:6] + "********" + with_phone.id_number[-4:] in sheet
    assert with_phone.id_number not in sheet
    user = session.exec(select(User).where(User.person_id == with_phone.id)).one()
    first_hash = user.password_hash
    # Again: no duplicate, no reset.
    out.unlink()
    result = _run(app, "landlord-logins", "拉鲁社区", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "No new logins (1 landlords already have one)" in result.output and not out.exists()
    session.expire_all()
    assert len(session.exec(select(User).where(User.role == "landlord")).all()) == 1
    assert session.get(User, user.id).password_hash == first_hash


def test_the_page_opens_logins_a_batch_per_click(app, login_as, session, world, monkeypatch):
    """Three landlords with a mobile in the world's community (two from the world, one
    more); two per click: the first sheet says one remains, the second has the third."""
    from rentals.admin import landlords
    from tests.admin.helpers import post

    with app.app_context():
        third = factories.make_person(session, name="次旦", phone="+8613712340000")
        factories.make_unit(session, world.area_a, third, code="LL-00009")
        # The world's two landlords already have logins; give one of them none.
        session.delete(world.users["landlord_b"])
        session.commit()
    monkeypatch.setattr(landlords, "PAGE_BATCH", 1)
    client = login_as("manager")
    page = client.get("/admin/landlord-logins").get_data(as_text=True)
    assert '<td data-label="待开通">2</td>' in page
    community_id = world.area_a.community_id
    first = post(client, "/admin/landlord-logins", {"community_id": community_id})
    assert first.mimetype == "application/pdf"
    assert "还有 1 位房东待开通" in text(first.data)
    second = post(client, "/admin/landlord-logins", {"community_id": community_id})
    assert second.mimetype == "application/pdf" and "还有" not in text(second.data)
    names = {"格桑", "次旦"}
    assert {n for n in names if n in text(first.data) + text(second.data)} == names
    third_click = post(client, "/admin/landlord-logins", {"community_id": community_id})
    assert third_click.status_code == 200 and third_click.mimetype == "text/html"
    assert '<td data-label="待开通">0</td>' in third_click.get_data(as_text=True)
