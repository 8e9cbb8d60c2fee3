"""The JSON API's credentials as typed dependencies: journey tokens, operators, agencies' keys,
the registry's token (the session, settings and gateway are ``use_cases.deps``)."""

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from core import audit, journey_tokens
from core.credentials import agency_for_key
from core.journey_tokens import TokenCheck
from core.oidc import identify, looks_like_jwt
from core.settings import Settings
from core.tables import Agency, JourneyOwner
from use_cases.deps import SessionDep, SettingsDep

# One security scheme per kind of credential, so the OpenAPI description says which operation
# takes which. All are bearer tokens in Authorization; each dependency reads it as its kind.
journey_token = HTTPBearer(
    scheme_name="journeyToken",
    bearerFormat="jt_…",
    description="A person's journey token (the intake's access_token, or a fresh link's code): "
    "opens that journey only",
    auto_error=False,
)
oidc = HTTPBearer(
    scheme_name="oidc",
    bearerFormat="JWT",
    description="An OpenID Connect ID token from OIDC_ISSUER (when configured): a citizen owns "
    "the journeys they start signed in; the operator role (OIDC_OPERATOR_ROLE) acts as an "
    "operator",
    auto_error=False,
)
operator_token = HTTPBearer(
    scheme_name="operatorToken",
    description="A named operator's token (OPERATOR_TOKENS); acting on a person's journey also "
    "needs X-Access-Reason",
    auto_error=False,
)
agency_key = HTTPBearer(
    scheme_name="agencyKey",
    bearerFormat="agk_…",
    description="An agency's integrator API key: opens that agency's resources only",
    auto_error=False,
)
registry_token = HTTPBearer(
    scheme_name="registryToken",
    description="The authoritative registries' token (REGISTRY_TOKEN)",
    auto_error=False,
)
# Agencies' callbacks carry no bearer token: a Standard Webhooks signature, checked by the route.
agency_signature = APIKeyHeader(
    name="webhook-signature",
    scheme_name="agencySignature",
    description="A Standard Webhooks signature with the agency's webhook secret, over "
    "webhook-id (bound to the callback), webhook-timestamp and the body",
    auto_error=False,
)
Credentials = HTTPAuthorizationCredentials | None
# An optional OpenID Connect identity (a citizen signed in at intake).
BearerDep = Annotated[Credentials, Depends(oidc)]
_OperatorTokenDep = Annotated[Credentials, Depends(operator_token)]
_AgencyKeyDep = Annotated[Credentials, Depends(agency_key)]
_RegistryTokenDep = Annotated[Credentials, Depends(registry_token)]
_JourneyTokenDep = Annotated[Credentials, Depends(journey_token)]


def _unauthorized() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Missing or invalid credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )


def is_operator(token: str | None, settings: Settings) -> str | None:
    """Who the operator is, as the audit trail names them ("operator:<name>"): a named
    operator's token (OPERATOR_TOKENS), or an OpenID Connect token carrying the operator role
    (named by its preferred_username, else its subject). None for anyone else."""
    if token is None:
        return None
    presented = hashlib.sha256(token.encode()).digest()
    found = None
    for name, expected in settings.operators.items():
        # Every token compared, in constant time: the answer's timing names no operator.
        if hmac.compare_digest(presented, hashlib.sha256(expected.encode()).digest()):
            found = name
    if found is not None:
        return f"operator:{found}"
    identity = identify(settings, token)
    if identity is not None and identity.operator and identity.name:
        return f"operator:{identity.name}"
    return None


def _maybe_operator(
    credentials: _OperatorTokenDep, _: BearerDep, settings: SettingsDep
) -> str | None:
    return None if credentials is None else is_operator(credentials.credentials, settings)


MaybeOperatorDep = Annotated[str | None, Depends(_maybe_operator)]


def _operator(operator: MaybeOperatorDep) -> str:
    if operator is None:
        raise _unauthorized()
    return operator


def _integrator(agency_id: str, credentials: _AgencyKeyDep, session: SessionDep) -> Agency:
    if credentials is None:
        raise _unauthorized()
    agency = agency_for_key(session=session, api_key=credentials.credentials)
    if agency is None:
        raise _unauthorized()
    if agency.agency_id != agency_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This key belongs to another agency")
    return agency


def _registry(credentials: _RegistryTokenDep, settings: SettingsDep) -> None:
    if credentials is None or not hmac.compare_digest(
        credentials.credentials.encode(), settings.registry_token.encode()
    ):
        raise _unauthorized()


def _agency_admin(
    agency_id: str, operator: MaybeOperatorDep, credentials: _AgencyKeyDep, session: SessionDep
) -> Agency:
    """The agency's own integrators, or an operator (to rotate or revoke in an incident)."""
    if operator is not None:
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No agency '{agency_id}'")
        return agency
    return _integrator(agency_id, credentials, session)


AgencyAdminDep = Annotated[Agency, Depends(_agency_admin)]


def _agency_actor(agency: AgencyAdminDep, operator: MaybeOperatorDep) -> str:
    """Who acts on an agency's credentials, for the audit trail."""
    return operator or "integrator"


class JourneyAccess:
    """Who is acting on a journey: the person (their journey token, or OpenID Connect) or an
    operator, "operator:<name>" (with a stated reason, which the audit trail keeps)."""

    def __init__(self, who: str, reason: str | None = None) -> None:
        self.who = who
        self.reason = reason

    @property
    def by_operator(self) -> bool:
        return self.who.startswith("operator:")


def _check_journey_access(
    journey_id: str,
    credentials: HTTPAuthorizationCredentials | None,
    operator: str | None,
    settings: Settings,
    session: Session,
    x_access_reason: str | None,
) -> JourneyAccess:
    if credentials is None:
        raise _unauthorized()
    token = credentials.credentials
    if operator is not None:
        if not x_access_reason:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "Operators state a reason (X-Access-Reason)"
            )
        audit.append(
            session,
            actor=operator,
            action="journey_accessed",
            journey_id=journey_id,
            detail={"reason": x_access_reason},
        )
        return JourneyAccess(operator, x_access_reason)
    if looks_like_jwt(token):
        identity = identify(settings, token)
        if identity is None:
            raise _unauthorized()
        owner = session.get(JourneyOwner, journey_id)
        if owner is None or not hmac.compare_digest(owner.subject_hash, identity.subject_hash):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No journey '{journey_id}'")
        return JourneyAccess("citizen")
    match journey_tokens.check(session, settings, token, journey_id):
        case TokenCheck.VALID:
            return JourneyAccess("citizen")
        case TokenCheck.EXPIRED:
            raise _link_refused(journey_id, "This link has expired")
        case TokenCheck.REVOKED:
            raise _link_refused(journey_id, "This link was revoked")
        case _:
            # Not 403: a token must not tell whether another journey exists.
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No journey '{journey_id}'")


def _journey_access(
    journey_id: str,
    credentials: _JourneyTokenDep,
    operator: MaybeOperatorDep,
    settings: SettingsDep,
    session: SessionDep,
    x_access_reason: Annotated[str | None, Header(max_length=500)] = None,
) -> JourneyAccess:
    try:
        return _check_journey_access(
            journey_id, credentials, operator, settings, session, x_access_reason
        )
    finally:
        # The checks are done: give the connection back before the route waits on Temporal.
        session.close()


def _link_refused(journey_id: str, why: str) -> HTTPException:
    """401 rather than 404: the token is this journey's own, and its holder should learn that
    they can ask for a fresh one."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        f"{why}: ask for a new one (POST /v1/journeys/{journey_id}/link); it is sent to the "
        "journey's contact address",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


# The operator's name in the audit trail ("operator:<name>").
OperatorDep = Annotated[str, Depends(_operator)]
JourneyAccessDep = Annotated[JourneyAccess, Depends(_journey_access)]
# Who acts on an agency's credentials: "operator:<name>", or "integrator".
AgencyActorDep = Annotated[str, Depends(_agency_actor)]
RegistryDep = Annotated[None, Depends(_registry)]
IntegratorDep = Annotated[Agency, Depends(_integrator)]
# A database row's id in a path: what the database can hold (a larger one is a 422, not a 500).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
