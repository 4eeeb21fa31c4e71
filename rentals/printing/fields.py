"""Printable fields, each defined once (label, value) for every builder.

A builder turns rows into *sources* (plain dicts of unit, area, community, landlord,
plaque and task values) and asks this registry for the fields its document prints, so a
unit code or a rating name looks the same on a plaque, a roster and a blacklist.
Labels are gettext msgids marked with ``N_`` and translated by the document's locale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scoring.names import RATING_NAMES, rating_name


def N_(message: str) -> str:  # noqa: N802  (the conventional name for a deferred msgid)
    """Mark a msgid for extraction; the document's own gettext translates it."""
    return message


#: Public status names for lists (blacklist, roster, the plaque check page): (zh, bo),
#: from the one table of rating names.
STATUS_NAMES = {status: (n.label_zh, n.label_bo) for status, n in RATING_NAMES.items()}
RATED = ("three", "two", "one")


def star_text(stars: int | None) -> str:
    """★ for each star and ☆ for the rest of three ("★★☆"); empty when not rated."""
    if not stars:
        return ""
    return "★" * stars + "☆" * (3 - stars)


@dataclass(frozen=True)
class PrintField:
    key: str
    #: Chinese msgid of the label; ``label_bo`` is printed beside it on bilingual documents.
    label: str
    label_bo: str
    value: Callable[[Mapping[str, Any]], Any]


def _get(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda src: src.get(name) or ""


def _rating(part: str) -> Callable[[Mapping[str, Any]], Any]:
    def value(src: Mapping[str, Any]) -> Any:
        name = rating_name(src.get("rating_status"))
        return (getattr(name, part) or "") if name and name.plaque_colour else ""

    return value


def _status(index: int) -> Callable[[Mapping[str, Any]], Any]:
    return lambda src: STATUS_NAMES.get(src.get("rating_status") or "", ("", ""))[index]


def _phone(src: Mapping[str, Any]) -> str:
    value = src.get("landlord_phone") or ""
    return value[3:] if value.startswith("+86") else value


REGISTRY: dict[str, PrintField] = {
    f.key: f
    for f in [
        PrintField("unit_code", N_("编号"), "ཨང་རྟགས།", _get("unit_code")),
        PrintField("address", N_("地址"), "གནས་ཡུལ།", _get("address")),
        PrintField("area", N_("区域"), "ས་ཁུལ།", _get("area")),
        PrintField("area_bo", N_("区域（藏文）"), "ས་ཁུལ།", _get("area_bo")),
        PrintField("community", N_("社区"), "སྡོད་ཁུལ།", _get("community")),
        PrintField("community_bo", N_("社区（藏文）"), "སྡོད་ཁུལ།", _get("community_bo")),
        PrintField(
            "issuer",
            N_("颁发单位"),
            "སྤྲོད་མཁན་ལས་ཁུངས།",
            _get("issuer"),
        ),
        PrintField("stars", N_("星级"), "སྐར་རིམ།", lambda s: star_text(s.get("stars"))),
        PrintField("stars_count", N_("星数"), "སྐར་གྲངས།", lambda s: s.get("stars") or 0),
        PrintField("rating_status", N_("评定状态"), "གནས་སྟངས།", _get("rating_status")),
        PrintField("status_zh", N_("评定结果"), "གདེང་འཇོག་འབྲས་བུ།", _status(0)),
        PrintField("status_bo", N_("评定结果（藏文）"), "གདེང་འཇོག་འབྲས་བུ།", _status(1)),
        PrintField("rating_stars_zh", N_("星级名称"), "སྐར་རིམ།", _rating("stars_zh")),
        PrintField("rating_kind_zh", N_("类型"), "རིགས།", _rating("kind_zh")),
        PrintField("rating_stars_bo", N_("星级名称（藏文）"), "སྐར་རིམ།", _rating("stars_bo")),
        PrintField("rating_kind_bo", N_("类型（藏文）"), "རིགས།", _rating("kind_bo")),
        PrintField("colour", N_("颜色"), "ཚོས་གཞི།", _rating("plaque_colour")),
        PrintField(
            "valid_until",
            N_("有效期至"),
            "ནུས་ལྡན་དུས་ཚོད།",
            lambda s: s.get("valid_until"),
        ),
        PrintField("serial", N_("牌号"), "བྱང་བུའི་ཨང་།", _get("serial")),
        PrintField(
            "qr_url",
            N_("核验网址"),
            "ཞིབ་བཤེར་དྲ་ཚིགས།",
            _get("qr_url"),
        ),
        PrintField("landlord_name", N_("房东"), "ཁང་བདག", _get("landlord_name")),
        PrintField("landlord_phone", N_("电话"), "ཁ་པར།", _phone),
        PrintField("due", N_("应查日期"), "ཞིབ་བཤེར་དུས་ཚོད།", lambda s: s.get("due")),
        PrintField(
            "last_inspection",
            N_("上次检查"),
            "སྔོན་མའི་ཞིབ་བཤེར།",
            lambda s: s.get("last_inspection"),
        ),
        PrintField(
            "open_orders", N_("未结整改"), "ལེགས་བཅོས་མ་ཚར་བ།", lambda s: s.get("open_orders") or 0
        ),
        PrintField(
            "reasons",
            N_("原因"),
            "རྒྱུ་མཚན།",
            lambda s: list(s.get("reasons") or []),
        ),
    ]
}


def extract(keys: Iterable[str], source: Mapping[str, Any]) -> dict[str, Any]:
    """The named fields' values for one source row (KeyError for an unknown field)."""
    return {key: REGISTRY[key].value(source) for key in keys}


def labels(keys: Iterable[str]) -> dict[str, dict[str, str]]:
    """``{key: {"zh": msgid, "bo": Tibetan}}`` for column headers and captions."""
    return {key: {"zh": REGISTRY[key].label, "bo": REGISTRY[key].label_bo} for key in keys}
