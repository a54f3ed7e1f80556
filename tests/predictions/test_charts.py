"""Server-drawn SVG charts: valid XML, labelled axes, points inside the canvas, and a text
alternative that says what the chart shows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from predictions import charts
from predictions.selectors import CrowdDay

SVG = "{http://www.w3.org/2000/svg}"


def binary_series(values: list[float], first: date = date(2026, 1, 1)) -> list[CrowdDay]:
    return [
        CrowdDay(
            day=first + timedelta(days=offset),
            probabilities={"Yes": p, "No": round(1 - p, 12)},
            forecasters=offset + 1,
        )
        for offset, p in enumerate(values)
    ]


MC_LABELS = ["United States", "China", "Europe & <the rest>"]


def mc_series() -> list[CrowdDay]:
    rows = [(0.5, 0.3, 0.2), (0.45, 0.35, 0.2), (0.4, 0.4, 0.2), (0.35, 0.45, 0.2)]
    return [
        CrowdDay(
            day=date(2025, 12, 30) + timedelta(days=offset),
            probabilities=dict(zip(MC_LABELS, row, strict=True)),
            forecasters=3,
        )
        for offset, row in enumerate(rows)
    ]


def parse(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(chart.svg)


def view_box(root: ET.Element) -> tuple[float, float]:
    x, y, width, height = (float(v) for v in root.get("viewBox").split())
    assert (x, y) == (0, 0)
    return width, height


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def plotted_points(root: ET.Element) -> list[tuple[float, float]]:
    points = []
    for polyline in root.iter(f"{SVG}polyline"):
        for pair in polyline.get("points").split():
            x, y = pair.split(",")
            points.append((float(x), float(y)))
    for circle in root.iter(f"{SVG}circle"):
        points.append((float(circle.get("cx")), float(circle.get("cy"))))
    return points


def test_binary_chart_is_valid_svg_labelled_by_its_title_and_desc():
    chart = charts.crowd_chart(binary_series([0.4, 0.55, 0.7]), options=["Yes"], title="Crowd")

    root = parse(chart)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Crowd"
    assert desc.text == chart.text
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]


def test_axes_are_labelled():
    root = parse(charts.crowd_chart(binary_series([0.4, 0.55, 0.7]), options=["Yes"]))

    labels = texts(root)
    for expected in ("0%", "25%", "50%", "75%", "100%", "Crowd probability"):
        assert expected in labels
    assert "Day (UTC), 2026" in labels
    assert "Jan 1" in labels and "Jan 3" in labels


def test_dates_across_years_are_labelled_in_full():
    root = parse(charts.crowd_chart(mc_series(), options=MC_LABELS))

    labels = texts(root)
    assert "2025-12-30" in labels and "2026-01-02" in labels
    assert "Day (UTC)" in labels


def test_points_lie_inside_the_view_box_and_higher_means_up():
    series = binary_series([0.001, 0.25, 0.999, 0.6, 0.6])
    root = parse(charts.crowd_chart(series, options=["Yes"]))
    width, height = view_box(root)

    points = plotted_points(root)

    assert points
    for x, y in points:
        assert 0 <= x <= width and 0 <= y <= height
    polyline = [tuple(map(float, pair.split(","))) for pair in _polyline(root).split()]
    assert len(polyline) == len(series)
    xs = [x for x, _ in polyline]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert polyline[2][1] < polyline[1][1] < polyline[0][1]  # 99.9% above 25% above 0.1%


def _polyline(root: ET.Element) -> str:
    return next(root.iter(f"{SVG}polyline")).get("points")


def test_text_alternative_gives_the_period_and_the_latest_values():
    chart = charts.crowd_chart(binary_series([0.4, 0.55, 0.7]), options=["Yes"])

    assert "from 2026-01-01 to 2026-01-03 (3 days)" in chart.text
    assert "Latest, on 2026-01-03, from 3 forecasters: Yes 70%." in chart.text
    assert "Yes 40% to 70%" in chart.text


def test_multiple_choice_draws_a_line_and_a_legend_entry_per_option():
    chart = charts.crowd_chart(mc_series(), options=MC_LABELS)
    root = parse(chart)  # the label with < and & is escaped

    assert len(list(root.iter(f"{SVG}polyline"))) == len(MC_LABELS)
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    legend_texts = [element.text for element in legend.iter(f"{SVG}text")]
    assert legend_texts == [
        "United States, latest 35%",
        "China, latest 45%",
        "Europe & <the rest>, latest 20%",
    ]
    dashes = {line.get("stroke-dasharray") for line in legend.iter(f"{SVG}line")}
    assert len(dashes) == len(MC_LABELS)  # told apart without colour too
    assert "United States 35%, China 45%, Europe & <the rest> 20%" in chart.text
    width, height = view_box(root)
    for x, y in plotted_points(root):
        assert 0 <= x <= width and 0 <= y <= height


def test_binary_chart_has_no_legend():
    root = parse(charts.crowd_chart(binary_series([0.5, 0.6]), options=["Yes"]))

    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]


def test_a_single_day_is_a_dot_in_the_middle():
    root = parse(charts.crowd_chart(binary_series([0.7]), options=["Yes"]))
    width, _ = view_box(root)

    assert not list(root.iter(f"{SVG}polyline"))
    (circle,) = root.iter(f"{SVG}circle")
    assert 0.3 * width < float(circle.get("cx")) < 0.7 * width


def test_no_forecasts_still_draws_valid_axes_and_says_so():
    chart = charts.crowd_chart([], options=["Yes"])
    root = parse(chart)

    assert "No forecasts yet" in texts(root)
    assert chart.text.startswith("No forecasts yet")


def test_options_default_to_every_key_of_the_series():
    root = parse(charts.crowd_chart(mc_series()))

    assert len(list(root.iter(f"{SVG}polyline"))) == len(MC_LABELS)


def test_long_series_dot_only_the_latest_day():
    root = parse(charts.crowd_chart(binary_series([0.5] * 90), options=["Yes"]))

    assert len(list(root.iter(f"{SVG}circle"))) == 1


def test_chart_inserts_itself_unescaped_in_templates():
    chart = charts.crowd_chart(binary_series([0.5]), options=["Yes"])

    assert chart.__html__() == chart.svg


def test_shared_axis_helper_draws_numeric_axes_for_any_chart():
    frame = charts.Frame(300, 200, 40, 10, 10, 40, (0.0, 1.0), (0.0, 1.0))
    svg = charts.svg_document(
        frame=frame,
        chart_id="calibration",
        title="Calibration",
        desc="A diagonal.",
        body=charts.axes(
            frame,
            x_ticks=charts.percent_ticks(0.5),
            y_ticks=charts.percent_ticks(0.5),
            x_title="Forecast",
            y_title="Observed",
        ),
    )
    root = ET.fromstring(svg)

    assert frame.x(0) == 40 and frame.x(1) == 290
    assert frame.y(0) == 160 and frame.y(1) == 10
    assert {"0%", "50%", "100%", "Forecast", "Observed"} <= set(texts(root))
    assert re.search(r'aria-labelledby="calibration-title calibration-desc"', svg)


@pytest.mark.parametrize(
    ("probability", "text"),
    [(0.7, "70%"), (0.705, "70.5%"), (0.001, "0.1%"), (0.999, "99.9%"), (1 / 3, "33.3%")],
)
def test_percent(probability, text):
    assert charts.percent(probability) == text
