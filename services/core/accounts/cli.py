"""`tokku users add|list|reinvite|disable|disable-company`: the operator's account commands, run on the server against
the configured database. Audited as `tokku users (operator CLI)` with the OS user.

`add` prints the invitation link (and mails it where an SMTP relay is configured): the official opens it to
set a password and, where officials need one, a TOTP second factor.
"""

from __future__ import annotations

import getpass
import sys

from pydantic import ValidationError

from services.core.accounts.audit import CLI_ACTOR
from services.core.accounts.officials import OperatorService
from services.core.accounts.schemas import OfficialCreate
from services.core.platform.db import create_engine, session_factory
from services.core.platform.exceptions import DomainError
from services.core.platform.settings import Settings


async def run_users(settings: Settings, *, action: str, email: str | None = None, name: str | None = None,
                    role: str | None = None, government: str | None = None, username: str | None = None,
                    corporate_number: str | None = None, yes: bool = False) -> int:
    engine = create_engine(settings.resolved_database_url)
    service = OperatorService(session_factory(engine), settings)
    actor = f"{CLI_ACTOR} ({getpass.getuser()})"
    try:
        if action == "add":
            form = OfficialCreate(email=email, display_name=name, role=role, government=government)
            user, sent = await service.provision(actor, form)
            print(f"provisioned {user.username} ({user.role}{', ' + user.government if user.government else ''}); "
                  f"invitation {'mailed and ' if sent.mailed else ''}valid for {settings.invitation_link_hours:g} h:")
            print(sent.url)
        elif action == "list":
            for user, organization in await service.users(actor, role=role):
                state = "disabled" if not user.is_active else "invited" if user.password_hash == "!" else "active"
                print("\t".join([user.username, user.role, user.government or "-", organization.name, state,
                                 "2fa" if user.totp_secret else "-"]))
        elif action == "reinvite":
            if not yes:
                print("tokku users reinvite: this removes the password and second factor and ends every session; "
                      "repeat with --yes to do it", file=sys.stderr)
                return 2
            sent = await service.reinvite(actor, username)
            print(f"invited {username} again; invitation {'mailed and ' if sent.mailed else ''}valid for "
                  f"{settings.invitation_link_hours:g} h:")
            print(sent.url)
        elif action in ("disable", "disable-company"):
            if not yes:
                print(f"tokku users {action}: this ends every session at once; repeat with --yes to do it",
                      file=sys.stderr)
                return 2
            if action == "disable":
                user = await service.find(actor, username)
                await service.disable(actor, user.id, user.username)
                print(f"disabled {user.username}: every session and token of theirs has ended")
            else:
                organization = await service.disable_company(actor, corporate_number)
                print(f"disabled {organization.name} ({corporate_number}): its users can no longer sign in")
        return 0
    except ValidationError as error:
        print(f"tokku users {action}: {error.errors()[0]['msg']}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"tokku users {action}: {error.message} / {error.message_ja}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
