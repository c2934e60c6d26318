"""The append-only audit of account events: one row per event, written in the same transaction as the change
it records, so an event is recorded exactly when it happened (never when it was rolled back)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.core.accounts.models import AccountEvent, User

CLI_ACTOR = "tokku users (operator CLI)"
VISITOR = "visitor"

EVENT_KINDS = ("signup_requested", "signup_verified", "invited", "invitation_accepted", "role_changed",
               "disabled", "company_disabled", "password_reset_requested", "password_reset", "second_factor_set",
               "second_factor_removed", "signed_out_everywhere", "signed_in_oidc")


def record(session: AsyncSession, kind: str, *, actor: User | str, user: User | None = None,
           organization_id: int | None = None, client_ip: str | None = None, **detail: Any) -> AccountEvent:
    assert kind in EVENT_KINDS, kind
    event = AccountEvent(
        kind=kind, actor_user_id=actor.id if isinstance(actor, User) else None,
        actor=actor.username if isinstance(actor, User) else actor,
        user_id=user.id if user is not None else None,
        organization_id=organization_id if organization_id is not None else (user.organization_id if user else None),
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        client_ip=(client_ip or None) and client_ip[:64])
    session.add(event)
    return event
