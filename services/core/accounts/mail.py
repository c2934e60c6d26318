"""The account mails (Japanese first, English below) and their sending through the one SMTP path.

Mail is sent before the change is committed: when the relay refuses, the request fails with 503 and nothing
is stored, so no link exists that nobody received.
"""

from __future__ import annotations

import logging

from services.core.notifications import mailer
from services.core.platform.exceptions import Unavailable
from services.core.platform.settings import Settings

log = logging.getLogger("tokku.accounts")
FOOTER = "— tokku 特区申請システム（このメールは送信専用です / this mail is sent automatically）"


def _hours(hours: float) -> str:
    return f"{hours:g}"


def signup_mail(company: str, link: str, hours: float) -> tuple[str, str]:
    subject = f"【特区申請】メールアドレスの確認 — {company} / Confirm your e-mail address"
    body = "\n".join([
        f"{company} の利用登録を受け付けました。", "次のリンクを開き、パスワードを設定して登録を完了してください。",
        f"リンクの有効期限は{_hours(hours)}時間で、1回だけ使えます。", "", link, "",
        "お心当たりがない場合は、このメールを破棄してください。", "",
        f"We received a sign-up for {company}. Open the link above and set a password to finish; it works once, "
        f"for {_hours(hours)} hours. If this was not you, ignore this mail.", "", FOOTER])
    return subject, body


def invitation_mail(inviter: str, organization: str, link: str, hours: float, second_factor: bool) -> tuple[str, str]:
    subject = f"【特区申請】{organization} への招待 / You are invited to tokku"
    extra_ja = ["職員アカウントのため、認証アプリ（Google Authenticator 等）で二段階認証も設定します。"] if second_factor else []
    extra_en = " You will also set up a second factor with an authenticator app." if second_factor else ""
    body = "\n".join([
        f"{inviter} さんから、tokku 特区申請システムの {organization} のアカウントに招待されました。",
        "次のリンクを開き、このメールアドレスを入力してパスワードを設定してください。", *extra_ja,
        f"リンクの有効期限は{_hours(hours)}時間で、1回だけ使えます。", "", link, "",
        f"{inviter} invited you to the account of {organization} in tokku. Open the link, type this e-mail address "
        f"and set a password.{extra_en} The link works once, for {_hours(hours)} hours.", "", FOOTER])
    return subject, body


def reset_mail(link: str, minutes: float) -> tuple[str, str]:
    subject = "【特区申請】パスワードの再設定 / Reset your password"
    body = "\n".join([
        "パスワードの再設定を受け付けました。次のリンクを開き、新しいパスワードを設定してください。",
        f"リンクの有効期限は{minutes:g}分で、1回だけ使えます。再設定すると、すべての端末でログアウトします。", "", link, "",
        "お心当たりがない場合は、このメールを破棄してください（パスワードは変わりません）。", "",
        f"Someone asked to reset your password. Open the link above to set a new one; it works once, for "
        f"{minutes:g} minutes, and signs you out everywhere. If this was not you, ignore this mail.", "", FOOTER])
    return subject, body


async def send(settings: Settings, *, to_name: str, to_address: str, subject: str, body: str) -> bool:
    """Send one account mail; False when no relay is configured; Unavailable (503) when the relay refuses."""
    if not settings.smtp_host:
        log.warning("account mail not sent: no SMTP relay configured (TOKKU_SMTP_HOST)",
                    extra={"subject": subject})
        return False
    message = mailer.build_message(settings, to_name=to_name, to_address=to_address, subject=subject, body=body)
    try:
        await mailer.send(settings, message)
    except Exception as error:  # the relay is down or refused: the caller rolls back
        log.error("account mail refused by the relay: %s", type(error).__name__, extra={"subject": subject})
        raise Unavailable("the mail could not be sent just now: nothing was changed, please try again later",
                          "メールを送信できなかったため、処理を中止しました（何も変更されていません）。"
                          "しばらくしてから再度お試しください") from error
    return True
