"""The pages' sign-in refuses to start on a published client secret or an http:// redirect
outside development, and on a client id without an issuer anywhere."""

import pytest

from core.settings import InsecureSettings
from tests.security.test_secrets import from_env, proper_secrets, settings

SIGN_IN = {
    "oidc_issuer": "https://id.example",
    "oidc_audience": "lifeevents",
    "oidc_client_id": "lifeevents-web",
    "public_base_url": "https://tell.example",
}


def test_a_proper_sign_in_configuration_starts() -> None:
    settings(**from_env(proper_secrets()), **SIGN_IN).check_secrets()
    settings(
        **from_env(proper_secrets()), **SIGN_IN, oidc_client_secret="s3cr3t-from-the-idp"
    ).check_secrets()


@pytest.mark.parametrize(
    ("changed", "says"),
    [
        ({"oidc_client_secret": "change-me"}, "OIDC_CLIENT_SECRET is set to a published value"),
        ({"public_base_url": "http://tell.example"}, "PUBLIC_BASE_URL must be https://"),
    ],
)
def test_outside_development_the_sign_in_is_refused_when(
    changed: dict[str, str], says: str
) -> None:
    with pytest.raises(InsecureSettings, match=says):
        settings(**from_env(proper_secrets()), **{**SIGN_IN, **changed}).check_secrets()
    settings(environment="development", **{**SIGN_IN, **changed}).check_secrets()


@pytest.mark.parametrize("environment", ["development", "production"])
def test_a_client_id_without_an_issuer_is_refused(environment: str) -> None:
    values = {**SIGN_IN, "oidc_issuer": None, "environment": environment}
    with pytest.raises(InsecureSettings, match="OIDC_CLIENT_ID is set without OIDC_ISSUER"):
        settings(**from_env(proper_secrets()), **values).check_secrets()
