"""Inline SVG charts for Vigie's self-contained HTML reports.

Reports must open offline, print well and run no script, so each chart is a plain
SVG string built with the standard library (no matplotlib, no JavaScript, nothing
fetched). The Jinja2 templates insert these strings with ``|safe``, which bypasses
autoescaping: every string that comes from data (titles, labels, series names) is
therefore XML-escaped here, never by the caller.

Output is deterministic (same input, same string) so reports can be diffed and
tested. Only ``<rect>`` elements are data bars; backgrounds, bands and legend
swatches are ``<path>`` so bars can be counted and styled on their own.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "OKABE_ITO",
    "SENTIMENT_COLORS",
    "format_number",
    "grouped_bar_chart",
    "hbar_chart",
    "line_chart",
    "nice_ticks",
    "stacked_bar_chart",
]

OKABE_ITO: tuple[str, ...] = (
    "#000000",  # black
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
)

SENTIMENT_COLORS: dict[str, str] = {
    "positive": "#009E73",
    "neutral": "#999999",
    "negative": "#D55E00",
}

# Series order: strongest contrast on white first, yellow (weak for lines) near the end.
_SERIES_CYCLE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)

_SVG_NS = "http://www.w3.org/2000/svg"
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_FONT_SIZE = 11
_INK = "#222222"
_MUTED = "#555555"
_GRID = "#E2E2E2"
_AXIS = "#767676"
_BAND_FILL = "#ECECEC"
_BAND_STROKE = "#B8B8B8"
_TITLE_H = 30  # title baseline zone at the top of every chart
_LEGEND_ROW = 18
_PAD = 12
_MAX_BAR = 56.0  # wider bars look heavy when there are few categories

_NNBSP = "\u202f"  # French thousands separator (and space before "%")
_COLOR_RE = re.compile(r"#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?|[A-Za-z]{3,20}")
# Characters XML 1.0 forbids; replaced (not dropped) so nothing vanishes silently.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "no_data": "No data",
        "stacked": "Stacked bar chart",
        "line": "Line chart",
        "hbar": "Horizontal bar chart",
        "grouped": "Grouped bar chart",
        "span": "{n} categories from {first} to {last}",
        "totals": "{name}: total {total}, peak {peak} at {at}",
        "range": "{name}: from {low} to {high}, last {last}",
        "item": "{label}: {value}",
        "more": "and {n} more",
        "marked": "{label}: {items}",
        "right_axis": "right axis",
    },
    "fr": {
        "no_data": "Aucune donnée",
        "stacked": "Histogramme empilé",
        "line": "Graphique linéaire",
        "hbar": "Barres horizontales",
        "grouped": "Histogramme groupé",
        "span": "{n} catégories de {first} à {last}",
        "totals": "{name} : total {total}, pic {peak} à {at}",
        "range": "{name} : de {low} à {high}, dernière valeur {last}",
        "item": "{label} : {value}",
        "more": "et {n} de plus",
        "marked": "{label} : {items}",
        "right_axis": "axe de droite",
    },
}


# --------------------------------------------------------------------------- numbers


def _lang(locale: str) -> str:
    """Reduce "fr_FR" / "fr-CA" / "en" to a supported language, or fail loudly."""
    lang = re.split(r"[-_.@]", locale.strip().lower(), maxsplit=1)[0]
    if lang not in _TEXT:
        raise ValueError(f"unsupported locale {locale!r}: expected 'en' or 'fr'")
    return lang


def format_number(value: float, locale: str = "en", decimals: int = 0) -> str:
    """Format for readers: "en" -> 1,234.5, "fr" -> 1 234,5 (U+202F thousands separator).

    Rounds half away from zero on the decimal text of the value (2.5 -> 3, 1.005 -> 1.01),
    as readers expect, and never prints "-0". Non-finite values print as an en dash.
    """
    lang = _lang(locale)
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    if not math.isfinite(value):
        return "–"
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{decimals}f}"
    sign = "-" if rounded < 0 else ""
    if lang == "fr":
        text = text.translate({ord(","): _NNBSP, ord("."): ","})
    return sign + text


def _suffix(suffix: str, lang: str) -> str:
    """French typography puts a narrow no-break space before "%"."""
    return _NNBSP + suffix if lang == "fr" and suffix == "%" else suffix


def _exact_decimals(value: float) -> int:
    """Fewest decimals (max 6) that show a value exactly, for tooltips."""
    for decimals in range(7):
        if abs(round(value, decimals) - value) <= 1e-9 * max(1.0, abs(value)):
            return decimals
    return 6


def _exact(value: float, lang: str, suffix: str = "") -> str:
    return format_number(value, lang, _exact_decimals(value)) + _suffix(suffix, lang)


def _nice_step(span: float, target: int) -> float:
    """Smallest 1/2/5 x 10^n step giving at most `target` intervals over `span`."""
    raw = span / target
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw * (1 - 1e-9):
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _step_decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Axis ticks on a 1/2/5 x 10^n grid that cover [lo, hi] with about `target` intervals.

    Readers compare values against round numbers, so the axis is extended outward to the
    nearest multiples of the step. A degenerate range is widened to include zero (or 0..1).
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("tick range must be finite")
    if target < 1:
        raise ValueError("target must be >= 1")
    lo, hi = min(lo, hi), max(lo, hi)
    if lo == hi:
        lo, hi = (0.0, 1.0) if lo == 0 else (min(lo, 0.0), max(hi, 0.0))
    step = _nice_step(hi - lo, target)
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    decimals = _step_decimals(step)
    return [round(k * step, decimals) + 0.0 for k in range(first, last + 1)]


# --------------------------------------------------------------------------- SVG text


def _esc(text: object) -> str:
    """XML-escape untrusted text for element content and double- or single-quoted attributes."""
    clean = _XML_INVALID.sub("\ufffd", str(text))
    return (
        clean.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _n(x: float) -> str:
    """Compact, deterministic coordinate text."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text_width(text: str, size: float = _FONT_SIZE) -> float:
    """Rough rendered width; enough to size margins and avoid label overlap."""
    return len(text) * size * 0.6


def _fit(text: str, max_px: float, size: float = _FONT_SIZE) -> str:
    """Shorten with an ellipsis so a label stays inside its space (full text stays in tooltips)."""
    if _text_width(text, size) <= max_px:
        return text
    keep = max(1, int(max_px / (size * 0.6)) - 1)
    return text[:keep].rstrip() + "…"


def _text(
    x: float, y: float, content: str, *, cls: str, anchor: str = "start", **attrs: str
) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attrs.items())
    return (
        f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{extra}>'
        f"{_esc(content)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, *, cls: str, stroke: str) -> str:
    return (
        f'<line class="{cls}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{stroke}" stroke-width="1" shape-rendering="crispEdges"/>'
    )


def _box_path(x: float, y: float, w: float, h: float) -> str:
    return f"M{_n(x)} {_n(y)}h{_n(w)}v{_n(h)}h{_n(-w)}z"


def _document(kind: str, title: str, desc: str, width: float, height: float, body: str) -> str:
    """Wrap the chart body; ids derive from the content so several charts can share a page."""
    title_e, desc_e = _esc(title), _esc(desc)
    digest = hashlib.blake2s(f"{kind}|{title_e}|{desc_e}|{body}".encode(), digest_size=5)
    uid = f"vigie-{kind}-{digest.hexdigest()}"
    w, h = _n(width), _n(height)
    return (
        f'<svg xmlns="{_SVG_NS}" class="chart chart-{kind}" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-labelledby="{uid}-title" '
        f'aria-describedby="{uid}-desc" font-family="{_FONT}" font-size="{_FONT_SIZE}" '
        f'fill="{_INK}" style="max-width:100%;height:auto">'
        f'<title id="{uid}-title">{title_e}</title><desc id="{uid}-desc">{desc_e}</desc>'
        f'<path class="chart-bg" fill="#FFFFFF" d="{_box_path(0, 0, width, height)}"/>'
        + _text(
            _PAD,
            20,
            _fit(title, width - 2 * _PAD, 14),
            cls="chart-title",
            font_size="14",
            font_weight="600",
        )
        + body
        + "</svg>"
    )


# --------------------------------------------------------------------------- data checks


def _color(value: str) -> str:
    """Accept only hex or named colours: a colour is an attribute, never a place for markup."""
    if not _COLOR_RE.fullmatch(value):
        raise ValueError(f"invalid colour {value!r}: use #RGB, #RRGGBB or a colour name")
    return value


def _assign_colors(names: Sequence[str], colors: Mapping[str, str] | None) -> dict[str, str]:
    """Explicit colours first, then sentiment colours by name, then unused palette colours."""
    chosen: dict[str, str] = {}
    for name in names:
        if colors and name in colors:
            chosen[name] = _color(colors[name])
        elif name.lower() in SENTIMENT_COLORS:
            chosen[name] = SENTIMENT_COLORS[name.lower()]
    free = [c for c in _SERIES_CYCLE if c not in chosen.values()] or list(_SERIES_CYCLE)
    for index, name in enumerate(n for n in names if n not in chosen):
        chosen[name] = free[index % len(free)]
    return chosen


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _checked(
    categories: Sequence[str], series: Mapping[str, Sequence[float | None]]
) -> dict[str, list[float | None]]:
    """One value per category, or a clear error naming the series (no silent truncation)."""
    out: dict[str, list[float | None]] = {}
    for name, values in series.items():
        if len(values) != len(categories):
            raise ValueError(
                f"series {name!r} has {len(values)} values for {len(categories)} categories"
            )
        out[str(name)] = [_finite(v) for v in values]
    return out


def _bars(series: Mapping[str, list[float | None]]) -> dict[str, list[float]]:
    """Bars have no gaps: a missing value is drawn as no bar (zero)."""
    return {name: [v or 0.0 for v in values] for name, values in series.items()}


def _has_data(values: Iterable[float | None]) -> bool:
    return any(v for v in values)


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Box:
    """Plot area edges in pixels, plus the whole chart size."""

    left: float
    top: float
    right: float
    bottom: float
    width: float
    height: float

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class _Axis:
    """A value axis: ticks and the domain they cover, mapped onto [start, end] pixels."""

    ticks: list[float]
    start: float
    end: float

    @property
    def lo(self) -> float:
        return self.ticks[0]

    @property
    def hi(self) -> float:
        return self.ticks[-1]

    def __call__(self, value: float) -> float:
        return self.start + (value - self.lo) * (self.end - self.start) / (self.hi - self.lo)

    def placed(self, start: float, end: float) -> _Axis:
        return _Axis(self.ticks, start, end)

    def labels(self, lang: str, suffix: str = "") -> list[str]:
        decimals = _step_decimals(self.ticks[1] - self.ticks[0])
        return [format_number(t, lang, decimals) + _suffix(suffix, lang) for t in self.ticks]


def _value_axis(
    values: Iterable[float | None], target: int, *, zero: bool, floor: float | None = None
) -> _Axis:
    """Domain for the data: bars always include zero; lines fit the data unless given a floor."""
    finite = [v for v in values if v is not None]
    if not _has_data(finite):
        return _Axis(nice_ticks(0.0, 1.0, 1), 0.0, 1.0)
    lo, hi = min(finite), max(finite)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if floor is not None:
        lo, hi = min(lo, floor), max(hi, floor)
    return _Axis(nice_ticks(lo, hi, target), 0.0, 1.0)


def _tick_target(pixels: float, spacing: float) -> int:
    return max(2, min(8, int(pixels // spacing)))


@dataclass(frozen=True)
class _LegendItem:
    name: str
    color: str
    mark: str  # "box", "line", "dash" or "band"


def _swatch(item: _LegendItem, x: float, y: float) -> str:
    if item.mark in ("line", "dash"):
        dash = ' stroke-dasharray="5 3"' if item.mark == "dash" else ""
        return (
            f'<path d="M{_n(x)} {_n(y + 6)}h16" stroke="{item.color}" stroke-width="2.5" '
            f'fill="none"{dash}/>'
        )
    stroke = f' stroke="{_BAND_STROKE}"' if item.mark == "band" else ""
    return f'<path d="{_box_path(x + 2, y, 12, 12)}" fill="{item.color}"{stroke}/>'


def _legend(items: Sequence[_LegendItem], top: float, max_width: float) -> tuple[str, float]:
    """Swatches and escaped names in rows that wrap; returns the SVG and its height."""
    if not items:
        return "", 0.0
    x, y, parts = _PAD, top, []
    for item in items:
        label = _fit(item.name, min(240.0, max_width - 30))
        item_width = 22 + _text_width(label) + 16
        if x > _PAD and x + item_width > _PAD + max_width:
            x, y = _PAD, y + _LEGEND_ROW
        parts.append(_swatch(item, x, y))
        parts.append(_text(x + 22, y + 10, label, cls="legend-label"))
        x += item_width
    return f'<g class="legend">{"".join(parts)}</g>', y - top + _LEGEND_ROW


def _frame(
    width: float,
    height: float,
    *,
    legend_height: float,
    left: float,
    right: float,
    x_label: str,
) -> _Box:
    """Plot box inside the margins; grows the chart height rather than squash the plot."""
    top = _TITLE_H + legend_height + 10
    bottom_margin = 22 + (18 if x_label else 0) + 6
    height = max(height, top + 60 + bottom_margin)
    right_edge = max(width - right, left + 60)
    return _Box(
        left, top, right_edge, height - bottom_margin, max(width, right_edge + right), height
    )


def _left_margin(tick_labels: Sequence[str], axis_title: str) -> float:
    return _PAD + (18 if axis_title else 0) + max(map(_text_width, tick_labels)) + 8


def _axis_title(box: _Box, text: str, side: str) -> str:
    """Rotated title beside a vertical axis, or centred under the horizontal one."""
    if not text:
        return ""
    if side == "bottom":
        y = box.height - 8
        return _text(
            box.left + box.plot_width / 2,
            y,
            _fit(text, box.plot_width),
            cls="axis-title",
            anchor="middle",
            fill=_MUTED,
        )
    x = _PAD + 9 if side == "left" else box.width - _PAD - 9
    y = box.top + box.plot_height / 2
    angle = -90 if side == "left" else 90
    return _text(
        x,
        y,
        _fit(text, box.plot_height),
        cls="axis-title",
        anchor="middle",
        fill=_MUTED,
        dominant_baseline="central",
        transform=f"rotate({angle} {_n(x)} {_n(y)})",
    )


def _grid_y(box: _Box, axis: _Axis) -> str:
    lines = [
        _line(box.left, axis(t), box.right, axis(t), cls="gridline", stroke=_GRID)
        for t in axis.ticks
    ]
    return f'<g class="grid">{"".join(lines)}</g>'


def _grid_x(box: _Box, axis: _Axis) -> str:
    lines = [
        _line(axis(t), box.top, axis(t), box.bottom, cls="gridline", stroke=_GRID)
        for t in axis.ticks
    ]
    return f'<g class="grid">{"".join(lines)}</g>'


def _y_axis(box: _Box, axis: _Axis, lang: str, title: str, side: str = "left") -> str:
    """Tick labels, axis line and title for a vertical value axis (left or right)."""
    x_line = box.left if side == "left" else box.right
    x_text, anchor = (x_line - 6, "end") if side == "left" else (x_line + 6, "start")
    parts = [_line(x_line, box.top, x_line, box.bottom, cls="axis-line", stroke=_AXIS)]
    for tick, label in zip(axis.ticks, axis.labels(lang), strict=True):
        parts.append(_text(x_text, axis(tick) + 4, label, cls="tick", anchor=anchor, fill=_MUTED))
    parts.append(_axis_title(box, title, side))
    cls = "axis axis-y" if side == "left" else "axis axis-y2"
    return f'<g class="{cls}">{"".join(parts)}</g>'


def _x_value_axis(box: _Box, axis: _Axis, lang: str, title: str, suffix: str) -> str:
    """Tick labels, axis line and title for a horizontal value axis (bar lengths)."""
    parts = [_line(box.left, box.bottom, box.right, box.bottom, cls="axis-line", stroke=_AXIS)]
    for tick, label in zip(axis.ticks, axis.labels(lang, suffix), strict=True):
        parts.append(
            _text(axis(tick), box.bottom + 15, label, cls="tick", anchor="middle", fill=_MUTED)
        )
    parts.append(_axis_title(box, title, "bottom"))
    return f'<g class="axis axis-x">{"".join(parts)}</g>'


def _label_step(categories: Sequence[str], slot: float) -> int:
    """Show every k-th category label so neighbours never overlap."""
    if not categories:
        return 1
    widest = max(_text_width(c) for c in categories) + 8
    return max(1, math.ceil(widest / slot))


def _slot(box: _Box, count: int) -> float:
    return box.plot_width / max(count, 1)


def _x_category_axis(box: _Box, categories: Sequence[str], title: str) -> str:
    """Category labels under the plot, thinned for long series (30 days, 24 hours)."""
    slot = _slot(box, len(categories))
    step = _label_step(categories, slot)
    parts = [_line(box.left, box.bottom, box.right, box.bottom, cls="axis-line", stroke=_AXIS)]
    for index in range(0, len(categories), step):
        x = box.left + (index + 0.5) * slot
        parts.append(_line(x, box.bottom, x, box.bottom + 4, cls="tick-mark", stroke=_AXIS))
        label = _fit(categories[index], step * slot - 4)
        parts.append(_text(x, box.bottom + 16, label, cls="tick", anchor="middle", fill=_MUTED))
    parts.append(_axis_title(box, title, "bottom"))
    return f'<g class="axis axis-x">{"".join(parts)}</g>'


def _zero_line(box: _Box, axis: _Axis, vertical: bool = False) -> str:
    """A darker rule at zero when the axis spans negative and positive values."""
    if not axis.lo < 0 < axis.hi:
        return ""
    at = axis(0.0)
    if vertical:
        return _line(at, box.top, at, box.bottom, cls="zero-line", stroke=_INK)
    return _line(box.left, at, box.right, at, cls="zero-line", stroke=_INK)


def _no_data(box: _Box, lang: str) -> str:
    return _text(
        box.left + box.plot_width / 2,
        box.top + box.plot_height / 2 + 4,
        _TEXT[lang]["no_data"],
        cls="note",
        anchor="middle",
        fill=_MUTED,
        font_size="13",
    )


def _bar(x0: float, x1: float, y0: float, y1: float, color: str, tooltip: str) -> str:
    """One data bar between two corners given in any order, with a native tooltip.

    Corners are rounded before the size is taken so stacked segments share exact edges.
    """
    left, right = round(min(x0, x1), 2), round(max(x0, x1), 2)
    top, bottom = round(min(y0, y1), 2), round(max(y0, y1), 2)
    return (
        f'<rect class="bar" x="{_n(left)}" y="{_n(top)}" width="{_n(right - left)}" '
        f'height="{_n(bottom - top)}" fill="{color}"><title>{_esc(tooltip)}</title></rect>'
    )


def _tip(lang: str, category: str, name: str, value: float, suffix: str = "") -> str:
    label = f"{category} · {name}" if name else category
    return _TEXT[lang]["item"].format(label=label, value=_exact(value, lang, suffix))


@dataclass(frozen=True)
class _CategoryChart:
    """Shared frame of the vertical category charts: box, value axis and legend."""

    box: _Box
    axis: _Axis
    legend: str
    lang: str


def _category_chart(
    values: Iterable[float | None],
    legend_items: Sequence[_LegendItem],
    *,
    y_label: str,
    x_label: str,
    locale: str,
    width: int,
    height: int,
    zero: bool,
    floor: float | None = None,
    right: float = _PAD + 4,
) -> _CategoryChart:
    lang = _lang(locale)
    axis = _value_axis(values, _tick_target(height - 110, 30), zero=zero, floor=floor)
    legend, legend_height = _legend(legend_items, _TITLE_H, width - 2 * _PAD)
    left = _left_margin(axis.labels(lang), y_label)
    box = _frame(
        width, height, legend_height=legend_height, left=left, right=right, x_label=x_label
    )
    return _CategoryChart(box, axis.placed(box.bottom, box.top), legend, lang)


def _category_body(
    chart: _CategoryChart,
    categories: Sequence[str],
    x_label: str,
    y_label: str,
    marks: str,
    has_data: bool,
    under: str = "",
) -> str:
    """Assemble legend, grid, optional background bands, marks and axes in paint order."""
    box, axis = chart.box, chart.axis
    return "".join(
        [
            chart.legend,
            under,
            _grid_y(box, axis),
            marks if has_data else _no_data(box, chart.lang),
            _zero_line(box, axis),
            _x_category_axis(box, categories, x_label),
            _y_axis(box, axis, chart.lang, y_label),
        ]
    )


# --------------------------------------------------------------------------- descriptions


def _span_text(categories: Sequence[str], lang: str) -> str:
    if not categories:
        return _TEXT[lang]["no_data"]
    return _TEXT[lang]["span"].format(n=len(categories), first=categories[0], last=categories[-1])


def _totals_text(categories: Sequence[str], series: Mapping[str, list[float]], lang: str) -> str:
    """Per-series total and peak: what a reader scanning a bar chart looks for."""
    parts = []
    for name, values in series.items():
        if not values:
            continue
        peak_index = max(range(len(values)), key=lambda i: values[i])
        parts.append(
            _TEXT[lang]["totals"].format(
                name=name,
                total=_exact(math.fsum(values), lang),
                peak=_exact(values[peak_index], lang),
                at=categories[peak_index],
            )
        )
    return ". ".join(parts)


def _range_text(series: Mapping[str, list[float | None]], lang: str) -> str:
    """Per-series range and latest value: what a reader scanning a trend looks for."""
    parts = []
    for name, values in series.items():
        present = [v for v in values if v is not None]
        if present:
            parts.append(
                _TEXT[lang]["range"].format(
                    name=name,
                    low=_exact(min(present), lang),
                    high=_exact(max(present), lang),
                    last=_exact(present[-1], lang),
                )
            )
    return ". ".join(parts)


def _sentence(*parts: str) -> str:
    return ". ".join(p for p in parts if p) + "."


# --------------------------------------------------------------------------- charts


def _bands(box: _Box, count: int, indexes: Sequence[int]) -> str:
    """Shaded bands behind marked categories; adjacent indexes merge into one band."""
    slot = _slot(box, count)
    runs: list[list[int]] = []
    for index in sorted(set(indexes)):
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    shapes = (
        _box_path(box.left + a * slot, box.top, (b - a + 1) * slot, box.plot_height)
        for a, b in runs
    )
    paths = [f'<path d="{shape}"/>' for shape in shapes]
    return f'<g class="highlight" fill="{_BAND_FILL}">{"".join(paths)}</g>'


def _stacked_marks(
    categories: Sequence[str],
    data: Mapping[str, list[float]],
    chart: _CategoryChart,
    palette: Mapping[str, str],
) -> str:
    """Segments stacked in series order: positives upward, negatives downward from zero."""
    box, axis = chart.box, chart.axis
    slot = _slot(box, len(categories))
    width = min(slot * 0.72, _MAX_BAR)
    marks = []
    for index, category in enumerate(categories):
        x = box.left + index * slot + (slot - width) / 2
        bases = {True: 0.0, False: 0.0}  # running top of the positive / negative stack
        for name, values in data.items():
            value = values[index]
            if value == 0:
                continue
            base = bases[value > 0]
            bases[value > 0] = base + value
            tip = _tip(chart.lang, category, name, value)
            marks.append(_bar(x, x + width, axis(base), axis(base + value), palette[name], tip))
    return f'<g class="bars">{"".join(marks)}</g>'


def _marked_text(categories: Sequence[str], marked: Sequence[int], label: str, lang: str) -> str:
    if not marked:
        return ""
    return _TEXT[lang]["marked"].format(label=label, items=", ".join(categories[i] for i in marked))


def stacked_bar_chart(
    categories: list[str],
    series: dict[str, list[float]],
    *,
    title: str,
    y_label: str,
    x_label: str = "",
    colors: dict[str, str] | None = None,
    highlight: list[int] | None = None,
    highlight_label: str = "Incident",
    locale: str = "en",
    width: int = 760,
    height: int = 280,
) -> str:
    """Stacked bars per category (e.g. mentions per hour by sentiment), series in dict order.

    Positive values stack upward and negative ones downward from zero. `highlight` marks
    category indexes (e.g. incident hours) with a shaded band and a legend entry.
    """
    categories = [str(c) for c in categories]
    data = _bars(_checked(categories, series))
    marked = sorted(set(highlight or []))
    if any(not 0 <= i < len(categories) for i in marked):
        raise ValueError(f"highlight indexes must be within 0..{len(categories) - 1}")
    palette = _assign_colors(list(data), colors)
    items = [_LegendItem(name, palette[name], "box") for name in data]
    if marked:
        items.append(_LegendItem(highlight_label, _BAND_FILL, "band"))
    columns = list(zip(*data.values(), strict=True))
    totals = [math.fsum(v for v in col if v > 0) for col in columns]
    totals += [math.fsum(v for v in col if v < 0) for col in columns]
    chart = _category_chart(
        totals,
        items,
        y_label=y_label,
        x_label=x_label,
        locale=locale,
        width=width,
        height=height,
        zero=True,
    )
    bands = _bands(chart.box, len(categories), marked) if marked else ""
    marks = _stacked_marks(categories, data, chart, palette)
    body = _category_body(chart, categories, x_label, y_label, marks, _has_data(totals), bands)
    lang = chart.lang
    desc = _sentence(
        _TEXT[lang]["stacked"],
        _span_text(categories, lang),
        _totals_text(categories, data, lang),
        _marked_text(categories, marked, highlight_label, lang),
    )
    return _document("stacked", title, desc, chart.box.width, chart.box.height, body)


def _line_marks(
    series: Mapping[str, list[float | None]],
    categories: Sequence[str],
    chart: _CategoryChart,
    axis: _Axis,
    palette: Mapping[str, str],
    dashed: bool = False,
) -> str:
    """One path per unbroken run (None leaves a gap) and a dot with a tooltip per point."""
    slot = _slot(chart.box, len(categories))
    dash = ' stroke-dasharray="6 3"' if dashed else ""
    parts = []
    for name, values in series.items():
        color = palette[name]
        runs: list[list[str]] = [[]]
        dots = []
        for index, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            x, y = _n(chart.box.left + (index + 0.5) * slot), _n(axis(value))
            runs[-1].append(f"{x} {y}")
            tip = _esc(_tip(chart.lang, categories[index], name, value))
            dots.append(
                f'<circle class="point" cx="{x}" cy="{y}" r="2.5" fill="{color}">'
                f"<title>{tip}</title></circle>"
            )
        paths = [
            f'<path class="line" d="M{" L".join(run)}" fill="none" stroke="{color}" '
            f'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"{dash}/>'
            for run in runs
            if len(run) > 1
        ]
        parts.append(f'<g class="series">{"".join(paths)}{"".join(dots)}</g>')
    return "".join(parts)


def _right_margin(axis: _Axis, lang: str, title: str) -> float:
    return 8 + max(map(_text_width, axis.labels(lang))) + 6 + (18 if title else 0) + _PAD


def line_chart(
    categories: list[str],
    series: dict[str, list[float | None]],
    *,
    title: str,
    y_label: str,
    x_label: str = "",
    colors: dict[str, str] | None = None,
    secondary: dict[str, list[float | None]] | None = None,
    secondary_label: str = "",
    y_min: float | None = None,
    locale: str = "en",
    width: int = 760,
    height: int = 280,
) -> str:
    """Trend lines over categories; None leaves a gap instead of inventing a value.

    The left axis fits the data (negative ranges get a zero line); `y_min` forces a floor
    such as 0 but never hides data below it. `secondary` series are dashed and read
    against a right-hand axis titled `secondary_label`.
    """
    categories = [str(c) for c in categories]
    primary = _checked(categories, series)
    extra = _checked(categories, secondary or {})
    lang = _lang(locale)
    palette = _assign_colors(list(primary) + [n for n in extra if n not in primary], colors)
    right_name = {name: f"{name} ({_TEXT[lang]['right_axis']})" for name in extra}
    items = [_LegendItem(name, palette[name], "line") for name in primary]
    items += [_LegendItem(right_name[name], palette[name], "dash") for name in extra]
    left_values = [v for values in primary.values() for v in values]
    right_values = [v for values in extra.values() for v in values]
    right_axis = _value_axis(right_values, _tick_target(height - 110, 30), zero=False)
    right = _right_margin(right_axis, lang, secondary_label) if extra else _PAD + 4
    chart = _category_chart(
        left_values,
        items,
        y_label=y_label,
        x_label=x_label,
        locale=locale,
        width=width,
        height=height,
        zero=False,
        floor=y_min,
        right=right,
    )
    right_axis = right_axis.placed(chart.box.bottom, chart.box.top)
    marks = _line_marks(primary, categories, chart, chart.axis, palette)
    marks += _line_marks(extra, categories, chart, right_axis, palette, dashed=True)
    has_data = _has_data(left_values + right_values)
    body = _category_body(
        chart, categories, x_label, y_label, f'<g class="lines">{marks}</g>', has_data
    )
    if extra:
        body += _y_axis(chart.box, right_axis, lang, secondary_label, side="right")
    desc = _sentence(
        _TEXT[lang]["line"],
        _span_text(categories, lang),
        _range_text(primary, lang),
        _range_text({right_name[n]: v for n, v in extra.items()}, lang),
    )
    return _document("line", title, desc, chart.box.width, chart.box.height, body)


def _grouped_marks(
    categories: Sequence[str],
    data: Mapping[str, list[float]],
    chart: _CategoryChart,
    palette: Mapping[str, str],
) -> str:
    """Bars side by side inside each category slot, all rising (or falling) from zero."""
    box, axis = chart.box, chart.axis
    slot = _slot(box, len(categories))
    count = max(len(data), 1)
    group_width = min(slot * 0.8, _MAX_BAR * count)
    width = group_width / count
    marks = []
    for index, category in enumerate(categories):
        x0 = box.left + index * slot + (slot - group_width) / 2
        for position, (name, values) in enumerate(data.items()):
            if values[index] == 0:
                continue
            x = x0 + position * width + 0.5
            tip = _tip(chart.lang, category, name, values[index])
            marks.append(
                _bar(x, x + max(width - 1, 0.5), axis(0.0), axis(values[index]), palette[name], tip)
            )
    return f'<g class="bars">{"".join(marks)}</g>'


def grouped_bar_chart(
    categories: list[str],
    series: dict[str, list[float]],
    *,
    title: str,
    y_label: str,
    colors: dict[str, str] | None = None,
    locale: str = "en",
    width: int = 760,
    height: int = 280,
) -> str:
    """Side-by-side bars per category (e.g. one group per brand, one bar per metric)."""
    categories = [str(c) for c in categories]
    data = _bars(_checked(categories, series))
    palette = _assign_colors(list(data), colors)
    items = [_LegendItem(name, palette[name], "box") for name in data]
    values = [v for vals in data.values() for v in vals]
    chart = _category_chart(
        values,
        items,
        y_label=y_label,
        x_label="",
        locale=locale,
        width=width,
        height=height,
        zero=True,
    )
    marks = _grouped_marks(categories, data, chart, palette)
    body = _category_body(chart, categories, "", y_label, marks, _has_data(values))
    lang = chart.lang
    desc = _sentence(
        _TEXT[lang]["grouped"], _span_text(categories, lang), _totals_text(categories, data, lang)
    )
    return _document("grouped", title, desc, chart.box.width, chart.box.height, body)


def _hbar_desc(labels: Sequence[str], values: Sequence[float], lang: str, suffix: str) -> str:
    shown = [
        _tip(lang, label, "", value, suffix)
        for label, value in zip(labels[:10], values[:10], strict=True)
    ]
    if len(labels) > 10:
        shown.append(_TEXT[lang]["more"].format(n=len(labels) - 10))
    return "; ".join(shown) if shown else _TEXT[lang]["no_data"]


@dataclass(frozen=True)
class _HbarLayout:
    """Rows of a horizontal bar chart: label column, bars, value labels after the bar end."""

    box: _Box
    axis: _Axis
    row: float
    gap: float
    label_x: float
    label_width: float


def _hbar_layout(
    labels: Sequence[str],
    values: Sequence[float],
    value_texts: Sequence[str],
    *,
    width: int,
    bar_height: int,
    x_label: str,
) -> _HbarLayout:
    """Size the label column and value-label room first, then give the bars what is left.

    Negative bars end on the left, so their value labels need room between labels and plot.
    """
    gap = max(4.0, bar_height * 0.35)
    row = bar_height + gap
    label_width = min(max(map(_text_width, labels), default=0.0), width * 0.35)
    value_width = max(map(_text_width, value_texts), default=0.0) + 6
    before = value_width if any(v < 0 for v in values) else 0.0
    left = _PAD + label_width + 8 + before
    right = max(width - value_width - _PAD, left + 60)
    top = _TITLE_H + 6
    bottom = top + row * max(len(labels), 1)
    height = bottom + 22 + (18 if x_label else 0) + 6
    box = _Box(left, top, right, bottom, max(width, right + value_width + _PAD), height)
    axis = _value_axis(values, _tick_target(right - left, 90), zero=True)
    return _HbarLayout(box, axis.placed(left, right), row, gap, left - 8 - before, label_width)


def _hbar_rows(
    labels: Sequence[str],
    values: Sequence[float],
    value_texts: Sequence[str],
    layout: _HbarLayout,
    fill: str,
    lang: str,
) -> tuple[str, str]:
    """Bars (one rect per non-zero value) and their category and value labels."""
    axis, bar_height = layout.axis, layout.row - layout.gap
    bars, labels_svg = [], []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = layout.box.top + index * layout.row + layout.gap / 2
        baseline = y + bar_height / 2 + 4
        shown = _fit(label, layout.label_width)
        labels_svg.append(_text(layout.label_x, baseline, shown, cls="bar-label", anchor="end"))
        end = axis(value)
        anchor, x_text = ("end", end - 4) if value < 0 else ("start", end + 4)
        labels_svg.append(
            _text(
                x_text, baseline, value_texts[index], cls="value-label", anchor=anchor, fill=_MUTED
            )
        )
        if value != 0:
            tip = _TEXT[lang]["item"].format(label=label, value=value_texts[index])
            bars.append(_bar(axis(0.0), end, y, y + bar_height, fill, tip))
    return f'<g class="bars">{"".join(bars)}</g>', f'<g class="labels">{"".join(labels_svg)}</g>'


def hbar_chart(
    labels: list[str],
    values: list[float],
    *,
    title: str,
    x_label: str,
    color: str | None = None,
    value_suffix: str = "",
    locale: str = "en",
    width: int = 760,
    bar_height: int = 22,
) -> str:
    """Ranked horizontal bars (topics, authors, share of voice) in the caller's order.

    The chart's height follows the number of bars. Each bar ends with its value label;
    long labels are shortened on screen but kept whole in the tooltip and description.
    """
    lang = _lang(locale)
    labels = [str(label) for label in labels]
    data = _bars(_checked(labels, {"values": values}))["values"]
    fill = _color(color) if color else _SERIES_CYCLE[0]
    value_texts = [_exact(v, lang, value_suffix) for v in data]
    layout = _hbar_layout(
        labels, data, value_texts, width=width, bar_height=bar_height, x_label=x_label
    )
    box, axis = layout.box, layout.axis
    bars, row_labels = _hbar_rows(labels, data, value_texts, layout, fill, lang)
    at_zero = axis(0.0)
    body = "".join(
        [
            _grid_x(box, axis),
            bars if _has_data(data) else _no_data(box, lang),
            _zero_line(box, axis, vertical=True),
            _line(at_zero, box.top, at_zero, box.bottom, cls="axis-line", stroke=_AXIS)
            if axis.lo == 0
            else "",
            row_labels,
            _x_value_axis(box, axis, lang, x_label, value_suffix),
        ]
    )
    desc = _sentence(_TEXT[lang]["hbar"], _hbar_desc(labels, data, lang, value_suffix))
    return _document("hbar", title, desc, box.width, box.height, body)
