"""Small server-rendered SVG charts (line, horizontal bar, heatmap) that scale to the page width.

Every label is escaped here; each chart is drawn from a `Table`, which the page also shows as a
plain table (in a <details>) for screen readers and for reading exact figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from mediaserver.analytics.tables import Table

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 34
COLORS = ("#e50914", "#3b82f6", "#22c55e", "#eab308")


def _fmt(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** len(str(int(value))) / 10
    for factor in (1, 2, 2.5, 5, 10):
        if value <= step * factor:
            return step * factor
    return value


def line_chart(
    table: Table,
    x_key: str,
    series: Sequence[tuple[str, str]],
    *,
    label: str,
    markers: Sequence[tuple[int, str]] = (),
    y_max: float | None = None,
    x_suffix: str = "",
    attrs: str = "",
) -> Markup:
    """Lines of `series` ((column key, legend)) over the rows; `markers` are (row index, text)
    drawn as labelled vertical rules (a drop-off)."""
    xs = table.column(x_key)
    n = max(len(xs), 2)
    top = y_max or _nice_max(max([float(v) for k, _ in series for v in table.column(k)] or [0]))
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(i: int) -> float:
        return LEFT + w * i / (n - 1)

    def py(v: float) -> float:
        return TOP + h - h * min(float(v), top) / top

    parts = [_frame(label, attrs)]
    for frac in (0, 0.5, 1):
        y = TOP + h - h * frac
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(_text(LEFT - 6, y + 5, _fmt(top * frac), "end"))
    for i in sorted({0, (len(xs) - 1) // 2, len(xs) - 1}):
        if 0 <= i < len(xs):
            anchor = "start" if i == 0 else "end" if i == len(xs) - 1 else "middle"
            parts.append(_text(px(i), HEIGHT - 10, f"{xs[i]}{x_suffix}", anchor))
    for index, (key, _legend) in enumerate(series):
        points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(table.column(key)))
        color = COLORS[index % len(COLORS)]
        parts.append(f'<polyline class="series" fill="none" stroke="{color}" points="{points}"/>')
    for i, text in markers:
        x = px(i)
        parts.append(
            f'<g class="marker" data-percent="{escape(str(xs[i]))}">'
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + h}"/>'
            f'<text x="{x + 4:.1f}" y="{TOP + 14}">{escape(text)}</text></g>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="legend-item"><i class="swatch-{i % len(COLORS)}"></i>{escape(lg)}</span>'
        for i, (_k, lg) in enumerate(series)
    )
    return Markup("".join(parts) + (f'<p class="legend">{legend}</p>' if len(series) > 1 else ""))


def bar_chart(table: Table, label_key: str, value_key: str, *, label: str) -> Markup:
    """Horizontal bars, one per row, longest first as the table orders them."""
    labels = table.column(label_key)
    values = [float(v or 0) for v in table.column(value_key)]
    row_h, text_w = 26, 200
    height = TOP + row_h * max(len(values), 1) + 8
    top = _nice_max(max(values or [0]))
    parts = [_frame(label, "", height)]
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + i * row_h
        width = (WIDTH - text_w - RIGHT - 60) * value / top
        short = str(name) if len(str(name)) <= 26 else str(name)[:25] + "…"
        parts.append(_text(text_w - 8, y + 17, short, "end", "bar-label"))
        parts.append(
            f'<rect class="bar" x="{text_w}" y="{y + 4}" width="{width:.1f}" '
            f'height="{row_h - 8}" rx="3"/>'
        )
        parts.append(
            f'<text class="tick" x="{text_w + width + 6:.1f}" y="{y + 17}">{_fmt(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def heatmap_chart(table: Table, *, label: str) -> Markup:
    """Weekday rows x 24 hour columns, darker where more plays started."""
    cell_w, cell_h, left, top_pad = 24, 26, 44, 22
    height = top_pad + 7 * cell_h + 6
    grid = [[int(v) for v in row[1:]] for row in table.rows]
    peak = max((v for row in grid for v in row), default=0) or 1
    parts = [_frame(label, "", height, left + 24 * cell_w + 4)]
    for h in range(0, 24, 3):
        parts.append(_text(left + h * cell_w + cell_w / 2, top_pad - 6, f"{h:02d}", "middle"))
    for d, row in enumerate(table.rows):
        y = top_pad + d * cell_h
        parts.append(_text(left - 6, y + 18, row[0], "end"))
        for h, value in enumerate(grid[d]):
            alpha = 0.06 + 0.94 * value / peak
            parts.append(
                f'<rect x="{left + h * cell_w}" y="{y}" width="{cell_w - 2}" '
                f'height="{cell_h - 2}" rx="2" fill="#e50914" fill-opacity="{alpha:.2f}">'
                f"<title>{escape(row[0])} {h:02d}:00 — {value} plays</title></rect>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


class Charts:
    """The chart functions, as templates call them."""

    line = staticmethod(line_chart)
    bar = staticmethod(bar_chart)
    heatmap = staticmethod(heatmap_chart)


def _text(x: float, y: float, content: object, anchor: str = "start", cls: str = "tick") -> str:
    """A text label; `content` is escaped."""
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">'
        f"{escape(str(content))}</text>"
    )


def _frame(label: str, attrs: str, height: int = HEIGHT, width: int = WIDTH) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" preserveAspectRatio="xMinYMin meet" {attrs}>'
    )
