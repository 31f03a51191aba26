"""Settings: the only reader of MYNA_* environment variables."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MYNA_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./data/myna.db",
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    redis_url: str = Field(
        default="", description="redis://... : broker (and later jobs, timelines) in Redis"
    )
    redis_prefix: str = Field(
        default="myna:", description="Prefix of Redis channel names: one per instance on a Redis"
    )
    streaming_heartbeat_seconds: float = Field(
        default=15.0, gt=0, description="Idle streaming connections get a heartbeat this often"
    )
    streaming_queue_size: int = Field(
        default=256, ge=1, description="Events a slow streaming client may fall behind by"
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Public URL, used in links and OAuth"
    )
    domain: str = Field(default="", description="Instance domain; derived from base_url if empty")
    instance_title: str = "Myna"
    instance_description: str = "A self-hosted microblog."
    contact_email: str = ""
    max_status_units: int = Field(default=140, ge=1, le=100_000, description="Weibo units")
    fanout_pull_threshold: int = Field(
        default=10_000, ge=0, description="Authors with more followers are pulled at read time"
    )
    home_timeline_size: int = Field(default=800, ge=20, description="Ids kept per home feed")
    registrations_open: bool = True
    access_token_ttl_days: int = Field(default=0, ge=0, description="0: tokens do not expire")
    secret_key: str = Field(default="", description="Signs web sessions; random if empty")
    log_level: str = "info"

    @property
    def base_url_configured(self) -> bool:
        return "base_url" in self.model_fields_set

    @property
    def instance_domain(self) -> str:
        if self.domain:
            return self.domain
        rest = self.base_url.split("://", 1)[-1]
        return rest.split("/", 1)[0]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
