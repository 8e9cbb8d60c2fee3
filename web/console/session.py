"""The console's side of the operator's session: ``OperatorSessionDep`` for every console page,
which sends anyone without a session to the sign-in page, and ``start_operator_session`` for
the console's token sign-in.

The session itself is the one of web/sessions.py (cookie ``operator``: signed, HTTP-only,
Secure, SameSite=Lax, with its expiry inside the signed part), which the OpenID Connect sign-in
(web/sign_in.py) opens too: however an operator signed in, the console reads the same session.
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import Response

from core.settings import Settings
from use_cases.deps import SettingsDep
from web import sessions
from web.sessions import OperatorSession

CONSOLE_PATH = "/console"
SIGN_IN_PATH = "/console/sign-in"
# A token sign-in has no OpenID Connect subject: its session says so instead of a hash.
TOKEN_SUBJECT = "operator-token"

__all__ = ["OperatorSession", "OperatorSessionDep", "start_operator_session"]


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""

    def __init__(self, back_to: str) -> None:
        self.back_to = back_to


def start_operator_session(response: Response, settings: Settings, operator_name: str) -> None:
    """Sign a named operator (OPERATOR_TOKENS) in on this response."""
    sessions.start_operator_session(
        response, settings, OperatorSession(name=operator_name, subject_hash=TOKEN_SUBJECT)
    )


def sign_in_url(back_to: str) -> str:
    return f"{SIGN_IN_PATH}?next={quote(back_to, safe='/')}"


def _operator_session(request: Request, settings: SettingsDep) -> OperatorSession:
    session = sessions.operator_session(request, settings)
    if session is None:
        back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(back_to if request.method == "GET" else CONSOLE_PATH)
    return session


# Every console page takes it: the signed-in operator, or a redirect to the sign-in page.
OperatorSessionDep = Annotated[OperatorSession, Depends(_operator_session)]
