"""Accounts' tables: organisations (companies, governments, the council, the Cabinet Office), their users,
refused sign-ins (the login throttle counts them here, so every API process sees the same count), the
single-use links sent by mail, second-factor recovery codes and the append-only audit of account events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from services.core.platform.tables import UTCDateTime, utcnow


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str = Field(description="company | government | council | cabinet_office | operator | "
                                  "financial_institution")
    corporate_number: str | None = Field(default=None, unique=True)
    government: str | None = Field(default=None, description="for kind=government: kanagawa|yokohama|kawasaki")
    address: str | None = None
    is_active: bool = Field(default=True, description="a disabled company's users see nothing and get no invitations")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    password_hash: str
    display_name: str
    email: str | None = None
    role: str = Field(index=True)
    government: str | None = None
    organization_id: int = Field(foreign_key="organizations.id", index=True)
    is_active: bool = True
    is_company_admin: bool = Field(default=False, description="invites and disables the company's users")
    # Bumped to end every page session and API token of the user at once (sign-out everywhere, disable,
    # new password): each request compares the version it carries with this one.
    token_version: int = 0
    totp_secret: str | None = Field(default=None, description="base32 TOTP secret once a second factor is set")
    totp_last_counter: int | None = Field(default=None, description="time step of the last code accepted (no replay)")
    oidc_subject: str | None = Field(default=None, unique=True, description="issuer's `sub` once signed in by OIDC")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AccountLink(SQLModel, table=True):
    """A single-use link sent by mail: verify a sign-up, accept an invitation, reset a password.

    Only the SHA-256 of the link's token is kept; `used_at` is set by one conditional UPDATE, so two
    processes can never both use the same link.
    """

    __tablename__ = "account_links"

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=20, description="signup | invitation | password_reset")
    token_hash: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=254)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="users.id")
    payload: str | None = Field(default=None, description="sign-up: the company as typed (JSON)")
    totp_secret: str | None = Field(default=None, description="invitation of an official: the second factor to set")
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RecoveryCode(SQLModel, table=True):
    """One single-use recovery code of a second factor (only its SHA-256 is kept)."""

    __tablename__ = "recovery_codes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccountEvent(SQLModel, table=True):
    """One account event (sign-up, verification, invitation, role change, disable, reset, second factor):
    append-only — the database refuses UPDATE and DELETE on this table (migration 0009_accounts)."""

    __tablename__ = "account_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    kind: str = Field(max_length=40, index=True)
    actor_user_id: int | None = Field(default=None, description="who did it; None for the operator's CLI or a visitor")
    actor: str = Field(max_length=254, description="who did it, as a name: a username, `tokku users` or `visitor`")
    user_id: int | None = Field(default=None, index=True, description="whose account it concerns")
    organization_id: int | None = Field(default=None, index=True)
    detail: str | None = None
    client_ip: str | None = Field(default=None, max_length=64)


class LoginFailure(SQLModel, table=True):
    """One refused sign-in; counted per (username, client address) over a sliding window."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_ip_at", "username", "client_ip", "failed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100)
    client_ip: str = Field(max_length=64)
    failed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
