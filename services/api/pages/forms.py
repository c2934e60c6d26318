"""The application form: which fields it shows in which annex section, and the translation between what a
person typed (strings, kept as typed for re-display) and the ApplicationContent the service validates.

No rule lives here: every check is ApplicationContent's (or missing_for_submission's); this module only
moves values and error locations between the two shapes.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from services.api.pages.i18n import validation_message
from services.core.applications.schemas import DISCLOSABLE_FIELDS, REQUIRED_FOR_SUBMISSION, ApplicationContent


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
        # The interest subsidy (別紙1-5) is a loan the lender registers (/loans), not an application.
        FormField("measure", "select", ("tax_incentive", "regional_innovation_program")),
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
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ITEM_FIELDS = ("asset_class", "description", "planned_cost_jpy", "planned_acquisition_on")
ASSET_CLASSES = ("machinery", "rd_instrument", "building", "building_attachment", "structure")


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

    def add_errors(self, errors: list[dict[str, Any]], lang: str) -> None:
        for error in localized_errors(errors, lang):
            path, message = error["field"], error["message"]
            if path in self.values or path in {f.path for f in FIELDS} or path.startswith("equipment_items"):
                self.errors.setdefault(path, []).append(message)
            else:
                self.general_errors.append(message)

    def item_error(self, index: int, name: str) -> list[str]:
        return self.errors.get(f"equipment_items.{index}.{name}", [])

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.general_errors)


def pydantic_errors(error: ValidationError, lang: str = "ja") -> list[dict[str, str]]:
    """Errors as {field: dotted path, message} in the page's language (i18n.validation_message): never
    pydantic's English ("Field required") on a Japanese page, never an enum value."""
    return localized_errors(error.errors(), lang)


def localized_errors(errors: list[dict[str, Any]], lang: str) -> list[dict[str, str]]:
    """pydantic's errors or a service's {field, message[, message_ja, type]} → {field, message} in `lang`."""
    result = []
    for e in errors:
        path = e.get("field")
        if path is None:
            path = ".".join(str(part) for part in e.get("loc", ()) if part != "body")
        result.append({"field": path or "", "message": validation_message(e, lang)})
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
    data["typed_dates"] = typed_dates(state)
    return data


def _typed(raw: str) -> bool:
    """A date typed in another form than ISO (令和4年9月1日): kept so, to be shown as typed."""
    return bool(raw) and not ISO_DATE.fullmatch(raw)


def typed_dates(state: FormState) -> dict[str, str]:
    """The date fields typed as 和暦, by content path (the content keeps each only while it reads as the
    stored date)."""
    found = {f.path: state.values[f.path] for f in FIELDS if f.kind == "date" and _typed(state.values.get(f.path, ""))}
    history = [_history_entry(line) for line in state.values.get("applicant.history", "").splitlines() if line.strip()]
    for index, entry in enumerate(history):
        if _typed(entry.get("date") or ""):
            found[f"applicant.history.{index}.date"] = entry["date"]
    for index, row in enumerate(state.items):
        raw = row.get("planned_acquisition_on") or ""
        if _typed(raw):
            found[f"equipment_items.{index}.planned_acquisition_on"] = raw
    return found


def _history_entry(line: str) -> dict[str, Any]:
    """'令和2年4月1日 本社移転' → date and text; a line without a space is text only."""
    head, _, rest = line.strip().partition(" ")
    if not rest:
        head, _, rest = line.strip().partition("\u3000")
    return {"date": head, "text": rest.strip()} if rest.strip() else {"text": line.strip()}


def validate_content(state: FormState, lang: str) -> ApplicationContent | None:
    """ApplicationContent or None with the errors put on the state."""
    try:
        return ApplicationContent.model_validate(content_data(state))
    except ValidationError as error:
        state.add_errors(error.errors(), lang)
        return None


# --- content → form ---------------------------------------------------------------------------------------


def state_from_content(content: dict[str, Any]) -> FormState:
    state = FormState()
    applicant = content.get("applicant") or {}
    typed = content.get("typed_dates") or {}
    for f in FIELDS:
        if f.path.startswith("applicant."):
            value = applicant.get(f.path.split(".", 1)[1])
        else:
            value = content.get(f.path)
        if f.kind == "lines":
            text = "\n".join(value or [])
        elif f.kind == "history":
            text = "\n".join(f"{typed.get(f'applicant.history.{i}.date') or e['date']} {e['text']}"
                             if e.get("date") else e.get("text", "") for i, e in enumerate(value or []))
        elif f.kind == "date" and typed.get(f.path):
            text = typed[f.path]
        elif isinstance(value, int) and f.kind == "integer":
            text = f"{value:,}"
        else:
            text = "" if value is None else str(value)
        state.values[f.path] = text
    state.items = [
        {"token": str(index), "asset_class": item.get("asset_class", ""), "description": item.get("description", ""),
         "planned_cost_jpy": f"{item['planned_cost_jpy']:,}" if item.get("planned_cost_jpy") else "",
         "planned_acquisition_on": typed.get(f"equipment_items.{index}.planned_acquisition_on")
         or item.get("planned_acquisition_on") or ""}
        for index, item in enumerate(content.get("equipment_items") or [])
    ]
    state.undisclosed = set(content.get("undisclosed_fields") or [])
    return state


def renumber(state: FormState) -> None:
    """After a post, rows are shown as 0..n-1: the same numbering the content's error paths use."""
    for index, row in enumerate(state.items):
        row["token"] = str(index)
