"""The password policy: long enough, and not guessable — checked with zxcvbn, whose dictionaries hold the
common passwords, names and words people choose (a well-kept list, not ours), fed also with what the
person typed elsewhere on the form (their address, their company), which makes a poor password."""

from __future__ import annotations

from zxcvbn import zxcvbn

from services.core.platform.exceptions import Invalid

MAX_LENGTH = 128
MIN_SCORE = 3  # zxcvbn's 0–4: 3 is "safely unguessable: moderate protection from offline slow-hash attacks"
CHECKED_PREFIX = 100  # zxcvbn's time grows with length; the first 100 characters decide


def password_problems(password: str, *, min_length: int, user_inputs: list[str] = ()) -> list[dict[str, str]]:
    """Each problem as {message, message_ja}; empty when the password may be used."""
    if len(password) < min_length:
        return [{"message": f"use at least {min_length} characters",
                 "message_ja": f"{min_length}文字以上にしてください"}]
    if len(password) > MAX_LENGTH:
        return [{"message": f"use at most {MAX_LENGTH} characters", "message_ja": f"{MAX_LENGTH}文字以内にしてください"}]
    inputs = [part for value in user_inputs if value for part in [value, *value.replace("@", " ").split()]]
    result = zxcvbn(password[:CHECKED_PREFIX], user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return []
    hint = result["feedback"].get("warning") or "it is easy to guess"
    return [{"message": f"this password is too easy to guess ({hint.rstrip('.').lower()}): add more unrelated "
                        "words or characters", "message_ja": "推測されやすいパスワードです（よく使われるパスワード・"
                        "単語・並び、氏名やメールアドレスを含むもの等）。無関係な単語や文字を加えて長くしてください"}]


def check_password(password: str, *, min_length: int, user_inputs: list[str] = ()) -> None:
    problems = password_problems(password, min_length=min_length, user_inputs=user_inputs)
    if problems:
        raise Invalid(problems[0]["message"], problems[0]["message_ja"],
                      errors=[{"field": "password", **problem} for problem in problems])
