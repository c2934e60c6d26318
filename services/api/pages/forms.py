"""The application form: which fields it shows in which annex section, and the translation between what a
person typed (strings, kept as typed for re-display) and the ApplicationContent the service validates.

No rule lives here: every check is ApplicationContent's (or missing_for_submission's); this module only
moves values and error locations between the two shapes.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from services.core.schemas import DISCLOSABLE_FIELDS, REQUIRED_FOR_SUBMISSION, ApplicationContent
from services.core.zone import area_names


@dataclass(frozen=True)
class FormField:
    path: str  # the content path, also the form control's name and id
    kind: str  # text | textarea | date | integer | select | lines | history
    choices: tuple[str, ...] = ()
    hint: str | None = None  # a message key

    @property
    def dom_id(self) -> str:
        return "f-" + self.path.replace(".", "-").replace("_", "-")

    @property
    def required(self) -> bool:
        return self.path in REQUIRED_FOR_SUBMISSION

    @property
    def disclosable(self) -> bool:
        return self.path in DISCLOSABLE_FIELDS


@dataclass(frozen=True)
class Section:
    title: str  # message key
    fields: tuple[FormField, ...]
    equipment: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("section_project", (
        FormField("project_name", "text"),
        FormField("measure", "select", ("tax_incentive", "interest_subsidy", "regional_innovation_program")),
        FormField("solution", "select", ("1", "2", "3")),
    )),
    Section("section_applicant", (
        FormField("applicant.corporate_number", "text"),
        FormField("applicant.name", "text"),
        FormField("applicant.postal_code", "text"),
        FormField("applicant.address", "text"),
        FormField("applicant.phone", "text"),
        FormField("applicant.founded_on", "date", hint="date_hint"),
        FormField("applicant.capital_jpy", "integer"),
        FormField("applicant.industry", "text"),
        FormField("applicant.business_summary", "textarea"),
        FormField("applicant.details", "textarea"),
        FormField("applicant.history", "history", hint="history_hint"),
    )),
    Section("section_a", (FormField("content", "textarea"),)),
    Section("section_b", (FormField("rule_clauses", "lines", hint="lines_hint"),)),
    Section("section_c", (FormField("necessity", "textarea"),)),
    Section("section_d", (FormField("equipment_overview", "textarea"),), equipment=True),
    Section("section_efg", (
        FormField("implementer", "text"),
        FormField("business_area", "text", hint="area_hint"),
        FormField("business_start_on", "date", hint="date_hint"),
        FormField("acquisition_from", "date", hint="date_hint"),
        FormField("acquisition_until", "date", hint="date_hint"),
    )),
)

FIELDS: tuple[FormField, ...] = tuple(f for section in SECTIONS for f in section.fields)
ITEM_FIELDS = ("asset_class", "description", "planned_cost_jpy", "planned_acquisition_on")
ASSET_CLASSES = ("machinery", "rd_instrument", "building", "building_attachment", "structure")
ZONE_AREAS_TEXT = area_names()


def new_row_token() -> str:
    """Rows added in the browser get a random token, so no client has to count."""
    return "n" + secrets.token_hex(4)


@dataclass
class FormState:
    """What the form shows: the raw strings per path, the equipment rows, the ticks and the errors."""

    values: dict[str, str] = field(default_factory=dict)
    items: list[dict[str, str]] = field(default_factory=list)  # each with a "token"
    undisclosed: set[str] = field(default_factory=set)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)

    def add_errors(self, errors: list[dict[str, Any]]) -> None:
        for error in errors:
            path = error.get("field") or ""
            message = _readable(error.get("message", ""))
            if path in self.values or path in {f.path for f in FIELDS} or path.startswith("equipment_items"):
                self.errors.setdefault(path, []).append(message)
            else:
                self.general_errors.append(message)

    def item_error(self, index: int, name: str) -> list[str]:
        return self.errors.get(f"equipment_items.{index}.{name}", [])

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.general_errors)


# pydantic's own messages are English; these put the Japanese first for the common types.
_TYPE_MESSAGES_JA = {
    "int_parsing": "整数で入力してください",
    "int_type": "整数で入力してください",
    "greater_than": "0より大きい値を入力してください",
    "greater_than_equal": "0以上の値を入力してください",
    "less_than_equal": "値が大きすぎます",
    "string_too_long": "文字数が多すぎます",
    "string_too_short": "入力してください",
    "missing": "入力してください",
    "enum": "一覧から選択してください",
    "literal_error": "一覧から選択してください",
}


def _readable(message: str) -> str:
    return message.removeprefix("Value error, ")


def pydantic_errors(error: ValidationError) -> list[dict[str, str]]:
    """Errors as {field: dotted path, message}, Japanese first where pydantic speaks only English."""
    result = []
    for e in error.errors():
        path = ".".join(str(part) for part in e["loc"])
        message = e["msg"]
        if e["type"] in _TYPE_MESSAGES_JA:
            message = f"{_TYPE_MESSAGES_JA[e['type']]} / {message}"
        result.append({"field": path, "message": message})
    return result


# --- form → content ---------------------------------------------------------------------------------------


def _clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _number(text: str) -> str:
    """Digits as people type them (３,９００,０００円) into what pydantic reads; anything else stays as typed."""
    normalised = unicodedata.normalize("NFKC", text).replace(",", "").replace("円", "").replace("¥", "").strip()
    return normalised


def state_from_form(form) -> FormState:
    """Read the posted form into a FormState (raw strings, rows in document order, blank rows dropped)."""
    state = FormState()
    for f in FIELDS:
        state.values[f.path] = _clean(form.get(f.path))
    rows: dict[str, dict[str, str]] = {}
    for key, value in form.multi_items():
        if key.startswith("equipment_items."):
            _, token, name = key.split(".", 2)
            if name in ITEM_FIELDS:
                rows.setdefault(token, {"token": token})[name] = _clean(value)
    state.items = [row for row in rows.values() if any(row.get(name) for name in ITEM_FIELDS if name != "asset_class")]
    state.undisclosed = {v for v in form.getlist("undisclosed_fields") if isinstance(v, str)}
    return state


def content_data(state: FormState) -> dict[str, Any]:
    """The content dict for the service: empty fields are None, so clearing a field clears it."""
    data: dict[str, Any] = {"applicant": {}}
    for f in FIELDS:
        raw = state.values.get(f.path, "")
        value: Any
        if f.kind == "lines":
            value = [line.strip() for line in raw.splitlines() if line.strip()]
        elif f.kind == "history":
            value = [_history_entry(line) for line in raw.splitlines() if line.strip()]
        elif f.kind == "integer":
            value = _number(raw) or None
        else:
            value = raw or None
        if f.path.startswith("applicant."):
            data["applicant"][f.path.split(".", 1)[1]] = value
        else:
            data[f.path] = value
    data["equipment_items"] = [
        {"asset_class": row.get("asset_class") or None, "description": row.get("description") or None,
         "planned_cost_jpy": _number(row.get("planned_cost_jpy", "")) or None,
         "planned_acquisition_on": row.get("planned_acquisition_on") or None}
        for row in state.items
    ]
    data["undisclosed_fields"] = sorted(state.undisclosed)
    return data


def _history_entry(line: str) -> dict[str, Any]:
    """'令和2年4月1日 本社移転' → date and text; a line without a space is text only."""
    head, _, rest = line.strip().partition(" ")
    if not rest:
        head, _, rest = line.strip().partition("\u3000")
    return {"date": head, "text": rest.strip()} if rest.strip() else {"text": line.strip()}


def validate_content(state: FormState) -> ApplicationContent | None:
    """ApplicationContent or None with the errors put on the state."""
    try:
        return ApplicationContent.model_validate(content_data(state))
    except ValidationError as error:
        state.add_errors(pydantic_errors(error))
        return None


# --- content → form ---------------------------------------------------------------------------------------


def state_from_content(content: dict[str, Any]) -> FormState:
    state = FormState()
    applicant = content.get("applicant") or {}
    for f in FIELDS:
        if f.path.startswith("applicant."):
            value = applicant.get(f.path.split(".", 1)[1])
        else:
            value = content.get(f.path)
        if f.kind == "lines":
            text = "\n".join(value or [])
        elif f.kind == "history":
            text = "\n".join(f"{e['date']} {e['text']}" if e.get("date") else e.get("text", "") for e in value or [])
        elif isinstance(value, int) and f.kind == "integer":
            text = f"{value:,}"
        else:
            text = "" if value is None else str(value)
        state.values[f.path] = text
    state.items = [
        {"token": str(index), "asset_class": item.get("asset_class", ""), "description": item.get("description", ""),
         "planned_cost_jpy": f"{item['planned_cost_jpy']:,}" if item.get("planned_cost_jpy") else "",
         "planned_acquisition_on": item.get("planned_acquisition_on") or ""}
        for index, item in enumerate(content.get("equipment_items") or [])
    ]
    state.undisclosed = set(content.get("undisclosed_fields") or [])
    return state


def renumber(state: FormState) -> None:
    """After a post, rows are shown as 0..n-1: the same numbering the content's error paths use."""
    for index, row in enumerate(state.items):
        row["token"] = str(index)
