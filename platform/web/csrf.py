"""Double-submit CSRF tokens for the visitor's pages, handled by the pages themselves.

The visitor's entry page is what a QR burst hits, hundreds of times a minute, and nearly
every scan comes from a phone without a token yet. Litestar's CSRF middleware builds that
first ``Set-Cookie`` through dataclasses and ``http.cookies``, a fifth of the page's cost,
so the visitor's routes opt out of it (``VISITOR_ROUTE_OPT``) and use this module instead.
It keeps the middleware's contract exactly: the same cookie, the same token format (a
random value followed by its HMAC under ``SECRET_KEY``) and the same form field, so a
token set by either side is accepted by the other.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from litestar import Request
from litestar.utils.scope.state import ScopeState

from neutralpoint.settings import Settings
from neutralpoint.web.cookies import cookie_header

COOKIE_NAME = "np_csrf"
FORM_FIELD = "_csrf_token"
_RANDOM_HEX = 64  # token_hex(32), as Litestar's middleware makes it
#: Route ``opt`` that keeps Litestar's CSRF and session middleware off a visitor's route.
VISITOR_ROUTE_OPT = {"exclude_from_csrf": True, "skip_session": True}


def _signature(value: str, secret: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def new_token(secret: str) -> str:
    value = secrets.token_hex(_RANDOM_HEX // 2)
    return value + _signature(value, secret)


def _value_of(token: str | None, secret: str) -> str | None:
    """The random part of a well-signed token, else ``None``."""
    if not token or len(token) != _RANDOM_HEX * 2:
        return None
    value, signature = token[:_RANDOM_HEX], token[_RANDOM_HEX:]
    return value if hmac.compare_digest(signature, _signature(value, secret)) else None


def page_token(request: Request[Any, Any, Any], settings: Settings) -> tuple[str, str | None]:
    """The token for a page's form, and the ``Set-Cookie`` value when the browser had none.

    The token is also put where Litestar's templates look for it (``csrf_input``).
    """
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie is not None and _value_of(cookie, settings.secret_key) is not None:
        token, set_cookie = cookie, None
    else:
        token = new_token(settings.secret_key)
        set_cookie = cookie_header(COOKIE_NAME, token, secure=settings.base_url.startswith("https://"))
    ScopeState.from_scope(request.scope).csrf_token = token
    return token, set_cookie


def verified(submitted: str | None, cookies: Mapping[str, str], secret: str) -> bool:
    """Whether a form's token is well signed and the same as the browser's own cookie."""
    sent = _value_of(submitted, secret)
    own = _value_of(cookies.get(COOKIE_NAME), secret)
    return sent is not None and own is not None and hmac.compare_digest(sent, own)


def remember(request: Request[Any, Any, Any], token: str) -> None:
    """Put ``token`` where the templates' ``csrf_input`` looks for it (a form shown again)."""
    ScopeState.from_scope(request.scope).csrf_token = token
