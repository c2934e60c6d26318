"""The dates officials type into their decisions, checked before the decision is sent: none in the future,
each step's date not before the previous step's (council held_from ≤ filing ≤ certification ≤ designation),
and a designation inside the tax measure (services.core.measures.tax.check_designation). Pure functions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.core.measures import tax
from workflows.contracts import Status
from workflows.deadlines import JST

# The dated fields of each step's decision; the first is the step's own date in the chain below.
DATED_STEPS: dict[str, tuple[str, ...]] = {
    Status.council_consultation.value: ("held_from", "held_to"),
    Status.local_filing.value: ("filed_on",),
    Status.national_review.value: ("certified_on",),
    Status.designation.value: ("designated_on",),
}
CHAIN = ("held_from", "filed_on", "certified_on", "designated_on")
DATE_LABELS = {
    "held_from": ("協議日（開始）", "the council's first day (held_from)"),
    "held_to": ("協議日（終了）", "the council's last day (held_to)"),
    "filed_on": ("計画変更の申請日", "the filing date (filed_on)"),
    "certified_on": ("認定日", "the certification date (certified_on)"),
    "designated_on": ("指定日", "the designation date (designated_on)"),
}


def today_in_japan() -> date:
    return datetime.now(JST).date()


def _error(field: str, rule: str, message_ja: str, message_en: str) -> dict[str, str]:
    return {"field": field, "rule": rule, "message_ja": message_ja, "message_en": message_en}


def decision_date_errors(step: Status | str, fields: dict[str, Any], earlier: dict[str, date], *, today: date,
                         extension_until: date | None = None) -> list[dict[str, str]]:
    """What is wrong with a decision's dates (empty when nothing). `fields` are the validated decision fields
    (ISO dates), `earlier` the dates of the decisions already taken on the application (from `decisions`)."""
    step = Status(step)
    dates = {name: date.fromisoformat(str(fields[name])) for name in DATED_STEPS.get(step.value, ())
             if fields.get(name)}
    errors = []
    for name, day in dates.items():
        label_ja, label_en = DATE_LABELS[name]
        if day > today:
            errors.append(_error(name, "not_in_future", f"{label_ja} {day} が本日 {today} より後です",
                                 f"{label_en} {day} is in the future (today is {today})"))
    own = DATED_STEPS.get(step.value, (None,))[0]
    if own in dates and own in CHAIN:
        # The nearest earlier step whose date is later than this one's: one message per field.
        for previous in reversed(CHAIN[:CHAIN.index(own)]):
            if previous in earlier and dates[own] < earlier[previous]:
                own_ja, own_en = DATE_LABELS[own]
                previous_ja, previous_en = DATE_LABELS[previous]
                errors.append(_error(own, "after_previous_step",
                                     f"{own_ja} {dates[own]} が{previous_ja} {earlier[previous]} より前です",
                                     f"{own_en} {dates[own]} is before {previous_en} {earlier[previous]}"))
                break
    if step == Status.designation and "designated_on" in dates:
        for finding in tax.check_designation(dates["designated_on"],
                                             date.fromisoformat(str(fields["acquisition_from"])),
                                             date.fromisoformat(str(fields["acquisition_until"])),
                                             extension_until=extension_until):
            if finding.severity == "error":
                errors.append(_error(finding.field, finding.rule, finding.message_ja, finding.message))
    return errors


def earlier_dates(decisions: list[tuple[str | None, dict[str, Any]]]) -> dict[str, date]:
    """The chain's dates from decisions taken so far, as (step, payload) in the order taken; a step decided again
    (after a return) counts with its latest date. For a plan change's own decisions (its events)."""
    found: dict[str, date] = {}
    for step, payload in decisions:
        for name in DATED_STEPS.get(step or "", ())[:1]:
            if payload.get(name):
                found[name] = date.fromisoformat(str(payload[name]))
    return found


def refusal(step: Status | str, outcome: str, errors: list[dict[str, str]]) -> tuple[str, str, list[dict[str, str]]]:
    """The message (English, Japanese) and field errors of a decision refused for its dates."""
    step = Status(step)
    return (f"the {step.value}/{outcome} decision's dates are not possible: "
            + "; ".join(e["message_en"] for e in errors),
            "判断の日付に誤りがあります: " + "、".join(e["message_ja"] for e in errors),
            [{"field": e["field"], "rule": e["rule"], "message": f"{e['message_ja']} / {e['message_en']}"}
             for e in errors])
