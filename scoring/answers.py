"""Inspection answers and their check against a scorecard.

An assessment needs one answer for every item of the card, and nothing else: a missing answer
would silently count as zero, an unknown code usually means the wrong card version.  All
problems are reported together, each naming its item or veto code and a stable ``kind`` that
the app maps to a translated message at its edge.

Laws: ``check_answers`` returns exactly the card's item codes, in card order; "na" is accepted
only on items with ``na_allowed``; ``check_vetoes`` returns known codes in card order, once each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from scoring.scorecard import Scorecard

__all__ = [
    "Answer",
    "AnswerError",
    "AnswerProblem",
    "ProblemKind",
    "check_answers",
    "check_inspection",
    "check_vetoes",
]


class Answer(StrEnum):
    """What the inspector found for one item."""

    MET = "met"
    NOT_MET = "not_met"
    #: Not applicable (e.g. no gas in the unit): the item's points leave the total.
    NA = "na"


class ProblemKind(StrEnum):
    MISSING = "missing"
    UNKNOWN_ITEM = "unknown_item"
    UNKNOWN_VETO = "unknown_veto"
    BAD_VALUE = "bad_value"
    NA_NOT_ALLOWED = "na_not_allowed"


@dataclass(frozen=True)
class AnswerProblem:
    kind: ProblemKind
    #: The item or veto code concerned (as given, so possibly not a string).
    code: object
    message: str


class AnswerError(ValueError):
    """Answers or vetoes do not fit the scorecard; ``problems`` says each way they don't."""

    def __init__(self, problems: list[AnswerProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.message for problem in self.problems))


_VALID = frozenset(answer.value for answer in Answer)
_VALUES = ", ".join(answer.value for answer in Answer)


def check_answers(card: Scorecard, answers: Mapping[str, Answer | str]) -> dict[str, Answer]:
    """One Answer per item of ``card``, in card order; AnswerError lists every problem."""
    problems: list[AnswerProblem] = []
    checked = _check_answers(card, answers, problems)
    if problems:
        raise AnswerError(problems)
    return checked


def check_vetoes(card: Scorecard, vetoes: Iterable[str]) -> tuple[str, ...]:
    """The applied veto codes in card order, each once; AnswerError names unknown codes."""
    problems: list[AnswerProblem] = []
    checked = _check_vetoes(card, vetoes, problems)
    if problems:
        raise AnswerError(problems)
    return checked


def check_inspection(
    card: Scorecard, answers: Mapping[str, Answer | str], vetoes: Iterable[str]
) -> tuple[dict[str, Answer], tuple[str, ...]]:
    """Both checks at once, so that one AnswerError lists answer and veto problems together."""
    problems: list[AnswerProblem] = []
    checked = _check_answers(card, answers, problems)
    applied = _check_vetoes(card, vetoes, problems)
    if problems:
        raise AnswerError(problems)
    return checked, applied


def _check_answers(
    card: Scorecard, answers: Mapping[str, Answer | str], problems: list[AnswerProblem]
) -> dict[str, Answer]:
    checked = {}
    for item in card.items:
        if item.code not in answers:
            problems.append(
                AnswerProblem(ProblemKind.MISSING, item.code, f"item {item.code}: no answer given")
            )
            continue
        given = answers[item.code]
        # Answer is a str enum, so Answer.MET and "met" are both found here.
        if not isinstance(given, str) or given not in _VALID:
            problems.append(
                AnswerProblem(
                    ProblemKind.BAD_VALUE,
                    item.code,
                    f"item {item.code}: answer {given!r} is not one of {_VALUES}",
                )
            )
            continue
        answer = Answer(given)
        if answer is Answer.NA and not item.na_allowed:
            problems.append(
                AnswerProblem(
                    ProblemKind.NA_NOT_ALLOWED,
                    item.code,
                    f"item {item.code}: cannot be answered n/a (not applicable)",
                )
            )
            continue
        checked[item.code] = answer
    problems.extend(
        AnswerProblem(
            ProblemKind.UNKNOWN_ITEM, code, f"item {code}: not on scorecard version {card.version}"
        )
        for code in answers
        if not isinstance(code, str) or not card.has_item(code)
    )
    return checked


def _check_vetoes(
    card: Scorecard, vetoes: Iterable[str], problems: list[AnswerProblem]
) -> tuple[str, ...]:
    if isinstance(vetoes, str):
        # A bare "V1" would otherwise be read as the codes "V" and "1".
        raise TypeError("vetoes must be a collection of veto codes, not a single string")
    given = list(vetoes)
    problems.extend(
        AnswerProblem(
            ProblemKind.UNKNOWN_VETO, code, f"veto {code}: not on scorecard version {card.version}"
        )
        for code in dict.fromkeys(given)
        if code not in card.veto_codes
    )
    return tuple(code for code in card.veto_codes if code in given)
