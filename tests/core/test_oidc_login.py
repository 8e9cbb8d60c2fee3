"""The sign-in's protocol pieces that need no issuer: the PKCE challenge, fresh secrets for
every sign-in, and the redirect URI."""

from core.oidc_login import code_challenge, new_pending, redirect_uri
from core.settings import Settings


def test_the_s256_challenge_is_rfc_7636s() -> None:
    # RFC 7636, Appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_every_sign_in_has_its_own_state_nonce_and_verifier() -> None:
    first, second = new_pending(), new_pending()
    assert len({first.state, first.nonce, first.code_verifier}) == 3
    assert first.state != second.state and first.code_verifier != second.code_verifier
    # RFC 7636 §4.1: 43 to 128 characters of the unreserved set.
    assert 43 <= len(first.code_verifier) <= 128


def test_the_redirect_uri_is_under_the_public_base_url() -> None:
    settings = Settings(public_base_url="https://tell.example/")
    assert redirect_uri(settings) == "https://tell.example/sign-in/callback"
