"""Logo checks on their own: raster types by content, and every way an SVG could misbehave."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from neutralpoint.refusals import FieldValidationError
from neutralpoint.tenants.logos import prepare_logo

NS = b'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def svg(inner: bytes, attrs: bytes = b"") -> bytes:
    return b"<svg " + NS + b" " + attrs + b">" + inner + b"</svg>"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (svg(b"<script>alert(1)</script>"), "svg_script"),
        (svg(b'<html:script xmlns:html="http://www.w3.org/1999/xhtml">x</html:script>'), "svg_script"),
        (svg(b"", b'onload="alert(1)"'), "svg_event_attribute"),
        (svg(b'<rect ONCLICK="x()"/>'), "svg_event_attribute"),
        (svg(b'<set attributeName="onmouseover" to="alert(1)"/>'), "svg_event_attribute"),
        (svg(b'<a href="javascript:alert(1)"><rect/></a>'), "svg_javascript_url"),
        (svg(b'<a href="java&#x09;script:alert(1)"><rect/></a>'), "svg_javascript_url"),
        (svg(b'<animate attributeName="href" values="javascript:alert(1)"/>'), "svg_javascript_url"),
        (svg(b"<foreignObject><p>hi</p></foreignObject>"), "svg_foreign_object"),
        (svg(b'<image xlink:href="https://example.org/a.png"/>'), "svg_external_reference"),
        (svg(b'<use href="other.svg#x"/>'), "svg_external_reference"),
        (svg(b'<use xlink:href="https://example.org/a.svg#x" href="#x"/>'), "svg_external_reference"),
        (svg(b'<image href="data:image/png;base64,AAAA"/>'), "svg_external_reference"),
        (svg(b'<rect style="fill:url(https://example.org/x)"/>'), "svg_external_reference"),
        (svg(b"<style>@import url(https://example.org/a.css);</style>"), "svg_external_reference"),
        (b'<?xml-stylesheet href="https://example.org/a.css"?>' + svg(b""), "svg_external_reference"),
        (b'<!DOCTYPE svg [<!ENTITY x "y">]>' + svg(b"<text>&x;</text>"), "svg_doctype"),
        (svg(b'<iframe src="https://example.org"/>'), "svg_embedded_html"),
        (b"<svg " + NS + b"><rect></svg>", "svg_not_xml"),
    ],
)
def test_unsafe_svg_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(FieldValidationError) as caught:
        prepare_logo(data, 100_000)
    assert caught.value.error.code == code
    assert caught.value.error.message("zh-Hans")


def test_a_plain_svg_is_kept_as_it_is() -> None:
    data = svg(b'<defs><path id="p" d="M0 0h4v4z"/></defs><use href="#p" style="fill:url(#p)"/><text>NP</text>')
    logo = prepare_logo(data, 100_000)
    assert (logo.content_type, logo.data) == ("image/svg+xml", data)


def test_raster_images_become_small_pngs() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (2000, 1000), (10, 20, 30, 128)).save(out, "PNG")
    logo = prepare_logo(out.getvalue(), 10_000_000)
    with Image.open(io.BytesIO(logo.data)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (512, 256), "RGBA")


def test_limits_and_unknown_types() -> None:
    with pytest.raises(FieldValidationError) as too_big:
        prepare_logo(b"x" * 2049, 2048)
    assert too_big.value.error.code == "logo_too_large"
    for data in (b"", b"%PDF-1.4 not a logo", b"GIF89a" + b"\0" * 20):
        with pytest.raises(FieldValidationError):
            prepare_logo(data, 100_000)
