"""One settings object for every process, read from the environment (and an optional .env)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of every process. Environment variable names are the field names, upper-case."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Temporal. With no address, `lifeevents dev` and `lifeevents server` start the dev server.
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    task_queue: str = "life-events"

    # Where the embedded stack keeps its files: Temporal's SQLite, the app's, the agencies'.
    data_dir: Path = Path("data")
    # SQLite by default; set e.g. postgresql+psycopg://user:pw@host/db for PostgreSQL.
    database_url: str | None = None

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # How agencies reach us back (callback URLs are built from it).
    public_base_url: str = "http://127.0.0.1:8000"
    # The operator's bearer token (creating agencies, listing journeys).
    operator_token: str = "dev-operator-token"
    # The bearer token authoritative registries use to report events (proactive starts).
    registry_token: str = "dev-registry-token"
    # Secret that makes callback ids unguessable and intake hashes unlinkable.
    app_secret: str = "dev-secret-change-me"
    seed_demo_data: bool = True
    # OpenID Connect (optional): tokens from this issuer are accepted too, verified through its
    # JWKS. Citizens own the journeys they start with one; a role claim makes an operator.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_roles_claim: str = "roles"
    oidc_operator_role: str = "operator"
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
    # Origins of the Temporal UI, allowed to call the codec server from a browser.
    codec_cors_origins: str = "http://127.0.0.1:8233,http://localhost:8233"
    # Dev stack only: let the local UI decode without a token (the UI has no login there).
    codec_trust_ui_origin: bool = False

    # Outgoing e-mail.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mail_from: str = "Tell Us Once <no-reply@lifeevents.example>"

    # The simulated agencies (dev stack and tests only).
    agencies_host: str = "127.0.0.1"
    agencies_port: int = 8001
    agencies_base_url: str = "http://127.0.0.1:8001"
    agency_decision_delay_seconds: float = 2.0

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"

    # Agencies' URLs
    # Webhook and withdrawal URLs must reach public addresses: loopback, private, link-local
    # (cloud metadata), multicast and reserved ones are refused at registration and before
    # every request, unless in these networks (comma-separated CIDRs, e.g. "127.0.0.0/8,::1/128"
    # for the dev stack and the tests, whose agencies listen on loopback).
    agency_url_allowed_networks: str = ""

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'app.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
