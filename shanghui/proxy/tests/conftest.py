"""Proxy-case fixtures on top of the shared `world`: an ID-card item of the public security department
(柯城区 window), offered by the Shanghai proxy point, and helpers to move a case along."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shanghui.catalog.services import MaterialData
from shanghui.catalog.tests.factories import make_item
from shanghui.proxy import services
from shanghui.proxy.models import Case, Channel
from shanghui.proxy.workflow import AGENT, APPLICANT, CLERK, transition
from shanghui.workdays import calendar

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf_upload(name: str = "户口簿.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def pw(world: SimpleNamespace, settings: Any, tmp_path: Any) -> SimpleNamespace:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    calendar.seed_from_package()
    calendar.invalidate()
    world.item = make_item(
        world.dept,
        "居民身份证办理（包括临时）",
        promised_limit=20,
        promised_limit_unit="working",
        legal_limit=60,
        legal_limit_unit="working",
        materials=[
            MaterialData(name="居民户口簿", form="original", copies=1, required=True),
            MaterialData(name="近期免冠照片", form="original", copies=2, required=True, deferrable=True),
            MaterialData(name="原居民身份证", form="original", copies=1, required=False),
        ],
    )
    world.applicant = services.Applicant(
        name="张三", id_number="330802199003070017", mobile="13800001234", home_region_code="330802",
        current_city="上海", current_address="上海市浦东新区世纪大道100号",
    )  # fmt: skip

    def new_case(**kw: Any) -> Case:
        options: dict[str, Any] = dict(
            actor=world.agent, channel=Channel.AGENT, item=world.item, proxy_point=world.point_a,
            applicant=world.applicant, poa_confirmed=True,
        )  # fmt: skip
        options.update(kw)
        return services.create_case(**options)

    def act(case: Case, action: str, who: str, **params: Any) -> Case:
        actor = {AGENT: world.agent, CLERK: world.clerk, APPLICANT: None}.get(who)
        return transition(case_id=case.pk, action=action, actor=actor, actor_kind=who, params=params)

    def submitted() -> Case:
        case = new_case()
        services.add_material(case=case, actor=world.agent, upload=pdf_upload(), slot=0)
        return act(case, "submit", AGENT)

    world.new_case, world.act, world.submitted = new_case, act, submitted
    return world
