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

Payloads are compressed (zlib) before they are encrypted when that makes them smaller: a journey's
payloads are JSON that repeats the same keys, and compressed they take about a third of the room
in Temporal's store, and its status memo stays under the server's 2 KB warning for memos. The
compressed encoding is bound to the ciphertext (as GCM's associated data), so it cannot be
switched on a stored payload; older, uncompressed payloads decode as before.
"""

import base64
import hashlib
import os
import zlib
from collections.abc import Sequence

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from core.settings import Settings

ENCODING = b"binary/encrypted"
COMPRESSED_ENCODING = b"binary/encrypted-zlib"
# Smaller payloads gain nothing from compression.
COMPRESS_FROM_BYTES = 256
# Twice what Temporal accepts in one payload (2 MB): anything that inflates past it is refused.
MAX_DECOMPRESSED_BYTES = 4 * 1024 * 1024
KEY_ID = "encryption-key-id"
# What a payload we refuse to decode becomes; the data converter raises on it.
REFUSED_ENCODING = b"lifeevents/refused"
REFUSED_REASON = "refused-reason"
log = structlog.get_logger(__name__)


def refused(reason: str) -> Payload:
    log.warning("payload refused", reason=reason)
    return Payload(metadata={"encoding": REFUSED_ENCODING, REFUSED_REASON: reason.encode()})


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes], current: str, *, compress: bool = True) -> None:
        if current not in keys:
            raise ValueError(f"the current payload key '{current}' is not among the keys")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"payload key '{key_id}' must be 32 bytes (AES-256)")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current = current
        self._compress = compress

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self._current]
        encoded = []
        for payload in payloads:
            plain, encoding = payload.SerializeToString(), ENCODING
            if self._compress and len(plain) >= COMPRESS_FROM_BYTES:
                compressed = zlib.compress(plain, 6)
                if len(compressed) < len(plain):
                    plain, encoding = compressed, COMPRESSED_ENCODING
            nonce = os.urandom(12)
            data = nonce + cipher.encrypt(nonce, plain, _associated_data(encoding))
            encoded.append(
                Payload(metadata={"encoding": encoding, KEY_ID: self._current.encode()}, data=data)
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decode_one(payload) for payload in payloads]

    def _decode_one(self, payload: Payload) -> Payload:
        encoding = payload.metadata.get("encoding")
        if encoding == REFUSED_ENCODING:
            return payload  # refused already (decoded twice: the UI's codec server, say)
        if encoding not in (ENCODING, COMPRESSED_ENCODING):
            return refused("not encrypted")
        cipher = self._ciphers.get(payload.metadata.get(KEY_ID, b"").decode(errors="replace"))
        if cipher is None:
            return refused("encrypted with an unknown key")
        try:
            plain = cipher.decrypt(payload.data[:12], payload.data[12:], _associated_data(encoding))
        except (InvalidTag, ValueError):
            return refused("not authentic")
        if encoding == COMPRESSED_ENCODING:
            inflater = zlib.decompressobj()
            try:
                plain = inflater.decompress(plain, MAX_DECOMPRESSED_BYTES)
            except zlib.error:
                return refused("not a payload")
            if not inflater.eof:
                return refused("too large")
        try:
            return Payload.FromString(plain)
        except DecodeError:
            return refused("not a payload")  # authentic, yet not one we wrote


def _associated_data(encoding: bytes) -> bytes | None:
    """What GCM authenticates besides the ciphertext: the compressed encoding (none for the
    original encoding, so payloads written before compression still decrypt)."""
    return encoding if encoding == COMPRESSED_ENCODING else None


def codec_from_settings(settings: Settings) -> EncryptionCodec:
    if settings.payload_keys:
        keys = {}
        for item in settings.payload_keys.split(","):
            key_id, _, encoded = item.strip().partition(":")
            keys[key_id] = base64.b64decode(encoded)
        current = settings.payload_key_current or next(iter(keys))
        return EncryptionCodec(keys, current, compress=settings.payload_compression)
    dev_key = hashlib.sha256(f"payload:{settings.app_secret}".encode()).digest()
    return EncryptionCodec({"dev": dev_key}, "dev", compress=settings.payload_compression)
