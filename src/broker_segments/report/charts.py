"""Small, dependency-free SVG charts for the segment report.

Every chart is one `<svg>` whose data marks (points, bars, cells) carry `class="mark"` and a
`<title>` with the exact value, so a browser shows it on hover and a test can count them.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family:system-ui,'Segoe UI','Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif"
PALETTE = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b7791f", "#c53030", "#319795"]
AXIS = "#4a5568"
GRID = "#e2e8f0"
SLANT = 55  # degrees of a heatmap's column labels


def fmt(value: float | None, digits: int = 3) -> str:
    """A number as a reader wants it: 1.23M, 45.6k, 0.912, 12; blank for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    magnitude = abs(value)
    for limit, unit, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if magnitude >= limit:
            return f"{value / unit:.3g}{suffix}"
    if magnitude >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def text_width(text: str, size: float = 11) -> float:
    """Approximate width in pixels of text in the chart font: Chinese characters are square."""
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.64 for c in text)
    return ems * size


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 x 10^n steps) covering [low, high]."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw_step = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw_step))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw_step)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'style="{FONT};font-size:11px">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", **style: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in style.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(str(text))}</text>'


@dataclass
class Series:
    name: str
    x: Sequence[float]
    y: Sequence[float | None]


@dataclass
class Scale:
    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return self.start + (value - self.low) / span * (self.end - self.start)


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 340,
    height: int = 230,
    reference_y: float | None = None,
    reference_label: str = "",
    marker_x: float | None = None,
    marker_label: str = "",
    filled: Callable[[str, float], bool] | None = None,
    zero_based: bool = True,
) -> str:
    """Lines with a point per value; an optional horizontal reference and vertical marker."""
    left, right, top, bottom = 52, 14, 26, 40
    xs = [x for s in series for x in s.x]
    ys = [y for s in series for y in s.y if y is not None and math.isfinite(y)]
    if reference_y is not None:
        ys.append(reference_y)
    if not xs or not ys:
        return empty_chart(title, "no data", width, height)
    y_ticks = nice_ticks(min(0.0, min(ys)) if zero_based else min(ys), max(ys))
    x_scale = Scale(min(xs), max(xs), left + 8, width - right - 8)
    y_scale = Scale(y_ticks[0], y_ticks[-1], height - bottom, top)
    body = [_text(width / 2, 15, title, font_weight="600", font_size="12")]
    for tick in y_ticks:
        y = y_scale(tick)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 5, y + 3.5, fmt(tick), anchor="end", fill=AXIS))
    for x in sorted(set(xs)):
        body.append(_text(x_scale(x), height - bottom + 14, fmt(x), fill=AXIS))
    body.append(
        f'<line x1="{left}" x2="{width - right}" y1="{height - bottom}" '
        f'y2="{height - bottom}" stroke="{AXIS}"/>'
    )
    body.append(_text(width / 2, height - 6, x_label, fill=AXIS))
    body.append(
        f'<text transform="translate(12,{(top + height - bottom) / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" fill="{AXIS}">{escape(y_label)}</text>'
    )
    if reference_y is not None:
        y = y_scale(reference_y)
        body.append(
            f'<line class="reference" x1="{left}" x2="{width - right}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#c53030" stroke-dasharray="5 4"/>'
        )
        body.append(_text(width - right - 2, y - 4, reference_label, anchor="end", fill="#c53030"))
    if marker_x is not None:
        x = x_scale(marker_x)
        body.append(
            f'<line class="reference" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" '
            f'y2="{height - bottom}" stroke="#718096" stroke-dasharray="3 3"/>'
        )
        body.append(_text(x + 3, top + 9, marker_label, anchor="start", fill="#718096"))
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = [
            (x_scale(x), y_scale(y), x, y)
            for x, y in zip(s.x, s.y, strict=True)
            if y is not None and math.isfinite(y)
        ]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for px, py, x, y in points:
            solid = filled(s.name, x) if filled else True
            body.append(
                f'<circle class="mark" cx="{px:.1f}" cy="{py:.1f}" r="3.5" stroke="{colour}" '
                f'stroke-width="1.5" fill="{colour if solid else "#fff"}">'
                f"<title>{escape(s.name)} {escape(fmt(x))}: {escape(fmt(y, 4))}</title></circle>"
            )
    return _svg(width, height, body, title)


def stacked_bar_chart(
    categories: Sequence[str],
    stacks: dict[str, Sequence[float]],
    *,
    title: str,
    width: int = 560,
    colours: dict[str, str] | None = None,
) -> str:
    """Horizontal bars, one per category, split into stacks; totals at the bar ends."""
    if not categories:
        return empty_chart(title, "no data", width, 120)
    label_width = int(max(text_width(c) for c in categories)) + 14
    right, top, row = 70, 44, 24
    width = max(width, label_width + 260)
    height = top + row * len(categories) + 16
    totals = [sum(values[i] for values in stacks.values()) for i in range(len(categories))]
    scale = Scale(0, max(totals) or 1, label_width, width - right)
    body = [_text(width / 2, 15, title, font_weight="600", font_size="12")]
    legend_x = label_width
    for index, name in enumerate(stacks):
        colour = (colours or {}).get(name, PALETTE[index % len(PALETTE)])
        body.append(
            f'<rect x="{legend_x}" y="25" width="10" height="10" fill="{colour}"/>'
            + _text(legend_x + 14, 34, name, anchor="start", fill=AXIS)
        )
        legend_x += 24 + 7 * len(name)
    for i, category in enumerate(categories):
        y = top + i * row
        body.append(_text(label_width - 8, y + 15, category, anchor="end"))
        x = float(label_width)
        for index, (name, values) in enumerate(stacks.items()):
            value = values[i]
            if value <= 0:
                continue
            colour = (colours or {}).get(name, PALETTE[index % len(PALETTE)])
            bar = scale(value) - label_width
            body.append(
                f'<rect class="mark" x="{x:.1f}" y="{y + 3}" width="{max(bar, 0.5):.1f}" '
                f'height="{row - 6}" fill="{colour}"><title>{escape(category)}, '
                f"{escape(name)}: {value:,.0f}</title></rect>"
            )
            x += bar
        body.append(_text(x + 5, y + 15, f"{totals[i]:,.0f}", anchor="start", fill=AXIS))
    return _svg(width, height, body, title)


def heatmap(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str,
    colour: Callable[[int, int, float], str],
    text: Callable[[int, int, float], str] = lambda i, j, v: fmt(v, 2),
    cell_width: int = 62,
    cell_height: int = 24,
    row_axis: str = "",
    column_axis: str = "",
) -> str:
    """A grid of coloured cells with their values; column labels slanted (55 degrees) above."""
    if not row_labels or not column_labels:
        return empty_chart(title, "no data", 480, 120)
    label_width = int(max(text_width(label) for label in row_labels)) + 14
    slant = max(text_width(label) for label in column_labels)
    column_label_height = int(slant * math.sin(math.radians(SLANT))) + 14
    top = 24 + column_label_height + (14 if column_axis else 0)
    grid_right = label_width + cell_width * len(column_labels)
    reach = slant * math.cos(math.radians(SLANT))
    width = int(max(grid_right + 20, grid_right - cell_width / 2 + reach + 24))
    height = top + cell_height * len(row_labels) + (24 if row_axis else 10)
    body = [_text(min(width, 900) / 2, 15, title, font_weight="600", font_size="12")]
    if column_axis:
        body.append(_text(label_width, 30, column_axis, anchor="start", fill=AXIS))
    for j, label in enumerate(column_labels):
        x = label_width + j * cell_width + cell_width / 2
        body.append(
            f'<text transform="translate({x:.1f},{top - 6}) rotate(-{SLANT})" '
            f'text-anchor="start" fill="{AXIS}">{escape(label)}</text>'
        )
    for i, label in enumerate(row_labels):
        y = top + i * cell_height
        body.append(_text(label_width - 8, y + cell_height / 2 + 4, label, anchor="end"))
        for j, value in enumerate(values[i]):
            x = label_width + j * cell_width
            if value is None or (isinstance(value, float) and math.isnan(value)):
                body.append(
                    f'<rect x="{x}" y="{y}" width="{cell_width - 1}" '
                    f'height="{cell_height - 1}" fill="#f7fafc"/>'
                )
                continue
            fill = colour(i, j, value)
            body.append(
                f'<rect class="mark" x="{x}" y="{y}" width="{cell_width - 1}" '
                f'height="{cell_height - 1}" fill="{fill}"><title>{escape(label)} / '
                f"{escape(column_labels[j])}: {escape(fmt(value, 4))}</title></rect>"
            )
            body.append(
                _text(
                    x + cell_width / 2,
                    y + cell_height / 2 + 4,
                    text(i, j, value),
                    fill=_ink(fill),
                    pointer_events="none",
                )
            )
    if row_axis:
        body.append(_text(label_width - 8, height - 6, row_axis, anchor="end", fill=AXIS))
    return _svg(width, height, body, title)


def empty_chart(title: str, message: str, width: int = 480, height: int = 120) -> str:
    body = [
        _text(width / 2, 15, title, font_weight="600", font_size="12"),
        _text(width / 2, height / 2 + 4, message, fill=AXIS),
    ]
    return _svg(width, height, body, title)


def _mix(a: str, b: str, share: float) -> str:
    share = min(max(share, 0.0), 1.0)
    channels = [
        round(int(a[k : k + 2], 16) * (1 - share) + int(b[k : k + 2], 16) * share)
        for k in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02x}" for c in channels)


def diverging(value: float, limit: float = 1.0) -> str:
    """Blue (negative) through white to red (positive), saturated at +-limit."""
    share = min(abs(value) / limit, 1.0) if limit else 0.0
    return _mix("#ffffff", "#c53030" if value >= 0 else "#2b6cb0", share)


def sequential(share: float) -> str:
    """White to dark blue for a share in [0, 1]."""
    return _mix("#f7fbff", "#08306b", share)


def _ink(fill: str) -> str:
    """Black or white text, whichever reads on the fill."""
    r, g, b = (int(fill[k : k + 2], 16) for k in (1, 3, 5))
    return "#1a202c" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"
