"""What every page shares: rendering in the person's language with the security headers and
the CSRF cookie, the error pages, redirects, and the posted form, bounded."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from core.settings import Settings
from web.i18n import LANGUAGES, NATIVE_NAMES, request_language, translations
from web.security import (
    CSRF_FIELD,
    SECURITY_HEADERS,
    csrf_secret,
    csrf_token,
    ensure_csrf_cookie,
)
from web.sessions import citizen_session

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# GOV.UK Frontend (vendored: static/govuk/README.md) and our own few files.
STATIC_DIR = Path(__file__).parent / "static"
# A form's inputs: bounded before anything reads them.
MAX_FIELDS = 200
MAX_VALUE_CHARS = 1000


def render(
    request: Request,
    settings: Settings,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    language = request_language(request)
    gettext = translations(language).gettext
    response = templates.TemplateResponse(
        request,
        template,
        {
            "_": gettext,
            "lang": language,
            "other_languages": [
                (code, NATIVE_NAMES[code]) for code in LANGUAGES if code != language
            ],
            "here": request.url.path,
            # The header's "Sign in" / "Your journeys" (web/sign_in.py).
            "sign_in_enabled": settings.sign_in_enabled,
            "signed_in": settings.sign_in_enabled
            and citizen_session(request, settings) is not None,
            "csrf_field": CSRF_FIELD,
            "csrf_token": csrf_token(settings, csrf_secret(request)),
            **(context or {}),
        },
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )
    ensure_csrf_cookie(request, response)
    return response


def error_page(
    request: Request, settings: Settings, status_code: int, title: str, text: str
) -> HTMLResponse:
    return render(
        request, settings, "error.html", {"title": title, "text": text}, status_code=status_code
    )


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


async def form_of(request: Request) -> dict[str, str]:
    """The posted form as text values, each bounded; a repeated name keeps its last value."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return {
        key: value[:MAX_VALUE_CHARS] for key, value in form.multi_items() if isinstance(value, str)
    }


async def form_lists(request: Request, name: str) -> list[str]:
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return [v[:100] for v in form.getlist(name) if isinstance(v, str)][:50]


FormDep = Annotated[dict[str, str], Depends(form_of)]


def not_found(request: Request, settings: Settings) -> HTMLResponse:
    _ = translations(request_language(request)).gettext
    return error_page(
        request,
        settings,
        404,
        _("Page not found"),
        _("If you typed the web address, check it is correct."),
    )


def unavailable(request: Request, settings: Settings) -> HTMLResponse:
    """Temporal did not answer in time (a worker being restarted, say): try again later."""
    _ = translations(request_language(request)).gettext
    return error_page(
        request,
        settings,
        503,
        _("Sorry, there is a problem with the service"),
        _("Try again in a few minutes."),
    )


def too_many_attempts(request: Request, settings: Settings) -> HTMLResponse:
    """Identity checks failed too often lately for this person or client: nothing is started."""
    _ = translations(request_language(request)).gettext
    return error_page(
        request,
        settings,
        429,
        _("Too many attempts"),
        _("We could not check this identity several times lately. Try again later."),
    )


def expired_form(request: Request, settings: Settings) -> HTMLResponse:
    _ = translations(request_language(request)).gettext
    return error_page(
        request,
        settings,
        403,
        _("This form has expired"),
        _("Nothing was sent. Go back, reload the page and try again."),
    )
