"""Settings from the environment (prefix TOKKU_) or a .env file; refuses the dev secret outside dev mode."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-insecure-secret-change-me"

DEFAULT_STEP_TARGET_DAYS = {
    "intake_review": 14,
    "council_consultation": 60,
    "local_filing": 30,
    "national_review": 90,  # 総合特別区域法 Art. 13: the Prime Minister decides within 3 months
    "designation": 30,
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOKKU_", env_file=".env", extra="ignore")

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
    reminder_lead_days: list[int] = Field(default_factory=lambda: [90, 30, 7, 1])
    max_cached_workflows: int = 1000

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
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'tokku.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
