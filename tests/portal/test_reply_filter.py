"""Issue 14.8: the public reply keeps phone and identity numbers out, however they are written.

Numbers are rendered here digit by digit, independently of the product: ASCII, full-width,
Chinese numerals (lower and upper case, 幺 for one), with separators drawn from a set.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rentals.errors import InvalidInput
from rentals.portal import services
from rentals.portal.models import PublicReply
from rentals.public import queries

NOW = datetime(2027, 2, 3, 9, 0, tzinfo=UTC)

WRITTEN = [
    "请致电 139.8900.7919",
    "电话139 8900 7919",
    "139-8900-7919 联系",
    "１３９８９００７９１９",  # full-width
    "一三九八九零零七九一九",
    "幺三九八九洞洞七九幺九",
    "壹叁玖捌玖零零柒玖壹玖",
    "1三9八9零0七9一9",
    "①③⑨⑧⑨⓪⓪⑦⑨①⑨",
    "139\u200b8900\u200b7919",  # zero-width spaces
    "（139）8900·7919",
    "身份证 540102.19900101.1234",
    "五四零一零二一九九零零一零一一二三X",
]

PLAIN = [
    "已整改完毕，欢迎复查。",
    "3 月 5 日已更换灭火器 2 个",
    "2024年12月3日已整改",
    "房间 101、102 已清理",
    "一楼二楼已安装烟雾报警器",
    "",
]


@pytest.mark.parametrize("text", WRITTEN)
def test_numbers_however_written_are_refused(session, world, text):
    with pytest.raises(InvalidInput):
        services.post_reply(
            session, actor=world.users["landlord_a"], unit=world.unit_a, text=text, now=NOW
        )
    assert services.current_reply(session, world.unit_a.id) is None


@pytest.mark.parametrize("text", PLAIN)
def test_ordinary_replies_pass(session, world, text):
    services.post_reply(
        session, actor=world.users["landlord_a"], unit=world.unit_a, text=text, now=NOW
    )


DIGITS = {
    "0": "0０零〇洞",
    "1": "1１一幺壹",
    "2": "2２二贰",
    "3": "3３三叁",
    "4": "4４四肆",
    "5": "5５五伍",
    "6": "6６六陆",
    "7": "7７七柒",
    "8": "8８八捌",
    "9": "9９九玖",
}
SEPARATORS = [
    " ",
    ".",
    "-",
    "·",
    "、",
    "，",
    ",",
    "/",
    "_",
    "\u3000",
    "－",
    "．",
    "。",
    "~",
    "*",
    "(",
    ")",
    "（",
    "）",
    "\u200b",
    "\t",
    "+",
    "|",
    ":",
]

mobiles = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)
identity_numbers = st.text(alphabet="0123456789", min_size=17, max_size=17).map(lambda d: d + "X")


@st.composite
def rendered(draw: st.DrawFn, numbers: st.SearchStrategy[str]) -> str:
    number = draw(numbers)
    parts = []
    for digit in number:
        parts.append(draw(st.sampled_from(DIGITS[digit])) if digit in DIGITS else digit)
        parts.append("".join(draw(st.lists(st.sampled_from(SEPARATORS), max_size=3))))
    before = draw(st.sampled_from(["", "请致电", "联系我：", "房东 "]))
    return before + "".join(parts)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=rendered(mobiles) | rendered(identity_numbers))
def test_any_rendering_of_a_mobile_or_identity_number_is_caught(text):
    assert services.has_personal_number(text), text


def test_a_reply_stored_before_the_filter_is_kept_off_public_pages(session, world):
    session.add(PublicReply(unit_id=world.unit_a.id, text="电话 139.8900.7919", created_at=NOW))
    session.flush()
    assert services.current_reply(session, world.unit_a.id) is None
    assert queries.replies_for(session, [world.unit_a.code]) == {}
