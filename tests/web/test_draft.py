"""The draft cookie: read back only by us, and nothing else passes for one."""

from core.settings import Settings
from web.draft import Draft, seal, unseal


def test_a_draft_is_read_back_and_cannot_be_altered_or_read_with_another_secret() -> None:
    settings = Settings(app_secret="one-secret")
    draft = Draft("birth", {"child": {"given_name": "Léa"}}, ["a.service"], ["a.service"])
    sealed = seal(settings, draft)
    assert "Léa" not in sealed and unseal(settings, sealed) == draft
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    assert unseal(settings, flipped) is None
    assert unseal(Settings(app_secret="another-secret"), sealed) is None
    assert unseal(settings, "not base64 at all!") is None
    assert unseal(settings, "A" * 5000) is None
