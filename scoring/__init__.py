"""Pure scoring core: versioned scorecards, answers, score, bands, caps, vetoes, advice.

It imports nothing from Flask, SQLAlchemy or the app: it takes plain values (a scorecard,
answers, veto codes) and returns frozen values (an Assessment), so the rules can be tested and
explained on their own.  Each module's docstring lists the laws it keeps.
"""

from scoring.advice import fixes_to_reach, next_star
from scoring.answers import (
    Answer,
    AnswerError,
    AnswerProblem,
    ProblemKind,
    check_answers,
    check_inspection,
    check_vetoes,
)
from scoring.default import default_scorecard, default_scorecard_text
from scoring.dump import dump_scorecard
from scoring.loading import Problem, ScorecardError, load_scorecard, parse_scorecard
from scoring.names import RATING_NAMES, RatingName, rating_name
from scoring.rating import (
    Assessment,
    ItemResult,
    RatingStatus,
    assess,
    assess_without_answers,
    display_score,
)
from scoring.scorecard import Band, Category, Item, Scorecard, Texts, Veto

__all__ = [
    "Answer",
    "AnswerError",
    "AnswerProblem",
    "Assessment",
    "Band",
    "Category",
    "Item",
    "ItemResult",
    "Problem",
    "ProblemKind",
    "RATING_NAMES",
    "RatingName",
    "RatingStatus",
    "Scorecard",
    "ScorecardError",
    "Texts",
    "Veto",
    "assess",
    "assess_without_answers",
    "check_answers",
    "check_inspection",
    "check_vetoes",
    "default_scorecard",
    "default_scorecard_text",
    "display_score",
    "dump_scorecard",
    "fixes_to_reach",
    "load_scorecard",
    "next_star",
    "parse_scorecard",
    "rating_name",
]
