"""The wall screen's map of the districts, drawn from the centre tree as inline SVG (issue 24).

The centre tree has no coordinates and the screen loads nothing from outside (no map tiles), so
the map is schematic: each child centre that is a place (not a court or a department) is an area
whose size is the number of centres in its subtree, laid out by the squarified treemap of the
``squarify`` library; inside it, its own children (a district's streets) are drawn as outlines
in the same way. An area is coloured by the share of its open cases that are overdue, and its
name and its numbers are written on it (colour is never the only signal); it links to the wall
screen of that centre.
"""

from collections.abc import Callable, Sequence
from typing import Any

import squarify
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..documents.charts import FONT_FAMILY, WIDE_CHAR, fit, number, text_width
from ..queries.wall import Area

WIDTH, HEIGHT = 1000, 1000  # the drawing's units; scaled to its box (about 0.7 px a unit at 1920)
GAP = 4  # between two areas
INSET = 8  # between an area's edge and its streets' outlines
LARGEST_FONT, SMALLEST_FONT = 40, 19

# (band, the lowest overdue share in it, its fill): white text is legible on each fill.
BANDS: tuple[tuple[str, float, str], ...] = (
    ("calm", 0.0, "#1e6b35"),
    ("low", 0.0001, "#7a6400"),
    ("mid", 0.05, "#a34700"),
    ("high", 0.15, "#b3261e"),
)
QUIET_FILL = "#34404f"  # nothing open


def band_of(open_: int, overdue: int) -> str:
    """``quiet`` with nothing open, else the band of the overdue share."""
    if not open_:
        return "quiet"
    share = overdue / open_
    return [name for name, lowest, _fill in BANDS if share >= lowest][-1]


def band(area: Area) -> str:
    return band_of(area.open, area.overdue)


def legend() -> list[tuple[str, str, str]]:
    """(band, fill, what it means), for the legend under the map."""
    mid, high = (f"{lowest:.0%}" for _name, lowest, _fill in BANDS[2:])
    return [
        ("quiet", QUIET_FILL, _("Nothing open")),
        ("calm", BANDS[0][2], _("None overdue")),
        ("low", BANDS[1][2], _("Under %(share)s overdue") % {"share": mid}),
        ("mid", BANDS[2][2], _("%(low)s–%(high)s overdue") % {"low": mid, "high": high}),
        ("high", BANDS[3][2], _("%(share)s or more overdue") % {"share": high}),
    ]


def _fill(name: str) -> str:
    return next((fill for band_, _lowest, fill in BANDS if band_ == name), QUIET_FILL)


def _layout(
    sizes: Sequence[int], x: float, y: float, dx: float, dy: float
) -> list[dict[str, float]]:
    """Squarified rectangles for ``sizes`` (largest first, as the algorithm wants them)."""
    if dx <= 0 or dy <= 0 or not sizes:
        return []
    rects: list[dict[str, float]] = squarify.squarify(
        squarify.normalize_sizes(list(sizes), dx, dy), x, y, dx, dy
    )
    return rects


def _font(texts: Sequence[str], room_x: float, room_y: float) -> float:
    """The largest font size (within bounds) at which each of ``texts`` fits ``room_x`` and the
    lines fit ``room_y``; 0 when even the smallest does not."""
    widest = max((text_width(t) for t in texts), default=0) / WIDE_CHAR  # in font sizes
    size = min(LARGEST_FONT, room_x / widest if widest else LARGEST_FONT)
    size = min(size, room_y / (1.3 * len(texts)))
    return round(size, 1) if size >= SMALLEST_FONT else 0


def _texts(area: Area, x: float, y: float, dx: float, dy: float) -> str:
    name = area.centre.name
    figures = _("%(open)s open · %(overdue)s overdue") % {
        "open": number(area.open),
        "overdue": number(area.overdue),
    }
    room_x, room_y = dx - 2 * INSET, dy - 2 * INSET
    lines = [name, figures]
    size = _font(lines, room_x, room_y)
    if not size:  # too small for both at a legible size: both cut short, or the name alone cut
        lines = [name, figures] if room_y >= 2 * 1.3 * SMALLEST_FONT else [name]
        if room_y < 1.3 * SMALLEST_FONT or room_x < 2 * SMALLEST_FONT:
            return ""  # too small for any text (the table lists it, the title names it)
        size = SMALLEST_FONT
        lines = [fit(line, int(room_x * WIDE_CHAR / size)) for line in lines]
    out = []
    for index, line in enumerate(lines):
        out.append(
            format_html(
                '<text x="{}" y="{}" font-size="{}" class="{}">{}</text>',
                round(x + INSET, 1),
                round(y + INSET + size * (1.05 + 1.3 * index), 1),
                size if index == 0 else round(size * 0.8, 1),
                "wall-map-name" if index == 0 else "wall-map-figures",
                line,
            )
        )
    return "".join(out)


def district_map(areas: Sequence[Area], link: Callable[[Area], str], title: Any) -> SafeString:
    """The map of ``areas`` that are places, or a sentence when there is none."""
    places = sorted(
        (a for a in areas if a.place), key=lambda a: (-(1 + sum(a.below.values())), a.centre.path)
    )
    if not places:
        return format_html('<p class="wall-empty">{}</p>', _("No centre below this one."))
    rects = _layout([1 + sum(a.below.values()) for a in places], 0, 0, WIDTH, HEIGHT)
    drawn = []
    for area, rect in zip(places, rects, strict=True):
        x, y = rect["x"] + GAP / 2, rect["y"] + GAP / 2
        dx, dy = rect["dx"] - GAP, rect["dy"] - GAP
        name = band(area)
        streets = sorted(area.below.values(), reverse=True)
        outlines = "".join(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" class="wall-map-street"></rect>',
                round(r["x"], 1),
                round(r["y"], 1),
                round(r["dx"], 1),
                round(r["dy"], 1),
            )
            for r in _layout(streets, x + INSET, y + INSET, dx - 2 * INSET, dy - 2 * INSET)
        )
        drawn.append(
            format_html(
                '<a href="{}" class="wall-map-area" data-centre="{}" data-band="{}">'
                "<title>{}: {}</title>"
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" class="wall-map-fill">'
                "</rect>{}{}</a>",
                link(area),
                area.centre.pk,
                name,
                area.centre.name,
                _("%(open)s open, %(overdue)s overdue")
                % {"open": number(area.open), "overdue": number(area.overdue)},
                round(x, 1),
                round(y, 1),
                round(dx, 1),
                round(dy, 1),
                _fill(name),
                mark_safe(outlines),
                mark_safe(_texts(area, x, y, dx, dy)),
            )
        )
    return format_html(
        '<svg class="wall-map" viewBox="0 0 {} {}" preserveAspectRatio="xMidYMid meet" '
        'role="group" aria-label="{}" font-family="{}">{}</svg>',
        WIDTH,
        HEIGHT,
        title,
        FONT_FAMILY,
        mark_safe("".join(drawn)),
    )
