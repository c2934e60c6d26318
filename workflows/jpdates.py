"""Dates as people type them: ISO (2022-09-01, 2022/9/1) or Japanese era (令和4年9月1日, 令和元年5月1日).

Pure and deterministic, so both the workflow sandbox and the API can use it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# First year of each era minus one: 令和 n → 2018 + n (DOMAIN.md).
ERA_OFFSETS = {"令和": 2018, "平成": 1988, "昭和": 1925, "R": 2018, "H": 1988, "S": 1925}
# First day of each era, so 平成31年5月1日 (already 令和) is refused instead of silently accepted.
ERA_STARTS = {"令和": date(2019, 5, 1), "平成": date(1989, 1, 8), "昭和": date(1926, 12, 25)}
ERA_ENDS = {"平成": date(2019, 4, 30), "昭和": date(1989, 1, 7)}
_ERA_ALIASES = {"R": "令和", "H": "平成", "S": "昭和"}

_ERA_PATTERN = re.compile(
    r"^(?P<era>令和|平成|昭和|R|H|S)\s*(?P<year>元|\d{1,2})\s*(?:年|\.)\s*(?P<month>\d{1,2})\s*(?:月|\.)\s*(?P<day>\d{1,2})\s*日?$"
)
_ISO_PATTERN = re.compile(r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?$")


class JapaneseDateError(ValueError):
    """Raised with a message a person can act on (Japanese and English)."""


def _normalise(text: str) -> str:
    # NFKC turns full-width digits and letters (２０２２, Ｒ) into ASCII; the era names are unaffected.
    return unicodedata.normalize("NFKC", text).strip().upper()


def parse_date(value: str | date) -> date:
    """Parse an ISO or Japanese-era date; raise JapaneseDateError with a bilingual message otherwise."""
    if isinstance(value, date):
        return value
    text = _normalise(str(value))
    match = _ERA_PATTERN.match(text)
    if match:
        era = _ERA_ALIASES.get(match["era"], match["era"])
        era_year = 1 if match["year"] == "元" else int(match["year"])
        if era_year < 1:
            raise JapaneseDateError(f"「{value}」: 年は1以上で入力してください / the era year must be 1 or more")
        parsed = _build(ERA_OFFSETS[era] + era_year, int(match["month"]), int(match["day"]), value)
        if parsed < ERA_STARTS[era] or (era in ERA_ENDS and parsed > ERA_ENDS[era]):
            raise JapaneseDateError(
                f"「{value}」は{era}の期間外の日付です / {value!s} is outside the {era} era"
            )
        return parsed
    match = _ISO_PATTERN.match(text)
    if match:
        return _build(int(match["year"]), int(match["month"]), int(match["day"]), value)
    raise JapaneseDateError(
        f"「{value}」は日付として読めません。2022-09-01 または 令和4年9月1日 の形式で入力してください / "
        f"{value!s} is not a date: use 2022-09-01 or 令和4年9月1日"
    )


def _build(year: int, month: int, day: int, original: object) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise JapaneseDateError(
            f"「{original}」は存在しない日付です / {original!s} is not a valid calendar date"
        ) from None


def to_japanese_era(value: date) -> str:
    """Format a date the way the plan prints it: 令和4年9月1日 (元年 for the first year)."""
    for era in ("令和", "平成", "昭和"):
        if value >= ERA_STARTS[era]:
            year = value.year - ERA_OFFSETS[era]
            year_text = "元" if year == 1 else str(year)
            return f"{era}{year_text}年{value.month}月{value.day}日"
    return f"{value.year}年{value.month}月{value.day}日"
