"""The impact badge a venue puts on its own site: the tonnes of CO₂e its visitors (or one
event's attendees) neutralized, as an SVG or a PNG at a public, cacheable address, and the
HTML snippet that shows it and links back to the venue's page.

The figure counts fulfilled orders (refunded ones drop out), rounded down to the hundredth
of a tonne: a badge never claims more than was neutralized. It counts live orders; where
payments are test payments only (the sandbox demo) it counts test-mode orders and carries
a TEST mark, drawn into the picture itself so that no page can show it unmarked.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from html import escape as html_escape

from markupsafe import escape
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from neutralpoint import fonts
from neutralpoint.database.tenancy import use_tenant
from neutralpoint.payments.models import Order, OrderStatus
from neutralpoint.scenarios.models import Estimate
from neutralpoint.tenants.models import EntryPoint, Tenant, TenantStatus
from neutralpoint.web.colours import text_colour_on

WIDTH = 320
HEIGHT = 64
PNG_SCALE = 2
NEUTRALIZED = {"en": "CO₂e neutralized", "zh-Hans": "二氧化碳当量已中和"}
AT = {"en": "at {name}", "zh-Hans": "{name}"}
TEST_MARK = {"en": "TEST", "zh-Hans": "测试"}
#: The TEST mark's box, bottom right: ``(x, y, width, height)``.
MARK_BOX = (258, 36, 54, 18)
MARK_FILL, MARK_LINE, MARK_INK = "#fef0c7", "#dc6803", "#93370d"
FONT_STACK = "system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Noto Sans SC', 'Microsoft YaHei', sans-serif"


@dataclass(frozen=True)
class Badge:
    """What a badge shows, in one language."""

    slug: str
    code: str | None
    name: str
    grams: int
    colour: str
    lang: str
    test_mode: bool = False
    """Counts test-mode orders (no money taken): the badge says TEST."""

    @property
    def tonnes(self) -> str:
        """``12.34``: hundredths of a tonne, rounded down."""
        return str((Decimal(self.grams) / 1_000_000).quantize(Decimal("0.01"), ROUND_DOWN))

    @property
    def etag(self) -> str:
        facts = f"{self.name}|{self.grams}|{self.colour}|{self.lang}|{'test' if self.test_mode else 'live'}"
        digest = hashlib.sha256(facts.encode()).hexdigest()[:20]
        return f'"badge-{digest}"'

    def headline(self) -> str:
        return f"{self.tonnes} t" if self.lang != "zh-Hans" else f"{self.tonnes} 吨"

    def caption(self) -> str:
        return NEUTRALIZED[self.lang if self.lang in NEUTRALIZED else "en"]

    def mark(self) -> str:
        """``TEST`` (``测试``) on a test-mode badge, else nothing."""
        return TEST_MARK["zh-Hans" if self.lang == "zh-Hans" else "en"] if self.test_mode else ""

    def name_room(self) -> float:
        """The width the name may take (less beside the TEST mark)."""
        return WIDTH - 76 - (MARK_BOX[2] + 6 if self.test_mode else 0)

    def alt(self) -> str:
        if self.lang == "zh-Hans":
            text = f"{self.name}：已中和 {self.tonnes} 吨二氧化碳当量"
            return f"测试模式 · {text}" if self.test_mode else text
        text = f"{self.name}: {self.tonnes} t CO₂e neutralized"
        return f"Test mode · {text}" if self.test_mode else text


async def find_badge(
    session: AsyncSession, slug: str, code: str | None, lang: str | None, test_mode: bool = False
) -> Badge | None:
    """The badge of an active venue, or of one of its entry points (an event); None if neither.

    ``lang`` is ``en`` or ``zh-Hans`` (the venue's own language otherwise); it counts live
    orders, or test-mode orders alone with ``test_mode``."""
    tenant = (
        await session.execute(select(Tenant).where(Tenant.slug == slug, Tenant.status == TenantStatus.ACTIVE))
    ).scalar_one_or_none()
    if tenant is None:
        return None
    use_tenant(session, tenant.id)
    reader = lang if lang in ("en", "zh-Hans") else tenant.default_language
    grams_of = func.coalesce(func.sum(Order.grams), 0)
    query = select(grams_of).where(Order.status == OrderStatus.FULFILLED, Order.test_mode.is_(test_mode))
    name = tenant.display_name_in(reader)
    if code is not None:
        entry = (
            await session.execute(select(EntryPoint).where(func.upper(EntryPoint.code) == code.upper()))
        ).scalar_one_or_none()
        if entry is None:
            return None
        # The estimate's entry point holds even when the entry point's code changed since.
        query = query.outerjoin(Estimate, Estimate.id == Order.estimate_id).where(
            or_(
                Estimate.entry_point_id == entry.id,
                (Order.estimate_id.is_(None) | Estimate.id.is_(None))
                & (func.upper(Order.entry_point_code) == entry.code),
            )
        )
        name = entry.event_name_in(reader) or f"{name} · {entry.name_in(reader)}"
        code = entry.code
    grams = int((await session.execute(query)).scalar_one())
    return Badge(
        slug=tenant.slug,
        code=code,
        name=name,
        grams=grams,
        colour=tenant.primary_color,
        lang=reader,
        test_mode=test_mode,
    )


def _fit(text: str, room: float, size: float) -> str:
    """Cut ``text`` with an ellipsis to what fits ``room`` pixels at ``size`` (Chinese is wide)."""

    def width(value: str) -> float:
        return sum(size if ord(ch) > 0x2E80 else size * 0.56 for ch in value)

    if width(text) <= room:
        return text
    while text and width(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


def badge_svg(badge: Badge) -> str:
    """A 320 × 64 badge: a leaf on the venue's colour, the tonnes, and whose they are."""
    ink = text_colour_on(badge.colour)
    name = _fit(AT["en"].format(name=badge.name) if badge.lang != "zh-Hans" else badge.name, badge.name_room(), 12)
    mark = ""
    if badge.test_mode:
        x, y, w, h = MARK_BOX
        mark = (
            f'<g id="test-mark"><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="4" fill="{MARK_FILL}" '
            f'stroke="{MARK_LINE}" stroke-dasharray="3 2"/>'
            f'<text x="{x + w / 2:g}" y="{y + 13}" font-size="11" font-weight="700" text-anchor="middle" '
            f'fill="{MARK_INK}">{escape(badge.mark())}</text></g>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(badge.alt())}" font-family="{FONT_STACK}">'
        f"<title>{escape(badge.alt())}</title>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="10" fill="#ffffff" stroke="{badge.colour}" stroke-width="2"/>'
        f'<rect x="1" y="1" width="60" height="{HEIGHT - 2}" rx="9" fill="{badge.colour}"/>'
        f'<rect x="40" y="1" width="21" height="{HEIGHT - 2}" fill="{badge.colour}"/>'
        f'<path d="M18 44c0-16 10-26 26-28-2 16-10 26-26 28z" fill="{ink}"/>'
        f'<path d="M18 44l16-16" stroke="{badge.colour}" stroke-width="2" fill="none"/>'
        f'<text x="74" y="28" font-size="20" font-weight="700" fill="#1f2933">{escape(badge.headline())} '
        f'<tspan font-size="13" font-weight="400" fill="#52606d">{escape(badge.caption())}</tspan></text>'
        f'<text x="74" y="48" font-size="12" fill="#52606d">{escape(name)}</text>'
        f"{mark}</svg>"
    )


#: Fonts with Chinese and Latin letters, tried in turn for the PNG (Noto Sans CJK as Debian
#: and Ubuntu install it with ``fonts-noto-cjk``, then other common places).
FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


def badge_fonts() -> list[str]:
    """The platform's own Noto Sans SC first (it ships with it), then the system's."""
    return [str(fonts.font_file(fonts.Face.SANS)), *FONT_FILES]


def _font(size: int, fonts: list[str]) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in fonts:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def badge_png(badge: Badge, fonts: list[str]) -> bytes:
    """The same badge as a PNG at twice its size (sharp on dense screens), drawn with the
    first font of ``fonts`` that opens."""
    s = PNG_SCALE
    image = Image.new("RGBA", (WIDTH * s, HEIGHT * s), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    colour = badge.colour
    ink = text_colour_on(colour)
    draw.rounded_rectangle(
        (0, 0, WIDTH * s - 1, HEIGHT * s - 1), radius=10 * s, fill="#ffffff", outline=colour, width=2 * s
    )
    draw.rounded_rectangle((s, s, 61 * s, (HEIGHT - 1) * s), radius=9 * s, fill=colour)
    draw.rectangle((40 * s, s, 61 * s, (HEIGHT - 1) * s), fill=colour)
    draw.polygon([(18 * s, 44 * s), (24 * s, 26 * s), (44 * s, 16 * s), (38 * s, 34 * s)], fill=ink)
    draw.line([(18 * s, 44 * s), (34 * s, 28 * s)], fill=colour, width=2 * s)
    big = _font(20 * s, fonts)
    small = _font(12 * s, fonts)
    caption_font = _font(13 * s, fonts)
    headline = badge.headline()
    draw.text((74 * s, 28 * s), headline, font=big, fill="#1f2933", anchor="ls")
    after = draw.textlength(headline + " ", font=big)
    # The bundled Noto Sans SC has no subscript two: the picture writes CO2e, as certificates do.
    caption = badge.caption().replace("₂", "2")
    draw.text((74 * s + after, 28 * s), caption, font=caption_font, fill="#52606d", anchor="ls")
    name = _fit(AT["en"].format(name=badge.name) if badge.lang != "zh-Hans" else badge.name, badge.name_room(), 12)
    draw.text((74 * s, 48 * s), name, font=small, fill="#52606d", anchor="ls")
    if badge.test_mode:
        x, y, w, h = MARK_BOX
        draw.rounded_rectangle(
            (x * s, y * s, (x + w) * s, (y + h) * s), radius=4 * s, fill=MARK_FILL, outline=MARK_LINE, width=s
        )
        bold = _font(11 * s, fonts)
        draw.text(((x + w / 2) * s, (y + h / 2) * s), badge.mark(), font=bold, fill=MARK_INK, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def badge_addresses(base_url: str, badge: Badge) -> tuple[str, str, str]:
    """The badge's SVG and PNG addresses, and the page it links to (the venue's, or the entry point's)."""
    base = f"{base_url}/v/{badge.slug}" + (f"/{badge.code}" if badge.code else "")
    return f"{base}/badge.svg?lang={badge.lang}", f"{base}/badge.png?lang={badge.lang}", base


def badge_snippet(badge: Badge, image_url: str, link_url: str) -> str:
    """The HTML a venue pastes into its own site: the badge, linking to its page on the platform."""
    return (
        f'<a href="{html_escape(link_url)}" target="_blank" rel="noopener">'
        f'<img src="{html_escape(image_url)}" width="{WIDTH}" height="{HEIGHT}" alt="{html_escape(badge.alt())}">'
        "</a>"
    )
