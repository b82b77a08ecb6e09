"""Material pre-review on the staff case page (issue 13, item 10): no verdict is chosen for a material
nobody reviewed (approving takes a choice), and a review refused for its missing note comes back with
what the agent chose and wrote, the reason under that material."""

from __future__ import annotations

import re
from types import SimpleNamespace

from django.test import Client
from django.urls import reverse

from shanghui.proxy.models import CaseMaterial


def _review_form(html: str, material: CaseMaterial) -> str:
    start = html.index(f'data-material-id="{material.pk}"')
    return html[start : html.index("</form>", start)]


def _selected(form: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', form)


def test_a_material_nobody_reviewed_has_no_verdict_chosen(client: Client, pw: SimpleNamespace) -> None:
    case = pw.submitted()
    material = case.materials.get(slot=0, is_current=True)
    client.force_login(pw.agent)

    form = _review_form(client.get(reverse("proxy:detail", args=[case.pk])).content.decode(), material)
    assert _selected(form) == [""] and "请选择审核结果" in form

    # Saving without a choice is refused in Chinese and changes nothing.
    response = client.post(reverse("proxy:review", args=[case.pk, material.pk]), {"review": "", "note": ""})
    assert "请选择审核结果" in response.content.decode()
    material.refresh_from_db()
    assert material.review == CaseMaterial.Review.PENDING

    # A reviewed material shows its verdict.
    client.post(reverse("proxy:review", args=[case.pk, material.pk]), {"review": "accepted", "note": "清晰"})
    form = _review_form(client.get(reverse("proxy:detail", args=[case.pk])).content.decode(), material)
    assert _selected(form) == ["accepted"] and 'value="清晰"' in form


def test_a_refused_review_keeps_what_the_agent_chose_and_wrote(client: Client, pw: SimpleNamespace) -> None:
    case = pw.submitted()
    material = case.materials.get(slot=0, is_current=True)
    client.force_login(pw.agent)

    response = client.post(
        reverse("proxy:review", args=[case.pk, material.pk]), {"review": "needs_correction", "note": "  "}
    )

    html = response.content.decode()
    form = _review_form(html, material)
    assert _selected(form) == ["needs_correction"] and "is-invalid" in form
    # The reason right under that material's form.
    after = html[html.index("</form>", html.index(f'data-material-id="{material.pk}"')) :]
    assert re.match(
        r'</form>\s*<div class="invalid-feedback d-block" role="alert" data-testid="review-error">请写明需要怎样补正',
        after,
    )
    material.refresh_from_db()
    assert material.review == CaseMaterial.Review.PENDING

    # The outsider may not review at all.
    client.force_login(pw.outsider)
    refused = client.post(reverse("proxy:review", args=[case.pk, material.pk]), {"review": "accepted"})
    assert refused.status_code in (403, 404)
    material.refresh_from_db()
    assert material.review == CaseMaterial.Review.PENDING
