"""Encryption of every payload Temporal stores: inputs, results, signals, updates, queries and
failure details. AES-256-GCM with a key id in each payload's metadata, so keys can rotate: the
current key encrypts, every listed key decrypts. Search attributes are never encrypted by
Temporal, which is why they hold codes only."""

import base64
import hashlib
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from lifeevents.settings import Settings

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


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
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)  # written before encryption was on
                continue
            key_id = payload.metadata[KEY_ID].decode()
            cipher = self._ciphers.get(key_id)
            if cipher is None:
                raise ValueError(f"unknown payload key id '{key_id}'")
            plain = cipher.decrypt(payload.data[:12], payload.data[12:], None)
            decoded.append(Payload.FromString(plain))
        return decoded


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
