"""Anchors: the head of the audit chain (its newest row's number, hash and key id) written outside the
database, to places the operator configures in `settings.AUDIT_ANCHOR` (comma-separated):

* `file:<path>` — one JSON line per head, appended (O_APPEND) and fsync'd. The default, under DATA_DIR.
  Make it append-only for the server's account (`chattr +a`), or ship it to another machine.
* `syslog:` (the local /dev/log), `syslog:<socket path>` or `syslog://host[:port]` (UDP) — one line per head to the AUTHPRIV
  facility, for a log collector the database administrator cannot reach. Write-only: verify cannot read
  it back, so compare it by hand or in the collector.
* `s3://bucket/prefix` — one object per head in an S3-compatible bucket with Object Lock (settings
  AUDIT_ANCHOR_S3_*; the client is s3.py). The object's key holds the anchor
  (`<prefix>/<seq>-<hash>-<time>-<key id>.json`, the body repeats it as JSON), so verify reads every
  anchor with a listing alone. Give the server's S3 credentials PutObject and ListBucket only.

`shanghui audit verify` reads every readable store back and fails when the database no longer holds an
anchored head as anchored (services.verify_chain).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
import re
import socket
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shanghui.audit.s3 import S3Client, S3Config, S3Error

logger = logging.getLogger("shanghui.audit")

SYSLOG_TAG = "shanghui-audit-anchor"
S3_KEY = re.compile(
    r"^(?P<seq>\d{20})-(?P<hash>[0-9a-f]{64})-(?P<time>\d{8}T\d{6}Z)-(?P<key_id>[A-Za-z0-9_.-]{0,16})\.json$"
)


class AnchorError(Exception):
    """A store cannot be written or read (the message says which and why, in Chinese)."""


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    key_id: str


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    key_id: str
    time: str  # ISO 8601, UTC
    source: str  # the store it was read from, for messages

    @property
    def head(self) -> Head:
        return Head(self.seq, self.hash, self.key_id)


def _utc(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(microsecond=0)


def anchor_json(head: Head, now: dt.datetime) -> str:
    document = {"time": _utc(now).isoformat().replace("+00:00", "Z"), "seq": head.seq, "hash": head.hash,
                "key_id": head.key_id}  # fmt: skip
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


class Store(Protocol):
    name: str
    readable: bool

    def write(self, head: Head, now: dt.datetime) -> None: ...

    def read(self) -> list[Anchor]: ...


class FileStore:
    readable = True

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"file:{path}"

    def write(self, head: Head, now: dt.datetime) -> None:
        line = (anchor_json(head, now) + "\n").encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise AnchorError(f"无法写入锚点文件 {self.path}：{exc.strerror or exc}") from exc

    def read(self) -> list[Anchor]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []  # nothing anchored yet (a new installation)
        except (OSError, UnicodeDecodeError) as exc:
            raise AnchorError(f"无法读取锚点文件 {self.path}：{exc}") from exc
        anchors = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                document = json.loads(line)
                anchors.append(Anchor(int(document["seq"]), str(document["hash"]), str(document["key_id"]),
                                      str(document["time"]), f"{self.name} 第 {number} 行"))  # fmt: skip
            except (ValueError, KeyError, TypeError) as exc:
                raise AnchorError(
                    f"锚点文件 {self.path} 第 {number} 行无法解析（文件被改动或写入中断）"
                ) from exc
        return anchors


class _SysLogHandler(logging.handlers.SysLogHandler):
    """The standard library's handler (it opens a Unix datagram or stream socket, or UDP, and frames the
    message), except that a failed send reaches the caller instead of stderr."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802  (logging's naming)
        raise  # called from emit()'s except block: re-raises what failed


class SyslogStore:
    readable = False

    def __init__(self, address: str | tuple[str, int]) -> None:
        self.address = address
        self.name = f"syslog:{address}" if isinstance(address, str) else f"syslog://{address[0]}:{address[1]}"

    def write(self, head: Head, now: dt.datetime) -> None:
        handler = _SysLogHandler(
            address=self.address,
            facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV,
            socktype=None if isinstance(self.address, str) else socket.SOCK_DGRAM,
        )
        handler.ident = f"{SYSLOG_TAG}: "
        try:
            handler.emit(logging.makeLogRecord({"msg": anchor_json(head, now), "levelname": "INFO"}))
        except OSError as exc:
            raise AnchorError(f"无法写入 {self.name}：{exc}") from exc
        finally:
            handler.close()

    def read(self) -> list[Anchor]:
        return []


class S3Store:
    readable = True

    def __init__(self, bucket: str, prefix: str) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.name = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    def client(self) -> S3Client:
        return S3Client(
            S3Config(
                endpoint=settings.AUDIT_ANCHOR_S3_ENDPOINT,
                region=settings.AUDIT_ANCHOR_S3_REGION,
                access_key_id=settings.AUDIT_ANCHOR_S3_ACCESS_KEY_ID,
                secret_access_key=settings.AUDIT_ANCHOR_S3_SECRET_ACCESS_KEY,
                virtual_hosted=settings.AUDIT_ANCHOR_S3_VIRTUAL_HOSTED,
                timeout=settings.AUDIT_ANCHOR_S3_TIMEOUT,
            )
        )

    def key_for(self, head: Head, now: dt.datetime) -> str:
        name = f"{head.seq:020d}-{head.hash}-{_utc(now).strftime('%Y%m%dT%H%M%SZ')}-{head.key_id}.json"
        return f"{self.prefix}/{name}" if self.prefix else name

    def write(self, head: Head, now: dt.datetime) -> None:
        retain_until = _utc(now) + dt.timedelta(days=settings.AUDIT_ANCHOR_S3_RETAIN_DAYS)
        try:
            self.client().put_object(
                self.bucket, self.key_for(head, now), anchor_json(head, now).encode(),
                content_type="application/json", lock_mode=settings.AUDIT_ANCHOR_S3_LOCK_MODE,
                retain_until=retain_until, now=now,
            )  # fmt: skip
        except S3Error as exc:
            raise AnchorError(f"无法写入 {self.name}：{exc}") from exc

    def read(self) -> list[Anchor]:
        start = f"{self.prefix}/" if self.prefix else ""
        anchors = []
        try:
            for key in self.client().list_keys(self.bucket, start):
                match = S3_KEY.match(key[len(start) :])
                if match is None:
                    continue  # not ours (a note the operator left beside the anchors)
                stamp = dt.datetime.strptime(match["time"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
                anchors.append(Anchor(int(match["seq"]), match["hash"], match["key_id"],
                                      stamp.isoformat().replace("+00:00", "Z"), f"{self.name}/{key[len(start):]}"))  # fmt: skip
        except S3Error as exc:
            raise AnchorError(f"无法读取 {self.name}：{exc}") from exc
        return anchors


def parse_target(target: str) -> Store:
    """One entry of AUDIT_ANCHOR as a store (ImproperlyConfigured when it is none of the forms)."""
    scheme, sep, rest = target.partition(":")
    if not sep:
        raise ImproperlyConfigured(f"AUDIT_ANCHOR: {target!r} is not file:…, syslog:… or s3://…")
    if scheme == "file" and rest:
        path = Path(rest)
        return FileStore(path if path.is_absolute() else settings.BASE_DIR / path)
    if scheme == "syslog":
        if not rest.startswith("//"):
            return SyslogStore(rest or "/dev/log")  # a local socket
        parts = urllib.parse.urlsplit(target)
        if parts.hostname:
            return SyslogStore((parts.hostname, parts.port or 514))
    if scheme == "s3":
        parts = urllib.parse.urlsplit(target)
        if parts.netloc:
            return S3Store(parts.netloc, parts.path)
    raise ImproperlyConfigured(
        f"AUDIT_ANCHOR: {target!r} is not file:<path>, syslog:[<socket>], syslog://host[:port] or s3://bucket/prefix"
    )


def stores() -> list[Store]:
    return [parse_target(target) for target in settings.AUDIT_ANCHOR]


def write(head: Head, *, now: dt.datetime | None = None) -> list[str]:
    """Write `head` to every store; the failures, one message per store that could not be written."""
    now = now or dt.datetime.now(dt.UTC)
    failures = []
    for store in stores():
        try:
            store.write(head, now)
        except AnchorError as exc:
            logger.error("audit anchor not written: %s", exc)
            failures.append(str(exc))
    return failures


@dataclass
class Readback:
    anchors: list[Anchor]
    read_from: list[str]  # stores read, with how many anchors each gave
    write_only: list[str]  # stores that cannot be read back (syslog)
    errors: list[str]


def read_all() -> Readback:
    back = Readback([], [], [], [])
    for store in stores():
        if not store.readable:
            back.write_only.append(store.name)
            continue
        try:
            found = store.read()
        except AnchorError as exc:
            back.errors.append(str(exc))
            continue
        back.anchors.extend(found)
        back.read_from.append(f"{store.name}（{len(found)} 个锚点）")
    return back
