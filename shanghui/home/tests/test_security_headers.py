"""The Content-Security-Policy of every page: this site only — scripts, styles and connections,
WebSockets included."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.parametrize("path", ["/accounts/login/", "/s/", "/my/login/"])
def test_connections_go_to_this_site_only(db, path):
    policy = Client().get(path)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    # 'self' covers ws:// and wss:// to the page's own host (CSP Level 3); a bare ws: or wss: would
    # allow a socket to any host.
    assert directives["connect-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'"
