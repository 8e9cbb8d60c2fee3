"""A guard on every request body: JSON nested deeper than any real body is refused (422) as
it streams in, before anything parses it. Python's parsers and the code walking what they
return recurse, so a body of ten thousand brackets would otherwise exhaust the stack (a 500)
or cost seconds. Strings are skipped (brackets inside them are data); nothing is buffered, so
the body-size limit (413) still applies as before."""

import re

from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_DEPTH = 64
_SPECIAL = re.compile(rb'[\[\]{}"\\]')
# Bodies that are not JSON (forms, uploads) are left to whoever reads them.
_NOT_JSON = ("multipart/", "application/x-www-form-urlencoded")


class JsonTooDeep(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [
                {
                    "loc": ["body"],
                    "msg": f"JSON nested too deep (more than {limit} levels)",
                    "type": "json_too_deep",
                }
            ],
        )


class DepthScanner:
    """The nesting depth of a JSON text fed in chunks; raises JsonTooDeep past the limit."""

    def __init__(self, limit: int = MAX_JSON_DEPTH) -> None:
        self.limit = limit
        self.depth = 0
        self.in_string = False
        self.escaped = False  # the chunk's first byte is escaped (a backslash ended the last)

    def feed(self, chunk: bytes) -> None:
        skip = 0 if self.escaped else -1
        self.escaped = False
        for match in _SPECIAL.finditer(chunk):
            at = match.start()
            if at == skip:
                continue
            char = chunk[at]
            if self.in_string:
                if char == 0x5C:  # backslash: the next byte is escaped
                    skip = at + 1
                    if skip == len(chunk):
                        self.escaped = True
                elif char == 0x22:
                    self.in_string = False
            elif char == 0x22:
                self.in_string = True
            elif char in b"[{":
                self.depth += 1
                if self.depth > self.limit:
                    raise JsonTooDeep(self.limit)
            elif char in b"]}":
                self.depth -= 1


class JsonDepthMiddleware:
    def __init__(self, app: ASGIApp, limit: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _not_json(scope):
            await self.app(scope, receive, send)
            return
        scanner = DepthScanner(self.limit)

        async def scanned() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                # Raised inside the route that reads the body; FastAPI answers it (422).
                scanner.feed(message.get("body", b""))
            return message

        await self.app(scope, scanned, send)


def _not_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            content_type: str = value.decode("latin-1").strip().lower()
            return content_type.startswith(_NOT_JSON)
    return False
