"""Payload encryption: AES-256-GCM, a key id per payload, rotation without losing old data."""

import os

import pytest
from temporalio.api.common.v1 import Payload

from lifeevents.codec import EncryptionCodec

PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"national_id": "123456782"}')


async def test_rotation_keeps_old_payloads_readable() -> None:
    old_key, new_key = os.urandom(32), os.urandom(32)
    before = await EncryptionCodec({"2025": old_key}, "2025").encode([PLAIN])
    assert before[0].metadata["encryption-key-id"] == b"2025"
    assert b"123456782" not in before[0].data

    rotated = EncryptionCodec({"2025": old_key, "2026": new_key}, "2026")
    assert await rotated.decode(before) == [PLAIN]
    after = await rotated.encode([PLAIN])
    assert after[0].metadata["encryption-key-id"] == b"2026"
    assert await rotated.decode(after) == [PLAIN]
    # Unencrypted payloads (written before encryption was on) pass through.
    assert await rotated.decode([PLAIN]) == [PLAIN]


async def test_an_unknown_key_or_a_tampered_payload_is_refused() -> None:
    encoded = await EncryptionCodec({"a": os.urandom(32)}, "a").encode([PLAIN])
    with pytest.raises(ValueError, match="unknown payload key id 'a'"):
        await EncryptionCodec({"b": os.urandom(32)}, "b").decode(encoded)
    key = os.urandom(32)
    encoded = await EncryptionCodec({"k": key}, "k").encode([PLAIN])
    tampered = Payload(metadata=encoded[0].metadata, data=encoded[0].data[:-1] + b"\x00")
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        await EncryptionCodec({"k": key}, "k").decode([tampered])


def test_keys_must_be_aes_256() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptionCodec({"short": b"0" * 16}, "short")
