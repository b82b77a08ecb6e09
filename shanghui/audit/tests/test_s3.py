"""Anchors in an S3-compatible bucket under Object Lock, against a local server that checks Signature V4,
the Object Lock headers and Content-MD5 (s3server.py), and the signature against Amazon's published
examples."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shanghui.audit.actions import AuditAction
from shanghui.audit.models import AuditEntry
from shanghui.audit.s3 import S3Client, S3Config, S3Error, authorization
from shanghui.audit.services import record, verify_chain
from shanghui.audit.tests.s3server import S3Server

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
AWS_EXAMPLE = S3Config(
    endpoint="https://s3.amazonaws.com", region="us-east-1", access_key_id="AKIAIOSFODNN7EXAMPLE",
    secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
)  # fmt: skip


def test_signature_of_amazons_get_object_example():
    headers = {"Host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9",
               "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": "20130524T000000Z"}  # fmt: skip
    assert authorization(AWS_EXAMPLE, "GET", "/test.txt", {}, headers, EMPTY_SHA256) == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_signature_of_amazons_list_objects_example():
    headers = {"Host": "examplebucket.s3.amazonaws.com", "x-amz-content-sha256": EMPTY_SHA256,
               "x-amz-date": "20130524T000000Z"}  # fmt: skip
    signed = authorization(AWS_EXAMPLE, "GET", "/", {"max-keys": "2", "prefix": "J"}, headers, EMPTY_SHA256)
    assert signed.endswith("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")


def test_addresses_path_style_and_virtual_hosted():
    path_style = S3Client(S3Config("https://minio.example.cn:9000", "cn-north-1", "k", "s"))
    assert path_style._address("anchors", "a b/1.json") == ("minio.example.cn:9000", "/anchors/a%20b/1.json")
    virtual = S3Client(
        S3Config("https://s3.cn-north-1.amazonaws.com.cn", "cn-north-1", "k", "s", virtual_hosted=True)
    )
    assert virtual._address("anchors", "p/1.json") == ("anchors.s3.cn-north-1.amazonaws.com.cn", "/p/1.json")
    with pytest.raises(S3Error, match="S3 地址无效"):
        S3Client(S3Config("minio:9000", "r", "k", "s"))


@pytest.fixture
def s3(settings):
    with S3Server() as server:
        settings.AUDIT_ANCHOR = ["s3://anchors/shanghui/prod"]
        settings.AUDIT_ANCHOR_S3_ENDPOINT = server.endpoint
        settings.AUDIT_ANCHOR_S3_REGION = server.region
        settings.AUDIT_ANCHOR_S3_ACCESS_KEY_ID = server.access_key
        settings.AUDIT_ANCHOR_S3_SECRET_ACCESS_KEY = server.secret_key
        yield server


@pytest.fixture
def chain(db):
    return [record(actor=None, action=AuditAction.ORG_UPDATE, detail={"n": n}) for n in range(1, 6)]


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def test_verify_puts_one_locked_object_per_head(chain, s3, settings):
    verify()
    objects = s3.buckets["anchors"].objects
    [key] = objects
    assert key.startswith(f"shanghui/prod/{5:020d}-{chain[-1].hash}-") and key.endswith("-dev.json")
    [version] = objects[key]
    assert version.lock_mode == "COMPLIANCE"
    retention = version.retain_until - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=3649) < retention <= dt.timedelta(days=3650)
    assert "content-md5" in version.headers
    assert json.loads(version.body) | {"time": None} == {"seq": 5, "hash": chain[-1].hash, "key_id": "dev",
                                                          "time": None}  # fmt: skip
    # The governance mode is a setting.
    settings.AUDIT_ANCHOR_S3_LOCK_MODE = "GOVERNANCE"
    record(actor=None, action=AuditAction.ORG_UPDATE)
    verify()
    assert sorted(v[-1].lock_mode for v in objects.values()) == ["COMPLIANCE", "GOVERNANCE"]


def test_tail_deletion_is_found_from_anchors_listed_page_by_page(chain, s3):
    s3.max_keys = 2
    for _ in range(3):
        verify()
        record(actor=None, action=AuditAction.ORG_UPDATE)
    assert len(s3.buckets["anchors"].objects) == 3
    output = verify()
    assert "已读取锚点：s3://anchors/shanghui/prod（3 个锚点）" in output
    assert sum(1 for method, path in s3.requests if method == "GET" and "continuation-token" in path) >= 1
    AuditEntry.objects.filter(seq__gte=7)._raw_delete(AuditEntry.objects.db)  # behind the application's back
    report = verify_chain()
    assert report.broken_seq == 7
    assert "第 7–8 行缺失" in report.reason and "s3://anchors/shanghui/prod/" in report.reason


def test_a_wrong_secret_is_refused_and_verify_exits_2(chain, s3, settings):
    settings.AUDIT_ANCHOR_S3_SECRET_ACCESS_KEY = "not-the-secret"
    with pytest.raises(CommandError) as info:
        verify()
    assert info.value.returncode == 2
    assert "SignatureDoesNotMatch" in str(info.value)
    assert s3.buckets["anchors"].objects == {}


def test_a_bucket_without_object_lock_refuses_the_anchor(chain, s3):
    s3.buckets["anchors"].object_lock = False
    report = verify_chain()
    assert report.ok
    assert "Object Lock" in report.write_errors[0]


def test_an_anchor_cannot_be_deleted_from_the_bucket(chain, s3, settings):
    verify()
    [key] = s3.buckets["anchors"].objects
    store = S3Client(S3Config(s3.endpoint, s3.region, s3.access_key, s3.secret_key))
    with pytest.raises(S3Error, match="AccessDenied"):
        store._send("DELETE", "anchors", key)
    assert key in s3.buckets["anchors"].objects


def test_an_unreachable_store_is_a_read_and_write_error(chain, settings):
    settings.AUDIT_ANCHOR = ["s3://anchors/p"]
    settings.AUDIT_ANCHOR_S3_ENDPOINT = "http://127.0.0.1:9"  # discard port: nothing listens
    report: Any = verify_chain()
    assert report.ok and report.read_errors and report.write_errors
    assert "无法连接 S3" in report.read_errors[0]
