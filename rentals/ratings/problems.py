"""The scoring core's scorecard problems in the user's language.

``scoring.loading`` is pure and speaks English; each of its problems carries a ``kind``, the
``place`` it concerns and its ``args``, and this table says each kind as a whole translated
sentence (``tests/ratings/test_scorecard_bounds.py`` checks that every kind has one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _

from scoring import Problem

__all__ = ["SENTENCES", "describe", "describe_all"]


def _type_word(kind: object) -> str:
    return {
        "string": _("字符串"),
        "boolean": _("布尔值"),
        "integer": _("整数"),
        "float": _("小数"),
        "table": _("表"),
        "array": _("数组"),
    }.get(str(kind), _("日期或时间"))


#: One sentence per Problem.kind, taking the problem's args as keywords.
SENTENCES: dict[str, Callable[..., str]] = {
    "all_na": lambda **a: _("所有评分项都允许“不适用”，至少要有一项写 na_allowed = false。"),
    "bad_code": lambda **a: _(
        "代码 %(code)s 必须以字母开头，只用字母、数字、“_”或“-”，最多 32 个字符。", **a
    ),
    "band_gap": lambda **a: _("星级分数线有空缺：one 必须是 0 或不写，现在是 %(one)s。", **a),
    "band_overlap": lambda **a: _(
        "星级分数线重叠：three（%(three)s）必须高于 two（%(two)s）。", **a
    ),
    "blank": lambda **a: _("%(key)s 不能是空白。", **a),
    "duplicate": lambda **a: _("代码 %(code)s 重复，第 %(first)s 行已经用过。", **a),
    "empty": lambda **a: _("%(key)s 不能为空。", **a),
    "missing_key": lambda **a: _("缺少必填的 %(key)s。", **a),
    "not_a_table": lambda **a: _("%(key)s 的每一项都必须是表。", **a),
    "out_of_range": lambda **a: _(
        "%(key)s 必须在 %(minimum)s 到 %(maximum)s 之间，现在是 %(value)s。", **a
    ),
    "syntax": lambda **a: _("TOML 格式错误，请检查这一行（%(detail)s）。", detail=a.get("detail")),
    "too_deep": lambda **a: _("数组、表或带点的键嵌套超过 %(maximum)s 层。", **a),
    "too_large": lambda **a: _("评分表内容过大：%(size)s 字节，最多 %(maximum)s 字节。", **a),
    "too_long": lambda **a: _("%(key)s 的文字有 %(length)s 个字，最多 %(maximum)s 个字。", **a),
    "too_many": lambda **a: _("%(key)s 有 %(count)s 项，最多 %(maximum)s 项。", **a),
    "total_too_high": lambda **a: _("各评分项分值合计 %(total)s 分，最多 %(maximum)s 分。", **a),
    "unknown_category": lambda **a: _("类别 %(category)s 不存在。", **a),
    "unknown_key": lambda **a: _("不认识的键 %(key)s（可以用：%(allowed)s）。", **a),
    "wrong_type": lambda **a: _(
        "%(key)s 必须是%(expected)s，不能是%(found)s。",
        key=a["key"],
        expected=_type_word(a["expected"]),
        found=_type_word(a["found"]),
    ),
}


def _place(place: tuple[str, str]) -> str | None:
    table, label = place
    names: dict[str, Callable[[], str]] = {
        "item": lambda: _("评分项 %(code)s", code=label),
        "category": lambda: _("类别 %(code)s", code=label),
        "veto": lambda: _("不予评定项 %(code)s", code=label),
        "items": lambda: _("第 %(n)s 个评分项", n=label),
        "categories": lambda: _("第 %(n)s 个类别", n=label),
        "vetoes": lambda: _("第 %(n)s 个不予评定项", n=label),
        "bands": lambda: _("星级分数线"),
        "title": lambda: _("标题"),
    }
    name = names.get(table)
    return name() if name is not None else None


def describe(problem: Problem) -> str:
    """One problem as a translated sentence, led by the item or table it concerns."""
    args: dict[str, Any] = dict(problem.args)
    sentence = SENTENCES.get(problem.kind)
    text = sentence(**args) if sentence is not None else problem.message
    place = _place(problem.place)
    return _("%(place)s：%(text)s", place=place, text=text) if place else text


def describe_all(problems: Iterable[Problem]) -> list[tuple[int, str]]:
    """(line, sentence) for each problem, in the order given."""
    return [(problem.line, describe(problem)) for problem in problems]
