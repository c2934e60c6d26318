"""The optional corporate-tax input of the follow-up page's tax benefit table: read from the query string,
never stored (tokku does not know a company's tax; the figure only computes the credit cap on screen)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_TAX_JPY = 10**15


@dataclass(frozen=True)
class CorporateTaxInput:
    fiscal_year: int | None = None
    corporate_tax_jpy: int | None = None
    raw: str = ""
    error: str | None = None  # Japanese / English, shown next to the input


def corporate_tax_input(query) -> CorporateTaxInput:
    raw = str(query.get("corporate_tax_jpy") or "").strip()
    year_text = str(query.get("fiscal_year") or "").strip()
    year = int(year_text) if year_text.isascii() and year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None
    if not raw:
        return CorporateTaxInput(fiscal_year=year)
    digits = unicodedata.normalize("NFKC", raw).replace(",", "").replace("円", "").replace("¥", "").strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) > MAX_TAX_JPY:
        return CorporateTaxInput(fiscal_year=year, raw=raw, error=(
            f"法人税額「{raw}」は0以上の整数（円）で入力してください / the corporate tax must be a whole number of yen"))
    return CorporateTaxInput(fiscal_year=year, corporate_tax_jpy=int(digits), raw=raw)
