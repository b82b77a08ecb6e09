"""Local HTTP servers that play the providers' side of each protocol, written from the providers'
documentation independently of the clients under test: they check the signature and the payload,
answer with the providers' real success and error bodies, and throttle at the real limits
(DingTalk and WeCom: 20 messages a minute per robot; Aliyun SMS: verification codes 1 a minute, 5 an
hour, 10 a day per number, notifications 50 a day per number and template).

Each server runs in a thread on 127.0.0.1 and keeps what it accepted, so tests can count deliveries.
Rate limits use `clock` (a FakeClock in tests that move time instead of sleeping); signature timestamps
are checked against the wall clock, as the providers do.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from zoneinfo import ZoneInfo

from shanghui.testing.clock import Clock

BEIJING = ZoneInfo("Asia/Shanghai")


class FakeClock(Clock):
    """The test kit's clock (shanghui/testing/clock.py), handed to the servers and the delivery runs
    rather than frozen into Django. It starts a minute ahead of the wall clock, so that rows written
    during the test (stamped with the wall clock) are already due."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        super().__init__(start or dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Answer:
    status: int
    body: dict[str, Any]


class ProviderServer:
    """The common part: a threaded HTTP server, a lock around the provider's state, injected failures."""

    def __init__(self, clock: Callable[[], dt.datetime] = wall_clock) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        # Answers to give instead of handling the next requests (an outage, a busy system).
        self.fail_next: list[Answer] = []
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path, _, query = self.path.partition("?")
                answer = server.dispatch(path, query, raw, dict(self.headers))
                payload = json.dumps(answer.body, ensure_ascii=False).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json;charset=UTF-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client went away (a killed worker)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def dispatch(self, path: str, query: str, raw: bytes, headers: dict[str, str]) -> Answer:
        with self.lock:
            self.requests += 1
            if self.fail_next:
                return self.fail_next.pop(0)
        return self.handle(path, query, raw, headers)

    def handle(self, path: str, query: str, raw: bytes, headers: dict[str, str]) -> Answer:
        raise NotImplementedError


def max_in_window(times: list[dt.datetime], window: dt.timedelta) -> int:
    """The most sends that any window of this length saw."""
    ordered = sorted(times)
    best = 0
    for i, start in enumerate(ordered):
        best = max(best, sum(1 for t in ordered[i:] if t - start < window))
    return best


# --- DingTalk ------------------------------------------------------------------------------------

DING_MORE = "more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"


@dataclass
class Robot:
    secret: str = ""
    keyword: str = ""
    sent: list[dt.datetime] = field(default_factory=list)
    blocked_until: dt.datetime | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)


class DingTalkServer(ProviderServer):
    LIMIT = 20
    WINDOW = dt.timedelta(minutes=1)
    PENALTY = dt.timedelta(minutes=10)  # "每个机器人每分钟最多发送20条。如果超过20条，会限流10分钟。"

    def __init__(self, clock: Callable[[], dt.datetime] = wall_clock) -> None:
        super().__init__(clock)
        self.robots: dict[str, Robot] = {}

    def add_robot(self, *, secret: str = "", keyword: str = "") -> str:
        token = secrets.token_hex(32)
        self.robots[token] = Robot(secret=secret, keyword=keyword)
        return token

    def webhook(self, token: str) -> str:
        return f"{self.base}/robot/send?access_token={token}"

    def handle(self, path: str, query: str, raw: bytes, headers: dict[str, str]) -> Answer:
        if path != "/robot/send":
            return Answer(404, {"errcode": 404, "errmsg": "not found"})
        params = urllib.parse.parse_qs(query)
        token = params.get("access_token", [""])[0]
        if not token:
            return Answer(200, {"errcode": 40035, "errmsg": "缺少参数 access_token"})
        with self.lock:
            robot = self.robots.get(token)
            if robot is None:
                return Answer(200, {"errcode": 300005, "errmsg": "token is not exist"})
            if robot.secret:
                timestamp = params.get("timestamp", [""])[0]
                sign = params.get("sign", [""])[0]
                if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
                    return Answer(200, {"errcode": 310000, "errmsg": f"invalid timestamp, {DING_MORE}"})
                expected = base64.b64encode(
                    hmac.new(
                        robot.secret.encode(), f"{timestamp}\n{robot.secret}".encode(), hashlib.sha256
                    ).digest()
                ).decode()
                if not hmac.compare_digest(sign, expected):
                    return Answer(200, {"errcode": 310000, "errmsg": f"sign not match, {DING_MORE}"})
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return Answer(200, {"errcode": 40035, "errmsg": "缺少参数 json"})
            content = self._content(body)
            if content is None:
                return Answer(200, {"errcode": 40035, "errmsg": "缺少参数 json"})
            if len(raw) > 20000:
                return Answer(200, {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"})
            if robot.keyword and robot.keyword not in content:
                return Answer(200, {"errcode": 310000, "errmsg": f"keywords not in content, {DING_MORE}"})
            at = body.get("at", {})
            if not isinstance(at, dict) or not isinstance(at.get("atMobiles", []), list):
                return Answer(200, {"errcode": 40035, "errmsg": "缺少参数 json"})
            now = self.clock()
            if robot.blocked_until is not None and now < robot.blocked_until:
                return Answer(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
            if sum(1 for t in robot.sent if now - t < self.WINDOW) >= self.LIMIT:
                robot.blocked_until = now + self.PENALTY
                return Answer(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
            robot.sent.append(now)
            robot.messages.append(body)
        return Answer(200, {"errcode": 0, "errmsg": "ok"})

    @staticmethod
    def _content(body: Any) -> str | None:
        if not isinstance(body, dict):
            return None
        if body.get("msgtype") == "text":
            content = (body.get("text") or {}).get("content")
        elif body.get("msgtype") == "markdown":
            markdown = body.get("markdown") or {}
            content = markdown.get("text") if markdown.get("title") else None
        else:
            return None
        return content if isinstance(content, str) and content else None


# --- WeCom ---------------------------------------------------------------------------------------


def _wecom_error(code: int, message: str) -> Answer:
    hint = f"{message}, hint: [{int(time.time())}{secrets.randbelow(10**6):06d}], from ip: 127.0.0.1, " \
        f"more info at https://open.work.weixin.qq.com/devtool/query?e={code}"  # fmt: skip
    return Answer(200, {"errcode": code, "errmsg": hint})


class WeComServer(ProviderServer):
    LIMIT = 20
    WINDOW = dt.timedelta(minutes=1)

    def __init__(self, clock: Callable[[], dt.datetime] = wall_clock) -> None:
        super().__init__(clock)
        self.robots: dict[str, Robot] = {}

    def add_robot(self) -> str:
        key = str(uuid.uuid4())
        self.robots[key] = Robot()
        return key

    def webhook(self, key: str) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def handle(self, path: str, query: str, raw: bytes, headers: dict[str, str]) -> Answer:
        key = urllib.parse.parse_qs(query).get("key", [""])[0]
        with self.lock:
            robot = self.robots.get(key)
            if path != "/cgi-bin/webhook/send" or robot is None:
                return _wecom_error(93000, "invalid webhook url")
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return _wecom_error(40058, "invalid Request Parameter")
            msgtype = body.get("msgtype") if isinstance(body, dict) else None
            if msgtype == "text":
                text = body.get("text") or {}
                content, limit = text.get("content"), 2048
                mobiles = text.get("mentioned_mobile_list", [])
                if not isinstance(mobiles, list) or not all(isinstance(m, str) for m in mobiles):
                    return _wecom_error(40058, "invalid Request Parameter")
            elif msgtype == "markdown":
                content, limit = (body.get("markdown") or {}).get("content"), 4096
            else:
                return _wecom_error(40008, "invalid message type")
            if not isinstance(content, str) or not content:
                return _wecom_error(44004, "empty content")
            if len(content.encode("utf-8")) > limit:
                return _wecom_error(
                    40058, f"{msgtype}.content exceed max length {limit}. invalid Request Parameter"
                )
            now = self.clock()
            if sum(1 for t in robot.sent if now - t < self.WINDOW) >= self.LIMIT:
                return _wecom_error(45009, "api freq out of limit")
            robot.sent.append(now)
            robot.messages.append(body)
        return Answer(200, {"errcode": 0, "errmsg": "ok"})


# --- Aliyun SMS (Dysmsapi 2017-05-25) ---------------------------------------------------------------


def aliyun_encode(value: str) -> str:
    # RFC 3986, as the documentation describes it: URL-encode, then "+"→%20, "*"→%2A, "%7E"→"~".
    return urllib.parse.quote_plus(value).replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


@dataclass
class Sms:
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    out_id: str
    biz_id: str
    accepted_at: dt.datetime


class AliyunSmsServer(ProviderServer):
    KEY_ID = "LTAI5tShanghuiTest"
    KEY_SECRET = "test-secret-ZmFrZQ"
    SIGN_NAME = "商会加"
    TEMPLATES = {
        "SMS_100001": ("code",),
        "SMS_100002": ("number", "status", "query_code"),
        "SMS_100003": ("title",),
    }
    VERIFICATION = {"SMS_100001"}
    Limits = tuple[tuple[dt.timedelta, int, str], ...]
    VERIFICATION_LIMITS: Limits = ((dt.timedelta(minutes=1), 1, "分钟"), (dt.timedelta(hours=1), 5, "小时"),
                           (dt.timedelta(days=1), 10, "天"))  # fmt: skip
    NOTIFICATION_LIMITS: Limits = ((dt.timedelta(days=1), 50, "天"),)

    def __init__(self, clock: Callable[[], dt.datetime] = wall_clock) -> None:
        super().__init__(clock)
        self.accepted: list[Sms] = []
        self.nonces: set[str] = set()
        self.actions: list[str] = []
        # A request to hold after accepting it (the provider has the message, the client has no answer).
        self.hold: Callable[[Sms], bool] = lambda sms: False
        self.held = threading.Event()
        self.release = threading.Event()

    @staticmethod
    def settings_templates() -> str:
        return "otp=SMS_100001,case_update=SMS_100002,staff_notice=SMS_100003"

    def _request_id(self) -> str:
        return str(uuid.uuid4()).upper()

    def _error(self, status: int, code: str, message: str) -> Answer:
        return Answer(status, {"RequestId": self._request_id(), "HostId": "dysmsapi.aliyuncs.com", "Code": code,
                               "Message": message, "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}"})  # fmt: skip

    def _business(self, code: str, message: str) -> Answer:
        return Answer(200, {"Message": message, "RequestId": self._request_id(), "Code": code})

    def handle(self, path: str, query: str, raw: bytes, headers: dict[str, str]) -> Answer:
        params = dict(urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        given = params.pop("Signature", "")
        canonical = "&".join(f"{aliyun_encode(k)}={aliyun_encode(v)}" for k, v in sorted(params.items()))
        to_sign = "POST&%2F&" + aliyun_encode(canonical)
        if params.get("AccessKeyId") != self.KEY_ID:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        expected = base64.b64encode(
            hmac.new(f"{self.KEY_SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        if not hmac.compare_digest(given, expected):
            return self._error(400, "SignatureDoesNotMatch",
                               f"Specified signature is not matched with our calculation. server string to sign is:{to_sign}")  # fmt: skip
        for name, value in (("Version", "2017-05-25"), ("Format", "JSON"), ("SignatureMethod", "HMAC-SHA1"),
                            ("SignatureVersion", "1.0")):  # fmt: skip
            if params.get(name) != value:
                return self._error(400, "InvalidParameter", f"The specified parameter {name} is not valid.")
        try:
            stamp = dt.datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=dt.UTC
            )
        except ValueError:
            return self._error(
                400, "InvalidTimeStamp.Format", "Specified time stamp or date header is not valid."
            )
        if abs((wall_clock() - stamp).total_seconds()) > 15 * 60:
            return self._error(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date header is expired."
            )
        with self.lock:
            nonce = params.get("SignatureNonce", "")
            if not nonce or nonce in self.nonces:
                return self._error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self.nonces.add(nonce)
            self.actions.append(params.get("Action", ""))
        if params.get("Action") == "SendSms":
            return self._send(params)
        if params.get("Action") == "QuerySendDetails":
            return self._query(params)
        return self._error(
            404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."
        )

    def _send(self, params: dict[str, str]) -> Answer:
        phone = params.get("PhoneNumbers", "")
        if not re.fullmatch(r"1[3-9]\d{9}", phone):
            return self._business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params.get("SignName") != self.SIGN_NAME:
            return self._business("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        code = params.get("TemplateCode", "")
        if code not in self.TEMPLATES:
            return self._business("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            template_params = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return self._business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if not isinstance(template_params, dict) or not all(
            isinstance(v, str) for v in template_params.values()
        ):
            return self._business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if missing := [name for name in self.TEMPLATES[code] if name not in template_params]:
            return self._business("isv.TEMPLATE_MISSING_PARAMETERS", f"模版缺少变量 {missing[0]}")
        with self.lock:
            now = self.clock()
            if code in self.VERIFICATION:
                same = [
                    s.accepted_at
                    for s in self.accepted
                    if s.phone == phone and s.template_code in self.VERIFICATION
                ]
                limits = self.VERIFICATION_LIMITS
            else:
                same = [s.accepted_at for s in self.accepted if s.phone == phone and s.template_code == code]
                limits = self.NOTIFICATION_LIMITS
            for window, most, unit in limits:
                if sum(1 for t in same if now - t < window) >= most:
                    return self._business("isv.BUSINESS_LIMIT_CONTROL", f"触发{unit}级流控Permits:{most}")
            sms = Sms(phone, params["SignName"], code, template_params, params.get("OutId", ""),
                      f"{secrets.randbelow(10**18):018d}^0", now)  # fmt: skip
            self.accepted.append(sms)
        if self.hold(sms):
            # The provider has the message; its answer waits (until the test releases it).
            self.held.set()
            self.release.wait(timeout=60)
        return Answer(
            200, {"Message": "OK", "RequestId": self._request_id(), "Code": "OK", "BizId": sms.biz_id}
        )

    def _query(self, params: dict[str, str]) -> Answer:
        phone = params.get("PhoneNumber", "")
        day = params.get("SendDate", "")
        try:
            size, page = int(params.get("PageSize", "")), int(params.get("CurrentPage", ""))
        except ValueError:
            return self._business("isv.INVALID_PARAMETERS", "参数异常")
        if not (1 <= size <= 50) or page < 1 or not re.fullmatch(r"\d{8}", day):
            return self._business("isv.INVALID_PARAMETERS", "参数异常")
        with self.lock:
            found = [s for s in self.accepted if s.phone == phone
                     and s.accepted_at.astimezone(BEIJING).strftime("%Y%m%d") == day]  # fmt: skip
        chunk = found[(page - 1) * size : page * size]
        records = [
            {"OutId": s.out_id, "SendDate": s.accepted_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
             "SendStatus": 3, "ReceiveDate": s.accepted_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
             "ErrCode": "DELIVERED", "TemplateCode": s.template_code, "Content": f"【{s.sign_name}】…",
             "PhoneNum": s.phone}
            for s in chunk
        ]  # fmt: skip
        return Answer(200, {"TotalCount": len(found), "Message": "OK", "RequestId": self._request_id(),
                            "SmsSendDetailDTOs": {"SmsSendDetailDTO": records}, "Code": "OK"})  # fmt: skip
