"""``PageNotFound``, what a console page's dependency raises when what its path names does not
exist (or is not offered here): answered with the not-found page (404). Declared before the
posted form (web/console/checked_form.py), so a form posted to a page that does not exist is a
404, whatever its CSRF token."""

from fastapi import FastAPI, Request
from fastapi.responses import Response

from core.settings import Settings
from web.rendering import not_found


class PageNotFound(Exception):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


async def _not_found_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageNotFound)
    return not_found(request, error.settings)


def install(app: FastAPI) -> None:
    app.add_exception_handler(PageNotFound, _not_found_page)
