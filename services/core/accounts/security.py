"""Passwords (Argon2 via pwdlib), access tokens (JWT via PyJWT) and the tokens of single-use links."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash

from services.core.platform.settings import Settings

_hasher = PasswordHash.recommended()  # Argon2id
ALGORITHM = "HS256"
UNUSABLE_PASSWORD = "!"  # no password yet (invited, not accepted): never verifies


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    token_version: int  # must equal the user's current version: a bumped version ends the token


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # an unusable or foreign hash never verifies
        return False


def create_access_token(settings: Settings, *, user_id: int, role: str, token_version: int = 0) -> str:
    now = datetime.now(UTC)
    claims = {"sub": str(user_id), "role": role, "ver": token_version, "iat": now,
              "exp": now + timedelta(minutes=settings.access_token_minutes)}
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> int | None:
    """The user id in a valid, unexpired token; None otherwise."""
    claims = decode_access_claims(settings, token)
    return claims.user_id if claims else None


def decode_access_claims(settings: Settings, token: str) -> AccessClaims | None:
    """The user id and token version of a valid, unexpired token; None otherwise.

    Tokens signed with the previous key (TOKKU_SECRET_KEY_PREVIOUS) stay valid, so rotating the key does
    not sign everyone out; new tokens are always signed with the current key.
    """
    previous = settings.secret_key_previous
    keys = [settings.secret_key] + ([previous] if previous and previous.get_secret_value() else [])
    for key in keys:
        try:
            claims = jwt.decode(token, key.get_secret_value(), algorithms=[ALGORITHM],
                                options={"require": ["sub", "exp"]})
            return AccessClaims(int(claims["sub"]), int(claims.get("ver", 0)))  # tokens from before versions: 0
        except jwt.InvalidSignatureError:
            continue
        except (jwt.PyJWTError, ValueError):
            return None
    return None


def new_link_token() -> tuple[str, str]:
    """(token for the link, its SHA-256 to store): a stolen database copy holds no usable link."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
