"""One settings object: infrastructure, secrets, and business defaults that are not parameters."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Read from the environment and an optional `.env` in the working directory."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; unset means the embedded server under CRM_DATA_DIR.",
    )
    crm_data_dir: Path = Field(
        default=PROJECT_ROOT / ".crm",
        description="Git-ignored folder for the embedded database, captured mail and reports.",
    )

    smtp_host: str | None = Field(default=None, description="Unset means local mail capture.")
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    mail_from: str = "CRM <crm@example.com>"
    # Campaign sending defaults (a campaign may set its own rates).
    smtp_connections: int = Field(default=4, gt=0, le=50)
    smtp_rate_per_second: float | None = Field(default=None, gt=0)
    smtp_rate_per_hour: int | None = Field(default=None, gt=0)
    smtp_retry_after_seconds: float = Field(default=300, ge=0)
    smtp_max_attempts: int = Field(default=5, gt=0)

    # Where recipients reach `crm serve-web` (behind a proxy, its public https address): the
    # base of the unsubscribe links in letters.
    public_url: str = "http://127.0.0.1:8080"
    web_port: int = Field(default=8080, gt=0, lt=65536)

    time_zone: str = "Europe/Moscow"
    default_phone_region: str = "RU"
    stale_warning_days: int = Field(default=14, ge=0)

    # Lead-list matching: a score at or above `match_same` is the same client, one below
    # `match_review` a different one; the band between goes to a person as needs_review.
    match_same: float = Field(default=0.85, gt=0, le=1)
    match_review: float = Field(default=0.65, gt=0, le=1)
    # A lead file larger than this is refused before it is read (the whole file is held).
    max_import_mb: int = Field(default=200, gt=0)
    # Processes that normalise a large lead file; 0 means one per CPU core.
    import_workers: int = Field(default=0, ge=0)
    # An import whose rows are mostly invalid is stopped before it writes anything.
    max_invalid_share: float = Field(default=0.5, ge=0, le=1)
    # Where build-lead-list's matching batches run: "threads" keeps them in the flow's process;
    # "dask" runs the flow on prefect-dask's DaskTaskRunner: the scheduler at DASK_ADDRESS
    # (e.g. tcp://10.0.0.5:8786), or a local cluster of one process per core when unset.
    task_runner: Literal["threads", "dask"] = "threads"
    dask_address: str | None = None
    # The pre-send gate stops a campaign issue whose ledger has a larger share of rows skipped
    # for a missing or malformed address (tasks/quality_gates.py).
    max_unaddressed_share: float = Field(default=0.5, ge=0, le=1)

    @property
    def embedded_pgdata(self) -> Path:
        return self.crm_data_dir / "pgdata"

    @property
    def mail_capture_dir(self) -> Path:
        return self.crm_data_dir / "mail"

    @property
    def reports_dir(self) -> Path:
        return self.crm_data_dir / "reports"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
