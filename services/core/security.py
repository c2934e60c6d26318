"""Passwords (Argon2 via pwdlib) and access tokens (JWT via PyJWT)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt
from pwdlib import PasswordHash

from services.core.settings import Settings

_hasher = PasswordHash.recommended()  # Argon2id
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # an unusable or foreign hash never verifies
        return False


def create_access_token(settings: Settings, *, user_id: int, role: str) -> str:
    now = datetime.now(timezone.utc)
    claims = {"sub": str(user_id), "role": role, "iat": now,
              "exp": now + timedelta(minutes=settings.access_token_minutes)}
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> int | None:
    """The user id in a valid, unexpired token; None otherwise.

    Tokens signed with the previous key (TOKKU_SECRET_KEY_PREVIOUS) stay valid, so rotating the key does
    not sign everyone out; new tokens are always signed with the current key.
    """
    previous = settings.secret_key_previous
    keys = [settings.secret_key] + ([previous] if previous and previous.get_secret_value() else [])
    for key in keys:
        try:
            claims = jwt.decode(token, key.get_secret_value(), algorithms=[ALGORITHM],
                                options={"require": ["sub", "exp"]})
            return int(claims["sub"])
        except jwt.InvalidSignatureError:
            continue
        except (jwt.PyJWTError, ValueError):
            return None
    return None
