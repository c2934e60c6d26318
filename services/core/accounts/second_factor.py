"""The second factor: TOTP (RFC 6238, pyotp) with single-use recovery codes.

A code is accepted once: the time step of the last accepted code is stored, and a code is accepted only for a
later step, by one conditional UPDATE — a replayed code is refused in every process. Recovery codes are
random, shown once, and kept as SHA-256 hashes.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.accounts.models import RecoveryCode, User
from services.core.accounts.security import hash_token
from services.core.platform.tables import utcnow

ISSUER = "tokku"
RECOVERY_CODES = 10
DRIFT_STEPS = (0, -1, 1)  # the current 30-second step, and one either side for a clock a little off


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code for authenticator apps."""
    return segno.make(uri, error="m").svg_inline(scale=4, title="TOTP")


def normalise(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()[:32]


def matching_step(secret: str, code: str, *, now: datetime | None = None) -> int | None:
    """The time step whose code `code` is (within one step of drift), or None."""
    code = normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    for offset in DRIFT_STEPS:
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None


async def accept_code(session: AsyncSession, user: User, code: str) -> bool:
    """True once for a right TOTP code (or an unused recovery code); False for wrong, old or replayed ones."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code)
    if step is not None:
        done = await session.execute(
            update(User).where(User.id == user.id,
                               (User.totp_last_counter.is_(None)) | (User.totp_last_counter < step))
            .values(totp_last_counter=step).execution_options(synchronize_session=False))
        return done.rowcount == 1
    recovery = normalise(code)
    if len(recovery) < 10:
        return False
    done = await session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == hash_token(recovery),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return done.rowcount == 1


async def set_second_factor(session: AsyncSession, user: User, secret: str, step: int) -> list[str]:
    """Store the secret (with the step of the code that proved it) and new recovery codes, returned once."""
    user.totp_secret, user.totp_last_counter = secret, step
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join(secrets.token_hex(3) for _ in range(3)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=hash_token(normalise(code))))
    return codes


async def remove_second_factor(session: AsyncSession, user: User) -> None:
    user.totp_secret, user.totp_last_counter = None, None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
