"""Venue logos: what an upload really is, decided by its content, never by its name.

Raster images (PNG, JPEG, WebP) are decoded with Pillow and re-encoded as PNG no larger
than 512 px, so whatever else the file carried (metadata, trailing bytes, a polyglot) is
dropped. SVG is kept as uploaded only when it is well-formed XML with nothing that could
run or fetch anything: no script, no event attributes, no ``javascript:`` URLs, no
``foreignObject``, no DOCTYPE, and no reference outside the document. It is also served
with a ``Content-Security-Policy`` that forbids all of that anyway.
"""

from __future__ import annotations

import io
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml
from PIL import Image, ImageOps, UnidentifiedImageError

from neutralpoint.refusals import FieldError, FieldValidationError, problem

MAX_SIDE = 512
MAX_PIXELS = 40_000_000
RASTER_FORMATS = {"PNG", "JPEG", "WEBP"}
PNG = "image/png"
SVG = "image/svg+xml"
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
XHTML_NS = "http://www.w3.org/1999/xhtml"
ANIMATION_ELEMENTS = {"animate", "set", "animatemotion", "animatetransform", "animatecolor"}
EMBEDDING_ELEMENTS = {"iframe", "embed", "object", "audio", "video", "canvas", "handler", "listener"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str


UNSUPPORTED = problem(
    "logo_type",
    "Upload a PNG, JPEG, WebP or SVG image.",
    "请上传 PNG、JPEG、WebP 或 SVG 格式的图片。",
)


def too_large(max_bytes: int) -> FieldError:
    size = f"{max_bytes // 1024} KB"
    return problem("logo_too_large", f"The logo must be at most {size}.", f"标志文件不能超过 {size}。")


UNSAFE_PARTS = {
    "script": ("a <script> element", "<script> 元素"),
    "event_attribute": ("an event attribute such as onload", "onload 等事件属性"),
    "javascript_url": ("a javascript: URL", "javascript: 链接"),
    "foreign_object": ("a <foreignObject> element", "<foreignObject> 元素"),
    "external_reference": (
        "a reference to something outside the file (an href not starting with #)",
        "对文件外部内容的引用（不以 # 开头的 href）",
    ),
    "doctype": ("a DOCTYPE or entity declaration", "DOCTYPE 或实体声明"),
    "embedded_html": ("embedded HTML or media", "内嵌的 HTML 或媒体"),
}


def unsafe_svg(part: str) -> FieldError:
    en, zh = UNSAFE_PARTS[part]
    return problem(
        f"svg_{part}",
        f"This SVG contains {en}, which a logo may not have. Remove it, or upload a PNG instead.",
        f"该 SVG 包含{zh}，标志中不允许出现。请删除后重新上传，或改为上传 PNG 图片。",
    )


NOT_XML = problem(
    "svg_not_xml",
    "This SVG is not well-formed XML. Export it again, or upload a PNG instead.",
    "该 SVG 不是格式正确的 XML。请重新导出，或改为上传 PNG 图片。",
)
TOO_MANY_PIXELS = problem(
    "logo_too_many_pixels",
    "This image has too many pixels; scale it down below 40 megapixels.",
    "图片像素过多，请缩小到 4000 万像素以下。",
)
BROKEN_IMAGE = problem(
    "logo_broken", "This image could not be read; it may be damaged.", "无法读取该图片，文件可能已损坏。"
)


def prepare_logo(data: bytes, max_bytes: int) -> Logo:
    """The logo to store, or ``FieldValidationError`` with a message for the person uploading it."""
    if len(data) > max_bytes:
        raise FieldValidationError(too_large(max_bytes))
    if not data:
        raise FieldValidationError(UNSUPPORTED)
    raster = _raster_format(data)
    if raster is not None:
        return Logo(_reencode(data), PNG)
    if _looks_like_svg(data):
        check_svg(data)
        return Logo(data, SVG)
    raise FieldValidationError(UNSUPPORTED)


def _raster_format(data: bytes) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
    except UnidentifiedImageError:
        return None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FieldValidationError(TOO_MANY_PIXELS) from None
    except (OSError, ValueError, SyntaxError):
        raise FieldValidationError(BROKEN_IMAGE) from None
    if fmt not in RASTER_FORMATS:
        raise FieldValidationError(UNSUPPORTED)
    if width * height > MAX_PIXELS:
        raise FieldValidationError(TOO_MANY_PIXELS)
    return fmt


def _reencode(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            image = ImageOps.exif_transpose(source) or source
            has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA" if has_alpha else "RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (OSError, ValueError, SyntaxError):
        raise FieldValidationError(BROKEN_IMAGE) from None
    return out.getvalue()


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].decode("utf-8", errors="ignore").lower()
    return "<svg" in head


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


def _compact(value: str) -> str:
    return _INVISIBLE.sub("", value).lower()


def _check_css(text: str) -> None:
    compact = _compact(text)
    if "javascript:" in compact or "vbscript:" in compact:
        raise FieldValidationError(unsafe_svg("javascript_url"))
    if "@import" in compact:
        raise FieldValidationError(unsafe_svg("external_reference"))
    for match in _CSS_URL.finditer(text):
        if not match.group(2).strip().startswith("#"):
            raise FieldValidationError(unsafe_svg("external_reference"))


def check_svg(data: bytes) -> None:
    """Raise ``FieldValidationError`` naming the first thing that makes this SVG unsafe as a logo."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FieldValidationError(NOT_XML) from None
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise FieldValidationError(unsafe_svg("doctype"))
    if "<?xml-stylesheet" in lowered:
        raise FieldValidationError(unsafe_svg("external_reference"))
    try:
        root = parse_xml(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise FieldValidationError(unsafe_svg("doctype")) from None
    except ET.ParseError:
        raise FieldValidationError(NOT_XML) from None
    if _local(root.tag)[1] != "svg":
        raise FieldValidationError(UNSUPPORTED)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        namespace, name = _local(element.tag)
        name = name.lower()
        if name == "script":
            raise FieldValidationError(unsafe_svg("script"))
        if name == "foreignobject":
            raise FieldValidationError(unsafe_svg("foreign_object"))
        if namespace == XHTML_NS or name in EMBEDDING_ELEMENTS:
            raise FieldValidationError(unsafe_svg("embedded_html"))
        if name == "style" and element.text:
            _check_css(element.text)
        # A list, not a dict: href and xlink:href have the same local name and both count.
        attributes = [(_local(key)[1].lower(), value) for key, value in element.attrib.items()]
        if any("javascript:" in _compact(value) or "vbscript:" in _compact(value) for _, value in attributes):
            raise FieldValidationError(unsafe_svg("javascript_url"))
        for attr, value in attributes:
            if attr.startswith("on"):
                raise FieldValidationError(unsafe_svg("event_attribute"))
            if attr == "href" and not value.strip().startswith("#"):
                raise FieldValidationError(unsafe_svg("external_reference"))
            if name in ANIMATION_ELEMENTS and attr == "attributename":
                target = _compact(value)
                if target.startswith("on"):
                    raise FieldValidationError(unsafe_svg("event_attribute"))
                if "href" in target:
                    raise FieldValidationError(unsafe_svg("external_reference"))
            compact = _compact(value)
            if "url(" in compact or "@import" in compact:
                _check_css(value)
