"""Payload encryption: AES-256-GCM, a key id per payload, rotation without losing old data;
anything not encrypted with a known key is refused."""

import json
import os
import zlib

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.exceptions import ApplicationError

from core.codec import (
    COMPRESSED_ENCODING,
    ENCODING,
    MAX_DECOMPRESSED_BYTES,
    REFUSED_ENCODING,
    EncryptionCodec,
)
from core.settings import get_settings
from core.temporal import data_converter

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
    # An unencrypted payload is refused, never decoded: only our processes hold the keys.
    [refused] = await rotated.decode([PLAIN])
    assert refused.metadata["encoding"] == REFUSED_ENCODING
    assert refused.metadata["refused-reason"] == b"not encrypted"
    assert b"123456782" not in refused.SerializeToString()


async def test_an_unknown_key_or_a_tampered_payload_is_refused() -> None:
    encoded = await EncryptionCodec({"a": os.urandom(32)}, "a").encode([PLAIN])
    [unknown] = await EncryptionCodec({"b": os.urandom(32)}, "b").decode(encoded)
    assert unknown.metadata["refused-reason"] == b"encrypted with an unknown key"
    key = os.urandom(32)
    encoded = await EncryptionCodec({"k": key}, "k").encode([PLAIN])
    tampered = Payload(metadata=encoded[0].metadata, data=encoded[0].data[:-1] + b"\x00")
    [forged] = await EncryptionCodec({"k": key}, "k").decode([tampered])
    assert forged.metadata["refused-reason"] == b"not authentic"


async def test_the_data_converter_turns_a_refused_payload_into_an_error() -> None:
    converter = data_converter(get_settings())
    assert converter.payload_codec is not None
    [refused] = await converter.payload_codec.decode([PLAIN])
    with pytest.raises(ApplicationError, match="not encrypted") as caught:
        converter.payload_converter.from_payloads([refused], [dict])
    assert caught.value.type == "RefusedPayload" and caught.value.non_retryable
    # What our processes encrypt still round-trips.
    [value] = await converter.decode(await converter.encode([{"a": 1}]), [dict])
    assert value == {"a": 1}


def test_keys_must_be_aes_256() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptionCodec({"short": b"0" * 16}, "short")


STATUS = Payload(
    metadata={"encoding": b"json/plain"},
    data=json.dumps(
        {
            "steps": [
                {"id": f"step-{i}", "state": "waiting_for_agency", "reasons": []} for i in range(20)
            ]
        }
    ).encode(),
)


async def test_large_payloads_are_compressed_then_encrypted_and_read_back() -> None:
    codec = EncryptionCodec({"k": os.urandom(32)}, "k")
    [large, small] = await codec.encode([STATUS, PLAIN])
    assert large.metadata["encoding"] == COMPRESSED_ENCODING
    assert len(large.data) < len(STATUS.SerializeToString()) / 3
    assert small.metadata["encoding"] == ENCODING  # too small to gain anything
    assert await codec.decode([large, small]) == [STATUS, PLAIN]


async def test_payloads_from_before_compression_still_read_and_none_is_written_when_off() -> None:
    key = os.urandom(32)
    before = await EncryptionCodec({"k": key}, "k", compress=False).encode([STATUS])
    assert before[0].metadata["encoding"] == ENCODING
    assert await EncryptionCodec({"k": key}, "k").decode(before) == [STATUS]


async def test_the_compressed_encoding_cannot_be_switched_on_a_stored_payload() -> None:
    key = os.urandom(32)
    codec = EncryptionCodec({"k": key}, "k")
    [compressed] = await codec.encode([STATUS])
    [uncompressed] = await EncryptionCodec({"k": key}, "k", compress=False).encode([STATUS])
    for payload, other in ((compressed, ENCODING), (uncompressed, COMPRESSED_ENCODING)):
        switched = Payload(metadata={**payload.metadata, "encoding": other}, data=payload.data)
        [refused] = await codec.decode([switched])
        assert refused.metadata["refused-reason"] == b"not authentic"


async def test_a_payload_inflating_past_the_bound_is_refused() -> None:
    key = os.urandom(32)
    nonce = os.urandom(12)
    bomb = zlib.compress(b"\0" * (MAX_DECOMPRESSED_BYTES + 1), 9)
    data = nonce + AESGCM(key).encrypt(nonce, bomb, COMPRESSED_ENCODING)
    payload = Payload(
        metadata={"encoding": COMPRESSED_ENCODING, "encryption-key-id": b"k"}, data=data
    )
    [refused] = await EncryptionCodec({"k": key}, "k").decode([payload])
    assert refused.metadata["refused-reason"] == b"too large"
