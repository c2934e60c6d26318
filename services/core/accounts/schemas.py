"""Accounts' request and response shapes (tokens, the current user, sign-up, invitations, resets, colleagues,
officials) and the Actor the workflow receives for a user."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn as corporate_number

from workflows.contracts import Actor, Government, Role


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    government: Government | None
    organization_id: int


def actor_for(user: Any) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=user.role,
                 government=user.government, organization_id=user.organization_id)


# --- account flows (docs/accounts.md) ---------------------------------------------------------------------

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=EMAIL_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LinkToken = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
OFFICIAL_ROLES = (Role.secretariat, Role.local_official, Role.national_official, Role.admin)


class Accepted(BaseModel):
    message: str
    message_ja: str


class SignupCreate(BaseModel):
    corporate_number: str = Field(max_length=20, description="法人番号: 13 digits with check digit")
    company_name: Name
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    email: Email = Field(description="the first user's address; they become the company's administrator")
    display_name: Name = Field(description="the first user's name as colleagues see it")

    @field_validator("corporate_number")
    @classmethod
    def _corporate_number(cls, value: str) -> str:
        try:
            return corporate_number.validate(value)
        except StdnumError:
            raise ValueError("法人番号が正しくありません（13桁・チェックディジットを確認してください） / the corporate "
                             "number is not valid: it must be 13 digits with a correct check digit") from None


class SignupVerify(BaseModel):
    token: LinkToken
    password: Password


class LinkLookup(BaseModel):
    token: LinkToken


class InvitationInfo(BaseModel):
    email: str
    display_name: str
    organization: str
    role: Role
    second_factor: bool = Field(description="the invitation sets a TOTP second factor: send `otp` when accepting")
    totp_secret: str | None = Field(default=None, description="base32 secret for the authenticator app")
    totp_uri: str | None = Field(default=None, description="otpauth:// URI (what the QR code holds)")


class InvitationAccept(BaseModel):
    token: LinkToken
    email: Email = Field(description="the address the invitation was sent to, typed by the person")
    password: Password
    otp: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="a code from the authenticator app, when the invitation sets a second factor")


class Activated(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    recovery_codes: list[str] = Field(default_factory=list, description="shown once: each signs in once instead of a code")


class PasswordResetRequest(BaseModel):
    email: Email


class PasswordResetConfirm(BaseModel):
    token: LinkToken
    password: Password


class ColleagueInvite(BaseModel):
    email: Email
    display_name: Name


class ConfirmUser(BaseModel):
    confirm_username: Annotated[str, StringConstraints(max_length=254)] = Field(
        description="the user name of the account concerned, typed again: nothing irreversible on one click")


class AccountPublic(BaseModel):
    id: int
    username: str
    display_name: str
    email: str | None
    role: Role
    government: Government | None
    organization_id: int
    is_active: bool
    is_company_admin: bool
    pending: bool = Field(description="invited, password not set yet")
    second_factor: bool


def account_public(user: Any) -> AccountPublic:
    return AccountPublic(id=user.id, username=user.username, display_name=user.display_name, email=user.email,
                         role=user.role, government=user.government, organization_id=user.organization_id,
                         is_active=user.is_active, is_company_admin=user.is_company_admin,
                         pending=user.password_hash == "!", second_factor=bool(user.totp_secret))


class OfficialCreate(BaseModel):
    email: Email
    display_name: Name
    role: Literal["secretariat", "local_official", "national_official", "admin"]
    government: Government | None = Field(default=None, description="required for local officials")

    @model_validator(mode="after")
    def _government_for_local_officials(self) -> OfficialCreate:
        if (self.role == "local_official") != (self.government is not None):
            raise ValueError("自治体職員には自治体を指定してください（他の役割には指定しません） / "
                             "a local official needs a government, and only a local official has one")
        return self


class OfficialCreated(BaseModel):
    user: AccountPublic
    invitation_url: str = Field(description="hand it to the official if the mail does not reach them")
    mailed: bool
