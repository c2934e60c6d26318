"""The decision form of each step, derived from the step's outcome models in workflows.contracts
(DECISION_FIELDS): the fields, which outcome needs which, and the choices — so the form cannot drift from
the rules the workflow checks."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.api.pages.i18n import Translator
from workflows import rules
from workflows.contracts import DECISION_FIELDS, TERMINAL_STATUSES, Status


@dataclass
class DecisionField:
    name: str
    kind: str  # text | textarea | date | select | lines
    choices: tuple[str, ...] = ()
    required_for: list[str] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return "d-" + self.name.replace("_", "-")


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _kind(name: str, annotation: Any) -> tuple[str, tuple[str, ...]]:
    annotation = _unwrap_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        return "lines", ()
    if origin is typing.Literal:
        return "select", tuple(typing.get_args(annotation))
    if annotation is date:
        return "date", ()
    return ("textarea" if name == "reason" else "text"), ()


def decision_fields(step: Status, returned_from: Status | None = None) -> list[DecisionField]:
    """The union of the fields of the step's open outcomes (rules.outcomes_open), in model order; `reason` last
    (it applies to every outcome)."""
    fields: dict[str, DecisionField] = {}
    open_outcomes = rules.outcomes_open(step, returned_from)
    for outcome, model in DECISION_FIELDS.get(step, {}).items():
        if outcome not in open_outcomes:
            continue
        for name, info in model.model_fields.items():
            kind, choices = _kind(name, info.annotation)
            entry = fields.setdefault(name, DecisionField(name, kind, choices))
            if info.is_required():
                entry.required_for.append(outcome)
    reason = fields.pop("reason", None)
    return [*fields.values(), *([reason] if reason else [])]


def decision_body(step: Status, form) -> tuple[dict[str, Any], dict[str, str]]:
    """The DecisionRequest body from the posted form (only the chosen outcome's fields), and the raw values
    to show again if the service refuses it."""
    outcome = form.get("outcome") or ""
    raw = {f.name: (form.get(f.name) or "").strip() for f in decision_fields(step)}
    body: dict[str, Any] = {"step": step.value, "outcome": outcome}
    model = DECISION_FIELDS.get(step, {}).get(outcome)
    if model is None:
        return body, {"outcome": outcome, **raw}
    for f in decision_fields(step):
        if f.name not in model.model_fields:
            continue
        value = raw[f.name]
        if f.kind == "lines":
            body[f.name] = [line.strip() for line in value.splitlines() if line.strip()]
        elif value:
            body[f.name] = value
    return body, {"outcome": outcome, **raw}


def irreversible_outcomes(step: Status) -> list[str]:
    """The outcomes of `step` that end the application for good (complete, revoke, reject): the page asks for a
    reason and a confirmation before sending them."""
    return [outcome for outcome, after in rules.OUTCOME_NEXT.get(step, {}).items() if after in TERMINAL_STATUSES]


def page_refusals(step: Status, form, lang: str) -> dict[str, list[str]]:
    """What the page refuses before the service sees the decision: no outcome chosen (nothing is chosen for
    the official), or an irreversible outcome without its reason or the ticked confirmation."""
    t = Translator(lang)
    outcome = str(form.get("outcome") or "")
    if not outcome:
        return {"outcome": [t("outcome_missing")]}
    errors: dict[str, list[str]] = {}
    if outcome in irreversible_outcomes(step):
        if not str(form.get("reason") or "").strip():
            errors["reason"] = [t("irreversible_reason_missing")]
        if form.get("confirm_irreversible") != "yes":
            errors["confirm_irreversible"] = [t("irreversible_unconfirmed")]
    return errors
