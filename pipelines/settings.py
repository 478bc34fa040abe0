"""The watchlist (what to listen for) and the runtime paths (where data lives).

The watchlist is validated on load so that a typo fails at once with a message naming the
file and the field, instead of surfacing hours later inside a scheduled run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.errors import ConfigError

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
SOURCE_KEY = re.compile(r"^[a-z][a-z0-9_-]*$")
DEFAULT_DB = Path("data") / "vigie.duckdb"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SpikeConfig(_Strict):
    """How sensitive spike alerts are for one brand; unset fields keep the preset's values.

    sensitivity: `low` (score threshold +1, twice the minimum excess), `normal` (the
    detector's defaults: threshold 3.5, 10 mentions, 6 h cooldown) or `high` (threshold -1,
    half the minimum excess). threshold, min_count and cooldown_hours override the preset.
    """

    sensitivity: Literal["low", "normal", "high"] = "normal"
    threshold: float | None = Field(default=None, gt=0)
    min_count: float | None = Field(default=None, ge=0)
    cooldown_hours: float | None = Field(default=None, ge=1)


class BrandConfig(_Strict):
    """A brand or a competitor, and the words that identify it in a mention."""

    name: str = Field(min_length=1)
    aliases: list[str] = []
    handles: list[str] = []
    hashtags: list[str] = []
    keywords: list[str] = []
    exclude: list[str] = []
    query: str | None = None
    spikes: SpikeConfig = SpikeConfig()
    # The brand's own accounts per source type (raw platform ids or handles, as the
    # connector reports authors): their replies mark mentions answered (pipelines/community.py).
    accounts: dict[str, list[str]] = {}

    @field_validator("accounts")
    @classmethod
    def _accounts_named(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for source, ids in value.items():
            if not SOURCE_KEY.match(source):
                raise ValueError(f"accounts: {source!r} is not a source name (e.g. youtube)")
            if any(not str(i).strip() for i in ids):
                raise ValueError(f"accounts.{source}: empty account ids are not allowed")
        return {source: [str(i).strip() for i in ids] for source, ids in value.items()}

    @field_validator("query")
    @classmethod
    def _query_parses(cls, value: str | None) -> str | None:
        """A query mistake fails the load, with its column, rather than matching nothing."""
        from pipelines.query import parse

        if value is not None:
            parse(value)
        return value

    @field_validator("handles")
    @classmethod
    def _handles_start_with_at(cls, values: list[str]) -> list[str]:
        return [v if v.startswith("@") else f"@{v}" for v in values]

    @field_validator("hashtags")
    @classmethod
    def _hashtags_start_with_hash(cls, values: list[str]) -> list[str]:
        return [v if v.startswith("#") else f"#{v}" for v in values]

    def terms(self) -> list[str]:
        """Every literal that, found as a whole word, says a mention is about this brand."""
        return [self.name, *self.aliases, *self.handles, *self.hashtags, *self.keywords]


class SourceConfig(_Strict):
    """One (source, query) pair to collect; `params` are checked by the connector itself."""

    type: str
    name: str | None = None
    enabled: bool = True
    # For owned channels (the brand's app reviews, comments under its videos): mentions that
    # name no brand are about this one.
    brand: str | None = None
    params: dict[str, Any] = {}

    @property
    def query_id(self) -> str:
        return self.name or self.type


class AlertChannel(_Strict):
    """Where alerts go. Secrets are named by environment variable, never written inline."""

    type: Literal["slack", "webhook", "email"]
    name: str
    url_env: str | None = None
    secret_env: str | None = None
    to: list[str] = []
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user_env: str | None = None
    smtp_password_env: str | None = None
    from_addr: str | None = None
    # One message a day with the day's incidents, instead of one message per incident.
    digest: bool = False

    @field_validator("url_env", "secret_env", "smtp_user_env", "smtp_password_env")
    @classmethod
    def _is_env_name(cls, value: str | None) -> str | None:
        if value is not None and not ENV_NAME.match(value):
            raise ValueError(
                f"{value!r} is not an environment variable name; put the secret in the "
                "environment and name the variable here (e.g. VIGIE_SLACK_WEBHOOK_URL)"
            )
        return value

    @model_validator(mode="after")
    def _has_target(self) -> AlertChannel:
        if self.type in ("slack", "webhook") and not self.url_env:
            raise ValueError(f"a {self.type} channel needs url_env")
        if self.type == "email" and not (self.to and self.smtp_host):
            raise ValueError("an email channel needs 'to' and 'smtp_host'")
        return self


class AlertsConfig(_Strict):
    channels: list[AlertChannel] = []


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessHours(_Strict):
    """When the community team works, so response times can also be read in working time."""

    timezone: str = "Europe/Paris"
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = list(WEEKDAYS[:5])
    start: time = time(9, 0)
    end: time = time(18, 0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Paris, UTC)") from None
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _yaml_clock(cls, value: Any) -> Any:
        """YAML reads an unquoted 18:00 as the number 1080 (base 60); take it back."""
        if isinstance(value, int) and not isinstance(value, bool):
            if not 60 <= value < 24 * 60:
                raise ValueError(f'{value!r} is not a time; write it as "HH:MM"')
            return time(value // 60, value % 60)
        return value

    @model_validator(mode="after")
    def _sane(self) -> BusinessHours:
        if not self.days:
            raise ValueError("business_hours.days: name at least one day (mon..sun)")
        if self.start >= self.end:
            raise ValueError("business_hours: start must be before end")
        return self


class CommunityConfig(_Strict):
    """Response tracking: how long a negative mention may wait, and the working hours."""

    needs_response_hours: float = Field(default=24, gt=0)
    queue_days: int = Field(default=7, ge=1, le=90)  # how far back the unanswered queue looks
    business_hours: BusinessHours = BusinessHours()


class HttpConfig(_Strict):
    """Shared HTTP policy. `allow_hosts` lifts the private-address guard for named hosts only."""

    timeout_seconds: float = Field(default=20.0, gt=0)
    retries: int = Field(default=4, ge=0, le=10)
    backoff_seconds: float = Field(default=1.0, ge=0)
    allow_hosts: list[str] = []


class Watchlist(_Strict):
    version: Literal[1] = 1
    locale: Literal["en", "fr"] = "en"
    languages: list[Literal["en", "fr"]] = Field(default_factory=lambda: ["en", "fr"], min_length=1)
    default_language: Literal["en", "fr"] = "en"
    brands: list[BrandConfig] = []
    competitors: list[BrandConfig] = []
    exclude: list[str] = []
    sources: list[SourceConfig] = []
    alerts: AlertsConfig = AlertsConfig()
    http: HttpConfig = HttpConfig()
    community: CommunityConfig = CommunityConfig()

    @model_validator(mode="after")
    def _names_unique(self) -> Watchlist:
        names = [b.name.casefold() for b in [*self.brands, *self.competitors]]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"brand/competitor names must be unique, repeated: {', '.join(dupes)}")
        known = {b.name for b, _ in self.all_brands()}
        for source in self.sources:
            if source.brand and source.brand not in known:
                raise ValueError(
                    f"source {source.query_id!r} names brand {source.brand!r}, which is not "
                    "among the brands or competitors"
                )
        channels = [c.name for c in self.alerts.channels]
        dupes = sorted({n for n in channels if channels.count(n) > 1})
        if dupes:
            raise ValueError(f"alert channel names must be unique, repeated: {', '.join(dupes)}")
        ids = [s.query_id for s in self.sources]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"source names must be unique, repeated: {', '.join(dupes)}")
        owners: dict[tuple[str, str], str] = {}
        for brand, _ in self.all_brands():
            for source, accounts in brand.accounts.items():
                for account in accounts:
                    key = (source, account.lstrip("@").casefold())
                    if owners.setdefault(key, brand.name) != brand.name:
                        raise ValueError(
                            f"account {source}:{account} is listed under both "
                            f"{owners[key]!r} and {brand.name!r}"
                        )
        return self

    def all_brands(self) -> list[tuple[BrandConfig, bool]]:
        """Brands first, then competitors, each with its `is_competitor` flag."""
        return [(b, False) for b in self.brands] + [(c, True) for c in self.competitors]

    def enabled_sources(self) -> list[SourceConfig]:
        return [s for s in self.sources if s.enabled]

    def source_brand(self, source_type: str, query_id: str) -> str | None:
        """The brand a configured (source, query) speaks for, if it is an owned channel."""
        for source in self.sources:
            if source.type == source_type and source.query_id == query_id:
                return source.brand
        return None


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def load_watchlist(path: str | Path) -> Watchlist:
    """Read and validate a watchlist; every failure is a one-line ConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: watchlist file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read watchlist: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: YAML syntax error{where}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the watchlist must be a mapping of settings")
    try:
        watchlist = Watchlist.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        msg = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path}: {_field_path(err['loc'])}: {msg}{more}") from None
    _check_source_params(path, watchlist)
    return watchlist


def _check_source_params(path: Path, watchlist: Watchlist) -> None:
    from connectors import get_connector, known_sources

    for i, source in enumerate(watchlist.sources):
        where = f"{path}: sources[{i}]"
        if source.type == "import":
            raise ConfigError(f"{where}.type: files are not collected; use `vigie import FILE`")
        if source.type not in known_sources():
            raise ConfigError(
                f"{where}.type: unknown source {source.type!r}; "
                f"known: {', '.join(sorted(known_sources()))}"
            )
        try:
            get_connector(source.type).Params.model_validate(source.params)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = _field_path(("params", *err["loc"]))
            raise ConfigError(f"{where}.{loc}: {err['msg']}") from None


@dataclass(frozen=True)
class Paths:
    """Where one Vigie store lives: the database, and landing and reports beside it."""

    db: Path
    # VIGIE_LANDING: a local folder or an fsspec URL (s3://bucket/prefix); default <root>/landing
    landing_location: str | None = None

    @property
    def root(self) -> Path:
        return self.db.parent

    @property
    def landing(self) -> Path:
        if self.landing_location:
            from pipelines.landing import landing_root

            return landing_root(self.landing_location)
        return self.root / "landing"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def author_key_file(self) -> Path:
        return self.root / ".vigie-author-key"


def resolve_paths(db: str | Path | None = None) -> Paths:
    """`--db` wins, then VIGIE_DB, then data/vigie.duckdb under the working directory.
    The landing zone is VIGIE_LANDING when set (a folder or a URL), else beside the db."""
    chosen = db or os.environ.get("VIGIE_DB") or DEFAULT_DB
    landing = os.environ.get("VIGIE_LANDING", "").strip() or None
    return Paths(db=Path(chosen).expanduser().absolute(), landing_location=landing)


def resolve_config_path(config: str | Path | None = None) -> Path | None:
    chosen = config or os.environ.get("VIGIE_CONFIG")
    return Path(chosen).expanduser() if chosen else None


def load_optional_watchlist(config: str | Path | None) -> Watchlist:
    """The configured watchlist, or an empty default for commands that can work without one."""
    path = resolve_config_path(config)
    return load_watchlist(path) if path else Watchlist()
