"""The development mail sink: a local SMTP server (aiosmtpd) that writes every message to var/mail/*.eml,
so reminders can be read without a real relay."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

from aiosmtpd.controller import Controller


class MailDirHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler protocol
        name = f"{datetime.now():%Y%m%d-%H%M%S}-{next(self._counter):04d}.eml"
        (self.directory / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def start_mail_sink(directory: Path, port: int) -> Controller:
    controller = Controller(MailDirHandler(directory), hostname="127.0.0.1", port=port)
    controller.start()
    return controller
