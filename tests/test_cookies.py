"""Set-Cookie values written directly must be what browsers parse, and refuse what needs quoting."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from neutralpoint.web.cookies import cookie_header


def test_a_cookie_header_parses_back_with_its_attributes() -> None:
    header = cookie_header(
        "np_visitor", "5b0e3c9e-2f1a-4c53-9a61-0d2f8c0f4e11", max_age=3600, secure=True, httponly=True
    )
    parsed = SimpleCookie()
    parsed.load(header)
    morsel = parsed["np_visitor"]
    assert morsel.value == "5b0e3c9e-2f1a-4c53-9a61-0d2f8c0f4e11"
    assert morsel["path"] == "/"
    assert morsel["samesite"] == "Lax"
    assert morsel["max-age"] == "3600"
    assert morsel["secure"] is True
    assert morsel["httponly"] is True


@pytest.mark.parametrize("value", ["a;b", "a b", 'a"b', "a\r\nSet-Cookie: x=y", ""])
def test_a_value_that_needs_quoting_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="quoting"):
        cookie_header("np_visitor", value)
