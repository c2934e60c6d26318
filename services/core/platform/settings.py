"""Settings from the environment (prefix TOKKU_) or a .env file; refuses the dev secret outside dev mode."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.core.measures import tax
from workflows.contracts import FollowUpSettings
from workflows.loan_contracts import LoanSettings

DEV_SECRET_KEY = "dev-only-insecure-secret-change-me"

RETIRED_SETTINGS = {
    "TOKKU_MEASURE_SUNSET": "the tax measure's last date comes from data/tax-measure.json; set an enacted "
                            "extension with TOKKU_MEASURE_EXTENSION_UNTIL (docs/tax-measure.md)",
    "TOKKU_MINIMUM_COST_JPY": "the minimum acquisition costs are dated rules in data/tax-measure.json "
                              "(docs/tax-measure.md)",
}

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
    # The address people follow from mail and calendar feeds; unset, the port the API actually serves
    # (api_host:api_port, see _public_url_from_the_served_port), never a fixed 8000.
    public_base_url: str = Field(default="", description="public URL of the pages; default http://<api_host>:<api_port>")
    seed_plan_path: Path = Path(__file__).resolve().parents[3] / "data" / "seed-plan.json"
    step_target_days: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_STEP_TARGET_DAYS))
    revision_deadline_days: int = 30
    reminder_lead_days: list[float] = Field(default_factory=lambda: [90, 30, 7, 1])
    max_cached_workflows: int = 1000
    attachment_max_bytes: int = 10 * 1024 * 1024  # per file attached to an application (PDF or image)
    # Follow-up (DOMAIN.md "Deadlines and reminders"; values to be checked against the current law)
    annual_report_due: str = Field(default="06-30", pattern=r"^\d{2}-\d{2}$",
                                   description="MM-DD after the fiscal year's end when its annual report is due")
    # The tax measure's last date (designation and acquisition) is the one confirmed in data/tax-measure.json
    # (docs/tax-measure.md); set this only once an extension is enacted. Unset: no extension.
    measure_extension_until: date | None = Field(
        default=None, description="an enacted extension of the tax measure: its new last date (after the data's)")
    history_event_limit: int = 4000
    # How new workflows record transitions in the read model (docs/performance.md): a local activity, inside the
    # workflow task that made the transition, or a regular activity (the design before issue 16). Running
    # workflows keep the mode they started with.
    projection_mode: Literal["activity", "local_activity"] = "local_activity"
    # How a submission reaches its workflow (docs/performance.md): `api_transaction` records the submission in
    # the API's own transaction and then starts the workflow from it (a start that did not happen is made by the
    # worker's pending-start sweep, or by `tokku reconcile`); `update_with_start`, the design before, starts the
    # workflow and submits it with an Update whose transition the workflow records.
    intake_mode: Literal["api_transaction", "update_with_start"] = "api_transaction"
    pending_start_grace_seconds: float = Field(
        default=15.0, ge=0, description="a recorded submission whose workflow the API has not confirmed started "
                                        "after this long is started by the worker's sweep")
    pending_start_sweep_seconds: float = Field(default=5.0, gt=0, description="how often the worker sweeps")
    # The interest subsidy (docs/interest-subsidy.md: where the sources leave it open, these decide)
    loan_rate_cap_percent: Decimal = Field(default=Decimal("0.7"), gt=0, le=100,
                                           description="the subsidy rate's cap, % a year (set by the Prime Minister)")
    loan_claim_due: str = Field(default="04-30", pattern=r"^\d{2}-\d{2}$",
                                description="MM-DD of the next fiscal year when a year's claim is due")
    loan_reminder_lead_days: list[float] = Field(default_factory=lambda: [21, 7, 1])
    loan_close_grace_days: float = Field(default=90, ge=0,
                                         description="the loan process stays open this long after its 7th fiscal year")
    # Plan changes (docs/plan-changes.md): a planned item's cost may move by at most this share of its certified
    # cost in a minor change (軽微な変更); the sources fix no number, so it is a setting, conservative by default.
    plan_change_minor_cost_ratio: float = Field(default=0.10, ge=0, le=1)
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
    round_wait_seconds: float = Field(
        default=30.0, ge=0, description="how long filing or certifying a round waits for its workflow before "
                                        "answering 202 with the round still in progress (the workers finish it)")
    database_wait_seconds: float = Field(default=60.0, ge=0, description="`tokku migrate` waits this long for the DB")
    # Accounts (docs/accounts.md)
    officials_second_factor: bool | None = Field(
        default=None, description="officials must sign in with a TOTP code; default: on in production, off in dev")
    signup_link_hours: float = Field(default=24, gt=0, description="how long a sign-up's verification link works")
    invitation_link_hours: float = Field(default=72, gt=0, description="how long an invitation link works")
    password_reset_minutes: float = Field(default=60, gt=0, description="how long a password-reset link works")
    password_min_length: int = Field(default=10, ge=8)
    oidc_issuer: str | None = Field(default=None, description="OpenID Connect provider (e.g. gBizID); unset: off")
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_corporate_number_claim: str = Field(default="corporate_number",
                                             description="the claim that holds the person's corporate number")
    oidc_scopes: str = "openid email profile"
    oidc_provider_name: str = Field(default="gBizID", description="shown on the sign-in button")

    @model_validator(mode="before")
    @classmethod
    def _refuse_retired_settings(cls, data: Any) -> Any:
        """Settings that no longer exist would otherwise be ignored in silence, moving a legal date unnoticed."""
        for name, instead in RETIRED_SETTINGS.items():
            if os.environ.get(name) is not None or (isinstance(data, dict) and name.removeprefix("TOKKU_").lower()
                                                    in data):
                raise ValueError(f"{name} is no longer a setting: {instead}")
        return data

    @model_validator(mode="after")
    def _extension_after_the_confirmed_date(self) -> Settings:
        if self.measure_extension_until is not None:
            confirmed = tax.default_measure().sunset.last_confirmed
            if self.measure_extension_until <= confirmed:
                raise ValueError(f"TOKKU_MEASURE_EXTENSION_UNTIL ({self.measure_extension_until}) must be after the "
                                 f"tax measure's confirmed last date {confirmed} (data/tax-measure.json)")
        return self

    @model_validator(mode="after")
    def _public_url_from_the_served_port(self) -> Settings:
        if not self.public_base_url:
            host = "127.0.0.1" if self.api_host in ("0.0.0.0", "::", "") else self.api_host
            self.public_base_url = f"http://{host}:{self.api_port}"
        return self

    @model_validator(mode="after")
    def _refuse_dev_secret(self) -> Settings:
        if self.mode != "dev" and self.secret_key.get_secret_value() == DEV_SECRET_KEY:
            raise ValueError(
                "TOKKU_SECRET_KEY must be set to a long random value outside dev mode "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.mode != "dev" and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("TOKKU_SECRET_KEY must be at least 32 characters outside dev mode")
        return self

    @property
    def second_factor_required(self) -> bool:
        """Officials sign in with a second factor: on in production, off for `tokku dev`'s one-command demo."""
        if self.officials_second_factor is not None:
            return self.officials_second_factor
        return self.mode == "production"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def measure_last_date(self) -> date:
        """The tax measure's last date in force: last day of designation and of acquisition."""
        return tax.last_date(extension_until=self.measure_extension_until)

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
                                annual_report_due_day=day, measure_sunset=self.measure_last_date,
                                history_event_limit=self.history_event_limit)


    def loan_settings(self) -> LoanSettings:
        month, day = (int(part) for part in self.loan_claim_due.split("-"))
        return LoanSettings(rate_cap_millipercent=int(self.loan_rate_cap_percent * 1000), claim_due_month=month,
                            claim_due_day=day, reminder_lead_days=self.loan_reminder_lead_days,
                            close_grace_days=self.loan_close_grace_days, history_event_limit=self.history_event_limit)


@lru_cache
def get_settings() -> Settings:
    return Settings()
