"""A real SMTP server for tests (aiosmtpd on loopback) that keeps what it receives, and an API process of the
test session configured to mail through it — so account mails travel the same SMTP path as in production."""

from __future__ import annotations

import asyncio
import re
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Mailbox:
    """aiosmtpd handler: every message received, parsed, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler protocol
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    async def wait_for(self, address: str, *, count: int = 1, timeout: float = 15.0) -> EmailMessage:
        """The `count`-th mail to `address` (waiting for it)."""
        for _ in range(int(timeout / 0.05)):
            received = self.to(address)
            if len(received) >= count:
                return received[count - 1]
            await asyncio.sleep(0.05)
        raise AssertionError(f"no mail #{count} to {address} within {timeout}s: {[str(m['To']) for m in self.messages]}")

    async def link(self, address: str, path: str, *, count: int = 1, timeout: float = 15.0) -> str:
        """The link to `path` in the `count`-th mail to `address` that holds one (waiting for it)."""
        pattern = re.compile(rf"https?://\S+{re.escape(path)}\?token=[\w-]+")
        for _ in range(int(timeout / 0.05)):
            found = [m.group(0) for m in (pattern.search(mail.get_content()) for mail in self.to(address)) if m]
            if len(found) >= count:
                return found[count - 1]
            await asyncio.sleep(0.05)
        raise AssertionError(f"no mail #{count} to {address} with a link to {path} within {timeout}s")


def start_smtp_sink(port: int) -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox
