"""What the person has answered so far, between the pages of an intake: kept in their own
browser, in a cookie encrypted and authenticated under APP_SECRET (AES-GCM), so no draft is
stored on our side and nobody else can read or alter it. It lives for the browser session and
is cleared once the intake is sent."""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.settings import Settings

DRAFT_COOKIE = "draft"
# Browsers keep cookies of up to 4096 bytes; an intake's answers fit well within.
MAX_COOKIE_CHARS = 3800


@dataclass
class Draft:
    life_event: str
    answers: dict[str, Any] = field(default_factory=dict)
    services: list[str] | None = None
    consents: list[str] = field(default_factory=list)


def _key(settings: Settings) -> bytes:
    return hashlib.sha256(f"web-draft:{settings.app_secret}".encode()).digest()


def seal(settings: Settings, draft: Draft) -> str:
    plain = json.dumps(
        [draft.life_event, draft.answers, draft.services, draft.consents],
        separators=(",", ":"),
    ).encode()
    nonce = secrets.token_bytes(12)
    sealed = base64.urlsafe_b64encode(nonce + AESGCM(_key(settings)).encrypt(nonce, plain, None))
    return sealed.decode()


def unseal(settings: Settings, cookie: str | None) -> Draft | None:
    """The draft, or None when there is none or it is not ours (altered, or another secret's)."""
    if not cookie or len(cookie) > MAX_COOKIE_CHARS:
        return None
    try:
        raw = base64.urlsafe_b64decode(cookie.encode())
        plain = AESGCM(_key(settings)).decrypt(raw[:12], raw[12:], None)
        life_event, answers, services, consents = json.loads(plain)
    except (ValueError, InvalidTag):
        return None
    return Draft(life_event, answers, services, consents)
