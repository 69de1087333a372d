"""Charts drawn on the server as inline SVG: no chart library, no script, nothing from a CDN.

A chart is data (``Chart``: series and bars) built by the view and drawn here as horizontal bars,
one row per bar with its label above it and its total at its end: long Chinese or English labels fit
a 375 px phone, and the text stays text (searchable, translatable, read by screen readers). Each
chart is an ``<svg role="img">`` whose ``<title>`` names it and whose ``<desc>`` says every value in
words; each bar and segment has a ``<title>`` of its own (shown on hover); the legend is HTML under
the drawing. Colour is never the only signal: every value is also written as text somewhere.

``bar_chart`` and ``share_bar`` are plain functions, here on the documents' floor so that the web
page and the report's PDF draw the same charts (``cases.documents.report.charts``); the web layer
registers them as template tags too (``cases/web/templatetags/charts.py``).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 360  # the drawing's own units; it is scaled to its box (about 1:1 on a phone)
ROW = 40  # one bar: its label line, then the bar
LABEL_Y = 14
BAR_Y = 20
BAR_HEIGHT = 14
VALUE_ROOM = 56  # right of the longest bar: its total
SHARE_HEIGHT = 30
WIDE_CHAR = 14  # a CJK character at the chart's font size (14), in drawing units
NARROW_CHAR = 8  # a Latin letter or a digit (a generous average)
MIN_TEXT_SHARE = 0.09  # a share segment narrower than this carries no text inside
# Each series' colour, as the drawing's own attributes: a renderer that does not apply the page's
# stylesheet to inline SVG (WeasyPrint, for the report's PDF) draws the same colours; a browser
# lets web/reports.css's classes (the same colours, and the legend's swatches) override them.
FILLS = {
    "received": "#0b57a4",
    "resolved": "#1e6b35",
    "failed": "#b3261e",
    "withdrawn": "#8a8a8a",
    "level-community": "#1e6b35",
    "level-street": "#3f8f55",
    "level-district": "#0b57a4",
    "level-city": "#3a3f8f",
    "level-professional": "#9a5b00",
    "level-grid": "#5b7f1e",
}
DEFAULT_FILL = "#555555"
# The text's font, also as an attribute: the page's stylesheet overrides it; in the PDF, SVG text
# would otherwise fall back to a font without Chinese, or with Japanese forms of the characters.
FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"


@dataclass(frozen=True)
class Series:
    """One kind of value in a chart: ``key`` names its CSS class (``series-<key>``)."""

    key: str
    label: Any


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[float, ...]  # one per series
    url: str = ""  # the label links here (the same report for a child centre)

    @property
    def total(self) -> float:
        return sum(self.values)


@dataclass(frozen=True)
class Chart:
    """Bars of one or more series (stacked when several), or the shares of one whole."""

    id: str
    title: Any
    series: tuple[Series, ...]
    bars: Sequence[Bar] = field(default_factory=tuple)
    empty: Any = ""  # said instead of the drawing when there is nothing to draw


def text_width(text: str) -> int:
    """The width ``text`` takes in drawing units, near enough to decide where to cut it."""
    return sum(WIDE_CHAR if ord(char) >= 0x2E80 else NARROW_CHAR for char in text)


def fit(text: str, room: int) -> str:
    """``text``, cut with an ellipsis if it would be wider than ``room``."""
    if text_width(text) <= room:
        return text
    while text and text_width(text) + NARROW_CHAR > room:
        text = text[:-1]
    return f"{text}…"


def number(value: float) -> str:
    """A count with thousands separators; other values with up to two decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _num(value: float) -> str:
    """A coordinate: SVG needs a dot as the decimal mark whatever the language."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _describe_bar(chart: Chart, bar: Bar) -> str:
    if len(chart.series) == 1:
        return f"{bar.label}: {number(bar.total)}"
    parts = ", ".join(
        f"{series.label} {number(value)}"
        for series, value in zip(chart.series, bar.values, strict=True)
    )
    total = _("total")
    return f"{bar.label}: {parts} ({total} {number(bar.total)})"


def _legend(chart: Chart, values: Sequence[float | None] = ()) -> SafeString:
    if len(chart.series) < 2:
        return mark_safe("")
    items = []
    for index, series in enumerate(chart.series):
        share = values[index] if index < len(values) else None
        items.append(
            format_html(
                '<li><span class="swatch series-{}" aria-hidden="true"></span>{}{}</li>',
                series.key,
                series.label,
                f" {percent(share)}" if share is not None else "",
            )
        )
    return format_html('<ul class="chart-legend">{}</ul>', mark_safe("".join(items)))


def _figure(chart: Chart, svg: SafeString, legend: SafeString) -> SafeString:
    return format_html(
        '<figure class="chart" id="{}"><figcaption>{}</figcaption>{}{}</figure>',
        chart.id,
        chart.title,
        svg,
        legend,
    )


def _empty(chart: Chart) -> SafeString:
    message = chart.empty or _("Nothing to show for this month.")
    return _figure(chart, format_html('<p class="chart-empty">{}</p>', message), mark_safe(""))


def _svg(chart: Chart, height: int, description: str, body: str, links: bool = False) -> SafeString:
    """The drawing, named by its title and described by its figures. An image to assistive
    technology, unless it holds links (a child centre's report): an image's content is hidden
    from them, so those links would be unreachable; it is then a group whose links are read."""
    return format_html(
        '<svg class="chart-drawing" viewBox="0 0 {} {}" width="{}" height="{}" role="{}" '
        'aria-labelledby="{}-title {}-desc" preserveAspectRatio="xMinYMin meet" font-family="{}">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        height,
        WIDTH,
        height,
        "group" if links else "img",
        chart.id,
        chart.id,
        FONT_FAMILY,
        chart.id,
        chart.title,
        chart.id,
        description,
        mark_safe(body),
    )


def bar_chart(chart: Chart) -> SafeString:
    """Horizontal bars, one per ``chart.bars``, stacked by series, each with its total written at
    its end and its label (a link when the bar has a ``url``) above it."""
    bars = [bar for bar in chart.bars if bar.total > 0]
    if not bars:
        return _empty(chart)
    longest = max(bar.total for bar in bars)
    scale = (WIDTH - VALUE_ROOM) / longest
    rows = []
    for index, bar in enumerate(bars):
        top = 4 + index * ROW
        description = _describe_bar(chart, bar)
        label = format_html(
            '<text x="0" y="{}" font-size="14" class="chart-label">{}</text>',
            top + LABEL_Y,
            fit(bar.label, WIDTH),
        )
        if bar.url:
            label = format_html('<a href="{}">{}</a>', bar.url, label)
        segments, x = [], 0.0
        for series, value in zip(chart.series, bar.values, strict=True):
            if value <= 0:
                continue
            width = max(value * scale, 1.0)
            segments.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" class="series-{}" fill="{}" '
                    'stroke="#fff" stroke-width="1"><title>{}: {} {}</title></rect>',
                    _num(x),
                    top + BAR_Y,
                    _num(width),
                    BAR_HEIGHT,
                    series.key,
                    FILLS.get(series.key, DEFAULT_FILL),
                    bar.label,
                    series.label,
                    number(value),
                )
            )
            x += width
        rows.append(
            format_html(
                '<g class="chart-bar"><title>{}</title>{}{}'
                '<text x="{}" y="{}" font-size="12" class="chart-value">{}</text></g>',
                description,
                label,
                mark_safe("".join(segments)),
                _num(x + 4),
                top + BAR_Y + BAR_HEIGHT - 2,
                number(bar.total),
            )
        )
    description = "; ".join(_describe_bar(chart, bar) for bar in bars)
    links = any(bar.url for bar in bars)
    svg = _svg(chart, 8 + len(bars) * ROW, description, "".join(rows), links=links)
    return _figure(chart, svg, _legend(chart))


def share_bar(chart: Chart, shares: Sequence[float | None]) -> SafeString:
    """One bar split into ``shares`` (fractions of a whole, one per series; ``None`` when the
    whole is empty), with each share written inside its segment when it fits and in the legend."""
    if not any(shares):
        return _empty(chart)
    parts, x = [], 0.0
    for series, share in zip(chart.series, shares, strict=True):
        if not share:
            continue
        width = share * WIDTH
        text = ""
        if share >= MIN_TEXT_SHARE:
            text = format_html(
                '<text x="{}" y="{}" class="chart-inside" text-anchor="middle" fill="#fff" '
                'font-size="12" font-weight="600">{}</text>',
                _num(x + width / 2),
                SHARE_HEIGHT / 2 + 5,
                percent(share),
            )
        parts.append(
            format_html(
                '<g><title>{}: {}</title><rect x="{}" y="0" width="{}" height="{}" '
                'class="series-{}" fill="{}" stroke="#fff" stroke-width="1"></rect>{}</g>',
                series.label,
                percent(share),
                _num(x),
                _num(width),
                SHARE_HEIGHT,
                series.key,
                FILLS.get(series.key, DEFAULT_FILL),
                text,
            )
        )
        x += width
    description = ", ".join(
        f"{series.label} {percent(share)}"
        for series, share in zip(chart.series, shares, strict=True)
        if share
    )
    svg = _svg(chart, SHARE_HEIGHT, description, "".join(parts))
    return _figure(chart, svg, _legend(chart, list(shares)))
