"""Settings: the only reader of MYNA_* environment variables."""

import ipaddress
from typing import Literal, Self

import limits
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MYNA_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./data/myna.db",
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    redis_url: str = Field(
        default="", description="redis://... : broker, timelines (and later jobs) in Redis"
    )
    redis_prefix: str = Field(
        default="myna:",
        description="Prefix of Redis key and channel names: one per instance on a Redis",
    )
    timelines_backend: Literal["auto", "sql", "redis"] = Field(
        default="auto",
        description="Where home and list feeds live: 'sql' (tables of the database), 'redis' "
        "(capped feeds in MYNA_REDIS_URL, rebuilt from the database when missing), or 'auto': "
        "redis when MYNA_REDIS_URL is set",
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
    # Polls: Mastodon's defaults (4 options of 50 characters, 5 minutes to 1 month).
    max_poll_options: int = Field(default=4, ge=2, le=100, description="Options per poll")
    max_poll_option_chars: int = Field(
        default=50, ge=1, le=1000, description="Characters per poll option"
    )
    min_poll_expiration: int = Field(
        default=300, ge=1, description="Shortest poll duration, in seconds"
    )
    max_poll_expiration: int = Field(
        default=2_629_746, ge=1, description="Longest poll duration, in seconds (one month)"
    )
    fanout_pull_threshold: int = Field(
        default=10_000, ge=0, description="Authors with more followers are pulled at read time"
    )
    fanout_inline_limit: int = Field(
        default=1000,
        ge=0,
        description="Scale mode: a post reaching more feeds than this is delivered by a job "
        "(myna worker) instead of by the server right after commit",
    )
    fanout_batch_size: int = Field(
        default=1000, ge=1, description="Feeds written per Redis round trip during fan-out"
    )
    home_timeline_size: int = Field(default=800, ge=20, description="Ids kept per home feed")
    housekeeping_interval_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How often each server posts due scheduled statuses, ends polls and "
        "cleans up uploads; 0 turns the loop off",
    )
    job_timeout_seconds: float = Field(
        default=300.0,
        gt=0,
        description="A job running longer is cancelled; a job whose worker died is run again "
        "by another worker after this long",
    )
    job_retry_base_seconds: float = Field(
        default=1.0, gt=0, description="A failed job is tried again after 1, 2, 4, ... times this"
    )
    worker_concurrency: int = Field(default=10, ge=1, description="Jobs one worker runs at once")
    # Webhooks (docs/api.md): apps' subscriptions to events, POSTed signed to their URLs.
    webhooks_allow_private: bool = Field(
        default=False,
        description="Let webhooks reach loopback and private addresses (tests, intranets); "
        "off, they are refused when subscribing and again at every delivery",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a webhook receiver has to answer"
    )
    webhook_retry_base_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A failed webhook delivery is tried again after 1, 6, 36, ... times this "
        "(at most a day apart)",
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Attempts of one webhook delivery before giving up"
    )
    webhook_max_subscriptions: int = Field(
        default=10, ge=1, description="Webhook subscriptions one app may have"
    )
    webhook_delivery_retention_days: int = Field(
        default=7, ge=1, description="Webhook deliveries are logged for this many days"
    )
    registrations_open: bool = True
    access_token_ttl_days: int = Field(default=0, ge=0, description="0: tokens do not expire")
    secret_key: str = Field(default="", description="Signs web sessions; random if empty")
    # Rate limits (docs/api.md): limits' notation, "300/5 minutes"; empty turns one off.
    rate_limits_enabled: bool = Field(
        default=True, description="Rate-limit the API (X-RateLimit-* headers, 429 over a limit)"
    )
    rate_limit_token: str = Field(
        default="300/5 minutes", description="Calls per access token (Mastodon's default)"
    )
    rate_limit_app: str = Field(
        default="3000/5 minutes",
        description="Calls of all the tokens of one app together; empty: no per-app limit",
    )
    rate_limit_ip: str = Field(
        default="300/5 minutes",
        description="Anonymous calls (and calls with a token that is not valid) per address",
    )
    rate_limit_sign_up: str = Field(
        default="5/30 minutes",
        description="Sign-up attempts per address, API and web form together",
    )
    rate_limit_statuses: str = Field(
        default="300/3 hours", description="Statuses (posts and reposts) one account creates"
    )
    rate_limit_media: str = Field(
        default="30/30 minutes", description="Media uploads of one account"
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For is believed for the client's address; empty: none",
    )

    @field_validator(
        "rate_limit_token",
        "rate_limit_app",
        "rate_limit_ip",
        "rate_limit_sign_up",
        "rate_limit_statuses",
        "rate_limit_media",
    )
    @classmethod
    def _rate_limit_notation(cls, value: str) -> str:
        if value.strip():
            try:
                limits.parse(value)
            except ValueError as error:
                raise ValueError(f"not a rate limit like '300/5 minutes': {value!r}") from error
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)  # ValueError names the part
        return value

    log_level: str = "info"
    # Media (pictures). Files go to media_dir unless media_s3_bucket names a bucket.
    max_media_attachments: int = Field(
        default=9, ge=0, le=100, description="Pictures per status (Weibo's nine-grid)"
    )
    media_max_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1, description="Largest accepted upload, in bytes"
    )
    media_max_pixels: int = Field(
        default=40_000_000,
        ge=1,
        description="Largest accepted picture, width x height (refused before decoding)",
    )
    media_dir: str = Field(
        default="./data/media", description="Where uploads are stored without a bucket"
    )
    media_s3_bucket: str = Field(
        default="", description="S3-compatible bucket for uploads; empty: use media_dir"
    )
    media_s3_endpoint_url: str = Field(
        default="", description="S3 endpoint (MinIO, R2, ...); empty: AWS"
    )
    media_s3_region: str = Field(default="", description="S3 region; empty: boto3's default")
    media_s3_access_key: str = Field(default="", description="S3 access key id")
    media_s3_secret_key: str = Field(default="", description="S3 secret access key")
    media_public_url: str = Field(
        default="",
        description="Public URL prefix of bucket files (a CDN); empty: endpoint/bucket",
    )
    trends_window_hours: int = Field(
        default=6,
        ge=1,
        le=72,
        description="Hot topics: the recent hours a trend is scored over (the current hour "
        "included)",
    )
    trends_baseline_days: int = Field(
        default=7,
        ge=1,
        le=30,
        description="Hot topics: the days before the window that give each topic's usual "
        "accounts per hour",
    )
    trends_half_life_hours: float = Field(
        default=2.0, gt=0, description="Hot topics: how fast an hour's weight in the score halves"
    )
    trends_min_accounts: int = Field(
        default=5,
        ge=1,
        description="Hot topics: distinct accounts needed in the window before anything trends",
    )
    trends_baseline_floor: float = Field(
        default=1.0,
        gt=0,
        description="Hot topics: the least accounts per hour a topic is expected to have",
    )
    trends_size: int = Field(
        default=100, ge=1, le=1000, description="Hot topics: how many of each kind are ranked"
    )
    trends_candidates: int = Field(
        default=2000,
        ge=1,
        description="Hot topics: most targets scored per refresh (those with the most accounts)",
    )
    trends_refresh_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Hot topics: how often the ranking is recomputed (by housekeeping)",
    )

    xmpp_secret: str = Field(
        default="",
        description="IM gateway: the XMPP component secret shared with the XMPP server "
        "(docs/im-gateway.md); empty: no gateway",
    )
    xmpp_domain: str = Field(
        default="myna.localhost",
        description="IM gateway: the component's domain; bob is bob@<this domain>",
    )
    xmpp_groups_domain: str = Field(
        default="",
        description="IM gateway: the domain of group chat rooms; empty: groups.<xmpp_domain>",
    )
    xmpp_host: str = Field(
        default="127.0.0.1", description="IM gateway: the XMPP server's component address"
    )
    xmpp_port: int = Field(
        default=5347, ge=1, le=65535, description="IM gateway: the XMPP server's component port"
    )
    xmpp_in_serve: bool = Field(
        default=True,
        description="IM gateway: run it inside `myna serve` (embedded mode); false: run "
        "`myna gateway` as a process of its own (needs MYNA_REDIS_URL)",
    )
    xmpp_room_history: int = Field(
        default=20, ge=0, le=200, description="IM gateway: group posts sent to who enters a room"
    )

    @model_validator(mode="after")
    def _timelines_need_redis(self) -> Self:
        if self.timelines_backend == "redis" and not self.redis_url:
            raise ValueError("MYNA_TIMELINES_BACKEND=redis needs MYNA_REDIS_URL")
        return self

    @property
    def redis_timelines(self) -> bool:
        """Whether home and list feeds live in Redis."""
        return self.timelines_backend == "redis" or (
            self.timelines_backend == "auto" and bool(self.redis_url)
        )

    @property
    def xmpp_rooms_domain(self) -> str:
        return self.xmpp_groups_domain or f"groups.{self.xmpp_domain}"

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
