"""Write a Scorecard back as TOML text, in the layout ``docs/scoring.md`` describes.

The app stores each published version as text, so a card built or edited in code must be
written in the same format the loader reads.  Law: ``load_scorecard(dump_scorecard(card)) ==
card`` for every valid card (``tests/property/test_scoring_laws.py``).
"""

from __future__ import annotations

from scoring.scorecard import DEFAULT_SERIOUS_REVISIT_DAYS, LANGUAGES, Scorecard, Texts

__all__ = ["dump_scorecard"]

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_STAR_KEYS = {3: "three", 2: "two", 1: "one"}


def dump_scorecard(card: Scorecard) -> str:
    """TOML text for ``card``; optional keys are written only when they differ from defaults."""
    lines = [f"version = {card.version}"]
    if card.serious_revisit_days != DEFAULT_SERIOUS_REVISIT_DAYS:
        lines.append(f"serious_revisit_days = {card.serious_revisit_days}")
    lines += ["", "[title]", *_texts(card.title), "", "[bands]"]
    # The one-star band always starts at 0, which is the loader's default.
    lines += [f"{_STAR_KEYS[band.stars]} = {band.minimum}" for band in card.bands if band.stars > 1]
    for category in card.categories:
        lines += ["", "[[categories]]", f"code = {_string(category.code)}", *_texts(category.texts)]
    for item in card.items:
        lines += [
            "",
            "[[items]]",
            f"code = {_string(item.code)}",
            f"category = {_string(item.category)}",
            f"points = {item.points}",
        ]
        if item.na_allowed:
            lines.append("na_allowed = true")
        if item.cap is not None:
            lines.append(f"cap = {item.cap}")
        lines.append(f"deadline_days = {item.deadline_days}")
        if item.remote_proof:
            lines.append("remote_proof = true")
        lines += _texts(item.texts)
    for veto in card.vetoes:
        lines += ["", "[[vetoes]]", f"code = {_string(veto.code)}", *_texts(veto.texts)]
    return "\n".join(lines) + "\n"


def _texts(texts: Texts) -> list[str]:
    found = ((language, getattr(texts, language)) for language in LANGUAGES)
    return [f"{language} = {_string(text)}" for language, text in found if text is not None]


def _string(text: str) -> str:
    """A TOML basic string: escapes quotes, backslashes and every control character."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
