"""One name per rating status in each language, everywhere: the table in scoring.names,
the catalogues, the public pages and the PDFs say the same Tibetan words.

The Tibetan expected here is written out by hand (not read from the table), so changing
the table's words turns this test red until the catalogues and this list follow.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from rentals.incentives.blacklist import notify_blacklist, publish_blacklist
from rentals.printing import documents
from scoring.names import RATING_NAMES
from tests.printing.helpers import NOW, make_rating, rate, text

ROOT = Path(__file__).parents[2]
#: status -> (Chinese name, Tibetan name, English name), as the community office approved.
EXPECTED = {
    "three": (
        "三星 · 绿色放心型",
        "སྐར་མ་གསུམ། ལྗང་ཁུ། སེམས་ཁྲལ་མེད་པའི་རིགས།",
        'Three stars · green "reassuring"',
    ),
    "two": ("二星 · 黄色一般型", "སྐར་མ་གཉིས། སེར་པོ། སྤྱིར་བཏང་གི་རིགས།", 'Two stars · yellow "ordinary"'),
    "one": (
        "一星 · 红色重点关注型",
        "སྐར་མ་གཅིག དམར་པོ། གཙོ་བོར་དོ་སྣང་བྱ་དགོས་པའི་རིགས།",
        'One star · red "key attention"',
    ),
    "not_rated": ("不予评定", "གདེང་འཇོག་མི་བྱེད།", "Not rated"),
    "under_review": ("复核中", "བསྐྱར་ཞིབ་བྱེད་བཞིན་པ།", "Under review"),
    "not_yet_rated": ("尚未评定", "ད་དུང་གདེང་འཇོག་བྱས་མེད།", "Not yet rated"),
}
#: Tibetan words that were used for these names before there was one table.
RETIRED = (
    "གཏན་འཁེལ་མི་བྱེད",
    "གཏན་འཁེལ་བྱས་མེད",
    "ལྗང་ཁུ་བློ་བདེ་རིགས",
    "སེར་པོ་སྤྱིར་བཏང་རིགས",
    "དམར་པོ་གཙོ་གནད་དོ་སྣང་རིགས",
)
#: Chinese words of a status, each Tibetan sentence holding one must hold its Tibetan word.
WORDS = {
    "绿色放心型": "ལྗང་ཁུ། སེམས་ཁྲལ་མེད་པའི་རིགས",
    "黄色一般型": "སེར་པོ། སྤྱིར་བཏང་གི་རིགས",
    "红色重点关注型": "དམར་པོ། གཙོ་བོར་དོ་སྣང་བྱ་དགོས་པའི་རིགས",
    "不予评定": "གདེང་འཇོག་མི་བྱེད",
    "尚未评定": "ད་དུང་གདེང་འཇོག་བྱས་མེད",
    "复核中": "བསྐྱར་ཞིབ་བྱེད་བཞིན་པ",
}


def catalogue(language: str) -> dict[str, str]:
    path = ROOT / "rentals" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and isinstance(m.id, str)}


def test_the_table_holds_the_approved_names():
    assert {s: (n.label_zh, n.label_bo, n.label_en) for s, n in RATING_NAMES.items()} == EXPECTED


@pytest.mark.parametrize(("language", "index"), [("bo", 1), ("en", 2)])
def test_catalogues_translate_each_name_as_the_table_does(language, index):
    entries = catalogue(language)
    found = {zh: entries[zh] for zh, *_ in EXPECTED.values() if zh in entries}
    assert found == {names[0]: names[index] for names in EXPECTED.values() if names[0] in found}
    assert "不予评定" in found  # the name the public page showed two ways
    if "未评定" in entries:  # the short form on the dashboard and workload pages
        assert entries["未评定"] == EXPECTED["not_yet_rated"][index]


def test_every_tibetan_sentence_uses_the_one_word_of_each_name():
    wrong = [
        (msgid, word)
        for msgid, msgstr in catalogue("bo").items()
        for zh, word in WORDS.items()
        if zh in msgid and word not in msgstr
    ]
    assert wrong == []


def test_no_retired_word_is_left_in_code_templates_or_catalogues():
    files = [
        *ROOT.joinpath("rentals").rglob("*.py"),
        *ROOT.joinpath("scoring").rglob("*.py"),
        *ROOT.joinpath("templates").rglob("*.html"),
        *ROOT.joinpath("rentals", "translations").rglob("*.po"),
    ]
    left = [
        (str(path.relative_to(ROOT)), word)
        for path in files
        for word in RETIRED
        if word in path.read_text(encoding="utf-8")
    ]
    assert left == []


TIBETAN_RUN = re.compile(r"[\u0f00-\u0fff][\u0f00-\u0fff ]*")


def _tibetan(html: str) -> str:
    return " ".join(TIBETAN_RUN.findall(html))


@pytest.mark.parametrize("lang", ["zh", "bo"])
def test_public_pages_show_one_tibetan_name_per_status(app, session, world, client, lang):
    with app.app_context():
        make_rating(session, world.unit_a, stars=0, status="not_rated", vetoes=("V2",))
        make_rating(session, world.unit_b, stars=1, status="one", failed=("F1",))
        for unit in (world.unit_a, world.unit_b):
            notify_blacklist(session, actor=None, unit=unit, now=NOW - timedelta(days=400))
        session.commit()
    unit_page = client.get(f"/public/units/{world.unit_a.code}?lang={lang}").get_data(True)
    listing = client.get(f"/public/blacklist?lang={lang}").get_data(True)
    for html in (unit_page, listing):
        shown = _tibetan(html)
        assert EXPECTED["not_rated"][1] in shown
        assert not [w for w in RETIRED if w in shown]
    assert EXPECTED["one"][1] in _tibetan(listing)


#: Vowel signs: pdftotext moves them around their letter, so PDFs are compared without them.
VOWELS = re.compile(r"[\u0f71-\u0f84\s]")


def skeleton(value: str) -> str:
    """Letters and tsheg in order, without vowel signs and spaces."""
    return VOWELS.sub("", value)


def test_pdfs_print_the_tables_tibetan_names(session, world):
    make_rating(session, world.unit_a, stars=1, status="one", failed=("F1",))
    make_rating(session, world.unit_b, stars=0, status="not_rated", vetoes=("V2",))
    for unit in (world.unit_a, world.unit_b):
        notify_blacklist(session, actor=None, unit=unit, now=NOW - timedelta(days=22))
    edition = publish_blacklist(session, month="2027-02", now=NOW)
    statuses = {row["rating_status"]: row["status_bo"] for row in edition.data["rows"]}
    assert statuses == {"one": EXPECTED["one"][1], "not_rated": EXPECTED["not_rated"][1]}
    body = skeleton(text(edition.pdf))
    assert skeleton(EXPECTED["not_rated"][1]) in body
    assert skeleton(EXPECTED["one"][1]) in body
    assert not [w for w in RETIRED if skeleton(w) in body]
    rate(session, world.unit_a, "three", 3)
    plaque = documents.print_plaques(
        session, actor=None, now=NOW, base_url="http://plaques.test", unit=world.unit_a.code
    )
    printed = skeleton(text(plaque.pdf))
    assert skeleton("སྐར་མ་གསུམ།") in printed
    assert skeleton("ལྗང་ཁུ། སེམས་ཁྲལ་མེད་པའི་རིགས།") in printed
