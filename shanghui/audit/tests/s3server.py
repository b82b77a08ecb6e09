"""A local S3 that plays the store's side of the two calls the anchors use, written from Amazon's
documentation independently of the client under test (shanghui/audit/s3.py):

* every request must carry a valid Signature Version 4 (recomputed here from the request as received:
  method, path as sent, sorted query, the headers named in SignedHeaders, `x-amz-content-sha256`, which
  must be the body's SHA-256), a scope of today's date, this server's region and "s3", and an
  `x-amz-date` within 15 minutes of the clock — else 403 as S3 answers (SignatureDoesNotMatch,
  InvalidAccessKeyId, RequestTimeTooSkewed, XAmzContentSHA256Mismatch, AuthorizationHeaderMalformed);
* PutObject with Object Lock headers needs both of them, a mode of COMPLIANCE or GOVERNANCE, a retain-until
  date in the future, and an integrity header (Content-MD5 here), which must match the body (BadDigest);
  the bucket must have Object Lock enabled; every PUT keeps a new version (versioning is on);
* DeleteObject of a locked version is refused (AccessDenied), as Object Lock does;
* ListObjectsV2 (`?list-type=2`) pages by `max_keys` with continuation tokens.

Path-style addresses (`/bucket/key`). The server keeps what it accepted, for the tests to inspect.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from xml.sax.saxutils import escape

AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


@dataclass
class Version:
    body: bytes
    lock_mode: str
    retain_until: dt.datetime
    headers: dict[str, str]


@dataclass
class Bucket:
    object_lock: bool = True
    objects: dict[str, list[Version]] = field(default_factory=dict)


def _encode(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


class S3Server:
    def __init__(
        self,
        *,
        access_key: str = "AKIDEXAMPLE",
        secret_key: str = "s3cr3t/example+KEY",
        region: str = "cn-north-1",
    ) -> None:
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self.buckets: dict[str, Bucket] = {"anchors": Bucket()}
        self.max_keys = 1000
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = server.dispatch(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_DELETE = _handle  # noqa: N815  (http.server's naming)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- the protocol ----------------------------------------------------------------------------

    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        lowered = {name.lower(): value for name, value in headers.items()}
        path, _, query = raw_path.partition("?")
        with self.lock:
            self.requests.append((method, raw_path))
            problem = self.check_signature(method, path, query, lowered, body)
            if problem:
                return problem
            bucket_name, _, key = urllib.parse.unquote(path.lstrip("/")).partition("/")
            bucket = self.buckets.get(bucket_name)
            if bucket is None:
                return error(404, "NoSuchBucket", "The specified bucket does not exist")
            if method == "PUT" and key:
                return self.put(bucket, key, lowered, body)
            if method == "DELETE" and key:
                return self.delete(bucket, key)
            params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
            if method == "GET" and not key and params.get("list-type") == "2":
                return self.list(bucket_name, bucket, params)
            return error(400, "InvalidRequest", "Not supported by this test server")

    def check_signature(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes] | None:
        match = AUTH.match(headers.get("authorization", ""))
        if match is None:
            return error(400, "AuthorizationHeaderMalformed", "The authorization header is malformed")
        if match["key"] != self.access_key:
            return error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist")
        stamp = headers.get("x-amz-date", "")
        try:
            sent = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return error(403, "AccessDenied", "x-amz-date is missing or malformed")
        if abs(dt.datetime.now(dt.UTC) - sent) > dt.timedelta(minutes=15):
            return error(
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large",
            )
        if match["date"] != stamp[:8] or match["region"] != self.region or match["service"] != "s3":
            return error(400, "AuthorizationHeaderMalformed", "The authorization header scope is wrong")
        if headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
            return error(
                400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match"
            )
        signed = match["signed"].split(";")
        if "host" not in signed or any(name not in headers for name in signed):
            return error(403, "SignatureDoesNotMatch", "A signed header is missing")
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        canonical_query = "&".join(sorted(f"{_encode(k)}={_encode(v)}" for k, v in pairs))
        canonical_headers = "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in signed)
        request = "\n".join(
            [
                method,
                path,
                canonical_query,
                canonical_headers,
                match["signed"],
                headers["x-amz-content-sha256"],
            ]
        )
        scope = f"{match['date']}/{self.region}/s3/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(request.encode()).hexdigest()}"
        key = _hmac(f"AWS4{self.secret_key}".encode(), match["date"])
        for part in (self.region, "s3", "aws4_request"):
            key = _hmac(key, part)
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            return error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
        return None

    def put(self, bucket: Bucket, key: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        mode = headers.get("x-amz-object-lock-mode")
        until_raw = headers.get("x-amz-object-lock-retain-until-date")
        if (mode is None) != (until_raw is None):
            return error(
                400,
                "InvalidArgument",
                "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
            )
        if mode is not None:
            if not bucket.object_lock:
                return error(400, "InvalidRequest", "Bucket is missing Object Lock Configuration")
            if "content-md5" not in headers and not any(
                name.startswith("x-amz-checksum-") for name in headers
            ):
                return error(
                    400,
                    "InvalidRequest",
                    "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters",
                )
            if mode not in ("COMPLIANCE", "GOVERNANCE"):
                return error(400, "InvalidArgument", "Unknown wormMode directive")
            try:
                until = dt.datetime.fromisoformat(str(until_raw).replace("Z", "+00:00"))
            except ValueError:
                return error(
                    400, "InvalidArgument", "The retain until date must be provided in ISO 8601 format"
                )
            if until <= dt.datetime.now(dt.UTC):
                return error(400, "InvalidArgument", "The retain until date must be in the future!")
        if "content-md5" in headers:
            digest = base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324 (the protocol's)
            if headers["content-md5"] != digest:
                return error(400, "BadDigest", "The Content-MD5 you specified did not match what we received")
        bucket.objects.setdefault(key, []).append(
            Version(body, mode or "", until if mode else dt.datetime.min.replace(tzinfo=dt.UTC), headers)
        )
        return 200, b""

    def delete(self, bucket: Bucket, key: str) -> tuple[int, bytes]:
        versions = bucket.objects.get(key, [])
        if any(v.retain_until > dt.datetime.now(dt.UTC) for v in versions):
            return error(403, "AccessDenied", "Access Denied because object protected by object lock")
        bucket.objects.pop(key, None)
        return 204, b""

    def list(self, name: str, bucket: Bucket, params: dict[str, str]) -> tuple[int, bytes]:
        prefix = params.get("prefix", "")
        keys = sorted(key for key in bucket.objects if key.startswith(prefix))
        start = int(params["continuation-token"]) if params.get("continuation-token", "").isdigit() else 0
        page = keys[start : start + self.max_keys]
        truncated = start + self.max_keys < len(keys)
        contents = "".join(
            f"<Contents><Key>{escape(key)}</Key><Size>{len(bucket.objects[key][-1].body)}</Size></Contents>"
            for key in page
        )
        token = f"<NextContinuationToken>{start + self.max_keys}</NextContinuationToken>" if truncated else ""
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Name>{escape(name)}</Name><Prefix>{escape(prefix)}</Prefix><KeyCount>{len(page)}</KeyCount>"
            f"<MaxKeys>{self.max_keys}</MaxKeys><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
            f"{token}{contents}</ListBucketResult>"
        )
        return 200, xml.encode()


def error(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>'
    ).encode()
