"""The statistics page's fast path (pre-aggregated summaries, proxy/summaries.py) gives exactly the
figures counted from the cases themselves (queries.case_statistics), for every persona: when the
summaries are kept current by the services, after a rebuild from seeded rows (the demo), and after
a move in the organisation tree (stale → counted from the cases → rebuilt)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import OutputWrapper
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shanghui.accounts.models import User
from shanghui.catalog.tests.factories import make_item
from shanghui.orgs import services as org_services
from shanghui.orgs.models import Role
from shanghui.proxy import queries, services, summaries
from shanghui.proxy.access import cases_for_user, follow_ups_for_user
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.models import Case, CaseStat
from shanghui.proxy.workflow import AGENT, APPLICANT, CLERK
from shanghui.testing.cases import pdf_upload
from shanghui.testing.personas import person

PERSONAS = (
    "fed_admin", "fed_staff", "county_admin", "chamber_admin", "chamber_staff", "agent", "chamber_admin_b",
    "agent_b", "dept_admin", "clerk", "auditor", "outsider", "mediator",
)  # fmt: skip


def rows() -> Counter[tuple[int, bool, str]]:
    """The summaries as stored, without rows that went back to zero."""
    return Counter(
        {
            (viewer, via, key): n
            for viewer, via, key, n in CaseStat.objects.values_list("viewer_id", "via_department", "key", "n")
            if n
        }
    )


def assert_same_figures(user: User, now: dt.datetime, *, fast: bool | None = None) -> queries.Statistics:
    if fast is not None:
        uses_summaries = queries.summary_viewer(user) is not None and not summaries.is_stale()
        assert uses_summaries is fast, user
    quick = queries.statistics_for(user, now)
    counted = queries.case_statistics(cases_for_user(user), now)
    assert quick == counted, user
    return quick


@pytest.fixture
def busy(pw: SimpleNamespace) -> SimpleNamespace:
    """Cases in every state at both points, two departments, rated well and badly, through the
    services only (so the summaries are kept current by them, never rebuilt)."""
    pw.item2 = make_item(pw.dept2, "社会保障卡申领", promised_limit=5, promised_limit_unit="working")
    pw.applicant2 = services.Applicant(
        name="李四", id_number="330825199001010015", mobile="13900001234", home_region_code="330825",
        current_city="杭州",
    )  # fmt: skip

    def submitted(point: Any = None, item: Any = None) -> Case:
        point = point or pw.point_a
        agent = pw.agent if point == pw.point_a else pw.agent_b
        options: dict[str, Any] = {"proxy_point": point, "actor": agent}
        if item is not None:
            options |= {"item": item, "applicant": pw.applicant2}
        case = pw.new_case(**options)
        if item is None:  # the second item asks for no materials
            services.add_material(case=case, actor=agent, upload=pdf_upload(), slot=0)
        return pw.act(case, "submit", APPLICANT)

    def forwarded(**kw: Any) -> Case:
        return pw.act(submitted(**kw), "forward", AGENT, window=pw.window)

    def completed() -> Case:
        case = pw.act(forwarded(), "accept", CLERK, acceptance_number="A1")
        return pw.act(case, "complete", CLERK, result="granted", delivery_method="pickup")

    pw.new_case()  # a draft
    pw.new_case(proxy_point=pw.point_b, actor=pw.agent_b)  # chamber B's draft: seen through the point only
    pw.b_submitted = submitted(pw.point_b)
    pw.act(submitted(), "request_correction", AGENT, correction_items=["照片模糊"])
    back = pw.act(submitted(), "request_correction", AGENT, correction_items=["缺页"])
    pw.act(back, "resubmit", APPLICANT)
    pw.act(submitted(), "withdraw", AGENT)
    pw.forwarded = forwarded()
    pw.act(forwarded(), "refuse", CLERK, reason="不属于本窗口受理范围")
    accepted = pw.act(forwarded(), "accept", CLERK, acceptance_number="A2")
    corrected = pw.act(accepted, "window_correction", CLERK, correction_items=["补充证明"])
    pw.act(corrected, "resubmit", APPLICANT)
    suspended = pw.act(
        pw.act(forwarded(), "accept", CLERK, acceptance_number="A3"), "suspend", CLERK, reason="等待核查"
    )
    pw.act(suspended, "resume", CLERK)
    pw.completed = completed()
    good = pw.act(completed(), "deliver", APPLICANT)
    services.rate_case(case=good, level=5)
    bad = pw.act(pw.act(completed(), "deliver", AGENT), "close", AGENT)
    services.rate_case(case=bad, level=1, comment="太慢")
    pw.b_completed = pw.act(
        pw.act(forwarded(point=pw.point_b), "accept", CLERK, acceptance_number="B1"),
        "complete",
        CLERK,
        result="denied",
        delivery_method="pickup",
    )
    services.rate_case(case=pw.act(pw.b_completed, "deliver", AGENT), level=3)
    # The second department's item, by chamber B's point, not forwarded: its department sees it.
    pw.item2_case = submitted(pw.point_b, item=pw.item2)
    pw.superuser = person("root", is_superuser=True)
    pw.two_points = person("two_points", (pw.point_a, Role.AGENT), (pw.point_b, Role.AGENT))
    # a federation admin who is also an agent below
    pw.nested = person("nested", (pw.city, Role.FEDERATION_ADMIN), (pw.point_a, Role.AGENT))
    return pw


def test_the_summaries_kept_by_the_services_equal_a_recount(busy: SimpleNamespace) -> None:
    kept = rows()

    summaries.rebuild()

    assert kept == rows()
    this_month = summaries.month_key(timezone.now())
    assert kept[(summaries.ALL_CASES, False, f"g|{this_month}|1")] == 1
    assert sum(n for (viewer, _v, key), n in kept.items() if viewer == busy.city.pk and key[0] == "s") == (
        Case.objects.count()
    )


def test_every_persona_gets_the_same_figures_both_ways(busy: SimpleNamespace) -> None:
    now = timezone.now()
    for persona in PERSONAS:
        user = getattr(busy, persona)
        expected_fast = persona not in ("outsider", "mediator")  # no case role: nothing to read

        stats = assert_same_figures(user, now, fast=expected_fast)

        assert stats.total == cases_for_user(user).count(), persona


def test_superusers_nested_grants_and_separate_grants(busy: SimpleNamespace) -> None:
    now = timezone.now()

    everything = assert_same_figures(busy.superuser, now, fast=True)
    nested = assert_same_figures(busy.nested, now, fast=True)  # the agent grant adds nothing
    assert_same_figures(busy.two_points, now, fast=False)  # two separate subtrees: counted from cases

    assert everything.total == Case.objects.count()
    assert nested.total == assert_same_figures(busy.fed_admin, now).total


def test_the_lists_scope_is_the_access_rule_for_every_persona(busy: SimpleNamespace) -> None:
    """The case list and the follow-up list read the scope as id lists (or unfiltered for a scope of
    every case): the same cases and follow-ups as the access rule, for every persona, fresh or stale."""
    summaries.rebuild()
    people = [*PERSONAS, "superuser", "two_points", "nested"]
    seen = []
    for stale in (False, True):
        if stale:
            summaries.mark_stale()
        for persona in people:
            user = getattr(busy, persona)
            summary = queries.summary_for(user)
            assert (summary is None) is (stale or persona in ("outsider", "mediator", "two_points")), persona
            cases = set(queries.cases_in_scope(user, summary).values_list("pk", flat=True))
            assert cases == set(cases_for_user(user).values_list("pk", flat=True)), persona
            follow_ups = set(queries.follow_ups_in_scope(user, summary).values_list("pk", flat=True))
            assert follow_ups == set(follow_ups_for_user(user).values_list("pk", flat=True)), persona
            seen.append((persona, len(cases), len(follow_ups)))
    # Not vacuous: the federation sees every case and the bad rating's follow-up, an agent only their
    # point's cases, an outsider nothing.
    counts = {persona: (n, f) for persona, n, f in seen}
    assert counts["fed_admin"] == (Case.objects.count(), 1)
    assert 0 < counts["agent"][0] < Case.objects.count()
    assert counts["outsider"] == (0, 0)


def test_figures_the_page_shows(busy: SimpleNamespace) -> None:
    now = timezone.now()

    department = assert_same_figures(busy.dept_admin, now, fast=True)
    county = assert_same_figures(busy.county_admin, now, fast=True)
    federation = assert_same_figures(busy.fed_admin, now, fast=True)

    # The department admin sees its department's cases at any point, forwarded or not; the county
    # federation only chamber B's (its point), including the one of the other department.
    assert department.total == Case.objects.filter(department=busy.dept).count()
    assert county.total == Case.objects.filter(proxy_point=busy.point_b).count() == 4
    assert {r.label: r.value for r in federation.by_department} == {
        "衢州市公安局": Case.objects.filter(department=busy.dept).count(),
        "衢州市人力社保局": 1,
    }
    assert {r.label: r.value for r in federation.by_chamber} == {
        "衢州在上海商会": Case.objects.filter(proxy_point=busy.point_a).count(),
        "龙游在杭州商会": 4,
    }
    assert {r.label: r.value for r in federation.ratings} == {
        "非常满意": 1, "满意": 0, "基本满意": 1, "不满意": 0, "非常不满意": 1,
    }  # fmt: skip
    review = federation.on_time[0]
    assert review.finished == Case.objects.filter(forwarded_at__isnull=False).count() and review.rate == 100.0


def test_past_times_written_directly_and_a_rebuild(busy: SimpleNamespace) -> None:
    """Seeding writes past times past the services (like the demo); after a rebuild both agree,
    including months, late steps and running clocks past due."""
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    for i, case in enumerate(Case.objects.order_by("pk")):
        start = now - dt.timedelta(days=29 * (i % 14) + 1)
        fields: dict[str, Any] = {"created_at": start}
        if case.submitted_at:
            fields |= {"submitted_at": start + hour, "review_due_at": start + 24 * hour}
        if case.forwarded_at:
            fields["forwarded_at"] = start + (30 if i % 3 == 0 else 5) * hour
        Case.objects.filter(pk=case.pk).update(**fields)
    Case.objects.filter(pk=busy.b_submitted.pk).update(review_due_at=now - hour)

    summaries.rebuild()

    for persona in ("fed_admin", "chamber_admin", "clerk", "dept_admin", "county_admin"):
        stats = assert_same_figures(getattr(busy, persona), now, fast=True)
    federation = assert_same_figures(busy.fed_admin, now)
    assert sum(r.value for r in federation.by_month) < federation.total  # some older than 12 months
    assert federation.on_time[0].on_time < federation.on_time[0].finished  # some reviews late
    assert federation.running_overdue >= 1  # past review due times of cases still submitted
    assert stats.total


def test_a_move_in_the_tree_is_counted_from_the_cases_until_rebuilt(
    busy: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    before = assert_same_figures(busy.county_admin, now, fast=True)

    # chamber B moves from the county federation to the city federation
    with django_capture_on_commit_callbacks(execute=True):
        org_services.update_organisation(actor=None, org=busy.chamber_b, parent=busy.city)

    assert summaries.is_stale()
    assert DBTaskResult.objects.filter(task_path__endswith="rebuild_case_stats").count() == 1
    after = assert_same_figures(busy.county_admin, now, fast=False)
    assert (before.total, after.total) == (4, 0)
    assert_same_figures(busy.fed_admin, now, fast=False)

    out = io.StringIO()
    call_command("rebuild_case_stats", stdout=OutputWrapper(out))

    assert "已重建办件统计汇总" in out.getvalue()
    assert not summaries.is_stale()
    assert assert_same_figures(busy.county_admin, now, fast=True).total == 0
    assert assert_same_figures(busy.chamber_admin_b, now, fast=True).total == 4


def test_a_new_organisation_does_not_make_the_summaries_stale(busy: SimpleNamespace) -> None:
    from shanghui.orgs.models import OrgKind

    org_services.create_organisation(
        actor=None, kind=OrgKind.PROXY_POINT, name="新代办点", parent=busy.chamber_a
    )

    assert not summaries.is_stale()


def test_the_demo_year_gives_the_same_figures_both_ways(db: None, settings: Any, tmp_path: Any) -> None:
    from shanghui.catalog import demo as catalog_demo
    from shanghui.demo import people, quzhou
    from shanghui.demo.loader import Demo
    from shanghui.proxy import demo as proxy_demo
    from shanghui.workdays import calendar

    settings.MEDIA_ROOT = str(tmp_path / "media")
    calendar.invalidate()
    demo = Demo(stdout=OutputWrapper(io.StringIO()), password=None, reset_passwords=False)
    quzhou.load(demo)
    people.load(demo)
    catalog_demo.load_quzhou(demo.stdout)
    proxy_demo.load(demo)  # bulk rows, then a rebuild
    now = timezone.now()
    staff = User.objects.filter(memberships__role__in=[Role.FEDERATION_ADMIN, Role.CHAMBER_ADMIN,
                                                       Role.DEPARTMENT_ADMIN, Role.WINDOW_CLERK, Role.AGENT])  # fmt: skip
    checked: Counter[str] = Counter()
    for user in staff.distinct().order_by("pk"):
        role = str(user.memberships.values_list("role", flat=True).first())
        if checked[role] >= 3:
            continue
        checked[role] += 1
        stats = assert_same_figures(user, now)
        assert stats.total == cases_for_user(user).count()
    federation = next(
        u
        for u in staff
        if u.memberships.filter(role=Role.FEDERATION_ADMIN, organisation__parent=None).exists()
    )
    stats = assert_same_figures(federation, now, fast=True)
    assert stats.total == Case.objects.count() and stats.rating_total > 1000
    # The running clocks past due, counted case by case in Python (workflow.clocks), not by the query.
    running = [CLOCKS.running(case) for case in Case.objects.all()]
    assert stats.running_overdue == sum(
        1 for _name, _started, due in running if due is not None and due < now
    )
    assert len(stats.by_item) == queries.TOP and len(stats.by_chamber) == 16
