"""The 500s of issue #11, each now a clear 4xx in the error shape of its API, from four causes:

1. a request body Django cannot read (malformed multipart, a part's headers over 1 KB: a long file name);
2. dates at the ends of the calendar (year 1 or 9999, converted to UTC or moved by a day: OverflowError);
3. integers beyond 64 bits compared with a foreign key or in an `__in` list (SQLite: OverflowError);
4. a WebSocket to a path no consumer serves (Channels' router raises: handshake 500).

And NUL characters, which PostgreSQL cannot store, refused with a clear message wherever text bypasses
Django's form fields. The rules are in shanghui/lib/bounds.py; tests/fuzz/ keeps the whole class away.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from shanghui.asgi import application
from shanghui.conversations.models import Message
from shanghui.home.consumers import CLOSE_UNKNOWN_PATH
from shanghui.lib.bounds import DATE_MESSAGE, MAX_INT, NUL_MESSAGE
from shanghui.notify.models import Notification
from shanghui.proxy.models import CaseMaterial
from tests.api.conftest import ApiClient, error_of

BEYOND_64_BITS = str(MAX_INT + 1)  # 9223372036854775808


def _api(pw: Any, api_as: Any) -> ApiClient:
    client: ApiClient = api_as(pw.agent)
    return client


# --- 1. Bodies Django cannot read ------------------------------------------------------------------------


def _multipart(filename: str) -> bytes:
    return (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="' + filename.encode() + b'"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--b0undary--\r\n"
    )


@pytest.mark.parametrize(
    ("content_type", "body", "says"),
    [
        ("multipart/form-data", b"garbage", "multipart/form-data"),  # no boundary
        ("multipart/form-data; boundary=b0undary", _multipart("户口簿" * 150 + ".pdf"), "文件名"),
    ],
    ids=["malformed-multipart", "file-name-over-1kb"],
)
def test_an_upload_the_server_cannot_read_is_a_400_in_the_api_shape(
    pw: Any, api_as: Any, content_type: str, body: bytes, says: str
) -> None:
    api = _api(pw, api_as)
    case = pw.new_case()
    response = api.client.post(
        f"/api/v1/cases/{case.pk}/materials",
        body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert says in error["message"]
    assert not CaseMaterial.objects.exists()


def test_a_page_upload_the_server_cannot_read_is_a_400_page(pw: Any, client: Client) -> None:
    client.force_login(pw.agent)
    case = pw.new_case()
    response = client.post(
        f"/cases/{case.pk}/materials/",
        _multipart("户" * 400 + ".pdf"),
        content_type="multipart/form-data; boundary=b0undary",
    )
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
    assert not CaseMaterial.objects.exists()


# --- 2. Dates at the ends of the calendar -----------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"created_from": "0001-01-01"},
        {"created_to": "9999-12-31"},
        {"updated_after": "0001-01-01T00:00:00+14:00"},
        {"updated_after": "9999-12-31T23:59:59-12:00"},
    ],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
def test_api_case_filters_refuse_dates_at_the_ends_of_the_calendar(
    pw: Any, api_as: Any, params: dict[str, str]
) -> None:
    pw.new_case()
    response = _api(pw, api_as).get("/api/v1/cases", params)
    assert response.status_code == 422, response.content
    assert error_of(response)["fields"] == {name: [DATE_MESSAGE] for name in params}


@pytest.mark.parametrize(
    ("persona", "url", "params"),
    [
        ("agent", "/cases/", {"created_from": "0001-01-01"}),
        ("agent", "/cases/", {"created_to": "9999-12-31"}),
        ("fed_admin", "/audit/", {"date_from": "0001-01-01"}),
        ("fed_admin", "/audit/", {"date_to": "9999-12-31"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()),
)
def test_page_filters_show_the_date_range_at_the_field(
    pw: Any, client: Client, persona: str, url: str, params: dict[str, str]
) -> None:
    pw.new_case()
    client.force_login(getattr(pw, persona))
    response = client.get(url, params)
    assert response.status_code == 200
    assert DATE_MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"updated_after": "0001-01-01T00:00:00+14:00"},
        {"updated_before": "9999-12-31T23:59:59-12:00"},
        {"start_date": "0001-01-01"},
        {"end_date": "9999-12-31"},
    ],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_refuses_dates_at_the_ends_of_the_calendar_in_its_error_list(
    pw: Any, client: Client, params: dict[str, str], fmt: str
) -> None:
    pw.submitted()
    response = client.get(f"/open311/v2/requests.{fmt}", {"jurisdiction_id": "330802", **params})
    assert response.status_code == 400
    name = next(iter(params))
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.json() == [{"code": 400, "description": f"{name} 超出范围：{DATE_MESSAGE}"}]
    else:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        errors = ET.fromstring(response.content)  # noqa: S314 (our own server's answer in a test)
        assert [e.findtext("description") for e in errors] == [f"{name} 超出范围：{DATE_MESSAGE}"]


def test_an_unexpected_open311_failure_answers_the_error_list_not_html(
    pw: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shanghui.open311 import views

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("internals 330802199003070017")

    monkeypatch.setattr(views, "parse_request_query", boom)
    response = client.get("/open311/v2/requests.json", {"jurisdiction_id": "330802"})
    assert response.status_code == 500
    assert response.json() == [{"code": 500, "description": "服务器内部错误，请稍后再试"}]


# --- 3. Integers beyond 64 bits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/cases", "item"),
        ("/api/v1/cases", "department"),
        ("/api/v1/cases", "chamber"),
        ("/api/v1/cases", "point"),
        ("/api/v1/cases", "window"),
        ("/api/v1/catalog/items", "department"),
        ("/api/v1/orgs", "under"),
        ("/api/v1/members", "org"),
    ],
    ids=lambda v: v.rsplit("/", 1)[-1],
)
def test_api_filters_refuse_integers_beyond_64_bits(pw: Any, api_as: Any, path: str, name: str) -> None:
    pw.new_case()
    response = _api(pw, api_as).get(path, {name: BEYOND_64_BITS})
    assert response.status_code == 422, response.content
    assert list(error_of(response)["fields"]) == [name]


def test_marking_notifications_read_refuses_ids_beyond_64_bits(pw: Any, api_as: Any) -> None:
    Notification.objects.create(user=pw.agent, title="新办件", body="", url="/cases/")
    response = _api(pw, api_as).post("/api/v1/notifications/read", {"ids": [int(BEYOND_64_BITS)]})
    assert response.status_code == 422, response.content
    assert error_of(response)["fields"] == {"ids.0": [f"不能大于 {MAX_INT}"]}
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_a_case_path_beyond_64_bits_is_refused(pw: Any, api_as: Any) -> None:
    response = _api(pw, api_as).get(f"/api/v1/cases/{BEYOND_64_BITS}/materials")
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == ["case_id"]


# --- 4. A WebSocket to a path nobody serves ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ws/", "/ws/nothing/here/", "/", "/ws/conversations/proxy.case/"])
def test_a_websocket_to_an_unknown_path_is_closed_with_4404(path: str) -> None:
    async def scenario() -> dict[str, Any]:
        headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
        socket = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await socket.connect(timeout=10)
        assert connected
        closing: dict[str, Any] = await socket.receive_output(timeout=10)
        await socket.wait()
        return closing

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": CLOSE_UNKNOWN_PATH}


# --- NUL characters -------------------------------------------------------------------------------------


def test_api_refuses_nul_in_a_query_and_names_the_field(pw: Any, api_as: Any) -> None:
    response = _api(pw, api_as).get("/api/v1/cases", {"q": "张\x00三"})
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"q": [NUL_MESSAGE]}


def test_api_refuses_nul_in_a_message_and_stores_nothing(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    before = Message.objects.count()
    response = _api(pw, api_as).post(f"/api/v1/cases/{case.pk}/messages", {"body": "材料\x00已收到"})
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"body": [NUL_MESSAGE]}
    assert Message.objects.count() == before


def test_open311_refuses_nul_in_its_error_list(pw: Any, client: Client) -> None:
    response = client.get(
        "/open311/v2/requests.json", {"jurisdiction_id": "330802", "service_request_id": "3308\x00"}
    )
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": f"service_request_id {NUL_MESSAGE}"}]


def test_pages_refuse_nul_with_a_400_page_before_the_view_reads_it(pw: Any, client: Client) -> None:
    case = pw.submitted()
    client.force_login(pw.agent)
    before = Message.objects.count()
    response = client.post(f"/conversations/proxy.case/{case.pk}/files/", {"body": "您好\x00"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert Message.objects.count() == before
    assert client.get("/s/", {"city": "上海\x00"}).status_code == 400


# --- Found by the fuzz tests ------------------------------------------------------------------------------


def test_a_next_that_looks_like_a_view_name_is_not_followed(pw: Any, client: Client) -> None:
    # redirect("0") looks "0" up as a view name: NoReverseMatch, a 500.
    from shanghui.notify.models import OutboxMessage
    from shanghui.notify.services import notify_users

    notify_users(users=[pw.agent], event="case.submit", key="k:1", title="t", body="b")
    row = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=row.pk).update(state=OutboxMessage.State.DEAD)
    client.force_login(pw.fed_admin)
    response = client.post(f"/notifications/failed/{row.pk}/resend/", {"next": "0"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/failed/"


@pytest.mark.parametrize("path", ["/api/v1/%0A", "/open311/v2/requests/.%0A"])
def test_a_path_with_a_newline_is_still_answered_in_the_apis_shape(
    db: None, client: Client, path: str
) -> None:
    # The catch-all patterns' "." did not match a newline: Django's HTML 404 page answered.
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith(("application/json", "text/xml"))


def test_a_multipart_body_where_json_is_expected_is_a_400(pw: Any, api_as: Any) -> None:
    # The input checks read a multipart body as a form; the endpoint then cannot read it as JSON.
    api = _api(pw, api_as)
    case = pw.submitted()
    response = api.client.post(
        f"/api/v1/cases/{case.pk}/messages/read",
        _multipart("a.pdf"),
        content_type="multipart/form-data; boundary=b0undary",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 400
    assert "JSON" in error_of(response)["message"]
