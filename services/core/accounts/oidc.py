"""OpenID Connect sign-in for companies (e.g. gBizID), with Authlib: authorization code flow with PKCE,
`state` and `nonce`; the ID token's signature (the provider's JWKS), issuer, audience, expiry and nonce are
checked; the claims come from the ID token and the UserInfo endpoint (same `sub`).

The corporate number claim (TOKKU_OIDC_CORPORATE_NUMBER_CLAIM) maps the person to their company:
- someone already signed in by OIDC (same `sub`), or a user of that company with the verified address, is
  signed in (the `sub` is remembered);
- a known company without such a user: refused, with how to ask the company's administrator;
- an unknown corporate number: sign-up starts with the verified values filled in.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn as corporate_number

with warnings.catch_warnings():
    # Authlib 1.9 warns at import that its httpx client moves to the `httpx2` package; the warning would be a
    # non-JSON line in every process's log (the client itself works with the pinned httpx).
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

from services.core.accounts import audit
from services.core.accounts.models import Organization, User
from services.core.platform.exceptions import DomainError, Forbidden, NotFound, Unavailable
from services.core.platform.settings import Settings
from workflows.contracts import Role

LEEWAY_SECONDS = 60  # clocks of the provider and ours may differ a little
_metadata: dict[str, dict[str, Any]] = {}  # per issuer, for the process: discovery and keys change rarely


class OidcRefused(DomainError):
    status_code = 401
    code = "oidc_refused"


def refused(reason: str) -> OidcRefused:
    return OidcRefused(f"the sign-in with the identity provider was refused ({reason}): start again from the "
                       "sign-in page", f"外部IDでのログインを受け付けられませんでした（{reason}）。ログイン画面からやり直してください")


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class Identity:
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    corporate_number: str | None
    corporate_name: str | None
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SignInOutcome:
    """Either a user to sign in, or the verified values to start a sign-up with."""

    user: User | None = None
    signup: dict[str, str] | None = None


@dataclass
class OidcService:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    def _require_enabled(self) -> None:
        if not self.settings.oidc_enabled:
            raise NotFound("OpenID Connect sign-in is not configured here", "外部IDでのログインは設定されていません")

    def _client(self, redirect_uri: str | None = None) -> AsyncOAuth2Client:
        secret = self.settings.oidc_client_secret
        return AsyncOAuth2Client(client_id=self.settings.oidc_client_id,
                                 client_secret=secret.get_secret_value() if secret else None,
                                 scope=self.settings.oidc_scopes, redirect_uri=redirect_uri,
                                 code_challenge_method="S256", timeout=15)

    async def metadata(self, *, refresh: bool = False) -> dict[str, Any]:
        self._require_enabled()
        issuer = self.settings.oidc_issuer.rstrip("/")
        if refresh or issuer not in _metadata:
            try:
                async with httpx.AsyncClient(timeout=15) as http:
                    found = (await http.get(f"{issuer}/.well-known/openid-configuration")).raise_for_status().json()
                    found["jwks"] = (await http.get(found["jwks_uri"])).raise_for_status().json()
            except (httpx.HTTPError, ValueError, KeyError) as error:
                raise Unavailable("the identity provider does not answer: try again later or sign in with your "
                                  "password", "外部IDのサービスに接続できません。時間をおいて再度お試しいただくか、"
                                  "パスワードでログインしてください") from error
            if found.get("issuer", "").rstrip("/") != issuer:
                raise Unavailable("the identity provider's metadata names another issuer",
                                  "外部IDのサービスの設定が正しくありません")
            _metadata[issuer] = found
        return _metadata[issuer]

    async def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        metadata = await self.metadata()
        nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        url, state = self._client(redirect_uri).create_authorization_url(
            metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier)
        return AuthorizationRequest(url, state, nonce, verifier)

    async def identity(self, code: str, redirect_uri: str, *, nonce: str, code_verifier: str) -> Identity:
        """Exchange the code, check the ID token, read UserInfo."""
        metadata = await self.metadata()
        async with self._client(redirect_uri) as client:
            try:
                token = await client.fetch_token(metadata["token_endpoint"], code=code, code_verifier=code_verifier)
            except Exception as error:  # the provider refused the code (used, expired, wrong client)
                raise refused("the code was not accepted") from error
            if "id_token" not in token:
                raise refused("no ID token")
            claims = await self.validate_id_token(token["id_token"], nonce=nonce, access_token=token["access_token"])
            userinfo: dict[str, Any] = {}
            if metadata.get("userinfo_endpoint"):
                answer = await client.get(metadata["userinfo_endpoint"])
                if answer.status_code == 200:
                    userinfo = answer.json()
                    if userinfo.get("sub") != claims["sub"]:
                        raise refused("UserInfo is about someone else")
        merged = {**userinfo, **claims}
        number = str(merged.get(self.settings.oidc_corporate_number_claim) or "") or None
        return Identity(subject=str(claims["sub"]), email=(merged.get("email") or None),
                        email_verified=merged.get("email_verified") is True, name=merged.get("name"),
                        corporate_number=number, corporate_name=merged.get("corporate_name"), claims=merged)

    async def validate_id_token(self, id_token: str, *, nonce: str, access_token: str | None = None,
                                now: datetime | None = None) -> dict[str, Any]:
        """The ID token's claims when its signature, issuer, audience (our client id), expiry and nonce hold;
        OidcRefused otherwise."""
        metadata = await self.metadata()
        algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"], strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(id_token, KeySet.import_key_set(metadata["jwks"]), registry=registry)
            except InvalidKeyIdError:  # the provider rotated its keys
                metadata = await self.metadata(refresh=True)
                decoded = jwt.decode(id_token, KeySet.import_key_set(metadata["jwks"]), registry=registry)
            params = {"nonce": nonce, "client_id": self.settings.oidc_client_id}
            if access_token:
                params["access_token"] = access_token
            claims = CodeIDToken(decoded.claims, decoded.header,
                                 {"iss": {"essential": True, "value": metadata["issuer"]},
                                  "aud": {"essential": True, "value": self.settings.oidc_client_id}}, params)
            claims.validate(now=int(now.timestamp()) if now else None, leeway=LEEWAY_SECONDS)
        except (JoseError, ValueError) as error:
            raise refused(f"ID token not valid: {getattr(error, 'description', None) or type(error).__name__}") from error
        return dict(claims)

    async def sign_in(self, identity: Identity, *, client_ip: str | None = None) -> SignInOutcome:
        number = _valid_number(identity.corporate_number)
        async with self.sessions() as session:
            user = (await session.execute(select(User).where(User.oidc_subject == identity.subject))).scalars().first()
            organization = None
            if number:
                organization = (await session.execute(select(Organization).where(
                    Organization.corporate_number == number))).scalars().first()
            if user is None and organization is not None and identity.email and identity.email_verified:
                user = (await session.execute(select(User).where(
                    User.organization_id == organization.id,
                    func.lower(User.email) == identity.email.lower()))).scalars().first()
            if user is not None:
                organization = await session.get(Organization, user.organization_id)
                if not user.is_active or not organization.is_active or user.role != Role.applicant:
                    raise Forbidden("this account cannot sign in here", "このアカウントではログインできません")
                if user.oidc_subject != identity.subject:
                    user.oidc_subject = identity.subject
                    session.add(user)
                audit.record(session, "signed_in_oidc", actor=user, user=user, client_ip=client_ip,
                             issuer=self.settings.oidc_issuer)
                await session.commit()
                await session.refresh(user)
                return SignInOutcome(user=user)
        if number is None:
            raise Forbidden("your identity provider account carries no corporate number: sign in with a password",
                            "外部IDのアカウントに法人番号がありません。パスワードでログインしてください")
        if organization is not None:
            raise Forbidden(
                "your company is registered, but you have no account: ask your company's administrator in tokku "
                "to invite you (we cannot say who that is)", "貴社は登録済みですが、あなたのアカウントはありません。"
                "貴社のtokku管理者に招待を依頼してください（管理者はお知らせできません）")
        return SignInOutcome(signup={"corporate_number": number, "company_name": identity.corporate_name or "",
                                     "email": (identity.email or "") if identity.email_verified else "",
                                     "display_name": identity.name or ""})


def _valid_number(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return corporate_number.validate(value)
    except StdnumError:
        return None
