"""Hypothesis strategies for scorecards: as Scorecard objects, as TOML text, and their answers.

Cards are small (at most eight items) so that tests can compare against brute force over every
subset of items.  The TOML text is written here, independently of ``scoring.dump``, with key
order shuffled and the title sometimes as an inline table, so that the loader is tested
against text it did not produce itself.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from scoring import Answer, Band, Category, Item, Scorecard, Texts, Veto

__all__ = ["FIXED_TEXTS", "answers_for", "card_texts", "cards", "scorecard_texts"]

# Codes as managers write them; the index suffix keeps them unique within a card.
_code_stems = st.sampled_from(["A", "F", "S", "M", "L", "P", "Item", "q_", "X-"])


#: One fixed text, for tests where wording does not matter.
FIXED_TEXTS = st.just(Texts("条目", "དཔེ་", "Item"))

# Any text a manager could type, control characters included (they must be escaped).
_any_text = st.characters(exclude_categories=("Cs",))
# Text that TOML can hold raw: no surrogates, no control characters.
_plain_text = st.characters(exclude_categories=("Cs", "Cc"))


def card_texts(alphabet: st.SearchStrategy[str] = _any_text) -> st.SearchStrategy[Texts]:
    """Texts with a non-blank Chinese text and optional non-blank Tibetan and English."""
    text = st.text(alphabet=alphabet, min_size=1, max_size=12).filter(str.strip)
    return st.builds(Texts, zh=text, bo=st.none() | text, en=st.none() | text)


def _codes(count: int) -> st.SearchStrategy[list[str]]:
    return st.lists(_code_stems, min_size=count, max_size=count).map(
        lambda stems: [f"{stem}{index}" for index, stem in enumerate(stems)]
    )


@st.composite
def cards(
    draw: st.DrawFn,
    max_items: int = 8,
    texts: st.SearchStrategy[Texts] | None = None,
) -> Scorecard:
    """A valid scorecard: bands, 1-3 categories, 1..max_items items, 0-3 vetoes.

    ``texts`` defaults to any Unicode text; rating laws pass ``FIXED_TEXTS``, since texts
    cannot change a score and generating them is most of the cost.
    """
    texts = card_texts() if texts is None else texts
    two = draw(st.integers(1, 99))
    three = draw(st.integers(two + 1, 100))
    category_codes = draw(_codes(draw(st.integers(1, 3))))
    categories = tuple(Category(code, draw(texts)) for code in category_codes)
    item_codes = draw(_codes(draw(st.integers(1, max_items))))
    items = [
        Item(
            code=code,
            category=draw(st.sampled_from(category_codes)),
            points=draw(st.integers(1, 30)),
            texts=draw(texts),
            na_allowed=draw(st.booleans()),
            cap=draw(st.none() | st.integers(1, 3)),
            deadline_days=draw(st.integers(1, 60)),
        )
        for code in item_codes
    ]
    if all(item.na_allowed for item in items):
        # A valid card has an item that is always applicable.
        fixed = draw(st.integers(0, len(items) - 1))
        old = items[fixed]
        items[fixed] = Item(
            old.code, old.category, old.points, old.texts, False, old.cap, old.deadline_days
        )
    veto_codes = draw(_codes(draw(st.integers(0, 3))))
    vetoes = tuple(Veto(code, draw(texts)) for code in veto_codes)
    return Scorecard(
        version=draw(st.integers(1, 10**6)),
        title=draw(texts),
        bands=(Band(3, three), Band(2, two), Band(1, 0)),
        categories=categories,
        items=tuple(items),
        vetoes=vetoes,
    )


@st.composite
def answers_for(draw: st.DrawFn, card: Scorecard) -> dict[str, Answer]:
    """A complete, valid set of answers for ``card`` (n/a only where allowed)."""
    answers = {}
    for item in card.items:
        choices = [Answer.MET, Answer.NOT_MET] + ([Answer.NA] if item.na_allowed else [])
        answers[item.code] = draw(st.sampled_from(choices))
    return answers


def _string(text: str) -> str:
    # A JSON string without ASCII escaping is a valid TOML basic string for such text.
    return json.dumps(text, ensure_ascii=False)


def _text_keys(texts: Texts) -> list[str]:
    found = (("zh", texts.zh), ("bo", texts.bo), ("en", texts.en))
    return [f"{language} = {_string(text)}" for language, text in found if text is not None]


@st.composite
def scorecard_texts(draw: st.DrawFn) -> tuple[Scorecard, str]:
    """A card and TOML text for it, keys in random order; loading the text gives the card."""
    card = draw(cards(texts=card_texts(_plain_text)))

    def table(header: str, keys: list[str]) -> list[str]:
        return ["", header, *draw(st.permutations(keys))]

    blocks: list[list[str]] = [[f"version = {card.version}"]]
    title = _text_keys(card.title)
    if draw(st.booleans()):
        blocks[0].append("title = { " + ", ".join(title) + " }")
    else:
        blocks.append(table("[title]", title))
    three, two = card.bands[0].minimum, card.bands[1].minimum
    bands = [f"three = {three}", f"two = {two}"] + (["one = 0"] if draw(st.booleans()) else [])
    blocks.append(table("[bands]", bands))
    for category in card.categories:
        keys = [f"code = {_string(category.code)}", *_text_keys(category.texts)]
        blocks.append(table("[[categories]]", keys))
    for item in card.items:
        keys = [
            f"code = {_string(item.code)}",
            f"category = {_string(item.category)}",
            f"points = {item.points}",
            f"deadline_days = {item.deadline_days}",
            *_text_keys(item.texts),
        ]
        if item.na_allowed or draw(st.booleans()):
            keys.append(f"na_allowed = {str(item.na_allowed).lower()}")
        if item.cap is not None:
            keys.append(f"cap = {item.cap}")
        blocks.append(table("[[items]]", keys))
    for veto in card.vetoes:
        blocks.append(
            table("[[vetoes]]", [f"code = {_string(veto.code)}", *_text_keys(veto.texts)])
        )
    return card, "\n".join(line for block in blocks for line in block) + "\n"
