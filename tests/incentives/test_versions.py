"""New versions of the measures catalogue and of the points rules, uploaded on a page or by
the CLI: checked like a scorecard (size, TOML errors with their line, bounds, start not in
the past and not before another version's), stored in the database, chosen by date; past
ledger entries and proposed measures keep their version."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlmodel import func, select

from rentals.cli import main
from rentals.errors import InvalidInput
from rentals.incentives import points, versions
from rentals.incentives.catalogue import catalogue_for
from rentals.incentives.models import IncentiveVersion, Measure, PointsEntry
from rentals.incentives.points_rules import rules_for
from tests.conftest import csrf_token, login
from tests.incentives.test_points import TODAY, _refusal_id, events, refusal  # noqa: F401
from tests.portal.helpers import rate

LATER = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)

RULES_V2 = """version = 2
active_from = 2027-02-26

[title]
zh = "第2版"

[[rules]]
event = "refusal"
points = -15
zh = "拒绝检查（第2版）"
"""

MEASURES_V2 = """version = 2
active_from = 2027-02-26

[title]
zh = "措施第2版"

[[measures]]
code = "R9"
band = "three"
record = "handover"
zh = "社区自定礼包"
"""


def upload(session, kind, text, today=date(2027, 2, 26)):  # type: ignore[no-untyped-def]
    return versions.upload_version(session, actor=None, kind=kind, text=text, today=today)


def test_an_uploaded_rules_version_changes_later_points_only(app_ctx, session, world, events):  # noqa: F811
    points.sweep_points(session, today=date(2027, 2, 26), now=LATER)
    first = {e.key: (e.points, e.rules_version) for e in session.exec(select(PointsEntry))}
    assert first[f"refusal:inspection:{_refusal_id(session, '2027-02-25')}"] == (-10, 1)
    row = upload(session, "points", RULES_V2)
    assert (row.kind, row.version, row.active_from) == ("points", 2, date(2027, 2, 26))
    later = refusal(session, world.unit_a, "2027-02-27")
    points.sweep_points(session, today=TODAY, now=LATER)
    entries = {e.key: e for e in session.exec(select(PointsEntry))}
    assert {k: (e.points, e.rules_version) for k, e in entries.items() if k in first} == first
    new = entries[f"refusal:inspection:{later.id}"]
    assert (new.points, new.rules_version, new.reason_zh) == (-15, 2, "拒绝检查（第2版）")
    # The readers choose by date; the old version stays readable.
    assert rules_for(date(2027, 2, 25), session=session).version == 1
    assert rules_for(date(2027, 2, 26), session=session).version == 2
    assert "points = -10" in versions.source_of(session, "points", 1)
    assert versions.source_of(session, "points", 2) == RULES_V2


def test_an_uploaded_catalogue_is_proposed_from_its_date_and_earlier_measures_keep_theirs(
    app_ctx, session, world
):
    rate(session, world.unit_a, now=datetime(2027, 2, 20, 2, tzinfo=UTC))
    before = {m.code: m.catalogue_version for m in session.exec(select(Measure))}
    assert before == {"R1": 1, "R2": 1, "R3": 1}
    upload(session, "measures", MEASURES_V2)
    rate(session, world.unit_b, now=datetime(2027, 2, 27, 2, tzinfo=UTC))
    after = {(m.unit_id, m.code): m.catalogue_version for m in session.exec(select(Measure))}
    assert after[(world.unit_b.id, "R9")] == 2
    assert {k[1]: v for k, v in after.items() if k[0] == world.unit_a.id} == before
    assert catalogue_for(date(2027, 2, 25), session=session).version == 1


HEAD = 'version = 2\nactive_from = 2027-03-01\n[title]\nzh = "x"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请上传文件或粘贴内容。"),
        ("# " + "x" * 70_000, "文件过大，最多 65536 字节。"),
        (HEAD.replace("2027-03-01", "2027-02-28") + RULES_V2[RULES_V2.index("[[") :],
         "启用日期不能早于今天。"),
        (HEAD.replace("version = 2", "version = 1") + RULES_V2[RULES_V2.index("[[") :],
         "版本号必须大于已有的所有版本（目前最大为 1）。"),
        (HEAD.replace("2027-03-01", "2028-06-01") + RULES_V2[RULES_V2.index("[[") :],
         "启用日期最多只能在 366 天以后。"),
    ],
)  # fmt: skip
def test_uploads_are_refused_in_words(app_ctx, session, text, message):
    with pytest.raises(InvalidInput) as refused:
        upload(session, "points", text, today=date(2027, 3, 1))
    assert str(refused.value.message) == message
    assert session.exec(select(func.count()).select_from(IncentiveVersion)).one() == 0


def test_a_version_may_not_start_before_another(app_ctx, session):
    upload(session, "points", RULES_V2.replace("2027-02-26", "2027-04-01"), today=TODAY)
    with pytest.raises(InvalidInput) as refused:
        upload(
            session,
            "points",
            RULES_V2.replace("version = 2", "version = 3").replace("2027-02-26", "2027-03-15"),
            today=TODAY,
        )
    assert str(refused.value.message) == "启用日期不能早于已有版本的启用日期（2027-04-01）。"


def test_problems_are_listed_with_their_lines(app_ctx, session):
    syntax = "version = 2\nactive_from = 2027-03-01\n[title\n"
    with pytest.raises(versions.VersionRejected) as bad_toml:
        upload(session, "points", syntax, today=TODAY)
    assert [p.line for p in bad_toml.value.problems] == [3]
    bounds = RULES_V2 + '\n[[rules]]\nevent = "bribe"\npoints = 5\nzh = "x"\n'
    with pytest.raises(versions.VersionRejected) as bad_row:
        upload(session, "points", bounds, today=date(2027, 2, 26))
    [problem] = bad_row.value.problems
    assert problem.line == 12 and problem.text.startswith("rules[2].event")
    with pytest.raises(versions.VersionRejected) as bad_header:
        upload(session, "measures", MEASURES_V2.replace("version = 2", "version = 0"))
    assert [p.line for p in bad_header.value.problems] == [1]


def test_the_upload_page_stores_a_version_and_shows_problems_by_line(
    app, session, world, login_as, client, monkeypatch
):
    from rentals import clock

    monkeypatch.setattr(clock, "today", lambda: date(2027, 2, 26))
    login_as("manager")
    token = csrf_token(client, "/incentives/versions/upload")
    bad = client.post(
        "/incentives/versions/upload",
        data={"csrf_token": token, "kind": "points", "source": "version = 2\n[title\n"},
    )
    assert bad.status_code == 422
    assert "第 2 行" in bad.get_data(as_text=True)
    big = client.post(
        "/incentives/versions/upload",
        data={"csrf_token": token, "kind": "points", "source": "#" * 70_000},
    )
    assert big.status_code == 422 and "文件过大" in big.get_data(as_text=True)
    odd = client.post(
        "/incentives/versions/upload",
        data={"csrf_token": token, "kind": "blacklist", "source": RULES_V2},
    )
    assert odd.status_code == 422
    good = client.post(
        "/incentives/versions/upload",
        data={"csrf_token": token, "kind": "points", "source": RULES_V2},
    )
    assert good.status_code == 302
    assert good.headers["Location"].endswith("/incentives/versions/points/2")
    listing = client.get("/incentives/versions").get_data(as_text=True)
    assert "第2版" in listing and "出租房积分规则（第1版）" in listing
    assert "拒绝检查（第2版）" in client.get("/incentives/versions/points/2").get_data(as_text=True)
    assert client.get("/incentives/versions/points/1").status_code == 200
    assert client.get("/incentives/versions/points/99").status_code == 404
    assert client.get("/incentives/versions/other/1").status_code == 404
    # The landlord's "how to earn more" reads the version in force (refusals earn nothing).
    landlord = app.test_client()
    login(landlord, world.users["landlord_a"].username)
    monkeypatch.setattr(clock, "now", lambda: datetime(2027, 2, 26, 4, tzinfo=UTC))
    assert "三星保持满一年" not in landlord.get("/my/points").get_data(as_text=True)


def test_the_cli_uploads_with_the_same_checks(app, session, tmp_path, monkeypatch):
    from rentals import clock

    monkeypatch.setattr(clock, "today", lambda: date(2027, 2, 26))
    good, bad = tmp_path / "v2.toml", tmp_path / "bad.toml"
    good.write_text(MEASURES_V2, encoding="utf-8")
    bad.write_text(MEASURES_V2.replace('band = "three"', 'band = "gold"'), encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(
        main, ["incentives", "upload", "--kind", "measures", str(bad)], obj=_info(app)
    )
    assert refused.exit_code == 1 and "line 7: measures[1].band" in refused.output
    done = runner.invoke(
        main, ["incentives", "upload", "--kind", "measures", str(good)], obj=_info(app)
    )
    assert done.exit_code == 0, done.output
    assert "measures version 2 stored; in force from 2027-02-26." in done.output
    with app.app_context():
        assert versions.stored(session, "measures", 2) is not None


def _info(app):  # type: ignore[no-untyped-def]
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)
