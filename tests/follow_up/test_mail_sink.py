"""`tokku dev`'s mail sink writes every message it receives under var/mail/."""

from __future__ import annotations

from email import message_from_bytes
from email.header import decode_header, make_header

from services.core.notifications import mailer
from services.core.platform.settings import Settings
from services.dev.mail_sink import start_mail_sink
from services.dev.temporal_dev import free_port


async def test_sink_keeps_japanese_mail(tmp_path):
    port = free_port()
    sink = start_mail_sink(tmp_path / "mail", port)
    try:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port)
        message = mailer.build_message(settings, to_name="申請 担当", to_address="applicant1@example.test",
                                       subject="【特区申請】設備の取得期限まであと7日", body="期限: 令和9年9月21日")
        await mailer.send(settings, message)
    finally:
        sink.stop()
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    received = message_from_bytes(files[0].read_bytes())
    assert str(make_header(decode_header(received["Subject"]))) == "【特区申請】設備の取得期限まであと7日"
    assert "令和9年9月21日" in received.get_payload(decode=True).decode("utf-8")
