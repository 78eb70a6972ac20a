"""Double-submit CSRF tokens made by the entry page itself (the ``own-csrf`` piece), and
checked by the submissions the edge answers.

The visitor's entry page is what a QR burst hits, hundreds of times a minute, and nearly
every scan comes from a phone without a token yet. Litestar's CSRF middleware builds that
first ``Set-Cookie`` through dataclasses and ``http.cookies``, and its session middleware
runs too, so the entry page opts out of both (``VISITOR_ROUTE_OPT``) and uses this module.
The form's submission keeps the middleware (measured: no gain there); its edge, which
answers before that middleware, checks the token with ``verified``.

The tokens are Litestar's own: made and signed by ``litestar.middleware.csrf``'s public
functions, in the same cookie and form field as the application's ``CSRFConfig``, so a
token set by either side is accepted by the other.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash, generate_csrf_token
from litestar.utils.scope.state import ScopeState

from neutralpoint.web.cookies import cookie_header

if TYPE_CHECKING:
    from neutralpoint.settings import Settings

COOKIE_NAME = "np_csrf"
FORM_FIELD = "_csrf_token"
#: Route ``opt`` of a visitor's route that checks its own token (``own-csrf``): with that
#: piece on, the application's CSRF and session middleware skip the routes that carry it.
OWN_CSRF_OPT = "fast_path_own_csrf"
VISITOR_ROUTE_OPT = {OWN_CSRF_OPT: True}


def _value_of(token: str | None, secret: str) -> str | None:
    """The random part of a well-signed token, else ``None``."""
    if not token or len(token) <= CSRF_SECRET_LENGTH:
        return None
    value, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    return value if hmac.compare_digest(signature, generate_csrf_hash(value, secret)) else None


def page_token(request: Request[Any, Any, Any], settings: Settings, *, own: bool = False) -> tuple[str, str | None]:
    """The token for a page's form, and the ``Set-Cookie`` value when the browser had none.

    With the ``own-csrf`` piece off, Litestar's middleware made the token and sets the
    cookie itself, unless ``own`` (a route the middleware skips: the visitor's submission
    shown again after its token expired). The token is also put where Litestar's
    templates look for it (``csrf_input``).
    """
    state = ScopeState.from_scope(request.scope)
    if not (own or settings.fast_path.own_csrf):
        return str(state.csrf_token), None
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie is not None and _value_of(cookie, settings.secret_key) is not None:
        token, set_cookie = cookie, None
    else:
        token = generate_csrf_token(settings.secret_key)
        set_cookie = cookie_header(COOKIE_NAME, token, secure=settings.base_url.startswith("https://"))
    state.csrf_token = token
    return token, set_cookie


def verified(submitted: str | None, cookies: Mapping[str, str], secret: str) -> bool:
    """Whether a form's token is well signed and the same as the browser's own cookie."""
    sent = _value_of(submitted, secret)
    own = _value_of(cookies.get(COOKIE_NAME), secret)
    return sent is not None and own is not None and hmac.compare_digest(sent, own)


def remember(request: Request[Any, Any, Any], token: str) -> None:
    """Put ``token`` where the templates' ``csrf_input`` looks for it (a form shown again)."""
    ScopeState.from_scope(request.scope).csrf_token = token
