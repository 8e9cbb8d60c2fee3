"""Where the pages send a person back."""

from web.security import local_path


def test_only_paths_of_this_site_are_followed() -> None:
    assert local_path("/life-events/birth/questions") == "/life-events/birth/questions"
    for elsewhere in (None, "", "https://evil.example", "//evil.example", "/\\\\evil", "x"):
        assert local_path(elsewhere) == "/"
