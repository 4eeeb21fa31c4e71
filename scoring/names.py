"""The names of every public rating status, in Chinese, Tibetan and English, with colours:
the one table pages, PDFs, exports and catalogues all read.

Pages and documents take the label from here for the language they render in; the
catalogues' entries for the same Chinese words must say the same
(``tests/ratings/test_rating_names.py`` compares pages, PDFs and catalogues).
The Tibetan follows the catalogues' word for 评定 (གདེང་འཇོག) and the plaques' wording of
the three kinds; the community office's Tibetan staff proof-read it before a print run.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.rating import RatingStatus

__all__ = ["LANGUAGES", "RATING_NAMES", "RatingName", "rating_name"]

#: Languages the table holds; any other falls back to Chinese.
LANGUAGES = ("zh", "bo", "en")


@dataclass(frozen=True)
class RatingName:
    status: RatingStatus
    #: "三星"; empty for the states that are not a number of stars.
    stars_zh: str
    #: "绿色放心型"; for the other states, the state's name.
    kind_zh: str
    stars_bo: str
    kind_bo: str
    stars_en: str
    kind_en: str
    #: The plaque's colour (green, yellow, red) or None when no plaque is issued.
    plaque_colour: str | None
    #: Badge class on pages (green, yellow, red, black, grey).
    css: str
    #: Fill of the dashboard's charts.
    fill: str

    def label(self, language: str = "zh") -> str:
        """The full name: "三星 · 绿色放心型", "སྐར་མ་གསུམ། ལྗང་ཁུ། …", "Three stars · green …"."""
        stars = {"bo": self.stars_bo, "en": self.stars_en}.get(language, self.stars_zh)
        kind = {"bo": self.kind_bo, "en": self.kind_en}.get(language, self.kind_zh)
        if not stars:
            return kind
        return f"{stars} {kind}" if language == "bo" else f"{stars} · {kind}"

    @property
    def label_zh(self) -> str:
        return self.label("zh")

    @property
    def label_bo(self) -> str:
        return self.label("bo")

    @property
    def label_en(self) -> str:
        return self.label("en")


RATING_NAMES: dict[str, RatingName] = {
    n.status.value: n
    for n in (
        RatingName(
            RatingStatus.THREE,
            "三星",
            "绿色放心型",
            "སྐར་མ་གསུམ།",
            "ལྗང་ཁུ། སེམས་ཁྲལ་མེད་པའི་རིགས།",
            "Three stars",
            'green "reassuring"',
            "green",
            "green",
            "#2e7d32",
        ),
        RatingName(
            RatingStatus.TWO,
            "二星",
            "黄色一般型",
            "སྐར་མ་གཉིས།",
            "སེར་པོ། སྤྱིར་བཏང་གི་རིགས།",
            "Two stars",
            'yellow "ordinary"',
            "yellow",
            "yellow",
            "#f9a825",
        ),
        RatingName(
            RatingStatus.ONE,
            "一星",
            "红色重点关注型",
            "སྐར་མ་གཅིག",
            "དམར་པོ། གཙོ་བོར་དོ་སྣང་བྱ་དགོས་པའི་རིགས།",
            "One star",
            'red "key attention"',
            "red",
            "red",
            "#c62828",
        ),
        RatingName(
            RatingStatus.NOT_RATED,
            "",
            "不予评定",
            "",
            "གདེང་འཇོག་མི་བྱེད།",
            "",
            "Not rated",
            None,
            "black",
            "#424242",
        ),
        RatingName(
            RatingStatus.UNDER_REVIEW,
            "",
            "复核中",
            "",
            "བསྐྱར་ཞིབ་བྱེད་བཞིན་པ།",
            "",
            "Under review",
            None,
            "grey",
            "#6a1b9a",
        ),
        RatingName(
            RatingStatus.NOT_YET_RATED,
            "",
            "尚未评定",
            "",
            "ད་དུང་གདེང་འཇོག་བྱས་མེད།",
            "",
            "Not yet rated",
            None,
            "grey",
            "#9e9e9e",
        ),
    )
}


def rating_name(status: str | None) -> RatingName | None:
    """The names of a status value; None for an unknown one."""
    return RATING_NAMES.get(status or "")
