"""What the public may not see: fields an application marks undisclosed (content.undisclosed_fields), and
text the plan already prints as 《非公表》.

The public version replaces each undisclosed field as a whole with 《非公表》; the page then carries the
plan's note. Redaction happens when records are built from the data, before any renderer runs.
"""

from __future__ import annotations

import re
from typing import Any

UNDISCLOSED = "《非公表》"
DISCLOSURE_NOTE = "※このページについては、事業の適正な遂行に支障を及ぼすおそれがある情報を含むことから、一部非公表といたします。"
PUBLIC, INTERNAL = "public", "internal"
AUDIENCES = (PUBLIC, INTERNAL)

# The plan's text extraction writes the same mark three ways; documents print the plan's 《非公表》.
_MARK_VARIANTS = re.compile(r"<<\s*非公表\s*>>|≪\s*非公表\s*≫|《\s*非公表\s*》")

FIELD_LABELS_JA = {
    "project_name": "事業名", "content": "a) 事業の内容", "rule_clauses": "b) 該当条項",
    "necessity": "c) 位置付け及び必要性", "equipment_overview": "d) 設備等の概要", "implementer": "e) 実施主体",
    "business_area": "f) 事業区域", "business_start_on": "g) 事業開始日", "acquisition_from": "g) 設備取得開始",
    "acquisition_until": "g) 設備取得期限", "equipment_items": "取得予定設備", "applicant.capital_jpy": "資本金",
    "applicant.details": "事業の詳細", "applicant.history": "沿革", "applicant.business_summary": "業務概要",
}


def normalise_marks(text: str | None) -> str | None:
    return _MARK_VARIANTS.sub(UNDISCLOSED, text) if text else text


def has_mark(*texts: str | None) -> bool:
    return any(text and UNDISCLOSED in normalise_marks(text) for text in texts)


class Redactor:
    """One application's content as one audience may see it."""

    def __init__(self, content: dict[str, Any], *, reveal: bool) -> None:
        self.content = content
        self.reveal = reveal
        self.undisclosed = set(content.get("undisclosed_fields") or [])
        self.redacted: set[str] = set()

    def hidden(self, name: str) -> bool:
        hide = name in self.undisclosed and not self.reveal
        if hide:
            self.redacted.add(name)
        return hide

    def value(self, name: str) -> Any:
        """The raw value, or None when it is undisclosed to this audience (callers print UNDISCLOSED)."""
        if self.hidden(name):
            return None
        node: Any = self.content
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    def text(self, name: str) -> str | None:
        if self.hidden(name):
            return UNDISCLOSED
        value = self.value(name)
        return normalise_marks(str(value)) if value not in (None, "") else None

    @property
    def undisclosed_labels(self) -> list[str]:
        return [FIELD_LABELS_JA.get(name, name) for name in sorted(self.undisclosed)]
