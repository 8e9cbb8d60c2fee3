"""One settings object for every process, read from the environment (and an optional .env)."""

import base64
import binascii
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of every process. Environment variable names are the field names, upper-case."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # "production" (the default) refuses to start on missing, published or short secrets (see
    # check_secrets); "development" (set by `lifeevents dev` and the test suite) allows them.
    environment: Literal["production", "development"] = "production"

    # Temporal. With no address, `lifeevents dev` and `lifeevents server` start the dev server.
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    # Where operators open the Temporal UI (the console links journeys and queries there).
    # Unset: the embedded dev server's UI on this machine.
    temporal_ui_url: str | None = Field(default=None, pattern=r"^https?://[^\s\"'<>]+$")
    task_queue: str = "life-events"
    # Worker versioning (workflows/versioning.py): set both to run the worker as this version of
    # a worker deployment, e.g. "lifeevents" and the image's tag. Unset: unversioned.
    worker_deployment_name: str | None = Field(default=None, pattern=r"^[^.]+$", max_length=255)
    worker_build_id: str | None = Field(default=None, min_length=1, max_length=255)
    # How running journeys meet new versions: "pinned" (they finish where they started) or
    # "auto_upgrade" (they move to the current version; needs patching, as unversioned).
    worker_versioning_behavior: Literal["pinned", "auto_upgrade"] = "pinned"

    # Where the embedded stack keeps its files: Temporal's SQLite, the app's, the agencies'.
    data_dir: Path = Path("data")
    # SQLite by default; set e.g. postgresql+psycopg://user:pw@host/db for PostgreSQL.
    database_url: str | None = None

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # API processes behind the one port (uvicorn's workers): every limit and record the API keeps
    # is in the database, so they agree. One is enough below ~100 intakes/s on two cores.
    api_workers: int = Field(default=1, ge=1, le=64)
    # How agencies reach us back (callback URLs are built from it).
    public_base_url: str = "http://127.0.0.1:8000"
    # Named operators' bearer tokens (creating agencies, listing journeys, reading a person's
    # journey with a reason): "name:token,name2:token2", names matching OPERATOR_NAME. Each
    # operator acts under their name in the audit trail ("operator:<name>"). Empty: operators
    # sign in with OpenID Connect only.
    operator_tokens: str = "operator:dev-operator-token"
    # Replaced by OPERATOR_TOKENS; setting it is refused, so that it is not silently ignored.
    operator_token: str | None = None
    # How long a journey token (the person's link) opens their journey; a person can ask for a
    # fresh one (POST /v1/journeys/{id}/link), sent to the journey's contact address.
    journey_token_ttl_days: int = Field(default=90, ge=1, le=3650)
    # At most one fresh link e-mailed per journey within this many minutes.
    journey_link_interval_minutes: int = Field(default=10, ge=1)
    # The bearer token authoritative registries use to report events (proactive starts).
    registry_token: str = "dev-registry-token"
    # The bearer token Prometheus presents to scrape GET /metrics (a secret, checked as the
    # others outside development). Unset: /metrics answers 404, as if it did not exist.
    metrics_token: str | None = None
    # Where the worker serves Temporal's SDK metrics for Prometheus, "host:port" (e.g.
    # 127.0.0.1:9464); no token there, so bind it to an address only Prometheus reaches.
    # Unset: the worker exposes none.
    worker_metrics_address: str | None = Field(default=None, pattern=r"^\S+:[0-9]{1,5}$")
    # OpenTelemetry traces (the `tracing` extra): the OTLP over HTTP/protobuf endpoint the API
    # and the worker send their spans to, e.g. http://otel-collector:4318/v1/traces. Unset (the
    # default): no span is made or sent, and agencies receive no `traceparent`.
    otlp_traces_endpoint: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/\S*)?$")
    # Secret that makes callback ids unguessable and intake hashes unlinkable.
    app_secret: str = "dev-secret-change-me"
    # OpenID Connect (optional): tokens from this issuer are accepted too, verified through its
    # JWKS. Citizens own the journeys they start with one; a role claim makes an operator.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_roles_claim: str = "roles"
    oidc_operator_role: str = "operator"
    # Signing in on the web pages (web/sign_in.py): this service as a client of OIDC_ISSUER,
    # authorization code flow with PKCE. The redirect URI registered at the issuer is
    # PUBLIC_BASE_URL + /sign-in/callback. Unset client id: no sign-in on the pages. Without a
    # secret the service is a public client (PKCE alone); with one, it authenticates with
    # client_secret_basic.
    oidc_client_id: str | None = Field(default=None, min_length=1, max_length=255)
    oidc_client_secret: str | None = None
    # Retention: personal data in the app database (days), closed journeys' histories in
    # Temporal (the namespace's retention, set by `lifeevents setup`).
    retention_days: int = 365
    temporal_retention_days: int = 30
    # Request bodies over this size are refused with 413 (an intake is a few kilobytes).
    max_body_bytes: int = 64 * 1024
    # Keys that encrypt every payload sent to Temporal (AES-256-GCM): "id:base64key,id2:…".
    # Unset: one key derived from APP_SECRET (dev only). The current key encrypts; all decrypt.
    payload_keys: str | None = None
    payload_key_current: str | None = None
    # Compress payloads before encrypting them (core/codec.py). Every version reads both;
    # set false while upgrading from a version before compression, until all processes run it.
    payload_compression: bool = True
    # Keys the audit trail's hash chain (HMAC-SHA256), kept outside the database so that whoever
    # can write the database cannot re-hash the chain. Unset: derived from APP_SECRET (dev only).
    audit_key: str | None = None
    # The chain's head (entry count and last hash, keyed), written after every append outside
    # the database, so `lifeevents audit-verify` finds a truncated trail. Default:
    # DATA_DIR/audit.anchor.
    audit_anchor_file: Path | None = None
    # Origins of the Temporal UI, allowed to call the codec server from a browser.
    codec_cors_origins: str = "http://127.0.0.1:8233,http://localhost:8233"
    # Dev stack only: let the local UI decode without a token (the UI has no login there).
    codec_trust_ui_origin: bool = False

    # Outgoing e-mail, through a relay (core/smtp.py). "starttls" (port 587, usually) and
    # "tls" (implicit TLS, port 465) verify the relay's certificate and host name; "none" is
    # plain SMTP, for a mail catcher on this machine (the dev stack sets it).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    # PEM file of the CAs that may sign the relay's certificate (unset: the system's CAs).
    smtp_ca_file: Path | None = None
    mail_from: str = "Tell Us Once <no-reply@lifeevents.example>"

    # The simulated agencies (dev stack and tests only).
    agencies_host: str = "127.0.0.1"
    agencies_port: int = 8001
    agencies_base_url: str = "http://127.0.0.1:8001"
    agency_decision_delay_seconds: float = 2.0
    # Bearer token for the simulated agencies' `GET /_received`; unset, nobody may read it.
    agencies_inspection_token: str | None = None

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"

    # Failed identity checks: past this many in the window, per national id and per client
    # address, the anonymous intake answers 429 (Retry-After) until the window frees. Intakes
    # whose identity verifies do not count.
    identity_failures_per_national_id: int = Field(default=5, ge=1)
    identity_failures_per_client: int = Field(default=20, ge=1)
    identity_failure_window_seconds: int = Field(default=3600, ge=1)
    # How many reverse proxies in front of the API append to X-Forwarded-For (0: none, the
    # client is the peer). Only then is the header read, and only the entry the outermost
    # trusted proxy appended: the entries before it are whatever the client sent.
    trusted_proxy_hops: int = Field(default=0, ge=0)

    # Agencies' URLs
    # Webhook and withdrawal URLs must reach public addresses: loopback, private, link-local
    # (cloud metadata), multicast and reserved ones are refused at registration and before
    # every request, unless in these networks (comma-separated CIDRs, e.g. "127.0.0.0/8,::1/128"
    # for the dev stack and the tests, whose agencies listen on loopback).
    agency_url_allowed_networks: str = ""
    # How many services one agency may have registered at a time (disabled ones count, deleted
    # ones do not).
    max_services_per_agency: int = Field(default=50, ge=1)

    @field_validator(
        "smtp_username", "smtp_password", "smtp_ca_file", "otlp_traces_endpoint", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """Compose passes an optional variable it was not given as an empty string."""
        return None if value == "" else value

    @property
    def effective_temporal_ui_url(self) -> str:
        return (self.temporal_ui_url or f"http://127.0.0.1:{self.temporal_ui_port}").rstrip("/")

    @property
    def operators(self) -> dict[str, str]:
        """Each named operator's token (OPERATOR_TOKENS); malformed entries are left out (and
        refused by check_secrets)."""
        found: dict[str, str] = {}
        for name, token in _operator_entries(self.operator_tokens):
            if OPERATOR_NAME.match(name) and token and name not in found:
                found[name] = token
        return found

    @property
    def sign_in_enabled(self) -> bool:
        """Whether people can sign in on the web pages with the OpenID Connect issuer."""
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'app.db'}"

    @property
    def effective_audit_key(self) -> bytes:
        if self.audit_key:
            return self.audit_key.encode()
        return hashlib.sha256(f"audit:{self.app_secret}".encode()).digest()

    @property
    def effective_audit_anchor_file(self) -> Path:
        return self.audit_anchor_file or self.data_dir / "audit.anchor"

    def insecure_settings(self) -> list[str]:
        """What stops this configuration from starting, each naming its variable."""
        problems = []
        if self.oidc_issuer and not self.oidc_audience:
            problems.append(
                "OIDC_AUDIENCE must be set when OIDC_ISSUER is (tokens minted for "
                "any other client of the issuer would be accepted)"
            )
        if self.oidc_client_id and not self.oidc_issuer:
            problems.append("OIDC_CLIENT_ID is set without OIDC_ISSUER (whom to sign in with)")
        if self.operator_token is not None:
            problems.append(
                "OPERATOR_TOKEN is replaced by OPERATOR_TOKENS (name:token,…): unset it and "
                "name each operator"
            )
        problems.extend(_operator_token_problems(self.operator_tokens))
        problems.extend(self._smtp_problems())
        if bool(self.worker_deployment_name) != bool(self.worker_build_id):
            problems.append("WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID must be set together")
        if self.environment == "development":
            return problems
        if not self.operator_tokens.strip() and not self.oidc_issuer:
            problems.append("OPERATOR_TOKENS is not set (and no OIDC_ISSUER names operators)")
        for name, token in self.operators.items():
            if token in PUBLISHED_SECRETS:
                problems.append(f"OPERATOR_TOKENS: the token of '{name}' is a published value")
            elif len(token) < MIN_SECRET_LENGTH:
                problems.append(
                    f"OPERATOR_TOKENS: the token of '{name}' is shorter than "
                    f"{MIN_SECRET_LENGTH} characters"
                )
        secrets = {
            "REGISTRY_TOKEN": self.registry_token,
            "APP_SECRET": self.app_secret,
            "AUDIT_KEY": self.audit_key,
        }
        for name, value in secrets.items():
            if not value:
                problems.append(f"{name} is not set")
            elif value in PUBLISHED_SECRETS:
                problems.append(f"{name} is not set, or set to a published value")
            elif len(value) < MIN_SECRET_LENGTH:
                problems.append(f"{name} is shorter than {MIN_SECRET_LENGTH} characters")
        if self.metrics_token is not None:
            # Optional (unset, /metrics is off); set, it is a secret like the others.
            if self.metrics_token in PUBLISHED_SECRETS:
                problems.append("METRICS_TOKEN is set to a published value")
            elif len(self.metrics_token) < MIN_SECRET_LENGTH:
                problems.append(f"METRICS_TOKEN is shorter than {MIN_SECRET_LENGTH} characters")
        problems.extend(self._sign_in_problems())
        if not self.payload_keys:
            problems.append(
                "PAYLOAD_KEYS is not set (the key derived from APP_SECRET is for development)"
            )
        else:
            problems.extend(_payload_key_problems(self.payload_keys, self.payload_key_current))
        return problems

    def _sign_in_problems(self) -> list[str]:
        """Outside development: a sign-in client's secret is no published value, and the
        redirect URI the code comes back to is HTTPS."""
        if not self.oidc_client_id:
            return []
        problems = []
        if self.oidc_client_secret in PUBLISHED_SECRETS:
            problems.append("OIDC_CLIENT_SECRET is set to a published value")
        if not self.public_base_url.startswith("https://"):
            problems.append(
                "PUBLIC_BASE_URL must be https:// when OIDC_CLIENT_ID is set (the sign-in's "
                "code and session cookies travel to it)"
            )
        return problems

    def _smtp_problems(self) -> list[str]:
        """Refused in every environment: credentials in clear, or half of them."""
        if bool(self.smtp_username) != bool(self.smtp_password):
            return ["SMTP_USERNAME and SMTP_PASSWORD must be set together"]
        if self.smtp_username and self.smtp_security == "none":
            return [
                "SMTP_USERNAME is set with SMTP_SECURITY=none: the credentials would cross the "
                "network in clear (use starttls or tls)"
            ]
        if self.smtp_ca_file is not None and not self.smtp_ca_file.is_file():
            return [f"SMTP_CA_FILE {self.smtp_ca_file} is not a file"]
        return []

    def check_secrets(self) -> None:
        """Refuse to start (InsecureSettings, naming the variables) outside development while a
        secret is missing, published or too short; and on an OpenID Connect issuer without an
        audience in any environment."""
        problems = self.insecure_settings()
        if problems:
            hint = (
                " (ENVIRONMENT=development allows the built-in development values)"
                if self.environment == "production"
                else ""
            )
            raise InsecureSettings(
                f"refusing to start, ENVIRONMENT={self.environment}: {'; '.join(problems)}. "
                f"Set them in the environment or a .env file{hint}."
            )


class InsecureSettings(ValueError):
    """The settings must not be used to start a process."""


MIN_SECRET_LENGTH = 32
# Values that are public: the built-in development defaults, the ones the README and the test
# suite show, and placeholders. Never acceptable outside development.
PUBLISHED_SECRETS = frozenset(
    {
        "dev-operator-token",
        "dev-registry-token",
        "dev-secret-change-me",
        "test-operator-token",
        "test-registry-token",
        "change-me",
        "changeme",
        "secret",
        "...",
    }
)


# An operator's name, as the audit trail shows it after "operator:".
OPERATOR_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


def _operator_entries(value: str) -> list[tuple[str, str]]:
    entries = []
    for item in value.split(","):
        if item.strip():
            name, _, token = item.strip().partition(":")
            entries.append((name, token))
    return entries


def _operator_token_problems(value: str) -> list[str]:
    """What is malformed in OPERATOR_TOKENS (refused in every environment)."""
    problems = []
    names: set[str] = set()
    tokens: set[str] = set()
    for index, (name, token) in enumerate(_operator_entries(value), start=1):
        if not OPERATOR_NAME.match(name):
            problems.append(
                f"OPERATOR_TOKENS: entry {index} is not name:token with a name matching "
                f"{OPERATOR_NAME.pattern}"
            )
        elif not token:
            problems.append(f"OPERATOR_TOKENS: '{name}' has no token")
        elif name in names:
            problems.append(f"OPERATOR_TOKENS: '{name}' is named twice")
        elif token in tokens:
            problems.append(f"OPERATOR_TOKENS: '{name}' shares another operator's token")
        names.add(name)
        tokens.add(token)
    return problems


def _payload_key_problems(payload_keys: str, current: str | None) -> list[str]:
    ids = []
    for item in payload_keys.split(","):
        key_id, _, encoded = item.strip().partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return [f"PAYLOAD_KEYS: key '{key_id}' is not base64"]
        if len(key) != 32:
            return [f"PAYLOAD_KEYS: key '{key_id}' must be 32 bytes (AES-256)"]
        if key == hashlib.sha256(b"payload:dev-secret-change-me").digest():
            return [f"PAYLOAD_KEYS: key '{key_id}' is the published development key"]
        ids.append(key_id)
    if current and current not in ids:
        return [f"PAYLOAD_KEY_CURRENT '{current}' is not among PAYLOAD_KEYS"]
    return []


@lru_cache
def get_settings() -> Settings:
    return Settings()
