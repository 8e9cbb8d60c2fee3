"""Where the pages send a person back, and when their cookies are Secure."""

from starlette.requests import Request

from web.security import cookie_secure, local_path


def _request(scheme: str, host: str) -> Request:
    return Request(
        {
            "type": "http",
            "scheme": scheme,
            "server": (host, 443),
            "headers": [(b"host", host.encode())],
            "method": "GET",
            "path": "/",
        }
    )


def test_only_paths_of_this_site_are_followed() -> None:
    assert local_path("/life-events/birth/questions") == "/life-events/birth/questions"
    for elsewhere in (None, "", "https://evil.example", "//evil.example", "/\\\\evil", "x"):
        assert local_path(elsewhere) == "/"


def test_cookies_are_secure_except_over_plain_http_to_this_machine() -> None:
    assert cookie_secure(_request("https", "service.example"))
    assert cookie_secure(_request("http", "service.example"))
    assert cookie_secure(_request("https", "127.0.0.1"))
    assert not cookie_secure(_request("http", "127.0.0.1"))
    assert not cookie_secure(_request("http", "localhost"))
