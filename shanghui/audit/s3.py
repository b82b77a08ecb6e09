"""The two calls of the S3 API the audit anchors need — PutObject under Object Lock and ListObjectsV2 —
signed with AWS Signature Version 4, over the standard library's HTTP client.

* Signature V4 (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html): a
  canonical request (method, URI-encoded path, sorted query, lower-cased signed headers, the payload's
  SHA-256 in hex, also sent as `x-amz-content-sha256`), a string to sign ("AWS4-HMAC-SHA256", the
  `x-amz-date`, the scope date/region/s3/aws4_request, the canonical request's SHA-256), and a key
  derived by HMAC-SHA256 chained over "AWS4"+secret, date, region, "s3", "aws4_request".
* Object Lock (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html): a PUT may set
  `x-amz-object-lock-mode` (COMPLIANCE or GOVERNANCE) and `x-amz-object-lock-retain-until-date`
  (ISO 8601); S3 then requires an integrity header, here `Content-MD5`. The bucket must have been made
  with Object Lock enabled (which turns versioning on): a locked version cannot be deleted or
  overwritten until its date, in COMPLIANCE mode not even by the account's root user.
* Addresses: path-style (`https://endpoint/bucket/key`, what MinIO and most compatible stores expect)
  or virtual-hosted (`https://bucket.endpoint/key`, what AWS prefers).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

ALGORITHM = "AWS4-HMAC-SHA256"
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
LOCK_MODES = ("COMPLIANCE", "GOVERNANCE")


class S3Error(Exception):
    pass


@dataclass(frozen=True)
class S3Config:
    endpoint: str
    region: str
    access_key_id: str
    secret_access_key: str
    virtual_hosted: bool = False
    timeout: float = 10


def uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """RFC 3986 encoding as Signature V4 wants it: only A–Z a–z 0–9 - _ . ~ stay as they are."""
    return urllib.parse.quote(value, safe="-_.~/" if keep_slash else "-_.~")


def amz_date(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def canonical_request(
    method: str, path: str, query: dict[str, str], headers: dict[str, str], payload_sha256: str
) -> tuple[str, str]:
    """(canonical request, signed header names). `path` is already URI-encoded."""
    canonical_query = "&".join(f"{uri_encode(k)}={uri_encode(v)}" for k, v in sorted(query.items()))
    lowered = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed = ";".join(sorted(lowered))
    canonical_headers = "".join(f"{name}:{lowered[name]}\n" for name in sorted(lowered))
    return "\n".join([method, path, canonical_query, canonical_headers, signed, payload_sha256]), signed


def authorization(
    config: S3Config,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    payload_sha256: str,
) -> str:
    """The Authorization header for a request whose headers (Host and x-amz-date included) are final."""
    stamp = headers["x-amz-date"]
    scope = f"{stamp[:8]}/{config.region}/s3/aws4_request"
    request, signed = canonical_request(method, path, query, headers, payload_sha256)
    to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(request.encode()).hexdigest()])
    key = signing_key(config.secret_access_key, stamp[:8], config.region)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={config.access_key_id}/{scope}, SignedHeaders={signed}, Signature={signature}"


class S3Client:
    def __init__(self, config: S3Config) -> None:
        parts = urllib.parse.urlsplit(config.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise S3Error(f"S3 地址无效：{config.endpoint!r}（应为 https://主机[:端口]）")
        self.config = config
        self.scheme = parts.scheme
        self.netloc = parts.netloc

    def _address(self, bucket: str, key: str) -> tuple[str, str]:
        """(Host header, URI-encoded path) of an object, or of the bucket when `key` is empty."""
        if self.config.virtual_hosted:
            return f"{bucket}.{self.netloc}", "/" + uri_encode(key, keep_slash=True)
        path = f"/{uri_encode(bucket)}/" + uri_encode(key, keep_slash=True)
        return self.netloc, path if key else f"/{uri_encode(bucket)}"

    def _send(
        self,
        method: str,
        bucket: str,
        key: str,
        *,
        query: dict[str, str] | None = None,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        now: dt.datetime | None = None,
    ) -> bytes:
        query = query or {}
        host, path = self._address(bucket, key)
        payload_sha256 = hashlib.sha256(body).hexdigest()
        signed_headers = {
            "Host": host,
            "x-amz-date": amz_date(now or dt.datetime.now(dt.UTC)),
            "x-amz-content-sha256": payload_sha256,
            **(headers or {}),
        }
        auth = authorization(self.config, method, path, query, signed_headers, payload_sha256)
        target = path + (
            "?" + "&".join(f"{uri_encode(k)}={uri_encode(v)}" for k, v in sorted(query.items()))
            if query
            else ""
        )
        connection_class = (
            http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(host, timeout=self.config.timeout)
        try:
            connection.request(
                method, target, body=body or None,
                headers={**signed_headers, "Authorization": auth, "Content-Length": str(len(body))},
            )  # fmt: skip
            response = connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise S3Error(f"无法连接 S3（{self.scheme}://{host}）：{exc}") from exc
        finally:
            connection.close()
        if response.status >= 300:
            raise S3Error(f"S3 拒绝了请求（HTTP {response.status}）：{_error_text(answer)}")
        return answer

    def put_object(
        self,
        bucket: str,
        key: str,
        body: bytes,
        *,
        content_type: str,
        lock_mode: str,
        retain_until: dt.datetime,
        now: dt.datetime | None = None,
    ) -> None:
        """A new object version, locked until `retain_until` (UTC)."""
        if lock_mode not in LOCK_MODES:
            raise S3Error(f"Object Lock 模式无效：{lock_mode!r}（COMPLIANCE 或 GOVERNANCE）")
        self._send(
            "PUT", bucket, key, body=body, now=now,
            headers={
                "Content-Type": content_type,
                "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode(),  # noqa: S324 (S3 integrity header, not security)
                "x-amz-object-lock-mode": lock_mode,
                "x-amz-object-lock-retain-until-date": retain_until.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )  # fmt: skip

    def list_keys(self, bucket: str, prefix: str) -> Iterator[str]:
        """Every key under `prefix`, in S3's (lexicographic) order, page after page."""
        token = ""
        while True:
            query = {"list-type": "2", "prefix": prefix}
            if token:
                query["continuation-token"] = token
            document = _parse(self._send("GET", bucket, "", query=query))
            for contents in document.iter(f"{S3_NS}Contents"):
                yield contents.findtext(f"{S3_NS}Key") or ""
            token = document.findtext(f"{S3_NS}NextContinuationToken") or ""
            if document.findtext(f"{S3_NS}IsTruncated") != "true" or not token:
                return


def _parse(answer: bytes) -> ET.Element:
    try:
        # The answer of the operator's own store; Python's expat (2.4.1+) refuses entity-expansion bombs
        # and ElementTree resolves no external entities.
        return ET.fromstring(answer)  # noqa: S314
    except ET.ParseError as exc:
        raise S3Error(f"S3 的答复不是 XML：{exc}") from exc


def _error_text(answer: bytes) -> str:
    try:
        document = ET.fromstring(answer)  # noqa: S314 (as in _parse)
    except ET.ParseError:
        return answer[:200].decode(errors="replace")
    return f"{document.findtext('Code') or ''} {document.findtext('Message') or ''}".strip()
