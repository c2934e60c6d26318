"""Rotating TOKKU_SECRET_KEY (docs/operations.md): tokens signed with the previous key stay valid while it is
named in TOKKU_SECRET_KEY_PREVIOUS; new tokens use the new key; without it, old tokens are refused."""

from __future__ import annotations

import jwt

from services.core.accounts.security import ALGORITHM, create_access_token, decode_access_token
from services.core.platform.settings import Settings

OLD, NEW, OTHER = "o" * 40, "n" * 40, "x" * 40


def test_tokens_of_the_previous_key_stay_valid_during_a_rotation():
    before = Settings(mode="production", secret_key=OLD)
    during = Settings(mode="production", secret_key=NEW, secret_key_previous=OLD)
    after = Settings(mode="production", secret_key=NEW)
    old_token = create_access_token(before, user_id=7, role="applicant")

    assert decode_access_token(during, old_token) == 7
    assert decode_access_token(after, old_token) is None
    new_token = create_access_token(during, user_id=8, role="applicant")
    assert jwt.decode(new_token, NEW, algorithms=[ALGORITHM])["sub"] == "8"  # signed with the new key
    assert decode_access_token(after, new_token) == 8
    foreign = create_access_token(Settings(mode="production", secret_key=OTHER), user_id=9, role="admin")
    assert decode_access_token(during, foreign) is None


def test_an_expired_token_is_refused_under_either_key():
    during = Settings(mode="production", secret_key=NEW, secret_key_previous=OLD)
    expired = create_access_token(Settings(mode="production", secret_key=OLD, access_token_minutes=-1),
                                  user_id=7, role="applicant")
    assert decode_access_token(during, expired) is None
