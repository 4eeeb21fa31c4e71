"""The unit file explains ratings: breakdown, caps, vetoes, next star, each with its version."""

import re
from datetime import date, timedelta

from rentals.ratings.services import activate_scorecard, ensure_default_scorecard, upload_scorecard
from rentals.register.models import Community
from tests import factories
from tests.conftest import login
from tests.ratings.helpers import NOW, answers, card_text, rate

V1_F1 = "配备灭火器，压力正常，在有效期内"
V2_F1 = "配备合格灭火器并会使用"


def _two_versions(session, world):  # type: ignore[no-untyped-def]
    ensure_default_scorecard(session, today=date(2026, 1, 1))
    rate(session, world.unit_a, answers("F1"))  # v1: 92, capped at two by F1
    text = card_text(2).replace(f'zh = "{V1_F1}"', f'zh = "{V2_F1}"', 1)
    v2 = upload_scorecard(session, actor=None, text=text)
    activate_scorecard(
        session, actor=None, version=v2, start=date(2026, 6, 1), today=date(2026, 6, 1)
    )
    rate(session, world.unit_a, answers("S3", "M1"), version=v2, now=NOW + timedelta(days=30))
    session.commit()


def test_breakdown_next_star_and_old_ratings_with_their_own_version(
    client, login_as, session, world
):
    _two_versions(session, world)
    login_as("landlord_a")
    html = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    section = html[html.index('id="ratings"') : html.index('id="inspections"')]
    # Current rating: v2, 86 points, S3 and M1 lost with their points, advice to reach three.
    assert "86.0 分" in section and "评分表第 2 版" in section
    assert "−8" in section and "−6" in section
    advice = section[section.index('id="next-star"') :]
    assert "要达到 3 星" in advice and "S3" in advice.split("</ul>")[0]
    assert V2_F1 in section  # the current rating reads F1 with v2's words
    # The older rating is listed with v1 and v1's words for F1, and its cap explained.
    history = section[section.index("rating-history") :]
    assert "评分表第 1 版" in history and V1_F1 in history and V2_F1 not in history
    assert "最高只能评 2 星" in history


def test_caps_and_vetoes_are_said_plainly_and_texts_follow_the_language(
    client, login_as, session, world
):
    ensure_default_scorecard(session, today=date(2026, 1, 1))
    rate(session, world.unit_a, answers("F3"))
    session.commit()
    login_as("manager")
    html = client.get(f"/units/{world.unit_a.code}").get_data(as_text=True)
    caps = html[html.index('id="rating-caps"') :].split("</p>")[0]
    assert "得分够 3 星" in caps and "F3" in caps
    english = client.get(f"/units/{world.unit_a.code}?lang=en").get_data(as_text=True)
    assert "Fire extinguisher present, charged and in date" in english

    rate(session, world.unit_a, answers(), vetoes=["V4"], now=NOW + timedelta(days=1))
    session.commit()
    html = client.get(f"/units/{world.unit_a.code}?lang=zh").get_data(as_text=True)
    vetoes = html[html.index('id="rating-vetoes"') :].split("</div>")[0]
    assert "V4" in vetoes and "不予评定" in vetoes
    assert 'id="next-star"' not in html


def test_register_shows_star_counts_by_area(app, client, login_as, session, world):
    ensure_default_scorecard(session, today=date(2026, 1, 1))
    rate(session, world.unit_a, answers())
    rate(session, world.unit_b, answers("M1", "M2"))
    session.commit()
    login_as("manager")
    html = client.get("/units").get_data(as_text=True)
    table = html[html.index('id="star-counts"') :].split("</table>")[0]
    rows = {row.split("</th>")[0].rsplit(">", 1)[1]: row for row in table.split("<tr")[2:]}
    assert '"three">1<' in rows["甲区"] and '"two">0<' in rows["甲区"]
    assert '"three">0<' in rows["乙区"] and '"two">1<' in rows["乙区"]
    assert '"three">1<' in rows["全部区域"] and '"two">1<' in rows["全部区域"]
    # An inspector sees only the areas they serve; a landlord sees no counts.
    inspector = app.test_client()
    login(inspector, world.users["inspector_a"].username)
    html = inspector.get("/units").get_data(as_text=True)
    assert "乙区" not in html.split('id="star-counts"')[1].split("</table>")[0]
    landlord = app.test_client()
    login(landlord, world.users["landlord_a"].username)
    assert 'id="star-counts"' not in landlord.get("/units").get_data(as_text=True)


def _star_rows(html: str) -> dict[str, str]:
    table = html[html.index('id="star-counts"') :].split("</table>")[0]
    return {
        re.sub(r"<[^>]+>", "", row.split("</th>")[0].split('scope="row">')[1]): row
        for row in table.split("<tr")[2:]
    }


def test_a_scope_of_several_communities_counts_stars_per_community(
    app, client, login_as, session, world
):
    """Across communities the rows are communities, each linking to its own areas; a
    chosen community shows its areas (a city's 400 area rows made every page 120 KB)."""
    ensure_default_scorecard(session, today=date(2026, 1, 1))
    rate(session, world.unit_a, answers())
    rate(session, world.unit_b, answers("M1", "M2"))
    north = factories.make_community(session, "北社区")
    area = factories.make_area(session, north, "丙区")
    factories.make_unit(session, area)
    factories.make_unit(session, area)
    session.commit()
    home = world.area_a.community_id
    login_as("admin")
    html = client.get("/units").get_data(as_text=True)
    rows = _star_rows(html)
    assert "各社区星级分布" in html
    assert set(rows) == {session.get(Community, home).name, "北社区", "全部社区"}
    assert '"not_yet_rated">2<' in rows["北社区"] and '"three">0<' in rows["北社区"]
    assert f'href="/units?community={north.id}"' in rows["北社区"]
    assert '"three">1<' in rows["全部社区"] and '"two">1<' in rows["全部社区"]
    assert '"not_yet_rated">2<' in rows["全部社区"]
    # One community chosen: its areas, and only its units.
    rows = _star_rows(client.get(f"/units?community={home}").get_data(as_text=True))
    assert set(rows) == {"甲区", "乙区", "全部区域"}
    assert '"not_yet_rated">0<' in rows["全部区域"] and '"three">1<' in rows["甲区"]
