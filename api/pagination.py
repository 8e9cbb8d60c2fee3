"""Cursor pagination for every listing: an opaque ``cursor`` query parameter, a bounded
``limit``, and the next page's cursor in a ``Link: <…>; rel="next"`` header (and as
``next_cursor`` where the answer is an object). The cursors themselves are signed
(``use_cases.cursors``).
"""

from typing import Annotated, Any, TypeVar

import sqlalchemy
from fastapi import Depends, Query, Request, Response
from sqlalchemy.orm import Mapped
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from use_cases.cursors import decode_cursor, encode_cursor
from use_cases.deps import SettingsDep

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
Cursor = Annotated[
    str | None,
    Query(
        max_length=4096,
        description='Where to go on: the `next_cursor` (or the `Link: rel="next"` URL) of the '
        "previous page. Opaque; valid for this listing only.",
    ),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many items")]
LINK_HEADER = {
    "Link": {
        "description": 'The next page, when there is one: `<url>; rel="next"` (RFC 8288)',
        "schema": {"type": "string"},
    }
}


def link_next(request: Request, response: Response, next_cursor: str | None) -> None:
    """``Link: <this path and query, with the next cursor>; rel="next"``, when there is a next
    page (a reference relative to the request's URL: right behind any proxy)."""
    if next_cursor is not None:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'


Row = TypeVar("Row")


class Page:
    """A listing's request for a page (a dependency: ``cursor`` and ``limit`` from the query),
    scoped by the route to its listing before use."""

    def __init__(
        self,
        request: Request,
        response: Response,
        settings: SettingsDep,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> None:
        self.request = request
        self.response = response
        self.settings = settings
        self.cursor = cursor
        self.limit = limit
        self.listing = ""
        self.scope = ""
        self.after: Any = None

    def scoped(self, listing: str, scope: str) -> "Page":
        """This page of ``listing`` (what it lists: an agency's, a journey's, these filters');
        a cursor from elsewhere is refused here."""
        self.listing = listing
        self.scope = scope
        self.after = decode_cursor(self.settings, listing, scope, self.cursor)
        return self

    def following(self, position: Any | None) -> str | None:
        """The next page's cursor (None at the end), also set as the Link header."""
        cursor = (
            None
            if position is None
            else encode_cursor(self.settings, self.listing, self.scope, position)
        )
        link_next(self.request, self.response, cursor)
        return cursor

    def rows(self, session: Session, statement: SelectOfScalar[Row], key: Mapped[Any]) -> list[Row]:
        """The page's rows, in ``key`` order after the cursor's position (keyset pagination:
        stable while rows are added or removed)."""
        if self.after is not None:
            statement = statement.where(key > self.after)
        found = list(session.exec(statement.order_by(key).limit(self.limit + 1)))
        page = found[: self.limit]
        more = len(found) > self.limit
        self.following(getattr(page[-1], sqlalchemy.inspect(key).key) if more else None)
        return page


PageDep = Annotated[Page, Depends(Page)]
