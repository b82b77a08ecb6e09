"""Queries per request stay few and fixed: the token, the caller's roles and the case are read once, lists
are one query whatever their length. The workflow's own queries (timeline, notifications, statistics)
belong to workflow.transition; the action endpoint adds a fixed number on top of them."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shanghui.proxy.workflow import AGENT
from tests.api.test_cases import act

# Token (with its user), the caller's memberships, and the windows the forward form offers (the same
# check as the page's form), less the window the transition no longer reads again (the form hands over
# the one it read). The case itself costs nothing extra: read once under its lock with the caller's
# scope, that read is the access check and the transition's (proxy/actions.act).
FORWARD_OVERHEAD = 2
# Token, memberships, one page of cases with their relations.
LIST_QUERIES = 3


def test_action_endpoint_adds_a_fixed_number_of_queries_to_the_workflow(
    pw: Any, api_as: Any, django_assert_num_queries: Any
) -> None:
    agent = api_as(pw.agent)
    agent.get("/api/v1/me")  # the token's first use records last_used_at (once a minute)
    direct, via_api = pw.submitted(), pw.submitted()
    with CaptureQueriesContext(connection) as workflow:
        pw.act(direct, "forward", AGENT, window=pw.window.pk)
    with django_assert_num_queries(len(workflow) + FORWARD_OVERHEAD):
        response = act(agent, via_api.pk, "forward", "submitted", window=pw.window.pk)
    assert response.status_code == 200
    assert response.json()["window"]["id"] == pw.window.pk


def test_case_list_is_three_queries_whatever_its_length(
    pw: Any, api_as: Any, django_assert_num_queries: Any
) -> None:
    agent = api_as(pw.agent)
    agent.get("/api/v1/me")
    for count in (2, 6):
        while len(agent.get("/api/v1/cases").json()["items"]) < count:
            pw.act(pw.submitted(), "forward", AGENT, window=pw.window.pk)
        with django_assert_num_queries(LIST_QUERIES):
            items = agent.get("/api/v1/cases", {"limit": 50}).json()["items"]
        assert len(items) == count
        assert all(item["window"] == {"id": pw.window.pk, "name": pw.window.name} for item in items)
