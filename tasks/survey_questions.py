"""The survey's questions (models/surveys.py SCORE_GROUPS), their wording, and checked answers.

One set of rules for the survey page and for an import: a score is a whole number from 1 to 5,
"would you recommend us" from 0 to 10, any question may be left out, but not all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from models.surveys import SCORE_COLUMNS, SCORE_GROUPS

# Russian for the page and the follow-up, English for the internal alert.
GROUP_TITLES: dict[str, tuple[str, str]] = {
    "products": ("Продукция", "Products"),
    "service": ("Сотрудники и сервис", "Staff and service"),
    "prices": ("Цены и условия", "Prices and terms"),
    "logistics": ("Логистика", "Logistics"),
    "company": ("Компания в целом", "The company as a whole"),
}
QUESTIONS: dict[str, tuple[str, str]] = {
    "products_range": ("Ассортимент", "Range"),
    "products_quality": ("Стабильность качества", "Stable quality"),
    "products_features": ("Характеристики и функции", "Features"),
    "products_packaging": ("Упаковка", "Packaging"),
    "service_speed": ("Скорость работы", "Speed"),
    "service_friendliness": ("Доброжелательность", "Friendliness"),
    "service_informing": ("Информирование о ходе работы", "Keeping you informed"),
    "service_complaints": ("Работа с претензиями", "Complaints handled"),
    "prices_value": ("Соотношение цены и качества", "Price/quality"),
    "prices_discounts": ("Скидки", "Discounts"),
    "prices_payment_terms": ("Условия оплаты", "Payment terms"),
    "prices_returns": ("Условия возврата", "Returns"),
    "logistics": ("Доставка: сроки, точность, сохранность", "Delivery"),
    "company_overall": ("Компания в целом", "The company as a whole"),
}
NPS_QUESTION = (
    "Насколько вероятно, что вы порекомендуете нас коллегам или партнёрам?",
    "Would you recommend us?",
)
SCORES = range(1, 6)
NPS_SCORES = range(0, 11)
MAX_COMMENT = 4000
# A low score: a follow-up for the owner and an alert to the head of sales.
LOW_SCORE, LOW_NPS = 2, 6

assert tuple(QUESTIONS) == SCORE_COLUMNS and set(GROUP_TITLES) == set(SCORE_GROUPS)


class Answers(BaseModel):
    """One respondent's answers; None where a question was left out."""

    scores: dict[str, int | None]
    nps: int | None = None
    comment: str | None = None

    def row(self) -> dict[str, int | str | None]:
        """The answers as survey_responses columns."""
        return {**self.scores, "nps": self.nps, "comment": self.comment}

    @property
    def is_low(self) -> bool:
        low = any(v is not None and v <= LOW_SCORE for v in self.scores.values())
        return low or (self.nps is not None and self.nps <= LOW_NPS)


@dataclass(frozen=True)
class Problem:
    """Why one answer cannot be recorded: `field` is a column, "comment" or "" (the whole)."""

    field: str
    given: str = ""

    def _allowed(self) -> range:
        return NPS_SCORES if self.field == "nps" else SCORES

    def ru(self) -> str:
        if not self.field:
            return "нет ни одного ответа: оцените хотя бы один пункт"
        if self.field == "comment":
            return f"комментарий длиннее {MAX_COMMENT} символов"
        allowed = self._allowed()
        label = NPS_QUESTION[0] if self.field == "nps" else QUESTIONS[self.field][0]
        return f"«{label}»: «{self.given}» — нужна оценка от {allowed[0]} до {allowed[-1]}"

    def en(self) -> str:
        if not self.field:
            return "no answers"
        if self.field == "comment":
            return f"the comment is longer than {MAX_COMMENT} characters"
        allowed = self._allowed()
        return (
            f"{self.field} '{self.given}' is not a whole number from {allowed[0]} to {allowed[-1]}"
        )


class AnswerError(ValueError):
    """Answers that cannot be recorded, with every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.en() for p in problems))
        self.problems = problems


def whole(field: str, text: str, problems: list[Problem]) -> int | None:
    """The answer to `field` (a score or "nps"); None when left empty or out of range, which
    is added to `problems`."""
    text = text.strip()
    if not text:
        return None
    allowed = NPS_SCORES if field == "nps" else SCORES
    try:
        number = float(text.replace(",", "."))  # "4", and "4.0" or "4,0" from a spreadsheet
    except ValueError:
        number = float("nan")
    value = int(number) if number.is_integer() else None
    if value is None or value not in allowed:
        problems.append(Problem(field, text[:20]))
        return None
    return value


def parse_answers(values: Mapping[str, str]) -> Answers:
    """Check answers given as text (a form post, a file's row); AnswerError lists every fault."""
    problems: list[Problem] = []
    scores = {column: whole(column, values.get(column, ""), problems) for column in SCORE_COLUMNS}
    nps = whole("nps", values.get("nps", ""), problems)
    # PostgreSQL text cannot hold NUL; nothing else in a comment is refused (it is escaped
    # wherever it is shown).
    comment = values.get("comment", "").replace("\x00", "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        problems.append(Problem("comment"))
    if problems:
        raise AnswerError(problems)
    if nps is None and comment is None and all(v is None for v in scores.values()):
        raise AnswerError([Problem("")])
    return Answers(scores=scores, nps=nps, comment=comment)
