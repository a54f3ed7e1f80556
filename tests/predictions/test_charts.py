"""Server-drawn SVG charts: valid XML, labelled axes, points inside the canvas, and a text
alternative that says what the chart shows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from predictions import charts, question_charts, score_chart
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


# --- The viewer's own forecasts over the crowd -----------------------------------------


def own_group(root: ET.Element) -> ET.Element | None:
    return next((g for g in root.iter(f"{SVG}g") if g.get("class") == "own"), None)


def legend_texts(root: ET.Element) -> list[str]:
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    return [element.text for element in legend.iter(f"{SVG}text")]


def own_line(values: list[float], first: date = date(2026, 1, 2)) -> charts.OwnLine:
    return charts.OwnLine(
        option="Yes", days=[(first + timedelta(days=n), p) for n, p in enumerate(values)]
    )


def test_own_forecasts_are_a_step_line_with_a_square_where_they_changed():
    series = binary_series([0.5, 0.55, 0.6, 0.62, 0.62])
    chart = charts.crowd_chart(series, options=["Yes"], own=own_line([0.4, 0.4, 0.7, 0.7]))
    root = parse(chart)
    width, height = view_box(root)

    group = own_group(root)
    (polyline,) = group.iter(f"{SVG}polyline")
    points = [tuple(map(float, pair.split(","))) for pair in polyline.get("points").split()]
    # 40% on Jan 2 and 3, then a vertical step on Jan 4 up to 70%, held to Jan 5.
    assert len(points) == 5
    assert points[0][1] == points[1][1] == points[2][1]
    assert points[2][0] == points[3][0]  # the step, straight up
    assert points[3][1] == points[4][1] < points[0][1]
    squares = list(group.iter(f"{SVG}rect"))
    assert len(squares) == 2  # the first forecast and the change
    assert polyline.get("stroke-dasharray") == charts.OWN_DASH
    assert charts.OWN_DASH not in charts.DASHES  # told apart from every crowd line
    for x, y in points:
        assert 0 <= x <= width and 0 <= y <= height
    assert legend_texts(root) == ["Crowd median, latest 62%", "Your forecast, 70%"]
    assert "Probability" in texts(root)
    assert chart.text.endswith("Your forecast: 70% since 4 Jan; the crowd's median: 62%.")


def test_own_text_names_the_option_and_says_final_once_resolved():
    series = mc_series()
    own = charts.OwnLine(option="China", days=[(date(2025, 12, 31), 0.5), (date(2026, 1, 2), 0.5)])

    chart = charts.crowd_chart(series, options=MC_LABELS, own=own, final=True)

    assert chart.text.endswith(
        "Your final forecast on China: 50% since 31 Dec 2025; the crowd's final median on "
        "China: 45%."
    )
    assert legend_texts(parse(chart))[-1] == "Your final forecast on China, 50%"
    # A day missing between two others breaks the line rather than bridging it.
    assert not list(own_group(parse(chart)).iter(f"{SVG}polyline"))


def test_no_own_line_without_own_days_or_for_an_option_not_shown():
    series = binary_series([0.5, 0.6])
    for own in (
        charts.OwnLine(option="Yes", days=[]),
        charts.OwnLine("No", [(date(2026, 1, 1), 0.3)]),
    ):
        root = parse(charts.crowd_chart(series, options=["Yes"], own=own))
        assert own_group(root) is None
        assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]


@dataclass
class LoggedForecast:
    pk: int
    submitted_at: datetime
    probabilities: list[float]


def test_own_days_follow_the_scoring_rule_for_standing_forecasts():
    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 1, day, hour, tzinfo=UTC)

    forecasts = [
        LoggedForecast(3, at(3, 23), [0.8]),  # the last of Jan 3 stands on Jan 3
        LoggedForecast(1, at(2, 9), [0.4]),
        LoggedForecast(2, at(3, 8), [0.6]),
        LoggedForecast(4, at(5, 12), [0.9]),  # after the close: never stands
    ]
    days = [date(2026, 1, day) for day in range(1, 6)]

    standing = question_charts.own_days(forecasts, days, index=0, cutoff=at(5, 0))

    assert standing == [
        (date(2026, 1, 2), 0.4),
        (date(2026, 1, 3), 0.8),
        (date(2026, 1, 4), 0.8),
        (date(2026, 1, 5), 0.8),
    ]


# --- The distribution of scores ---------------------------------------------------------


def bars(root: ET.Element) -> list[ET.Element]:
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "bars")
    return list(group.iter(f"{SVG}rect"))


def marks(root: ET.Element) -> dict[str, ET.Element]:
    return {line.get("class"): line for line in root.iter(f"{SVG}line") if line.get("class")}


def test_distribution_is_bars_of_forecasters_with_yours_and_the_crowds_marked():
    values = [-0.2, -0.05, -0.05, -0.04, 0.01, 0.02, 0.15, 0.3]
    chart = score_chart.distribution_chart(values, own=-0.05, title="Scores")
    root = parse(chart)
    width, height = view_box(root)

    assert root.find(f"{SVG}title").text == "Scores"
    assert root.find(f"{SVG}desc").text == chart.text
    heights = [float(rect.get("height")) for rect in bars(root)]
    assert len(heights) >= 3 and all(h > 0 for h in heights)
    for rect in bars(root):
        assert (
            float(rect.get("x")) >= 0 and float(rect.get("x")) + float(rect.get("width")) <= width
        )
        assert float(rect.get("y")) + float(rect.get("height")) <= height
    found = marks(root)
    assert found["crowd"].get("stroke-dasharray") and not found["own"].get("stroke-dasharray")
    assert float(found["own"].get("x1")) < float(found["crowd"].get("x1"))  # -0.05 left of 0
    assert legend_texts(root) == ["Your score, -0.050", "The crowd's median, 0"]
    assert "Relative score (below 0 beats the crowd)" in texts(root)
    assert {"-0.2", "0", "+0.2", "+0.4"} <= set(texts(root))  # ticks on bar edges, 0 too
    assert chart.text == (
        "Relative scores of 8 forecasters on this question, from -0.200 to +0.300, median "
        "-0.015. Below 0 beats the crowd's median, which scores 0: 4 of 8 did. Yours: "
        "-0.050, 2nd best of 8."
    )


def test_distribution_without_a_score_of_yours_marks_only_the_crowd():
    chart = score_chart.distribution_chart([0.1, 0.2])
    root = parse(chart)

    assert set(marks(root)) == {"crowd"}
    assert legend_texts(root) == ["The crowd's median, 0"]
    assert "Yours" not in chart.text


@pytest.mark.parametrize(
    "values",
    [[0.0], [0.0, 0.0, 0.0], [-1.5], [1e-9, -1e-9], [0.3] * 500, [-2.0, 2.0]],
)
def test_distribution_of_any_scores_is_valid_svg_inside_its_box(values):
    chart = score_chart.distribution_chart(values, own=values[0])
    root = parse(chart)
    width, height = view_box(root)

    assert sum(1 for _ in bars(root)) >= 1
    for line in root.iter(f"{SVG}line"):
        for axis, limit in (("x1", width), ("x2", width), ("y1", height), ("y2", height)):
            assert 0 <= float(line.get(axis)) <= limit
    assert f"Relative scores of {len(values)} forecaster" in chart.text


@pytest.mark.parametrize(
    ("raw", "step"), [(0.0625, 0.1), (0.05, 0.05), (0.013, 0.02), (0.021, 0.025), (3, 5), (7, 10)]
)
def test_nice_step(raw, step):
    assert score_chart.nice_step(raw) == pytest.approx(step)


@pytest.mark.parametrize(
    ("value", "text"), [(0.0123, "+0.012"), (-0.05, "-0.050"), (0.0, "0"), (-0.0001, "0")]
)
def test_signed(value, text):
    assert score_chart.signed(value) == text
