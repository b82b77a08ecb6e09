"""Shanghui+ settings. Everything an operator may change comes from the environment (see .env.example)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    """KEY=VALUE lines of an optional .env file; the real environment wins. Tests ignore it."""
    if not path.is_file() or "PYTEST_VERSION" in os.environ:
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip().strip("'\""))


_load_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-secret-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

# Field encryption for ID numbers: comma-separated Fernet keys, newest first. Older keys still decrypt,
# so a key can be rotated by putting the new one in front and running `shanghui rotate_keys`.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY", "hmRHq3S5h8DQb4oBBcYkq6ljsNGGPGy7ZWgF93M4qOg=")
# Key for the keyed hash stored beside each encrypted ID number (exact look-up). Never rotate it
# without re-hashing every row (`shanghui rotate_keys --rehash`).
FIELD_HASH_KEY = env_str("FIELD_HASH_KEY", "dev-only-hash-key-change-me")
# Keys of the audit log's hash chain (HMAC-SHA256), "id:secret" pairs, newest first; the database never
# holds them. Rotate by putting a new key in front on every process, then `shanghui audit rotate-key`;
# keep every older key for verifying the rows it made (docs/architecture.md, "Audit log").
AUDIT_HMAC_KEYS = env_list("AUDIT_HMAC_KEYS", "dev:dev-only-audit-hmac-key-change-me-in-production")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "axes",
    "django_tasks",
    # Before django_tasks_db: its `db_worker` command (a lease on running tasks) replaces the package's.
    "shanghui.worker",
    "django_tasks_db",
    # ninja's templates and static files: the API documentation page is served from here, no CDN.
    "ninja",
    "shanghui.accounts",
    "shanghui.audit",
    "shanghui.orgs",
    "shanghui.workdays",
    "shanghui.workflow",
    "shanghui.notify",
    "shanghui.proxy",
    "shanghui.mediation",
    "shanghui.conversations",
    "shanghui.catalog",
    "shanghui.activities",
    "shanghui.home",
    "shanghui.demo",
    "shanghui.open311",
    "shanghui.reviews",
    "shanghui.publicity",
    "shanghui.scorecards",
    "shanghui.party",
    "shanghui.donations",
    "shanghui.pairing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shanghui.home.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shanghui.home.middleware.ContentSecurityPolicyMiddleware",
    "shanghui.home.middleware.RefuseNulMiddleware",
    # Axes last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shanghui.urls"
ASGI_APPLICATION = "shanghui.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shanghui.home.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'shanghui.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a write transaction takes the write lock at BEGIN, so two writers queue instead
        # of failing half-way with "database is locked" (the audit chain depends on it).
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
        ),
    }
    # A file (not memory) so that a test server thread and the browser see the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    # One test database per test process, so that two test runs on one machine never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    # Production on PostgreSQL: a pool of connections per web process (psycopg_pool). Under uvicorn
    # every request runs in a thread of its own, so CONN_MAX_AGE cannot keep connections; without a
    # pool each request opens a new connection (a few milliseconds, more on a busy server).
    DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 0)
    if DB_POOL_MAX_SIZE:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # a pool and persistent connections exclude each other
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, channels, tasks ----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
# Which of channels_redis' layers carries live events between web processes (docs/performance.md, part
# 4): "core" (RedisChannelLayer: per-channel lists in Redis, at most 100 queued events per socket) or
# "pubsub" (RedisPubSubChannelLayer: one PUBLISH per event, queued in the receiving process's memory;
# marked beta by its authors).
REDIS_CHANNEL_LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
REDIS_CHANNEL_LAYER = env_str("REDIS_CHANNEL_LAYER", "core")
if REDIS_CHANNEL_LAYER not in REDIS_CHANNEL_LAYERS:
    raise ImproperlyConfigured(f"REDIS_CHANNEL_LAYER must be one of {', '.join(REDIS_CHANNEL_LAYERS)}")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": REDIS_CHANNEL_LAYERS[REDIS_CHANNEL_LAYER], "CONFIG": {"hosts": [REDIS_URL]}}
    }
    # Several web processes must share rate limits (one-time codes, tracking look-ups, API tokens).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# A conversation's live socket keeps its viewer's access answer between events for at most this many
# seconds; changes that may alter it are announced to the sockets at once (conversations/services.py,
# "Who may see what changed"), the age limit only bounds an announcement lost with Redis. 0: ask the
# database at every event, as before.
CONVERSATION_ACCESS_CACHE_SECONDS = env_int("CONVERSATION_ACCESS_CACHE_SECONDS", 60)

TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A running task whose worker has not been heard of for this long (a worker's heartbeat thread writes
# every few seconds, whatever the task) runs again; after TASK_MAX_ATTEMPTS runs cut off so, it fails.
# See shanghui/worker/lease.py and docs/architecture.md, "Background tasks".
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 60)
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 5)

# --- Auth ----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "shanghui.accounts.backends.UsernameOrMobileBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:index"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Log-in lock-out (shanghui/accounts/lockout.py). Failures count per account *and* client address:
# AXES_FAILURE_LIMIT of them lock that account from that address only, so someone who knows a staff
# member's login cannot lock the owner out from their own address. Separately, one address may fail
# LOGIN_ADDRESS_FAILURE_LIMIT times across all accounts before it is blocked (that address only), so it
# cannot try many accounts. A lock lasts AXES_COOLOFF_MINUTES after the last failure. Not per address
# alone at the account limit: a county office shares one NAT address, and one person's typos must not
# shut out every colleague. Unlock: `shanghui axes_reset_username <username>`, `axes_reset_ip <address>`.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "shanghui.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "shanghui.accounts.lockout.lockout_response"
# The address the audit log records (REMOTE_ADDR, set by the reverse proxy; see audit.services.client_ip).
AXES_CLIENT_IP_CALLABLE = "shanghui.audit.services.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
# Count failures per account, whatever case or mobile spelling was typed (see the function's docstring).
AXES_USERNAME_CALLABLE = "shanghui.accounts.backends.lockout_key"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "shanghui" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# pytest (8.2+) sets PYTEST_VERSION: tests render pages without running collectstatic first.
TESTING = "PYTEST_VERSION" in os.environ
_default_static_backend = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if TESTING
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": env_str("STATICFILES_BACKEND", _default_static_backend)},
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail --------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "shanghui@localhost")

# --- Proxy service (shanghui/proxy) ---------------------------------------------------------------
PROXY_REVIEW_DAYS = env_int("PROXY_REVIEW_DAYS", 1)  # pre-review, working days (per point overridable)
PROXY_ACCEPTANCE_DAYS = env_int("PROXY_ACCEPTANCE_DAYS", 2)  # window acceptance, working days
PROXY_DEFAULT_PROCESSING_DAYS = env_int("PROXY_DEFAULT_PROCESSING_DAYS", 20)  # items with no time limit
PROXY_AUTO_DELIVER_DAYS = env_int("PROXY_AUTO_DELIVER_DAYS", 7)
PROXY_AUTO_CLOSE_DAYS = env_int("PROXY_AUTO_CLOSE_DAYS", 15)
PROXY_FOLLOW_UP_DAYS = env_int("PROXY_FOLLOW_UP_DAYS", 5)  # bad-rating follow-up, working days
PROXY_MAX_UPLOAD_MB = env_int("PROXY_MAX_UPLOAD_MB", 10)

# --- Dispute mediation (shanghui/mediation) --------------------------------------------------------
MEDIATION_ACCEPTANCE_DAYS = env_int("MEDIATION_ACCEPTANCE_DAYS", 3)  # acceptance, working days
MEDIATION_DAYS = env_int("MEDIATION_DAYS", 30)  # mediation from acceptance, calendar days (extendable once)
MEDIATION_CONFIRMATION_DAYS = env_int("MEDIATION_CONFIRMATION_DAYS", 30)  # judicial confirmation (art. 33)

# --- SMS (see shanghui/notify/sms.py) -------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "shanghui.notify.sms.ConsoleSmsBackend")
SMS_SIGNATURE = env_str("SMS_SIGNATURE", "商会加")

# --- Logging: never personal data (see shanghui/lib/masking.py) ----------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Audit anchors (shanghui/audit/anchors.py) --------------------------------------------------------
# Where the head of the audit chain (its newest row's number and hash) is written, outside the database,
# on every `shanghui audit verify` and at most AUDIT_ANCHOR_INTERVAL seconds after a new row (0: only on
# verify). Comma-separated, each written to: "file:<path>" (appended and fsync'd, one JSON line per head;
# make it append-only with `chattr +a`), "syslog:" (/dev/log, or "syslog:<socket path>"), "syslog://host:514"
# (UDP) — write-only —,
# "s3://bucket/prefix" (one object per head under S3 Object Lock, settings below).
AUDIT_ANCHOR = env_list("AUDIT_ANCHOR", f"file:{DATA_DIR / 'audit-anchors.log'}")
AUDIT_ANCHOR_INTERVAL = env_int("AUDIT_ANCHOR_INTERVAL", 600)
# An S3-compatible store (AWS S3, MinIO, Ceph…) with Object Lock enabled on the bucket. Path-style
# addresses (endpoint/bucket/key) unless AUDIT_ANCHOR_S3_VIRTUAL_HOSTED (bucket.endpoint/key).
AUDIT_ANCHOR_S3_ENDPOINT = env_str("AUDIT_ANCHOR_S3_ENDPOINT", "https://s3.amazonaws.com")
AUDIT_ANCHOR_S3_VIRTUAL_HOSTED = env_bool("AUDIT_ANCHOR_S3_VIRTUAL_HOSTED", False)
AUDIT_ANCHOR_S3_REGION = env_str("AUDIT_ANCHOR_S3_REGION", "us-east-1")
AUDIT_ANCHOR_S3_ACCESS_KEY_ID = env_str("AUDIT_ANCHOR_S3_ACCESS_KEY_ID", "")
AUDIT_ANCHOR_S3_SECRET_ACCESS_KEY = env_str("AUDIT_ANCHOR_S3_SECRET_ACCESS_KEY", "")
# COMPLIANCE: nobody, not even the bucket's owner, deletes an anchor before its retention ends.
AUDIT_ANCHOR_S3_LOCK_MODE = env_str("AUDIT_ANCHOR_S3_LOCK_MODE", "COMPLIANCE")
AUDIT_ANCHOR_S3_RETAIN_DAYS = env_int("AUDIT_ANCHOR_S3_RETAIN_DAYS", 3650)
AUDIT_ANCHOR_S3_TIMEOUT = env_int("AUDIT_ANCHOR_S3_TIMEOUT", 10)  # seconds per request

# --- REST API (/api/v1/, shanghui/apiv1) ------------------------------------------------------------
# Requests per token (or per logged-in user) and period: "600/min", "20/s", "10000/h"; "0" turns it off.
# Counted in the cache: shared by every web process when REDIS_URL is set.
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/min")

# --- Quotas: what one person may post (shanghui/lib/quotas.py) ------------------------------------
# Citizens (a one-time-code login, no account) are held to stricter limits than staff. 0 = no limit.
# Messages in a case's conversation, per WebSocket and per person (every socket, page and API call of
# theirs together): "20/min". Over the rate nothing is dropped: the sender is told when to send again
# and the page sends it again itself.
CITIZEN_MESSAGES_PER_SOCKET = env_str("CITIZEN_MESSAGES_PER_SOCKET", "20/min")
CITIZEN_MESSAGES_PER_PERSON = env_str("CITIZEN_MESSAGES_PER_PERSON", "30/min")
STAFF_MESSAGES_PER_SOCKET = env_str("STAFF_MESSAGES_PER_SOCKET", "60/min")
STAFF_MESSAGES_PER_PERSON = env_str("STAFF_MESSAGES_PER_PERSON", "120/min")
# Files one case may hold (its materials, replaced versions included, and its conversation's files),
# as counted when the next file is added by a citizen or by staff; and MB one person may upload in a
# day (Beijing time), everywhere together. One file stays limited by PROXY_MAX_UPLOAD_MB.
CITIZEN_CASE_MAX_FILES = env_int("CITIZEN_CASE_MAX_FILES", 30)
CITIZEN_CASE_MAX_MB = env_int("CITIZEN_CASE_MAX_MB", 60)
CITIZEN_DAILY_UPLOAD_MB = env_int("CITIZEN_DAILY_UPLOAD_MB", 100)
STAFF_CASE_MAX_FILES = env_int("STAFF_CASE_MAX_FILES", 100)
STAFF_CASE_MAX_MB = env_int("STAFF_CASE_MAX_MB", 300)
STAFF_DAILY_UPLOAD_MB = env_int("STAFF_DAILY_UPLOAD_MB", 1000)

# Page size of every staff list.
PAGE_SIZE = env_int("PAGE_SIZE", 20)

# --- Notification channels (shanghui/notify; docs/architecture.md, "Notifications") ---------------
# Off (the default): the outbox sends nothing outside the server — SMS go to the console backend,
# e-mail and group-robot messages to the log — so a development or demo database, whose invented people
# have invented mobile numbers that may belong to real people, never reaches anyone. Production: on.
# (One-time codes are not notifications: they always use SMS_BACKEND, for the person who asked.)
NOTIFY_EXTERNAL_ENABLED = env_bool("NOTIFY_EXTERNAL_ENABLED", False)
# The site's address, for links in e-mails and robot messages.
NOTIFY_SITE_URL = env_str("NOTIFY_SITE_URL", "http://127.0.0.1:8000")
NOTIFY_HTTP_TIMEOUT = env_int("NOTIFY_HTTP_TIMEOUT", 10)  # seconds per provider request
# How long a delivery run holds an outbox row (must exceed a provider request by far): a row whose
# worker died is sent again (or looked up at the provider) after this.
NOTIFY_LEASE_SECONDS = env_int("NOTIFY_LEASE_SECONDS", 300)
# Group robots: a webhook must lie under these bases (the server posts nowhere else; tests point them
# at local servers).
DINGTALK_API_BASE = env_str("DINGTALK_API_BASE", "https://oapi.dingtalk.com")
WECOM_API_BASE = env_str("WECOM_API_BASE", "https://qyapi.weixin.qq.com")
# Aliyun SMS, for SMS_BACKEND=shanghui.notify.channels.aliyun_sms.AliyunSmsBackend (SMS_SIGNATURE is
# the SignName). ALIYUN_SMS_TEMPLATES maps our template names to the approved template codes:
# "otp=SMS_1234,case_update=SMS_5678,case_detail=SMS_5679,staff_notice=SMS_9012".
ALIYUN_SMS_ENDPOINT = env_str("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com")
ALIYUN_SMS_REGION = env_str("ALIYUN_SMS_REGION", "cn-hangzhou")
ALIYUN_SMS_ACCESS_KEY_ID = env_str("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = env_str("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_TEMPLATES = {
    name.strip(): code.strip()
    for name, _, code in (item.partition("=") for item in env_list("ALIYUN_SMS_TEMPLATES", ""))
    if code.strip()
}
# Where Django's file-based e-mail backend writes (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
