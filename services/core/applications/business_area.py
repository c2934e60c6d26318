"""An application's business area (別紙1-2 f) and the zone's area it lies in.

One function decides everywhere: `services.core.zone.addresses.match_address` (the API, the form's live check,
the acquisition rule and the documents all call it). This module says what an application does with its answer:

- A draft keeps what people type. An address the zone plainly does not contain (another prefecture, another
  town, a block outside the area) or that cannot be read is refused at once, with the refusal's words. An
  address at a boundary nobody has published (`boundary_unconfirmed`), or without the block the area needs
  (`block_missing`), may be inside: the draft is saved, the form shows why it cannot be submitted yet, and
  submission is refused with the same words until the secretariat confirms or the block is given.
- The area is derived when the address is saved and stored on the application (`applications.zone_area`);
  while the address is not changed, the stored area is kept, whatever later data would say
  (`tokku zone-report` lists those that would change). The area decides the government.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

from services.core.applications.models import Application
from services.core.zone.addresses import RefusalReason, ZoneRefusal, match_address

KEPT_IN_DRAFT: frozenset[RefusalReason] = frozenset({"boundary_unconfirmed", "block_missing"})

_LEADS: dict[RefusalReason, tuple[str, str]] = {
    "outside_zone": ("事業実施場所は特区の区域外です。", "the business area is outside the zone: "),
    "outside_kanagawa": ("事業実施場所は特区の区域外です。", "the business area is outside the zone: "),
    "unreadable": ("事業実施場所を住所として読み取れません。", "the business area cannot be read as an address: "),
    "boundary_unconfirmed": ("事業実施場所が特区の区域内か確認できないため、提出できません。",
                             "the business area cannot be confirmed inside the zone, so it cannot be submitted: "),
    "block_missing": ("事業実施場所が特区の区域内か確認できないため、提出できません。",
                      "the business area cannot be confirmed inside the zone, so it cannot be submitted: "),
}

KEPT_AREA_CONTEXT = "kept_business_area"  # validation context: the address whose stored area is kept


def refusal_messages(refusal: ZoneRefusal) -> tuple[str, str]:
    """The field's error in Japanese and English: what is wrong with the business area, then the refusal."""
    lead_ja, lead_en = _LEADS[refusal.reason]
    return lead_ja + refusal.message_ja, lead_en + refusal.message


def refusal_error(refusal: ZoneRefusal) -> PydanticCustomError:
    """A validation error whose context carries the reason and the nearest areas for API clients."""
    message_ja, message = refusal_messages(refusal)
    return PydanticCustomError("zone_area", "{message_ja} / {message}", {
        "reason": refusal.reason, "nearest": list(refusal.nearest_keys), "message_ja": message_ja,
        "message": message})


def check_business_area(value: str, context: dict[str, Any] | None) -> None:
    """Raise for an address a draft may not keep. The address an application already has an area for is
    not checked again: its area is kept (see the module's docstring)."""
    if context and value == context.get(KEPT_AREA_CONTEXT):
        return
    result = match_address(value)
    if not result.ok and result.reason not in KEPT_IN_DRAFT:
        raise refusal_error(result)


def kept_area_context(application: Application) -> dict[str, Any] | None:
    """The validation context of a stored application's content: its address keeps its stored area."""
    if application.zone_area and application.content.get("business_area"):
        return {KEPT_AREA_CONTEXT: application.content["business_area"]}
    return None


def apply_area(application: Application, business_area: str | None) -> None:
    """Store the area (and its government) of the address being saved; call before the content is replaced.
    The same address keeps the area it has."""
    if application.zone_area and business_area == application.content.get("business_area"):
        return
    result = match_address(business_area) if business_area else None
    application.zone_area = result.key if result is not None and result.ok else None
    application.government = result.government.value if result is not None and result.ok else None


def settle_area_for_submission(application: Application) -> list[dict[str, str]]:
    """Errors that stop submission: an application is submitted only with an area — the one it keeps, or
    the one its address matches now (a draft saved at an unconfirmed boundary, confirmed since)."""
    business_area = application.content.get("business_area")
    if application.zone_area or not business_area:  # no address: `missing_for_submission` names the field
        return []
    result = match_address(business_area)
    if result.ok:
        application.zone_area, application.government = result.key, result.government.value
        return []
    message_ja, message = refusal_messages(result)
    return [{"field": "business_area", "message": f"{message_ja} / {message}", "reason": result.reason}]
