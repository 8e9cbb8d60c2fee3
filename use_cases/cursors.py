"""Signed cursors: a listing's position, handed out and taken back without trusting the client.

A cursor is base64url(JSON) "." base64url(HMAC-SHA256 under APP_SECRET). It names its listing
and what that listing was scoped to (an agency, a journey, a set of filters), so a cursor altered
by hand, or one taken from another listing, is refused as a 422 on ``cursor``, never a 500 or
another listing's rows. The JSON API's pages and the console's lists both use them.
"""

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from core.settings import Settings
from use_cases.errors import Unprocessable, value_error


def _mac(settings: Settings, payload: bytes) -> bytes:
    key = hmac.new(settings.app_secret.encode(), b"lifeevents:cursor", hashlib.sha256).digest()
    return hmac.new(key, payload, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(settings: Settings, listing: str, scope: str, position: Any) -> str:
    payload = json.dumps(
        {"l": listing, "s": scope, "p": position}, separators=(",", ":"), sort_keys=True
    ).encode()
    return f"{_b64(payload)}.{_b64(_mac(settings, payload))}"


def decode_cursor(settings: Settings, listing: str, scope: str, cursor: str | None) -> Any:
    """The position a cursor holds (None without one); a 422 on ``cursor`` when it is not one
    of ours, or not for this listing and scope."""
    if cursor is None:
        return None
    try:
        encoded, signature = cursor.split(".")
        payload = _unb64(encoded)
        valid = hmac.compare_digest(_unb64(signature), _mac(settings, payload))
        document = json.loads(payload) if valid else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict) or "p" not in document:
        raise _invalid("Not a cursor this API issued")
    if document.get("l") != listing or document.get("s") != scope:
        raise _invalid("This cursor belongs to another listing, or to other filters")
    return document["p"]


def _invalid(message: str) -> Unprocessable:
    return Unprocessable([value_error(["query", "cursor"], message)])
