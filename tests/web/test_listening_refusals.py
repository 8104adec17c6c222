"""What the listening pages answer a new user who asked for what cannot be
shown: the page again with the error, and the status saying it (400), as
trends and reports already answered."""

from __future__ import annotations

import httpx

from tests.web.conftest import Served, do_login


def test_a_bad_query_or_an_unknown_topic_answers_400_on_every_listening_page(
    live_server: Served,
) -> None:
    """``/stream`` answered 200 for a query it could not read and
    ``/influencers`` 200 for a topic that does not exist, where ``/trends``
    answered 400 for both: a script or a monitor took the refusal for a page."""
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        assert do_login(c, "viewer").status_code == 303
        for path in ("/stream?q=%22unclosed", "/influencers?topic=nope", "/trends?topic=nope"):
            page = c.get(path)
            assert page.status_code == 400, (path, page.status_code)
            assert "error-message" in page.text or "query-error" in page.text, path
