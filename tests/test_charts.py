"""Tests for the inline SVG charts: well-formed, escaped, self-contained and correct."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from pipelines.charts import (
    OKABE_ITO,
    SENTIMENT_COLORS,
    format_number,
    grouped_bar_chart,
    hbar_chart,
    line_chart,
    nice_ticks,
    stacked_bar_chart,
)

NS = "{http://www.w3.org/2000/svg}"
NNBSP = "\u202f"
EVIL_TAG = "<script>alert(1)</script>"
EVIL_ATTR = '" onload="x'
HOURS = [f"{h:02d}" for h in range(24)]
DAYS = [f"2024-05-{d:02d}" for d in range(1, 31)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def local(element: ET.Element) -> str:
    return element.tag.removeprefix(NS)


def find_all(root: ET.Element, tag: str, cls: str | None = None) -> list[ET.Element]:
    found = root.iter(NS + tag)
    return [e for e in found if cls is None or cls in e.get("class", "").split()]


def group(root: ET.Element, cls: str) -> ET.Element | None:
    groups = find_all(root, "g", cls)
    return groups[0] if groups else None


def texts(element: ET.Element | None, cls: str = "tick") -> list[str]:
    assert element is not None
    return [t.text or "" for t in find_all(element, "text", cls)]


def tooltip(element: ET.Element) -> str:
    title = element.find(NS + "title")
    assert title is not None, "every bar and point carries a <title> tooltip"
    return title.text or ""


# Every chart function with a representative input, so shared checks run on all of them.
CHARTS: dict[str, Callable[..., str]] = {
    "stacked": lambda **kw: stacked_bar_chart(
        ["a", "b", "c"],
        {"positive": [1, 0, 3], "negative": [2, 5, 0]},
        title=kw.get("title", "T"),
        y_label="Mentions",
        highlight=[1],
    ),
    "line": lambda **kw: line_chart(
        ["a", "b", "c"],
        {"s": [1.0, None, -2.5]},
        title=kw.get("title", "T"),
        y_label="Score",
        secondary={"v": [10, 20, None]},
        secondary_label="Volume",
    ),
    "hbar": lambda **kw: hbar_chart(
        ["x", "y"], [3, -1], title=kw.get("title", "T"), x_label="Share", value_suffix="%"
    ),
    "grouped": lambda **kw: grouped_bar_chart(
        ["A", "B"], {"p": [1, 2], "q": [0, 4]}, title=kw.get("title", "T"), y_label="n"
    ),
}

EDGE_CASES: dict[str, Callable[[], str]] = {
    "stacked-empty": lambda: stacked_bar_chart([], {}, title="E", y_label="n"),
    "stacked-no-series": lambda: stacked_bar_chart(HOURS, {}, title="E", y_label="n"),
    "stacked-zeros": lambda: stacked_bar_chart(HOURS, {"a": [0] * 24}, title="Z", y_label="n"),
    "stacked-negative": lambda: stacked_bar_chart(
        ["a", "b"], {"up": [3, 1], "down": [-2, -4]}, title="N", y_label="n"
    ),
    "line-empty": lambda: line_chart([], {}, title="E", y_label="n"),
    "line-all-none": lambda: line_chart(["a", "b"], {"s": [None, None]}, title="E", y_label="n"),
    "line-zeros": lambda: line_chart(DAYS, {"s": [0.0] * 30}, title="Z", y_label="n"),
    "line-negative": lambda: line_chart(
        DAYS, {"s": [-0.5 + i / 30 for i in range(30)]}, title="N", y_label="score"
    ),
    "line-nan": lambda: line_chart(["a", "b"], {"s": [float("nan"), 1.0]}, title="N", y_label="n"),
    "hbar-empty": lambda: hbar_chart([], [], title="E", x_label="n"),
    "hbar-zeros": lambda: hbar_chart(["a", "b"], [0, 0], title="Z", x_label="n"),
    "hbar-negative": lambda: hbar_chart(["a", "b"], [-3, -1], title="N", x_label="n"),
    "grouped-empty": lambda: grouped_bar_chart([], {}, title="E", y_label="n"),
    "grouped-zeros": lambda: grouped_bar_chart(["a"], {"s": [0]}, title="Z", y_label="n"),
    "grouped-negative": lambda: grouped_bar_chart(
        ["a", "b"], {"s": [-5, 5]}, title="N", y_label="n"
    ),
}


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "locale", "decimals", "expected"),
    [
        (1234.5, "en", 1, "1,234.5"),
        (1234.5, "fr", 1, f"1{NNBSP}234,5"),
        (1234567, "en", 0, "1,234,567"),
        (-1234567, "fr", 0, f"-1{NNBSP}234{NNBSP}567"),
        (999, "fr", 0, "999"),
        (0.5, "fr", 2, "0,50"),
        (2.5, "en", 0, "3"),  # half away from zero, not banker's rounding
        (1.005, "en", 2, "1.01"),
        (-0.004, "en", 2, "0.00"),  # never "-0.00"
        (1234.5, "fr_FR", 0, f"1{NNBSP}235"),
        (1234.5, "en-GB", 0, "1,235"),
        (float("nan"), "en", 0, "–"),
    ],
)
def test_format_number(value: float, locale: str, decimals: int, expected: str) -> None:
    assert format_number(value, locale, decimals) == expected


def test_format_number_rejects_unknown_locale_and_negative_decimals() -> None:
    with pytest.raises(ValueError, match="locale"):
        format_number(1, "de")
    with pytest.raises(ValueError, match="decimals"):
        format_number(1, "en", -1)


# --------------------------------------------------------------------------- ticks


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 97, [0, 20, 40, 60, 80, 100]),
        (-0.8, 0.6, [-1, -0.5, 0, 0.5, 1]),
        (0, 1234, [0, 500, 1000, 1500]),
        (0.1, 0.3, [0.1, 0.15, 0.2, 0.25, 0.3]),
        (0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1]),
        (5, 5, [0, 1, 2, 3, 4, 5]),
        (-3, -3, [-3, -2, -1, 0]),
        (97, 0, [0, 20, 40, 60, 80, 100]),
    ],
)
def test_nice_ticks_values(lo: float, hi: float, expected: list[float]) -> None:
    assert nice_ticks(lo, hi) == expected


@pytest.mark.parametrize(
    ("lo", "hi"), [(0, 1), (3, 17), (-250, 40), (0.001, 0.0093), (12_000, 987_654), (-1, 1)]
)
def test_nice_ticks_cover_range_with_125_steps(lo: float, hi: float) -> None:
    ticks = nice_ticks(lo, hi, 5)
    steps = {round(b - a, 12) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 9) in (1, 2, 5)
    assert ticks[0] <= lo and ticks[-1] >= hi
    assert 3 <= len(ticks) <= 8


def test_nice_ticks_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        nice_ticks(0, float("inf"))
    with pytest.raises(ValueError):
        nice_ticks(0, 1, 0)


# --------------------------------------------------------------------------- palette


def test_palette_is_okabe_ito() -> None:
    assert len(OKABE_ITO) == 8
    assert {c.upper() for c in OKABE_ITO} == {
        "#000000",
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
    }
    assert SENTIMENT_COLORS["negative"] == "#D55E00"
    assert SENTIMENT_COLORS["positive"] == "#009E73"
    assert set(SENTIMENT_COLORS) == {"positive", "neutral", "negative"}


def test_sentiment_series_get_sentiment_colours_and_others_get_distinct_colours() -> None:
    root = parse(
        stacked_bar_chart(
            ["a"], {"negative": [1], "positive": [2], "x": [3], "y": [4]}, title="t", y_label="n"
        )
    )
    fills = {tooltip(r).split(":")[0]: r.get("fill") for r in find_all(root, "rect")}
    assert fills["a · negative"] == "#D55E00"
    assert fills["a · positive"] == "#009E73"
    assert len(set(fills.values())) == 4


def test_explicit_colours_win_and_bad_colours_are_rejected() -> None:
    root = parse(grouped_bar_chart(["a"], {"s": [1]}, title="t", y_label="n", colors={"s": "#123"}))
    assert find_all(root, "rect")[0].get("fill") == "#123"
    with pytest.raises(ValueError, match="colour"):
        grouped_bar_chart(["a"], {"s": [1]}, title="t", y_label="n", colors={"s": EVIL_ATTR})
    with pytest.raises(ValueError, match="colour"):
        hbar_chart(["a"], [1], title="t", x_label="n", color="url(http://x/y)")


# --------------------------------------------------------------------------- document


@pytest.mark.parametrize(
    "make", list(CHARTS.values()) + list(EDGE_CASES.values()), ids=list(CHARTS) + list(EDGE_CASES)
)
def test_every_chart_is_a_well_formed_accessible_svg(make: Callable[..., str]) -> None:
    svg = make()
    root = parse(svg)
    assert local(root) == "svg"
    assert "chart" in root.get("class", "").split()
    assert root.get("role") == "img"
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    assert width > 0 and height > 0
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    title = root.find(NS + "title")
    desc = root.find(NS + "desc")
    assert title is not None and desc is not None and (desc.text or "").strip()
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert "font-family" in root.attrib
    # Self-contained: the namespace is the only URL, nothing to fetch, nothing to run.
    assert svg.count("http") == 1
    for forbidden in ("href", "@import", "url(", "<script", "<style", "<foreignObject"):
        assert forbidden not in svg


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_no_data_note_only_when_there_is_nothing_to_draw(name: str) -> None:
    root = parse(EDGE_CASES[name]())
    notes = texts(root, "note")
    if "negative" in name or name == "line-nan":
        assert notes == []
    else:
        assert notes == ["No data"]
        assert find_all(root, "rect") == [] and find_all(root, "circle") == []


def test_no_data_note_is_translated() -> None:
    root = parse(stacked_bar_chart([], {}, title="t", y_label="n", locale="fr"))
    assert texts(root, "note") == ["Aucune donnée"]


def test_output_is_deterministic_and_ids_differ_between_charts() -> None:
    for make in CHARTS.values():
        assert make() == make()
    ids = {parse(make()).get("aria-labelledby") for make in CHARTS.values()}
    ids.add(parse(CHARTS["line"](title="Other")).get("aria-labelledby"))
    assert len(ids) == len(CHARTS) + 1


# --------------------------------------------------------------------------- escaping


def _evil_charts() -> dict[str, str]:
    evil = f"{EVIL_TAG}{EVIL_ATTR}&"
    return {
        "stacked": stacked_bar_chart(
            [evil, "b"],
            {evil: [1, 2], "ok": [3, 0]},
            title=evil,
            y_label=evil,
            x_label=evil,
            highlight=[0],
            highlight_label=evil,
        ),
        "line": line_chart(
            [evil, "b"],
            {evil: [1.0, 2.0]},
            title=evil,
            y_label=evil,
            x_label=evil,
            secondary={evil + "2": [3.0, None]},
            secondary_label=evil,
        ),
        "hbar": hbar_chart([evil], [1.5], title=evil, x_label=evil, value_suffix=evil),
        "grouped": grouped_bar_chart([evil], {evil: [2]}, title=evil, y_label=evil),
    }


@pytest.mark.parametrize("kind", ["stacked", "line", "hbar", "grouped"])
def test_text_from_data_is_escaped_everywhere(kind: str) -> None:
    svg = _evil_charts()[kind]
    root = parse(svg)
    assert "<script" not in svg
    assert 'onload="x' not in svg
    assert all(local(e) != "script" for e in root.iter())
    for element in root.iter():
        assert not any(name.lower().startswith("on") for name in element.attrib)
    # The text survives intact as text: escaped, not dropped.
    assert EVIL_TAG + EVIL_ATTR in root.find(NS + "title").text  # type: ignore[union-attr,operator]
    assert EVIL_TAG in "".join(root.find(NS + "desc").itertext())  # type: ignore[union-attr]
    assert any(EVIL_TAG in tooltip(e) for e in root.iter() if local(e) in ("rect", "circle"))


def test_characters_forbidden_in_xml_are_replaced_not_fatal() -> None:
    root = parse(hbar_chart(["bad\x00\x1bname"], [1], title="t\x0b", x_label="n"))
    assert "bad\ufffd\ufffdname" in tooltip(find_all(root, "rect")[0])


# --------------------------------------------------------------------------- bars


def test_stacked_bars_one_rect_per_non_zero_value_with_exact_tooltips() -> None:
    series = {"positive": [0, 3, 1234.5, 0], "neutral": [2, 0, 7, 0], "negative": [0, 0, 1, 0]}
    root = parse(stacked_bar_chart(["a", "b", "c", "d"], series, title="t", y_label="n"))
    rects = find_all(root, "rect")
    assert all(r.get("class") == "bar" for r in rects)
    assert [tooltip(r) for r in rects] == [
        "a · neutral: 2",
        "b · positive: 3",
        "c · positive: 1,234.5",
        "c · neutral: 7",
        "c · negative: 1",
    ]


def test_stacked_segments_touch_and_scale_with_values() -> None:
    root = parse(stacked_bar_chart(["a"], {"p": [10], "q": [30]}, title="t", y_label="n"))
    lower, upper = find_all(root, "rect")
    assert tooltip(lower) == "a · p: 10" and tooltip(upper) == "a · q: 30"
    h_lower, h_upper = float(lower.get("height", 0)), float(upper.get("height", 0))
    assert h_upper == pytest.approx(3 * h_lower, abs=0.05)
    assert float(upper.get("y", 0)) + h_upper == pytest.approx(float(lower.get("y", 0)), abs=0.01)
    assert lower.get("x") == upper.get("x") and lower.get("width") == upper.get("width")


def test_stacked_negative_values_go_below_the_zero_line() -> None:
    root = parse(stacked_bar_chart(["a"], {"up": [4], "down": [-2]}, title="t", y_label="n"))
    zero = find_all(root, "line", "zero-line")
    assert len(zero) == 1
    zero_y = float(zero[0].get("y1", 0))
    up, down = find_all(root, "rect")
    assert float(up.get("y", 0)) + float(up.get("height", 0)) == pytest.approx(zero_y, abs=0.01)
    assert float(down.get("y", 0)) == pytest.approx(zero_y, abs=0.01)
    assert texts(group(root, "axis-y")) == ["-2", "0", "2", "4"]


def test_french_tooltips_and_ticks() -> None:
    root = parse(
        stacked_bar_chart(["a", "b"], {"s": [1234.5, 12000]}, title="t", y_label="n", locale="fr")
    )
    assert [tooltip(r) for r in find_all(root, "rect")] == [
        f"a · s : 1{NNBSP}234,5",
        f"b · s : 12{NNBSP}000",
    ]
    assert texts(group(root, "axis-y")) == ["0", f"5{NNBSP}000", f"10{NNBSP}000", f"15{NNBSP}000"]


def test_y_axis_ticks_are_nice_and_formatted() -> None:
    root = parse(grouped_bar_chart(["a", "b"], {"s": [97, 40]}, title="t", y_label="Mentions"))
    assert texts(group(root, "axis-y")) == ["0", "20", "40", "60", "80", "100"]
    assert texts(group(root, "axis-y"), "axis-title") == ["Mentions"]
    assert len(find_all(group(root, "grid"), "line")) == 6  # type: ignore[arg-type]


def test_highlight_band_merges_adjacent_hours_and_has_a_legend_entry() -> None:
    series = {"negative": [1] * 24}
    root = parse(
        stacked_bar_chart(
            HOURS, series, title="t", y_label="n", highlight=[14, 15, 3], highlight_label="Pic"
        )
    )
    band = group(root, "highlight")
    assert band is not None
    bands = find_all(band, "path")
    assert len(bands) == 2  # hour 3 alone, hours 14-15 merged
    assert "Pic" in texts(group(root, "legend"), "legend-label")
    rects = find_all(root, "rect")
    band_x = [float(v) for v in re.findall(r"M([\d.]+) ", bands[1].get("d", ""))]
    bar_14 = float(rects[14].get("x", 0))
    bar_13 = float(rects[13].get("x", 0))
    assert band_x[0] < bar_14 and band_x[0] > bar_13


def test_no_highlight_band_unless_asked() -> None:
    root = parse(stacked_bar_chart(HOURS, {"s": [1] * 24}, title="t", y_label="n"))
    assert group(root, "highlight") is None
    assert texts(group(root, "legend"), "legend-label") == ["s"]


def test_bad_shapes_fail_clearly() -> None:
    with pytest.raises(ValueError, match="highlight"):
        stacked_bar_chart(["a"], {"s": [1]}, title="t", y_label="n", highlight=[1])
    with pytest.raises(ValueError, match="'s' has 1 values for 2 categories"):
        stacked_bar_chart(["a", "b"], {"s": [1]}, title="t", y_label="n")
    with pytest.raises(ValueError, match="2 categories"):
        line_chart(["a", "b"], {"s": [1.0]}, title="t", y_label="n")
    with pytest.raises(ValueError):
        hbar_chart(["a", "b"], [1], title="t", x_label="n")
    with pytest.raises(ValueError, match="locale"):
        grouped_bar_chart(["a"], {"s": [1]}, title="t", y_label="n", locale="es")


def test_grouped_bars_sit_side_by_side_on_zero() -> None:
    root = parse(grouped_bar_chart(["A", "B"], {"p": [2, 0], "q": [4, -1]}, title="t", y_label="n"))
    rects = find_all(root, "rect")
    assert [tooltip(r) for r in rects] == ["A · p: 2", "A · q: 4", "B · q: -1"]
    a_p, a_q, b_q = rects
    assert float(a_p.get("x", 0)) < float(a_q.get("x", 0)) < float(b_q.get("x", 0))
    assert float(a_q.get("height", 0)) == pytest.approx(2 * float(a_p.get("height", 0)), abs=0.05)
    zero_y = float(find_all(root, "line", "zero-line")[0].get("y1", 0))
    assert float(b_q.get("y", 0)) == pytest.approx(zero_y, abs=0.01)


def test_hbar_bars_value_labels_and_suffix() -> None:
    root = parse(
        hbar_chart(
            ["Delivery", "Price", "Nothing"],
            [37.5, 12, 0],
            title="t",
            x_label="Share",
            value_suffix="%",
            locale="fr",
        )
    )
    rects = find_all(root, "rect")
    assert [tooltip(r) for r in rects] == [f"Delivery : 37,5{NNBSP}%", f"Price : 12{NNBSP}%"]
    assert texts(root, "value-label") == [f"37,5{NNBSP}%", f"12{NNBSP}%", f"0{NNBSP}%"]
    assert texts(root, "bar-label") == ["Delivery", "Price", "Nothing"]
    widths = [float(r.get("width", 0)) for r in rects]
    assert widths[0] == pytest.approx(widths[1] * 37.5 / 12, rel=0.01)
    assert texts(group(root, "axis-x"))[0] == f"0{NNBSP}%"


def test_hbar_height_follows_bar_count_and_long_labels_are_shortened() -> None:
    long_label = "A very long topic label " * 6
    small = parse(hbar_chart(["a"], [1], title="t", x_label="n"))
    big = parse(hbar_chart([long_label] * 10, [1] * 10, title="t", x_label="n", bar_height=22))
    assert float(big.get("height", 0)) > float(small.get("height", 0)) + 9 * 22
    shown = texts(big, "bar-label")[0]
    assert shown.endswith("…") and len(shown) < len(long_label)
    assert tooltip(find_all(big, "rect")[0]).startswith(long_label.strip()[:20])


def test_hbar_negative_values_extend_left_of_zero() -> None:
    root = parse(hbar_chart(["up", "down"], [4, -2], title="t", x_label="n"))
    up, down = find_all(root, "rect")
    zero_x = float(find_all(root, "line", "zero-line")[0].get("x1", 0))
    assert float(up.get("x", 0)) == pytest.approx(zero_x, abs=0.01)
    assert float(down.get("x", 0)) + float(down.get("width", 0)) == pytest.approx(zero_x, abs=0.01)


# --------------------------------------------------------------------------- lines


def test_line_gaps_split_the_path_and_points_carry_values() -> None:
    values = [1.0, 2.0, None, 4.0, 5.0, None, 7.0]
    root = parse(line_chart(list("abcdefg"), {"s": values}, title="t", y_label="n"))
    assert len(find_all(root, "path", "line")) == 2  # "g" alone is a point, not a line
    points = find_all(root, "circle", "point")
    assert [tooltip(p) for p in points] == [
        "a · s: 1",
        "b · s: 2",
        "d · s: 4",
        "e · s: 5",
        "g · s: 7",
    ]


def test_line_negative_range_draws_zero_line_and_y_min_forces_a_floor() -> None:
    root = parse(line_chart(["a", "b"], {"s": [-0.4, 0.3]}, title="t", y_label="score"))
    assert texts(group(root, "axis-y")) == ["-0.4", "-0.2", "0.0", "0.2", "0.4"]
    assert len(find_all(root, "line", "zero-line")) == 1
    fitted = parse(line_chart(["a", "b"], {"s": [50, 90]}, title="t", y_label="n"))
    assert texts(group(fitted, "axis-y"))[0] == "50"
    floored = parse(line_chart(["a", "b"], {"s": [50, 90]}, title="t", y_label="n", y_min=0))
    assert texts(group(floored, "axis-y"))[0] == "0"
    below = parse(line_chart(["a", "b"], {"s": [-5, 90]}, title="t", y_label="n", y_min=0))
    assert float(texts(group(below, "axis-y"))[0]) <= -5  # a floor never hides data


def test_line_points_are_placed_on_the_scale() -> None:
    root = parse(line_chart(["a", "b", "c"], {"s": [0, 50, 100]}, title="t", y_label="n"))
    ys = [float(p.get("cy", 0)) for p in find_all(root, "circle")]
    xs = [float(p.get("cx", 0)) for p in find_all(root, "circle")]
    assert ys[0] > ys[1] > ys[2]
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2], abs=0.02)
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.02)


def test_secondary_series_use_a_right_axis_and_dashes() -> None:
    root = parse(
        line_chart(
            ["a", "b"],
            {"sentiment": [-0.2, 0.4]},
            title="t",
            y_label="score",
            secondary={"volume": [1000, 2500]},
            secondary_label="Mentions",
        )
    )
    right = group(root, "axis-y2")
    assert right is not None
    assert texts(right)[-1] == "2,500"
    assert texts(right, "axis-title") == ["Mentions"]
    assert texts(group(root, "legend"), "legend-label") == ["sentiment", "volume (right axis)"]
    dashed = [p for p in find_all(root, "path", "line") if p.get("stroke-dasharray")]
    assert len(dashed) == 1
    assert group(parse(line_chart(["a"], {"s": [1]}, title="t", y_label="n")), "axis-y2") is None


# --------------------------------------------------------------------------- x labels


def test_long_category_lists_are_thinned_but_short_ones_are_not() -> None:
    days = parse(line_chart(DAYS, {"s": [1.0] * 30}, title="t", y_label="n"))
    shown = texts(group(days, "axis-x"))
    assert 3 <= len(shown) < 30
    assert shown[0] == DAYS[0]
    step = DAYS.index(shown[1])
    assert shown == DAYS[::step]
    hours = parse(stacked_bar_chart(HOURS, {"s": [1] * 24}, title="t", y_label="n"))
    assert texts(group(hours, "axis-x")) == HOURS


def test_narrow_chart_thins_more() -> None:
    wide = parse(stacked_bar_chart(DAYS, {"s": [1] * 30}, title="t", y_label="n", width=1200))
    narrow = parse(stacked_bar_chart(DAYS, {"s": [1] * 30}, title="t", y_label="n", width=400))
    assert len(texts(group(narrow, "axis-x"))) < len(texts(group(wide, "axis-x")))
