"""Access matrix of the staff pages and the volunteers' pages: each persona, an outsider included, × each
page → 200 / 403 / 404; refused actions change nothing. And the pages doing what they say."""

from __future__ import annotations

import datetime as dt
import io
import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from shanghui.accounts.citizen import CITIZEN_SESSION_KEY, VERIFIED_AT_KEY
from shanghui.activities import attendance, certificates, hours, services
from shanghui.activities.models import Activity, HourRecord, SignUp, SignUpState, Status
from shanghui.audit.models import AuditEntry


@pytest.fixture
def pages(act: SimpleNamespace) -> SimpleNamespace:
    w = act
    w.activity = w.published()
    w.person = w.volunteer(1, id_number="330802199003070017")
    w.signup = services.sign_up(volunteer=w.person, slot=w.slot(w.activity))
    done = w.published(
        title="已结束的活动",
        starts_at=w.start + dt.timedelta(days=1),
        ends_at=w.start + dt.timedelta(days=1, hours=3),
    )
    s = services.sign_up(volunteer=w.person, slot=w.slot(done), note="")
    attendance.mark(actor=w.chamber_staff, signup=s, direction="in", at=done.starts_at)
    attendance.mark(
        actor=w.chamber_staff, signup=s, direction="out", at=done.starts_at + dt.timedelta(hours=2)
    )
    w.moved(done, "start", "finish")
    w.record = HourRecord.objects.get(signup=s)
    hours.decide(actor=w.chamber_staff, records=[w.record], approve=True)
    w.cert = certificates.issue(actor=w.chamber_staff, volunteer=w.person, organisation=w.chamber_a,
                                period_start=w.record.served_on, period_end=w.record.served_on)  # fmt: skip
    return w


def client_as(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def volunteer_client(mobile: str) -> Client:
    client = Client()
    session = client.session
    session[CITIZEN_SESSION_KEY] = mobile
    session[VERIFIED_AT_KEY] = int(time.time())
    session.save()
    return client


STAFF_PAGES = (
    "list",
    "new",
    "detail",
    "edit",
    "qr",
    "hours",
    "volunteers",
    "volunteer",
    "certificates",
    "cert_pdf",
    "venues",
    "stats",
    "teams",
    "series",
)
ALL_200 = dict.fromkeys(STAFF_PAGES, 200)
EXPECTED = {
    "fed_admin": ALL_200,
    "chamber_admin": ALL_200,
    "chamber_staff": ALL_200,
    "auditor": {**ALL_200, "new": 403, "edit": 403, "qr": 403, "series": 403},
    # Another chamber's admin: the lists are theirs (empty), this chamber's records do not exist for them.
    "chamber_admin_b": {**ALL_200, "detail": 404, "edit": 404, "qr": 404, "volunteer": 404, "cert_pdf": 404},
    # A proxy agent reads the activities of their point only.
    "agent": {
        **ALL_200,
        "new": 403,
        "series": 403,
        "detail": 404,
        "edit": 404,
        "qr": 404,
        "volunteer": 404,
        "cert_pdf": 404,
    },
    "clerk": dict.fromkeys(STAFF_PAGES, 403),
    "outsider": dict.fromkeys(STAFF_PAGES, 403),
}


def urls(w: SimpleNamespace) -> dict[str, str]:
    draft = w.new(title="草稿活动")
    a = w.activity.pk
    return {
        "list": "/activities/", "new": "/activities/new/", "detail": f"/activities/{a}/", "edit": f"/activities/{draft.pk}/edit/",
        "qr": f"/activities/{a}/qr/in/", "hours": "/activities/hours/", "volunteers": "/activities/volunteers/",
        "volunteer": f"/activities/volunteers/{w.person.pk}/", "certificates": "/activities/certificates/",
        "cert_pdf": f"/activities/certificates/{w.cert.pk}.pdf", "venues": "/activities/venues/", "stats": "/activities/stats/",
        "teams": "/activities/teams/", "series": "/activities/series/new/",
    }  # fmt: skip


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_staff_pages_answer_each_persona_as_the_access_rules_say(
    pages: SimpleNamespace, persona: str
) -> None:
    client = client_as(getattr(pages, persona))
    got = {name: client.get(url).status_code for name, url in urls(pages).items()}
    assert got == EXPECTED[persona]


def test_anonymous_staff_pages_go_to_the_login(pages: SimpleNamespace) -> None:
    response = Client().get("/activities/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "action", "status"),
    [("chamber_admin_b", "approve", 404), ("outsider", "approve", 403), ("auditor", "submit", 403),
     ("chamber_staff", "approve", 403), ("agent", "submit", 404)],
)  # fmt: skip
def test_refused_actions_change_nothing(act: SimpleNamespace, persona: str, action: str, status: int) -> None:
    activity = act.moved(act.new(), "submit") if action == "approve" else act.new()
    before = (Activity.objects.get(pk=activity.pk).status, activity.events.count())
    response = client_as(getattr(act, persona)).post(
        f"/activities/{activity.pk}/act/{action}/", {"status": activity.status}
    )
    assert response.status_code == status
    assert (Activity.objects.get(pk=activity.pk).status, activity.events.count()) == before


def test_the_organiser_submits_and_the_admin_approves_on_the_pages(act: SimpleNamespace) -> None:
    staff, admin = client_as(act.chamber_staff), client_as(act.chamber_admin)
    response = staff.post("/activities/new/", {
        "organisation": act.chamber_a.pk, "kind": act.kind.pk, "title": "敬老院探访", "venue": act.venue.pk,
        "starts_at": "2030-05-01T09:00", "ends_at": "2030-05-01T11:30", "risk": "low", "contact_name": "王敏",
        "contact_phone": "021-58881234", "auto_confirm": "on", "slot_role": "陪护", "slot_quantity": "3",
    })  # fmt: skip
    assert response.status_code == 302
    activity = Activity.objects.get(title="敬老院探访")
    assert staff.post(f"/activities/{activity.pk}/act/submit/", {"status": "draft"}).status_code == 302
    # A stale page (it still showed "draft") is a conflict and changes nothing.
    assert admin.post(f"/activities/{activity.pk}/act/approve/", {"status": "draft"}).status_code == 409
    assert admin.post(f"/activities/{activity.pk}/act/approve/", {"status": "pending"}).status_code == 302
    assert Activity.objects.get(pk=activity.pk).status == Status.PUBLISHED


def test_bad_input_on_the_new_activity_page_is_a_chinese_error_and_creates_nothing(
    act: SimpleNamespace,
) -> None:
    response = client_as(act.chamber_staff).post("/activities/new/", {
        "organisation": act.chamber_a.pk, "kind": act.kind.pk, "title": "x", "starts_at": "2030-05-01T09:00",
        "ends_at": "2030-05-01T08:00", "risk": "low", "contact_name": "王敏", "contact_phone": "1", "slot_role": "a",
        "slot_quantity": "3",
    })  # fmt: skip
    assert response.status_code == 422
    assert "结束时间应晚于开始时间" in response.content.decode()
    assert not Activity.objects.filter(title="x").exists()


def test_a_risky_activity_shows_why_it_cannot_be_submitted(act: SimpleNamespace) -> None:
    activity = act.new(risk="high")
    client = client_as(act.chamber_staff)
    assert "意外保险保单号" in client.get(f"/activities/{activity.pk}/").content.decode()
    response = client.post(f"/activities/{activity.pk}/act/submit/", {"status": "draft"})
    assert response.status_code == 409 and Activity.objects.get(pk=activity.pk).status == Status.DRAFT


def test_exports_are_audited(pages: SimpleNamespace) -> None:
    client = client_as(pages.chamber_admin)
    for url, action in [("/activities/?export=xlsx", "activity.export"), ("/activities/hours/?state=approved&export=xlsx", "volunteer.hours_export"),
                        ("/activities/volunteers/?export=xlsx", "volunteer.export"), ("/activities/stats/?export=xlsx", "activity.stats_export"),
                        (f"/activities/{pages.activity.pk}/?export=xlsx", "activity.signup_export")]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith(
            "application/vnd.openxmlformats"
        )
        assert AuditEntry.objects.filter(action=action).exists(), action


def test_the_statistics_export_names_its_scope_year_and_units(pages: SimpleNamespace) -> None:
    from django.utils import timezone

    year = timezone.localdate().year
    response = client_as(pages.chamber_admin).get("/activities/stats/", {"year": str(year), "export": "xlsx"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]  # a FileResponse
    assert book.sheetnames == ["概况", "按组织", "按月份", "按类型", "按状态"]
    for sheet in book:
        title = str(sheet["A1"].value)
        # The report, whose activities (the viewer's chamber), the year on the page, when it was made.
        assert title.startswith(f"活动与志愿服务统计　范围：衢州在上海商会　期间：{year}年　导出时间："), (
            title
        )
        assert sheet.freeze_panes == "A3"
    assert [c.value for c in book["按组织"][2]] == ["组织", "参与人次（人次）", "认定时长（小时）"]
    assert [c.value for c in book["按状态"][2]] == ["状态", "活动场次（场）"]
    summary = {r[0]: r[1] for r in book["概况"].iter_rows(min_row=3, values_only=True)}
    assert list(summary)[:4] == ["活动场次（场）", "参与人次（人次）", "参与志愿者（人）", "认定时长（小时）"]
    statuses = sum(int(str(n)) for _label, n in book["按状态"].iter_rows(min_row=3, values_only=True))
    assert summary["活动场次（场）"] == statuses
    # Another year is named as such.
    response = client_as(pages.chamber_admin).get(
        "/activities/stats/", {"year": str(year - 1), "export": "xlsx"}
    )
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]  # a FileResponse
    assert f"期间：{year - 1}年　" in str(book["概况"]["A1"].value)


def test_the_volunteer_pages(pages: SimpleNamespace) -> None:
    anonymous = Client()
    assert anonymous.get("/v/").status_code == 200
    assert anonymous.get(f"/v/a/{pages.activity.pk}/").status_code == 200
    assert anonymous.get("/v/me/").status_code == 302
    assert anonymous.get(f"/v/verify/{pages.cert.token}/").status_code == 200
    assert anonymous.get("/v/verify/nonsense/").status_code == 404
    draft = pages.new(title="未发布")
    assert anonymous.get(f"/v/a/{draft.pk}/").status_code == 404

    me = volunteer_client(pages.person.mobile)
    for url in ("/v/me/", "/v/me/hours/", "/v/me/certificates/", f"/v/me/certificates/{pages.cert.pk}.pdf"):
        assert me.get(url).status_code == 200, url
    # A newcomer is asked for their name first.
    newcomer = volunteer_client("13912345678")
    response = newcomer.get("/v/me/")
    assert response.status_code == 302 and "/v/me/profile/" in response["Location"]
    # Another volunteer's records do not exist for them.
    assert newcomer.post("/v/me/profile/", {"name": "赵六"}).status_code == 302
    assert newcomer.get(f"/v/me/certificates/{pages.cert.pk}.pdf").status_code == 404
    assert newcomer.post(f"/v/me/signups/{pages.signup.pk}/cancel/").status_code == 404
    assert SignUp.objects.get(pk=pages.signup.pk).state == SignUpState.CONFIRMED
    assert (
        newcomer.post(f"/v/me/hours/{pages.record.pk}/correct/", {"hours": "9", "reason": "x"}).status_code
        == 404
    )


def test_a_volunteer_signs_up_and_scans_the_code(pages: SimpleNamespace) -> None:
    from django.utils import timezone

    soon = timezone.now() + dt.timedelta(minutes=30)
    activity = pages.published(title="马上开始", starts_at=soon, ends_at=soon + dt.timedelta(hours=2))
    client = volunteer_client("13912345678")
    client.post("/v/me/profile/", {"name": "赵六"})
    slot = pages.slot(activity)
    assert client.post(f"/v/a/{activity.pk}/slots/{slot.pk}/signup/").status_code == 302
    signup = SignUp.objects.get(activity=activity, volunteer__mobile="13912345678")
    assert signup.state == SignUpState.CONFIRMED
    token = attendance.qr_token(activity, "in")
    assert client.get(f"/v/scan/{token}/").status_code == 200
    assert client.post(f"/v/scan/{token}/").status_code == 200
    assert SignUp.objects.get(pk=signup.pk).checked_in_at is not None
    assert client.post(f"/v/scan/{token}/").status_code == 422  # twice: "您已于 … 签到"
    assert client.get("/v/scan/1.in.1.abc/").status_code == 404
    old = attendance.qr_token(activity, "in", now=timezone.now() - dt.timedelta(minutes=2))
    assert client.get(f"/v/scan/{old}/").status_code == 410


def test_every_write_page_refuses_outsiders_and_other_chambers_and_changes_nothing(
    pages: SimpleNamespace,
) -> None:
    from shanghui.activities.models import Certificate, Slot, Team, TeamMember

    team = services.create_team(
        actor=pages.chamber_admin, organisation=pages.chamber_a, name="上海商会志愿服务队"
    )
    application = services.join_team(volunteer=pages.person, team=team)
    slot = pages.slot(pages.activity)
    posts = {
        f"/activities/{pages.activity.pk}/slots/": {"role": "摄影", "quantity": "2"},
        f"/activities/{pages.activity.pk}/slots/{slot.pk}/quantity/": {"quantity": "9"},
        f"/activities/{pages.activity.pk}/people/": {
            "slot": slot.pk,
            "mobile": "13900009999",
            "name": "周九",
        },
        f"/activities/signups/{pages.signup.pk}/cancel/": {},
        f"/activities/signups/{pages.signup.pk}/in/": {},
        f"/activities/certificates/{pages.cert.pk}/void/": {"reason": "x"},
        f"/activities/teams/members/{application.pk}/approve/": {},
        f"/activities/{pages.activity.pk}/act/cancel/": {"status": "published", "reason": "x"},
    }

    def state() -> tuple[Any, ...]:
        return (
            Slot.objects.filter(activity=pages.activity).count(), Slot.objects.get(pk=slot.pk).quantity,
            SignUp.objects.count(), SignUp.objects.get(pk=pages.signup.pk).state, SignUp.objects.get(pk=pages.signup.pk).checked_in_at,
            Certificate.objects.get(pk=pages.cert.pk).void, TeamMember.objects.get(pk=application.pk).state,
            Activity.objects.get(pk=pages.activity.pk).status, Team.objects.count(),
        )  # fmt: skip

    before = state()
    for persona, expected in (
        ("outsider", {403}),
        ("clerk", {403}),
        ("chamber_admin_b", {404}),
        ("auditor", {403}),
    ):
        client = client_as(getattr(pages, persona))
        for url, data in posts.items():
            assert client.post(url, data).status_code in expected, (persona, url)
    assert state() == before


def test_a_volunteer_joins_a_team_with_the_admins_approval(pages: SimpleNamespace) -> None:
    from shanghui.activities.models import Team, TeamMember

    admin = client_as(pages.chamber_admin)
    assert (
        admin.post(
            "/activities/teams/", {"organisation": pages.chamber_a.pk, "name": "青年志愿服务队"}
        ).status_code
        == 302
    )
    team = Team.objects.get(name="青年志愿服务队")
    me = volunteer_client(pages.person.mobile)
    assert me.get("/v/teams/").status_code == 200
    assert me.post(f"/v/teams/{team.pk}/join/").status_code == 302
    member = TeamMember.objects.get(team=team, volunteer=pages.person)
    assert member.state == TeamMember.State.APPLIED
    assert "待审核的入队申请" in admin.get("/activities/teams/").content.decode()
    assert (
        client_as(pages.chamber_admin_b).post(f"/activities/teams/members/{member.pk}/approve/").status_code
        == 404
    )
    assert admin.post(f"/activities/teams/members/{member.pk}/approve/").status_code == 302
    assert TeamMember.objects.get(pk=member.pk).state == TeamMember.State.APPROVED
    assert pages.person.notices.filter(text__contains="已同意").exists()


def _sheet(rows: list[list[Any]]) -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("签到表.xlsx", buffer.getvalue())


def test_a_paper_sign_in_sheet_is_imported_all_or_nothing(pages: SimpleNamespace) -> None:
    from django.utils import timezone

    start = timezone.localtime(pages.activity.starts_at).replace(tzinfo=None)
    other = pages.volunteer(2)
    services.sign_up(volunteer=other, slot=pages.slot(pages.activity))
    client = client_as(pages.chamber_staff)
    url = f"/activities/{pages.activity.pk}/attendance/import/"
    header = ["手机号", "签到时间", "签退时间"]
    good = [pages.person.mobile, start, start + dt.timedelta(hours=2)]

    bad = client.post(url, {"file": _sheet([header, good, ["13911112222", f"{start:%Y-%m-%d %H:%M}", ""]])})
    assert bad.status_code == 422 and "第 3 行" in bad.content.decode()
    assert SignUp.objects.filter(activity=pages.activity, checked_in_at__isnull=False).count() == 0
    assert client.post(url, {"file": not_a_workbook()}).status_code == 422

    ok = client.post(url, {"file": _sheet([header, good, [other.mobile, f"{start:%Y-%m-%d %H:%M}", ""]])})
    assert ok.status_code == 302
    rows = SignUp.objects.filter(activity=pages.activity, checked_in_at__isnull=False)
    assert {(r.volunteer_id, r.check_in_method, r.check_in_by_id) for r in rows} == {
        (pages.person.pk, "import", pages.chamber_staff.pk), (other.pk, "import", pages.chamber_staff.pk),
    }  # fmt: skip
    assert client_as(pages.chamber_admin_b).post(url, {"file": _sheet([header, good])}).status_code == 404


def not_a_workbook() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("签到表.xlsx", b"not a workbook")


def test_the_finder_shows_places_and_sign_ups_per_activity(act: SimpleNamespace) -> None:
    start = act.start
    activity = act.published(
        title="双岗位活动",
        slots=[
            {"role": "上午", "quantity": 9, "starts_at": start, "ends_at": start + dt.timedelta(hours=2)},
            {
                "role": "下午",
                "quantity": 9,
                "starts_at": start + dt.timedelta(hours=2),
                "ends_at": start + dt.timedelta(hours=4),
            },
        ],
    )
    services.sign_up(volunteer=act.volunteer(1), slot=activity.slots.order_by("pk").first())
    act.new(title="未发布的草稿")
    page = Client().get("/v/", {"kind": act.kind.pk}).content.decode()
    assert "双岗位活动" in page and "已报名 1 / 18 人" in page
    assert "未发布的草稿" not in page
    assert "双岗位活动" in Client().get("/v/", {"organisation": act.chamber_a.pk}).content.decode()
    later = (start + dt.timedelta(days=3)).date().isoformat()
    assert "双岗位活动" not in Client().get("/v/", {"day": later}).content.decode()


def test_the_home_page_shows_this_years_volunteering(act: SimpleNamespace) -> None:
    from django.utils import timezone

    today = timezone.localtime()
    start = today.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    if start > timezone.now():
        start -= dt.timedelta(days=1)
    for kind, title in ((act.kind, "志愿服务"), (act.study, "学习会")):
        activity = act.published(
            title=title,
            kind=kind,
            starts_at=start + dt.timedelta(days=400),
            ends_at=start + dt.timedelta(days=400, hours=2),
        )
        Activity.objects.filter(pk=activity.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=2))
        SignUp.objects.create(
            slot=act.slot(activity), activity=activity, volunteer=act.volunteer(1 if kind == act.kind else 2),
            state=SignUpState.CONFIRMED, starts_at=start, ends_at=start + dt.timedelta(hours=2), created_at=start,
            attendance="present", checked_in_at=start,
        )  # fmt: skip
    page = client_as(act.chamber_admin).get("/").content.decode()
    assert 'data-card="volunteer-person-times"' in page
    from shanghui.activities.queries import year_figures

    figures = year_figures(act.chamber_admin)
    assert (figures.person_times, figures.volunteers) == (1, 1)  # the study session is not volunteering
    assert year_figures(act.chamber_admin_b).person_times == 0
