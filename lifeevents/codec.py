"""Encryption of every payload Temporal stores: inputs, results, signals, updates, queries and
failure details. AES-256-GCM with a key id in each payload's metadata, so keys can rotate: the
current key encrypts, every listed key decrypts. Search attributes are never encrypted by
Temporal, which is why they hold codes only.

Only the orchestrator's own processes hold the keys, so only they can make a journey act:
a payload that is not encrypted with a known key (a signal sent in plaintext with the
``temporal`` CLI, a hand-written plan, a tampered ciphertext) is not decoded but replaced by a
*refused* payload, which the data converter turns into a non-retryable ``RefusedPayload``
error. Temporal then drops such a signal, rejects such an update and fails such a workflow
start, and logs it with the workflow's id; a journey never sees the payload and is never
wedged by it (raising here instead would fail the workflow task over and over).
"""

import base64
import hashlib
import os
from collections.abc import Sequence

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from lifeevents.settings import Settings

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
# What a payload we refuse to decode becomes; the data converter raises on it.
REFUSED_ENCODING = b"lifeevents/refused"
REFUSED_REASON = "refused-reason"
log = structlog.get_logger(__name__)


def refused(reason: str) -> Payload:
    log.warning("payload refused", reason=reason)
    return Payload(metadata={"encoding": REFUSED_ENCODING, REFUSED_REASON: reason.encode()})


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError(f"the current payload key '{current}' is not among the keys")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"payload key '{key_id}' must be 32 bytes (AES-256)")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current = current

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self._current]
        encoded = []
        for payload in payloads:
            nonce = os.urandom(12)
            data = nonce + cipher.encrypt(nonce, payload.SerializeToString(), None)
            encoded.append(
                Payload(metadata={"encoding": ENCODING, KEY_ID: self._current.encode()}, data=data)
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decode_one(payload) for payload in payloads]

    def _decode_one(self, payload: Payload) -> Payload:
        encoding = payload.metadata.get("encoding")
        if encoding == REFUSED_ENCODING:
            return payload  # refused already (decoded twice: the UI's codec server, say)
        if encoding != ENCODING:
            return refused("not encrypted")
        cipher = self._ciphers.get(payload.metadata.get(KEY_ID, b"").decode(errors="replace"))
        if cipher is None:
            return refused("encrypted with an unknown key")
        try:
            plain = cipher.decrypt(payload.data[:12], payload.data[12:], None)
        except (InvalidTag, ValueError):
            return refused("not authentic")
        try:
            return Payload.FromString(plain)
        except DecodeError:
            return refused("not a payload")  # authentic, yet not one we wrote


def codec_from_settings(settings: Settings) -> EncryptionCodec:
    if settings.payload_keys:
        keys = {}
        for item in settings.payload_keys.split(","):
            key_id, _, encoded = item.strip().partition(":")
            keys[key_id] = base64.b64decode(encoded)
        current = settings.payload_key_current or next(iter(keys))
        return EncryptionCodec(keys, current)
    dev_key = hashlib.sha256(f"payload:{settings.app_secret}".encode()).digest()
    return EncryptionCodec({"dev": dev_key}, "dev")
