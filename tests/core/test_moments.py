"""Times as the task pages show them: to the second, with their zone."""

import pytest

from cacheadmin.display.format_tags import moment


@pytest.mark.parametrize(
    ("iso", "shown"),
    [
        ("2026-12-04T12:38:19.940133+00:00", "2026-12-04 12:38:19 UTC"),
        ("2026-12-04T13:38:19+01:00", "2026-12-04 13:38:19 +0100"),
        ("2026-12-04T12:38:19", "2026-12-04 12:38:19"),
        (None, "–"),
        ("", "–"),
        ("<b>not a time</b>", "<b>not a time</b>"),  # the template escapes it
    ],
)
def test_a_moment_is_shown_to_the_second(iso, shown):
    assert moment(iso) == shown
