"""Charts drawn on the server as SVG: no script, no outside library, readable with styles off.

Only presentation attributes (``fill``, ``font-size``), never ``style``: the pages' policy
allows no inline style. Each chart has a title and a description for screen readers, and
its page shows the same numbers in a table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_skeleton
from markupsafe import Markup, escape

from neutralpoint.impact.reports import ImpactReport, Tally
from neutralpoint.languages import text_for
from neutralpoint.web.formatting import BABEL_LOCALES, format_grams

WIDTH = 600
HEIGHT = 260
LEFT = 70
RIGHT = 36  # room for the last period's label, centred under its bar
TOP = 14
BOTTOM = 34
FONT = 13
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9dee3"
#: Colours after the venue's own, told apart by people with the commonest colour blindness.
PALETTE = ("#e69f00", "#56b4e9", "#009e73", "#cc79a7", "#d55e00", "#0072b2", "#999999")
MOST_LABELS = 8


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: Sequence[int]


def nice_step(value: float) -> int:
    """The gridline step for an axis of four steps that reaches ``value * 4``: a whole 1, 2, 2.5
    or 5 times a power of ten, so every gridline reads as a round number."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * power
        if step >= value and step == int(step):
            return int(step)
    return int(10 * power)  # pragma: no cover  (the loop ends at 10)


def colours(brand: str, count: int) -> list[str]:
    """The venue's colour first, then the palette (grey for whatever is left)."""
    chosen = [brand, *(c for c in PALETTE if c.lower() != brand.lower())]
    return [chosen[i] if i < len(chosen) else PALETTE[-1] for i in range(count)]


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    value_text: Callable[[int], str],
    chart_id: str,
) -> Markup:
    """Bars per period, each stacked by series, with a value axis and a legend below."""
    count = len(labels)
    totals = [sum(s.values[i] for s in series) for i in range(count)]
    step = nice_step(max(totals, default=0) / 4)
    top = 4 * step
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    legend_rows = len(series) if len(series) > 1 else 0
    height = HEIGHT + legend_rows * 20 + (6 if legend_rows else 0)
    slot = plot_w / max(count, 1)
    bar = max(min(slot * 0.7, 48), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="system-ui, sans-serif" '
        f'font-size="{FONT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for line in range(5):
        value = step * line
        y = TOP + plot_h - plot_h * line / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{escape(value_text(value))}</text>'
        )
    for i in range(count):
        x = LEFT + slot * i + (slot - bar) / 2
        base: float = TOP + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{max(h, 0.5):.1f}" fill="{s.colour}">'
                f"<title>{escape(labels[i])} · {escape(s.label)}: {escape(value_text(value))}</title></rect>"
            )
    every = max(1, math.ceil(count / MOST_LABELS))
    for i in range(0, count, every):
        x = LEFT + slot * i + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 20}" text-anchor="middle" fill="{INK}">{escape(labels[i])}</text>'
        )
    if legend_rows:
        for n, s in enumerate(series):
            # One entry point a row: long names (and Chinese ones) never run into each other.
            x = LEFT
            y = HEIGHT + 6 + n * 20
            parts.append(f'<rect x="{x:.1f}" y="{y - 11}" width="12" height="12" fill="{s.colour}"/>')
            parts.append(f'<text x="{x + 18:.1f}" y="{y}" fill="{INK}">{escape(_short(s.label, 60))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text in it went through escape())


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


# --- the impact report's charts -------------------------------------------------------------------

MOST_SERIES = 5
OTHERS = {"en": "Other entry points", "zh-Hans": "其他入口"}


def period_label(start: date, period: str, lang: str) -> str:
    """``Dec 7`` for a day or the week starting then, ``Dec 2026`` for a month (``12月7日``, ``2026年12月``)."""
    locale = BABEL_LOCALES.get(lang, "en")
    return str(format_skeleton("yMMM" if period == "month" else "MMMd", start, locale=locale))


def _measure(tally: Tally, measure: str) -> int:
    return tally.neutralized_grams if measure == "neutralized" else tally.estimates


def report_chart(
    report: ImpactReport, measure: str, lang: str, brand_colour: str, *, title: str, description: str
) -> Markup:
    """The report's periods as stacked bars of grams neutralized (``measure="neutralized"``) or
    of estimates (``"estimates"``), one colour per entry point (the largest five, then the rest)."""
    ranked = sorted(report.lines, key=lambda line: -_measure(report.by_line(line.key), measure))
    ranked = [line for line in ranked if _measure(report.by_line(line.key), measure) > 0]
    shown, rest = ranked[:MOST_SERIES], ranked[MOST_SERIES:]
    if len(rest) == 1:
        shown, rest = ranked, []
    palette = colours(brand_colour, len(shown) + (1 if rest else 0))
    series = [
        Series(line.name_in(lang), palette[n], [_measure(report.cell(p, line.key), measure) for p in report.periods])
        for n, line in enumerate(shown)
    ]
    if rest:
        series.append(
            Series(
                text_for(OTHERS, lang),
                palette[-1],
                [sum(_measure(report.cell(p, line.key), measure) for line in rest) for p in report.periods],
            )
        )
    if measure == "neutralized":

        def value_text(value: int) -> str:
            return format_grams(value, lang)

    else:

        def value_text(value: int) -> str:
            return f"{value:,}"

    return stacked_bars(
        [period_label(p, report.range.period, lang) for p in report.periods],
        series,
        title=title,
        description=description,
        value_text=value_text,
        chart_id=f"chart-{measure}",
    )
