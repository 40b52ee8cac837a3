"""Line charts drawn on the server: geometry only."""

from cacheadmin.display.charts import Series, line_chart


def test_a_chart_scales_to_its_top_and_breaks_at_gaps():
    chart = line_chart(
        [Series("a", "tone-blue", [(100, 0), (110, 10), (120, None), (130, 5), (140, 10)])],
        span_seconds=40,
        end=140,
    )
    line = chart["lines"][0]
    assert chart["top"] == 10 and line["last"] == 10
    assert line["polylines"] == ["0.0,120.0 150.0,0.0", "450.0,60.0 600.0,0.0"]
    assert line_chart([Series("a", "t", [])], span_seconds=60, end=0)["empty"]
