"""Every id and idempotency key the orchestrator derives, spelled once.

Workflow ids, request ids and the keys that make external effects happen once are derived from
what identifies the work (the journey, the step, the submission round), so a retry or a replay
derives the same one. Journey tokens and callback ids are one signed-id scheme: a value and an
HMAC of it under a purpose, so neither can be guessed, forged or used for the other.

Pure functions of their arguments: the workflow sandbox passes this module through.
"""

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass

# uuid5 namespaces: the same Idempotency-Key (or registry event) always names the same journey.
_INTAKE_NAMESPACE = uuid.UUID("6f1c9a52-3f0e-4a8e-9c55-1d0c2b7e4a10")
_EVENT_NAMESPACE = uuid.UUID("0b8f2f4e-1c7d-4a51-9e3b-6f2d8c1a7e55")

IDENTITY_STEP = "verify-identity"
CONFIRMATION_REQUEST = "confirmation"


# --- Journeys and their steps ----------------------------------------------------------------


def new_journey_id() -> str:
    return str(uuid.uuid4())


def journey_id_for_intake(life_event: str, idempotency_key: str, owner: str = "") -> str:
    """An Idempotency-Key names a journey within its life event and its owner (a signed-in
    person's subject hash; "" for an anonymous intake): nobody else's key can reach it."""
    scope = f"{life_event}\n{idempotency_key}" + (f"\n{owner}" if owner else "")
    return str(uuid.uuid5(_INTAKE_NAMESPACE, scope))


def journey_id_for_event(source: str, event_id: str) -> str:
    """A registry event's journey: CloudEvents' ``source`` and ``id`` identify the event."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{source}\n{event_id}"))


def dry_run_id() -> str:
    """A dry run stands in for a journey; its id says what it is."""
    return f"dry-run-{uuid.uuid4()}"


def is_journey_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def step_workflow_id(journey_id: str, service_id: str) -> str:
    """The child workflow that serves one agency service of a journey."""
    return f"{journey_id}/{service_id}"


def journey_id_of(workflow_id: str) -> str:
    """The journey a workflow works for: a journey's own id, or its child's prefix."""
    return workflow_id.split("/", 1)[0]


def service_id_of(workflow_id: str) -> str:
    """The service a step's workflow serves ("" for a journey's own id)."""
    return workflow_id.split("/", 1)[1] if "/" in workflow_id else ""


# --- Requests to the person ------------------------------------------------------------------


def consent_request_id(service_id: str) -> str:
    return f"consent/{service_id}"


def information_request_id(step_id: str, round_: int) -> str:
    return f"{step_id}/information/{round_}"


# --- Idempotency keys of external effects ------------------------------------------------------


def submission_key(step_workflow: str, round_: int) -> str:
    """Sent as ``webhook-id`` and ``Idempotency-Key``: the agency deduplicates on it."""
    key = f"{step_workflow}/submit"
    return key if round_ == 1 else f"{key}/{round_}"


def outcome_message_key(step_workflow: str) -> str:
    """The one message telling the person how a step ended."""
    return f"{step_workflow}/notify"


def information_message_key(step_workflow: str, round_: int) -> str:
    return f"{step_workflow}/information/{round_}"


def reminder_message_key(step_workflow: str, round_: int, reminder: int) -> str:
    return f"{information_message_key(step_workflow, round_)}/reminder/{reminder}"


def consent_message_key(journey_id: str, service_id: str) -> str:
    return f"{journey_id}/{consent_request_id(service_id)}"


def offer_message_key(journey_id: str) -> str:
    return f"{journey_id}/offer"


def summary_message_key(journey_id: str) -> str:
    """The one message that tells the person how their whole journey ended."""
    return f"{journey_id}/summary"


def link_message_key(journey_id: str, requested_at_ms: int) -> str:
    """A fresh link the person asked for (at most one per interval: the moment names it)."""
    return f"{journey_id}/link/{requested_at_ms}"


def resend_message_key(original_key: str, resend: int) -> str:
    """An operator's n-th resend of a message: a new key, so it is sent, and only once."""
    return f"{original_key}/resend/{resend}"


def payment_key(step_workflow: str) -> str:
    """A unique key in the payment ledger: a retry pays nothing more."""
    return f"{step_workflow}/pay"


def withdrawal_key(step_workflow: str) -> str:
    return f"{step_workflow}/withdraw"


# --- Signed ids: journey tokens and callback ids ---------------------------------------------

JOURNEY_TOKEN_PREFIX = "jt_"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _mac(secret: str, purpose: str, value: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return _b64(digest[:24])


def sign(secret: str, purpose: str, value: str) -> str:
    """``value`` (readable by anyone holding it) with an HMAC binding it to ``purpose``."""
    return f"{_b64(value.encode())}.{_mac(secret, purpose, value)}"


def unsign(secret: str, purpose: str, signed: str) -> str | None:
    """The value of a genuine signed id for ``purpose``; None when forged or malformed."""
    encoded, _, mac = signed.partition(".")
    try:
        value = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    expected = _mac(secret, purpose, value).encode()
    if not mac or not hmac.compare_digest(mac.encode(), expected):
        return None
    return value


def journey_token(secret: str, journey_id: str, *, issued_at_ms: int, expires_at: int) -> str:
    """What the person gets to follow and act on one journey, and nothing else, until
    ``expires_at`` (epoch seconds). ``issued_at_ms`` (epoch milliseconds) lets every token of a
    journey issued up to a moment be revoked at once."""
    return JOURNEY_TOKEN_PREFIX + sign(
        secret, "journey", f"{journey_id}#{issued_at_ms}#{expires_at}"
    )


@dataclass(frozen=True)
class JourneyTokenClaims:
    """What a genuine journey token says: its journey, when it was issued, until when it opens."""

    journey_id: str
    issued_at_ms: int
    expires_at: int

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


def journey_token_claims(secret: str, token: str) -> JourneyTokenClaims | None:
    """What a genuine token says, or None when forged or malformed. A genuine token of the
    first scheme (the journey id alone, no expiry) says it expired at the epoch."""
    if not token.startswith(JOURNEY_TOKEN_PREFIX):
        return None
    value = unsign(secret, "journey", token.removeprefix(JOURNEY_TOKEN_PREFIX))
    if value is None:
        return None
    if "#" not in value:
        return JourneyTokenClaims(value, 0, 0)
    parts = value.split("#")
    if len(parts) != 3 or not parts[0] or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    journey_id, issued, expires = parts
    return JourneyTokenClaims(journey_id, int(issued), int(expires))


def feedback_ref(secret: str, journey_id: str) -> str:
    """What a survey response keeps of its journey: a keyed hash, which names the journey to
    nobody without APP_SECRET and exists only so that a journey answers once."""
    return _mac(secret, "feedback", journey_id)


def outcome_ref(secret: str, journey_id: str) -> str:
    """What a journey's outcome row keeps of it: a keyed hash, so that a journey is counted
    once (a retried activity writes nothing more) and the row names no journey."""
    return _mac(secret, "outcome", journey_id)


def callback_id(secret: str, agency_id: str, step_workflow: str, round_: int) -> str:
    """What an agency is given to report a later decision on one submission: it names the
    agency that may answer, the waiting step and the round, so the API routes a decision with
    no lookup table and checks the signature against that agency's secrets."""
    return sign(secret, "callback", f"{agency_id}#{step_workflow}#{round_}")


CALLBACK_WEBHOOK_ID_SEPARATOR = ":"


def callback_webhook_id(callback: str, suffix: str = "decision") -> str:
    """The ``webhook-id`` an agency signs a callback with: the callback id (the last segment of
    ``callback_url``), then ``:`` and a suffix of its own. The signature covers it, so a signed
    decision holds for its own callback only; the same id sent twice is one delivery."""
    return f"{callback}{CALLBACK_WEBHOOK_ID_SEPARATOR}{suffix}" if suffix else callback


def is_callback_webhook_id(callback: str, webhook_id: str) -> bool:
    """Whether a ``webhook-id`` belongs to this callback: the callback id itself, or the
    callback id, ``:`` and a suffix."""
    return webhook_id == callback or webhook_id.startswith(callback + CALLBACK_WEBHOOK_ID_SEPARATOR)


@dataclass(frozen=True)
class CallbackTarget:
    """What a genuine callback id names."""

    agency_id: str
    step_workflow: str
    round: int

    @property
    def journey_id(self) -> str:
        return journey_id_of(self.step_workflow)

    @property
    def service_id(self) -> str:
        return service_id_of(self.step_workflow)


def callback_target(secret: str, callback: str) -> CallbackTarget | None:
    """The agency, step and round a genuine callback id names; None if forged."""
    value = unsign(secret, "callback", callback)
    if value is None:
        return None
    agency_id, _, rest = value.partition("#")
    step_workflow, _, round_ = rest.rpartition("#")
    if not agency_id or not step_workflow or not round_.isdigit():
        return None
    return CallbackTarget(agency_id, step_workflow, int(round_))
