"""Sending one mail over SMTP with aiosmtplib (Japanese subject and body, UTF-8): the workers' reminders and the
accounts' single-use links go the same way."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import urlsplit

import aiosmtplib

from services.core.platform.settings import Settings


def build_message(settings: Settings, *, to_name: str, to_address: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = formataddr((to_name, to_address))
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=urlsplit(settings.public_base_url).hostname or "tokku.invalid")
    message.set_content(body, charset="utf-8")
    return message


async def send(settings: Settings, message: EmailMessage) -> None:
    await aiosmtplib.send(
        message, hostname=settings.smtp_host, port=settings.smtp_port, start_tls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        timeout=settings.smtp_timeout_seconds)
