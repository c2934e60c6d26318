"""What the account pages share: reading a posted form, and a refusal turned into messages next to each field
in the page's language (the form comes back with everything typed, passwords excepted)."""

from __future__ import annotations

from fastapi import Request
from pydantic import ValidationError

from services.api.pages.i18n import Translator, validation_message
from services.api.pages.web import language
from services.core.platform.exceptions import DomainError

PYDANTIC_MESSAGE_KEYS = {"missing": "field_required", "string_too_short": "field_required",
                         "string_too_long": "field_too_long", "string_pattern_mismatch": "email_invalid"}


async def posted(request: Request, *names: str) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name) or "") for name in names}


def field_errors(request: Request, error: DomainError | ValidationError) -> dict[str, list[str]]:
    """{field: [message]} in the page's language; `_form` for what belongs to no one field."""
    t = Translator(language(request))
    errors: dict[str, list[str]] = {}
    if isinstance(error, ValidationError):
        for problem in error.errors():
            field = str(problem["loc"][-1]) if problem["loc"] else "_form"
            key = PYDANTIC_MESSAGE_KEYS.get(problem["type"])
            if key:
                message = t(key)
            else:
                message = validation_message(problem, t.lang)
            errors.setdefault(field, []).append(message)
        return errors
    fields = list(dict.fromkeys(e["field"] for e in error.errors if e.get("field")))
    main = t.message(error.message_ja, error.message)
    errors[fields[0] if fields else "_form"] = [main]  # the whole explanation, next to the field it is about
    return errors
