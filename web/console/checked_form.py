"""``CheckedFormDep``, what every console POST handler takes: the posted form, once its CSRF
token is checked. A form without a valid one is answered, before the handler runs, with the
expired-form page (403): nothing is done."""

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from core.settings import Settings
from use_cases.deps import SettingsDep
from web.rendering import FormDep, expired_form
from web.security import CSRF_FIELD, csrf_valid


class FormExpired(Exception):
    """The posted form's CSRF token is missing, forged or expired."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings


def _checked_form(request: Request, settings: SettingsDep, form: FormDep) -> dict[str, str]:
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        raise FormExpired(settings)
    return form


CheckedFormDep = Annotated[dict[str, str], Depends(_checked_form)]


async def _expired_form_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, FormExpired)
    return expired_form(request, error.settings)


def install(app: FastAPI) -> None:
    """The answer to a console form whose CSRF token is not valid."""
    app.add_exception_handler(FormExpired, _expired_form_page)
