"""The signed session cookies: each kind accepted as itself only, never altered, never past its
expiry, never under another APP_SECRET."""

import base64
import json

from core.settings import Settings
from web.sessions import seal, unseal

SETTINGS = Settings(app_secret="a-secret-for-these-tests-only-0123456789")


def test_a_sealed_value_opens_as_its_own_kind_only() -> None:
    value = seal(SETTINGS, "citizen", {"sub": "abc"}, 60)
    opened = unseal(SETTINGS, "citizen", value)
    assert opened is not None and opened["sub"] == "abc"
    assert unseal(SETTINGS, "operator", value) is None
    assert unseal(SETTINGS, "sign-in", value) is None


def test_an_altered_value_is_refused() -> None:
    value = seal(SETTINGS, "operator", {"name": "ana", "sub": "abc"}, 60)
    encoded, signature = value.split(".")
    forged = base64.urlsafe_b64encode(
        json.dumps({"name": "root", "sub": "abc", "exp": 2**40}).encode()
    ).decode()
    assert unseal(SETTINGS, "operator", f"{forged.rstrip('=')}.{signature}") is None
    assert unseal(SETTINGS, "operator", f"{encoded}.{'0' * 64}") is None
    assert unseal(SETTINGS, "operator", value + ".x") is None
    assert unseal(SETTINGS, "operator", "x" * 5000) is None
    assert unseal(SETTINGS, "operator", None) is None
    assert unseal(SETTINGS, "operator", f"{encoded}.{'é' * 64}") is None


def test_an_expired_value_is_refused() -> None:
    assert unseal(SETTINGS, "citizen", seal(SETTINGS, "citizen", {"sub": "abc"}, -1)) is None


def test_another_secret_opens_nothing() -> None:
    other = Settings(app_secret="another-secret-for-these-tests-0123456789")
    assert unseal(other, "citizen", seal(SETTINGS, "citizen", {"sub": "abc"}, 60)) is None
