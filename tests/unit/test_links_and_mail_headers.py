"""Issue 20, "Links that work": the public URL follows the port actually served unless configured; mail carries
Date and Message-ID."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from services.core.notifications.mailer import build_message
from services.core.platform.settings import Settings


def test_public_url_defaults_to_the_served_port_and_keeps_a_configured_one():
    assert Settings(api_port=8123, _env_file=None).public_base_url == "http://127.0.0.1:8123"
    assert Settings(api_host="0.0.0.0", api_port=9001, _env_file=None).public_base_url == "http://127.0.0.1:9001"
    configured = Settings(api_port=8123, public_base_url="https://tokku.example.jp", _env_file=None)
    assert configured.public_base_url == "https://tokku.example.jp"


def test_mail_has_date_and_message_id():
    settings = Settings(api_port=8123, public_base_url="https://tokku.example.jp", _env_file=None)
    message = build_message(settings, to_name="山田 太郎", to_address="yamada@example.jp", subject="件名", body="本文")
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@tokku.example.jp>")
