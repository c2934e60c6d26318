"""Settings from the environment (prefix TOKKU_) or a .env file; refuses the dev secret outside dev mode."""

from __future__ import annotations

from functools import lru_cache
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.contracts import FollowUpSettings

DEV_SECRET_KEY = "dev-only-insecure-secret-change-me"

DEFAULT_STEP_TARGET_DAYS = {
    "intake_review": 14,
    "council_consultation": 60,
    "local_filing": 30,
    "national_review": 90,  # 総合特別区域法 Art. 13: the Prime Minister decides within 3 months
    "designation": 30,
}


class Settings(BaseSettings):
    # An empty variable counts as unset (Compose passes `${VAR:-}` through as "").
    model_config = SettingsConfigDict(env_prefix="TOKKU_", env_file=".env", extra="ignore", env_ignore_empty=True)

    mode: Literal["dev", "production"] = "dev"
    var_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default: SQLite file var/tokku.db"
    )
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "tokku-applications"
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    access_token_minutes: int = 8 * 60
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    public_base_url: str = "http://127.0.0.1:8000"
    seed_plan_path: Path = Path(__file__).resolve().parents[2] / "data" / "seed-plan.json"
    step_target_days: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_STEP_TARGET_DAYS))
    revision_deadline_days: int = 30
    reminder_lead_days: list[float] = Field(default_factory=lambda: [90, 30, 7, 1])
    max_cached_workflows: int = 1000
    attachment_max_bytes: int = 10 * 1024 * 1024  # per file attached to an application (PDF or image)
    # Follow-up (DOMAIN.md "Deadlines and reminders"; values to be checked against the current law)
    annual_report_due: str = Field(default="06-30", pattern=r"^\d{2}-\d{2}$",
                                   description="MM-DD after the fiscal year's end when its annual report is due")
    # The law's sunset was 2026-03-31 (令和8年3月31日) with an extension requested; the default assumes a
    # two-year extension. Set TOKKU_MEASURE_SUNSET to the date in force.
    measure_sunset: date = date(2028, 3, 31)
    history_event_limit: int = 4000
    minimum_cost_jpy: dict[str, int] = Field(default_factory=lambda: {
        "machinery": 20_000_000, "rd_instrument": 10_000_000, "building": 100_000_000,
        "building_attachment": 100_000_000, "structure": 100_000_000})
    # Mail: notifications are always stored; they are mailed when an SMTP host is set.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "tokku 特区申請 <noreply@tokku.invalid>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_sink_port: int = 1025  # `tokku dev` runs a local SMTP sink here and writes mail under var/mail/
    # Operations (docs/operations.md)
    secret_key_previous: SecretStr | None = Field(
        default=None, description="the key before the last rotation: tokens it signed stay valid until they expire")
    log_format: Literal["json", "text"] | None = Field(default=None, description="default: text in dev, else JSON")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    api_workers: int = Field(default=1, ge=1, description="uvicorn worker processes of `tokku api`")
    shutdown_grace_seconds: float = Field(
        default=30.0, ge=0, description="on SIGTERM, how long in-flight requests and activities may still run")
    database_wait_seconds: float = Field(default=60.0, ge=0, description="`tokku migrate` waits this long for the DB")

    @model_validator(mode="after")
    def _refuse_dev_secret(self) -> "Settings":
        if self.mode != "dev" and self.secret_key.get_secret_value() == DEV_SECRET_KEY:
            raise ValueError(
                "TOKKU_SECRET_KEY must be set to a long random value outside dev mode "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.mode != "dev" and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("TOKKU_SECRET_KEY must be at least 32 characters outside dev mode")
        return self

    @property
    def resolved_log_format(self) -> str:
        return self.log_format or ("text" if self.mode == "dev" else "json")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'tokku.db').resolve()}"


    def follow_up_settings(self) -> FollowUpSettings:
        month, day = (int(part) for part in self.annual_report_due.split("-"))
        return FollowUpSettings(reminder_lead_days=self.reminder_lead_days, annual_report_due_month=month,
                                annual_report_due_day=day, measure_sunset=self.measure_sunset,
                                history_event_limit=self.history_event_limit)


@lru_cache
def get_settings() -> Settings:
    return Settings()
