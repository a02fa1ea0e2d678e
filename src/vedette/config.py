"""One settings class for the whole product (env prefix ``VEDETTE_``, optional ``vedette.toml``).

No other module reads ``os.environ``: everything configurable is a field here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="VEDETTE_", toml_file="vedette.toml", extra="ignore", env_nested_delimiter="__"
    )

    var_dir: Path = Field(Path("var"), description="Folder for the embedded SQLite file and caches.")
    gazetteer_dir: Path | None = Field(
        None, description="Folder for the built gazetteer file; default <venv>/var/vedette or ~/.cache/vedette."
    )
    database_url: str = Field("", description="SQLAlchemy URL; default: SQLite file under var_dir.")
    broker_url: str = Field("", description="Celery broker (redis://...); empty means in-process jobs.")
    secret_key: SecretStr = Field(SecretStr("dev-only-change-me"), description="Signs links and sessions.")
    smtp_url: str = Field("", description="smtp://user:pass@host:port for outgoing mail.")
    sms_url: str = Field("", description="SMS provider endpoint.")

    # Intake limits: bad input is rejected with a named error, never half-written.
    max_document_bytes: int = Field(50 * 1024 * 1024, description="Largest file or download accepted.")
    max_request_bytes: int = Field(
        51 * 1024 * 1024,
        description="Largest body to an upload route (max_document_bytes + multipart overhead); 413 above.",
    )
    max_json_bytes: int = Field(1024 * 1024, description="Largest request body to any other route; 413 above.")
    fetch_timeout_s: float = Field(10.0, description="Timeout for each connect, read or write of a fetch.")
    parse_timeout_s: float = Field(20.0, description="Longest time spent turning one item into text.")
    extract_timeout_s: float = Field(
        120.0, description="Longest extraction of one document (0: no limit); past it, stored for review."
    )
    max_html_depth: int = Field(2000, description="Deepest HTML nesting accepted.")
    bulk_analyze_docs: int = Field(
        100, ge=0,
        description="After an ingest adds this many documents, PostgreSQL is vacuumed and analysed (0: off)."
    )
    scheduler_enabled: bool = Field(True, description="Run the in-process scheduler (feed polling) in `serve`.")
    scheduler_tick_s: float = Field(30.0, description="How often the scheduler looks for due feeds.")
    risk_refresh_s: float = Field(
        300.0, gt=0, description="How often the scheduler refreshes transport statuses, escalations and scores."
    )
    feed_poll_interval_s: int = Field(900, description="Default interval between polls of a feed.")
    actor_lexicon_path: Path | None = Field(None, description="Extra actor lexicon (TSV, same columns).")
    user_agent: str = Field("Vedette/0.1 (+https://example.invalid/vedette)", description="HTTP User-Agent.")

    # Outbound fetches (URLs, redirects, feed entries) and the answers' security headers.
    fetch_allow: Annotated[list[str], NoDecode] = Field(
        [],
        description="Hosts (exact names) and networks (IPs or CIDRs) that fetches may reach although they are "
        "loopback, private, link-local or otherwise not public; comma-separated in the environment.",
    )
    fetch_deadline_s: float = Field(30.0, gt=0, description="Longest time for one fetch, redirects and body included.")
    fetch_max_redirects: int = Field(5, ge=0, description="Redirects followed by one fetch.")
    fetch_concurrency: int = Field(
        64, ge=1, description="URL fetches the API runs at once, on threads of their own (not request threads)."
    )
    hsts_max_age_s: int = Field(
        0, ge=0, description="Strict-Transport-Security max-age sent on HTTPS answers (behind a TLS proxy); 0: off."
    )

    @field_validator("fetch_allow", mode="before")
    @classmethod
    def _split_allow(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.replace(",", " ").split() if part]
        for entry in value if isinstance(value, list) else ():
            if isinstance(entry, str) and "/" in entry:
                import ipaddress

                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError as exc:
                    raise ValueError(f"fetch_allow: {entry!r} is not a network ({exc})") from None
        return value

    # Accounts (vedette.tenancy): sessions, tokens, sign-in throttling.
    session_ttl_hours: float = Field(12.0, description="A web session ends this long after sign-in.")
    session_idle_minutes: float = Field(60.0, description="A web session unused this long ends.")
    cookie_secure: bool = Field(True, description="Session cookies only over HTTPS (browsers allow localhost).")
    token_default_days: int = Field(90, description="Default lifetime of a new API token (0: no expiry).")
    password_reset_minutes: int = Field(60, description="How long a password-reset link stays valid.")
    login_window_minutes: int = Field(15, description="Window over which failed sign-ins are counted.")
    login_max_failures_account: int = Field(5, description="Failed sign-ins per account within the window.")
    login_max_failures_ip: int = Field(30, description="Failed sign-ins per client address within the window.")
    demo_mode: bool = Field(False, description="Demo installation: `make run` prints the demo accounts.")
    people_retention_days: int = Field(
        90, ge=1, description="Trips and positions are purged this many days after they end (demo orgs exempt)."
    )

    # Concurrency (store/db.py, `vedette serve`): the gates, the pool and the threads are sized together.
    db_busy_timeout_s: float = Field(
        30.0, gt=0, description="Longest wait for the store's write lock (SQLite busy timeout, PG lock_timeout)."
    )
    db_pool_size: int = Field(
        0, ge=0, description="Connections kept per process; 0: web_read_sessions + web_write_sessions + 8."
    )
    db_pool_overflow: int = Field(8, ge=0, description="Connections opened beyond db_pool_size when busy.")
    db_pool_timeout_s: float = Field(30.0, gt=0, description="Longest wait for a free connection of the pool.")
    web_read_sessions: int = Field(
        8, ge=1,
        description="Requests (GET, HEAD) of one process holding a store session at once (one thread runs Python at "
        "a time: more in flight only share it, and every answer comes later).",
    )
    web_write_sessions: int = Field(48, ge=1, description="Other requests holding a store session at once.")
    web_threads: int = Field(64, ge=1, description="Worker threads of one server process (blocking request work).")
    web_workers: int = Field(
        0, ge=0, description="Processes of `vedette serve`; 0: one per CPU, at most 4 (the scheduler runs in one)."
    )

    # Risk picture (vedette.risk): scorer weights, escalation test, transport statuses. See risk/README.md.
    risk_half_life_days: float = Field(
        30.0, gt=0, description="Risk score: an incident's weight halves every this many days of age."
    )
    risk_horizon_days: int = Field(365, ge=1, description="Risk score: incidents older than this count for nothing.")
    risk_severity_points: Annotated[list[float], NoDecode] = Field(
        [1.0, 2.0, 4.0, 8.0, 16.0],
        description="Risk score: points of an incident of severity 1..5 (five numbers, comma-separated).",
    )
    risk_saturation: float = Field(
        40.0, gt=0, description="Risk score: decayed points at which the 0-100 score reaches 63 (1 - 1/e)."
    )
    risk_trend_ratio: float = Field(
        1.5, gt=1, description="Trend: recent daily rate this many times the preceding 90 days' is rising."
    )
    risk_top_incidents: int = Field(5, ge=1, description="Incidents that explain each score.")
    escalation_alarms_per_year: float = Field(
        0.35, gt=0, description="Escalation: false-alarm budget per region-year (risk/escalation.py)."
    )
    escalation_clear_alpha: float = Field(
        0.05, gt=0, lt=1, description="Escalation: cleared when the last 7 days are no longer this improbable."
    )
    escalation_baseline_days: int = Field(365, ge=14, description="Escalation: days of history for the baseline.")
    transport_stale_hours: float = Field(
        48.0, gt=0, description="A transport status older than this is shown as stale."
    )

    @field_validator("risk_severity_points", mode="before")
    @classmethod
    def _split_points(cls, value: object) -> object:
        if isinstance(value, str):
            value = [float(part) for part in value.replace(",", " ").split()]
        if isinstance(value, list | tuple) and len(value) != 5:
            raise ValueError("five numbers: the points of severities 1 to 5")
        return value

    # Alerts (vedette.alerts): approval, mail identity, the dispatcher (notes/alerts.md).
    alerts_approval_threshold: int = Field(
        50, ge=1, description="Alerts to more people than this need a second person's approval (per-org default)."
    )
    alerts_mail_from: str = Field("Vedette <alerts@vedette.invalid>", description="From: of alert emails.")
    alerts_mail_domain: str = Field("vedette.invalid", description="Domain of alert emails' Message-IDs.")
    alerts_base_url: str = Field("http://127.0.0.1:8000", description="Public base URL put in messages' links.")
    sms_sender: str = Field("Vedette", description="Sender name or number of alert SMS.")
    sms_callback_secret: SecretStr = Field(
        SecretStr(""), description="HMAC key of the SMS provider's receipts and inbound posts (empty: secret_key)."
    )
    alerts_lease_s: float = Field(
        60.0, gt=0, description="A claimed message is retried by another dispatcher after this long (crash)."
    )
    alerts_batch: int = Field(200, ge=1, description="Messages one dispatcher claims at a time.")
    alerts_max_attempts: int = Field(6, ge=1, description="Attempts on one channel before it falls back or fails.")
    alerts_backoff_s: float = Field(5.0, gt=0, description="Retry backoff: this many seconds, doubled per attempt.")
    alerts_rate_per_s: Annotated[dict[str, float], NoDecode] = Field(
        {"email": 500.0, "sms": 50.0, "webhook": 50.0},
        description="Per-channel send rate limits (messages per second), e.g. email=500,sms=50.",
    )
    alerts_dispatch_tick_s: float = Field(2.0, gt=0, description="In-process dispatcher: seconds between polls.")
    alerts_smtp_timeout_s: float = Field(15.0, gt=0, description="Timeout of SMTP connects and commands.")

    @field_validator("alerts_rate_per_s", mode="before")
    @classmethod
    def _split_rates(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = [part.split("=", 1) for part in value.replace(",", " ").split() if part]
            value = {k.strip(): float(v) for k, v in pairs}
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'vedette.sqlite').resolve()}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
