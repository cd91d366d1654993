"""Settings for the dealership ERP: one module, every value read from the environment.

The variables are documented in the README ("Configuration"). With no variables set at all the
project runs for development: SQLite under ``var/`` and Celery tasks executed in-process.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from dealership.env import (
    _UNSET,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_parsed,
    env_str,
    env_timezone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DJANGO_VAR_DIR", str(BASE_DIR / "var")))

# Safe by default: development mode only when asked for (`make run` and `make test` set
# DJANGO_DEBUG=true); production leaves it off (see README).
DEBUG = env_bool("DJANGO_DEBUG", False)

_DEV_SECRET = "django-insecure-development-only-key-do-not-use-in-production-0123456789"  # noqa: S105 (development only; refused when DEBUG is off)  # nosec B105
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET if DEBUG else _UNSET)
if not DEBUG and (
    SECRET_KEY == _DEV_SECRET
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "Environment variable DJANGO_SECRET_KEY must be a long random secret (at least 50 "
        "characters, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))') when "
        "DJANGO_DEBUG is off."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "dealership.admin_site.PlatformAdminConfig",  # django.contrib.admin, superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens: hashed, with an expiry (REST_KNOX below)
    "axes",  # login lockout (AXES_* below)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "csp",
    "django_tables2",
    "template_partials",
    "guardian",
    # The platform, then the domain apps (imports run one way: see docs/architecture.md).
    "dealership.apps.PlatformConfig",
    "org.apps.OrgConfig",
    "crm.apps.CrmConfig",
    "sales.apps.SalesConfig",
    "aftersales.apps.AftersalesConfig",
    "finance.apps.FinanceConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dealership.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dealership.security.middleware.SessionIdleMiddleware",  # SESSION_IDLE_HOURS
    "dealership.tenancy.middleware.TenantMiddleware",
    "dealership.inputs.RejectControlCharactersMiddleware",  # NUL & co. in GET/POST: 400
    "dealership.middleware.ErrorPageMiddleware",  # 400/403/404 pages in the shell, also in DEBUG
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: a locked-out login gets the lockout answer
]

# The route benchmark (`make bench`, scripts/bench_routes.py): a statement count on every
# response (X-Bench-Queries, outermost middleware) and the /bench/ routes, among them plain
# twins of the API lists WITHOUT the access policy (dealership/bench_views.py). Never in
# production: `check --deploy` fails while it is on (dealership.E005).
BENCH = env_bool("DJANGO_BENCH", False)
if BENCH:
    MIDDLEWARE.insert(0, "dealership.bench_views.QueryCountMiddleware")

ROOT_URLCONF = "dealership.urls"
WSGI_APPLICATION = "dealership.wsgi.application"
ASGI_APPLICATION = "dealership.asgi.application"

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
                "dealership.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_database_url = env_url(
    "DATABASE_URL",
    ("postgres", "postgresql", "sqlite"),
    default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
)
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
# PostgreSQL: Django's backend plus the tenant scope in each session (row-level security). The
# app connects as a role the policies bind (erp_app); only `migrate` runs as the tables' owner.
# SQLite (`make run`) has the application's tenant filters only. README: "Roles and row-level
# security".
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "dealership.tenancy.postgresql"
    # PostgreSQL compiles a query whose estimated cost passes jit_above_cost to machine code
    # first: for our short reads that compilation is the whole time (the audit log as a
    # department manager: 1.3 s of JIT for a page of nothing). Off unless DATABASE_JIT=true.
    if not env_bool("DATABASE_JIT", False):
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery ------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", ("redis", "rediss"))
CACHE_KEY_PREFIX = env_str("DJANGO_CACHE_KEY_PREFIX", "erp")
# "default" keys carry the tenant scope (one dealership's cached data never answers another's);
# "shared" holds what is read before any scope exists: sessions and who works where
# (dealership/access_cache.py), under keys of their own.
_CACHE_BACKEND = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
)
CACHES = {
    "default": {
        **_CACHE_BACKEND,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "KEY_FUNCTION": "dealership.tenancy.cache.make_key",
    },
    "shared": {
        **_CACHE_BACKEND,
        "KEY_PREFIX": f"{CACHE_KEY_PREFIX}:shared",
        **({} if REDIS_URL else {"LOCATION": "shared"}),
    },
}
# Workspaces and grants are cached this long at most (a write to the org chart or the
# memberships makes every entry stale at once); 0 turns the cache off.
ACCESS_CACHE_SECONDS = env_int("ACCESS_CACHE_SECONDS", 300, minimum=0)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool child killed in the middle of a task (SIGKILL, out of memory) puts its message back on
# the queue instead of acknowledging it: the task runs again. The state rows make that safe (a
# job run is claimed under a PostgreSQL advisory lock, so a second delivery finds it finished,
# or takes over a run whose worker is gone), and their attempt counters stop a message that
# kills every worker from looping.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
JOBS_DISPATCH_INTERVAL = env_int("JOBS_DISPATCH_INTERVAL", 300, minimum=1)
NOTIFICATIONS_DISPATCH_INTERVAL = env_int("NOTIFICATIONS_DISPATCH_INTERVAL", 60, minimum=5)
REPORTS_DISPATCH_INTERVAL = env_int("REPORTS_DISPATCH_INTERVAL", 60, minimum=5)
CELERY_BEAT_SCHEDULE = {
    # The only fixed beat entry: the dispatcher claims due job rows (see dealership/jobs).
    "dispatch-due-jobs": {
        "task": "dealership.dispatch_due_jobs",
        "schedule": timedelta(seconds=JOBS_DISPATCH_INTERVAL),
    },
    # Messages to e-mail and WeCom: due deliveries (new ones and retries) every minute.
    "dispatch-due-deliveries": {
        "task": "dealership.dispatch_due_deliveries",
        "schedule": timedelta(seconds=NOTIFICATIONS_DISPATCH_INTERVAL),
    },
    # Report runs that wait (asked for, or failed and due for a retry) and OEM submissions.
    "dispatch-report-work": {
        "task": "dealership.dispatch_report_work",
        "schedule": timedelta(seconds=REPORTS_DISPATCH_INTERVAL),
    },
}
# How many past days the dispatcher looks back for runs missed during downtime.
JOBS_CATCHUP_DAYS = env_int("JOBS_CATCHUP_DAYS", 7, minimum=0)
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 3, minimum=1)
# The positions told when a job that names no owners fails for good.
JOBS_DEFAULT_OWNERS = env_list("JOBS_DEFAULT_OWNERS", ["admin_manager"])
# A failed run is retried after this many seconds, doubled at each further attempt.
JOBS_RETRY_BASE_SECONDS = env_int("JOBS_RETRY_BASE_SECONDS", 300, minimum=1)
# A run is stopped (and recorded as failed) after this many seconds; its worker process is
# killed JOBS_TIME_LIMIT_GRACE seconds later if the job ignores the stop.
JOBS_TIME_LIMIT = env_int("JOBS_TIME_LIMIT", 1800, minimum=1)
JOBS_TIME_LIMIT_GRACE = env_int("JOBS_TIME_LIMIT_GRACE", 60, minimum=1)
# On PostgreSQL a run's worker holds an advisory lock while it runs, so a run whose worker died
# is seen (and retried) at the next dispatch. Elsewhere (SQLite in `make run`) a run still
# "running" after this long is taken as lost; keep it above the time limit.
JOBS_STALE_AFTER = timedelta(minutes=env_int("JOBS_STALE_MINUTES", 60, minimum=1))
# Days further back than the catch-up window are recorded as "missed" (and the owners told),
# looking back at most this many days from the last dispatcher pass.
JOBS_MISSED_LOOKBACK_DAYS = env_int("JOBS_MISSED_LOOKBACK_DAYS", 92, minimum=1)
# Exports of lists (dealership/exports): lists up to EXPORT_INLINE_ROWS rows download at once
# (streamed); longer ones are made in the background. Rows are read EXPORT_PAGE_ROWS at a time;
# a background export still waiting after EXPORT_REQUEUE_MINUTES is queued again.
EXPORT_INLINE_ROWS = env_int("EXPORT_INLINE_ROWS", 5000, minimum=1)
EXPORT_PAGE_ROWS = env_int("EXPORT_PAGE_ROWS", 500, minimum=10)
EXPORT_REQUEUE_AFTER = timedelta(minutes=env_int("EXPORT_REQUEUE_MINUTES", 10, minimum=1))
# Reports (dealership/reports): attempts of a failing run or OEM submission, the first wait
# between attempts (doubled each time), and the OEM endpoints' timeout.
REPORTS_MAX_ATTEMPTS = env_int("REPORTS_MAX_ATTEMPTS", 5, minimum=1)
REPORTS_RETRY_BASE_SECONDS = env_int("REPORTS_RETRY_BASE_SECONDS", 120, minimum=1)

# --- Content-Security-Policy (django-csp): every asset is served by us; no inline script ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # style attributes (Bootstrap utilities, widths) are allowed; scripts never inline
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],  # attachments (PDF previews) allow our own pages
    }
}

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "dealership.User"
AUTHENTICATION_BACKENDS = [
    "dealership.security.backends.LoginThrottleBackend",  # django-axes, before any password
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row
# Lockout (django-axes): 5 failures of one username from one IP address lock that pair out for
# the cool-off; a GM or a superuser may lift it earlier (dealership/security).
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "dealership.security.events.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # logins are recorded in dealership.SecurityEvent
AXES_VERBOSE = False
# Client addresses: REMOTE_ADDR, unless this many trusted proxies add X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0, minimum=0) or None
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
# Sessions end at browser close (unless "remember me": at most SESSION_REMEMBER_DAYS) and
# after SESSION_IDLE_HOURS without a request.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# sessions are read from the cache (no query per request) and written through to the database
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "shared"
SESSION_IDLE_HOURS = env_int("SESSION_IDLE_HOURS", 12, minimum=1)
SESSION_REMEMBER_DAYS = env_int("SESSION_REMEMBER_DAYS", 14, minimum=1)
SESSION_COOKIE_AGE = SESSION_REMEMBER_DAYS * 24 * 3600
# API tokens (django-rest-knox): stored hashed, valid API_TOKEN_TTL_DAYS, never extended.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_TTL_DAYS", 30, minimum=1)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Chinese amounts grouped by thousands (159,800.00) wherever a template asks for grouping
FORMAT_MODULE_PATH = ["dealership.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_timezone("DJANGO_TIME_ZONE", "Asia/Shanghai")
LANGUAGE_COOKIE_NAME = "erp_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("DJANGO_MANIFEST_STATIC", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Attachments of approval requests: outside the web root, served only through a view that
# checks who may see the request.
PRIVATE_MEDIA_ROOT = Path(env_str("DJANGO_PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 10, minimum=1)
MEDIA_URL = "media/"

# --- E-mail ---------------------------------------------------------------------------------
_email = env_choice("DJANGO_EMAIL_BACKEND", "console", ["console", "smtp", "locmem"])
EMAIL_BACKEND = f"django.core.mail.backends.{_email}.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "erp@localhost")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)

# --- Notifications (dealership/notifications) -------------------------------------------------
# The address of the app in links of e-mails and WeCom messages.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# WeCom group robots may only post to these hosts (over HTTPS unless allowed below).
WECOM_WEBHOOK_HOSTS = env_list("WECOM_WEBHOOK_HOSTS", ["qyapi.weixin.qq.com"])
WECOM_WEBHOOK_ALLOW_HTTP = env_bool("WECOM_WEBHOOK_ALLOW_HTTP", False)
WECOM_TIMEOUT = env_int("WECOM_TIMEOUT", 10, minimum=1)
# Seconds before each retry of a failed message; after the last one it has failed for good.
NOTIFICATIONS_RETRY_DELAYS = env_parsed(
    "NOTIFICATIONS_RETRY_DELAYS",
    lambda raw: [int(part) for part in raw.split(",") if part.strip()],
    [60, 300, 1800, 7200],
    "comma-separated seconds, e.g. 60,300,1800",
)
# A message still "sending" after this many minutes (the worker died) is sent again.
NOTIFICATIONS_STALE_MINUTES = env_int("NOTIFICATIONS_STALE_MINUTES", 10, minimum=1)
# With workers (Redis), messages are handed to them as soon as the transaction commits;
# without (make run), the scheduler loop sends them.
NOTIFICATIONS_SEND_ON_COMMIT = not CELERY_TASK_ALWAYS_EAGER
# Text messages to customers (dealership/sms.py): the back end class (default: only logged).
SMS_BACKEND = env_str("SMS_BACKEND", "dealership.sms.LoggingBackend")
# dealership.sms.AliyunBackend (阿里云短信): the AccessKey, the approved sign name and template
SMS_ALIYUN_ACCESS_KEY_ID = env_str("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = env_str("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
SMS_ALIYUN_SIGN_NAME = env_str("SMS_ALIYUN_SIGN_NAME", "")
SMS_ALIYUN_TEMPLATE_CODE = env_str("SMS_ALIYUN_TEMPLATE_CODE", "")
_ALIYUN = (SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_ALIYUN_SIGN_NAME)
if SMS_BACKEND == "dealership.sms.AliyunBackend" and not all((*_ALIYUN, SMS_ALIYUN_TEMPLATE_CODE)):
    raise ImproperlyConfigured(
        "SMS_BACKEND=dealership.sms.AliyunBackend needs SMS_ALIYUN_ACCESS_KEY_ID, "
        "SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_ALIYUN_SIGN_NAME and SMS_ALIYUN_TEMPLATE_CODE."
    )

API_MAX_JSON_BYTES = env_int("API_MAX_JSON_BYTES", 1024 * 1024, minimum=1024)
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 20, minimum=2)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # JSON bodies bounded in size (API_MAX_JSON_BYTES) and nesting, without control characters
    "DEFAULT_PARSER_CLASSES": [
        "dealership.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dealership.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dealership.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dealership ERP API",
    "DESCRIPTION": "REST API of the 4S dealership ERP. Authenticate with `Authorization: Token <token>` (`POST /api/v1/auth/token/`; tokens expire).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "DEFAULT_GENERATOR_CLASS": "dealership.api.schema.TenantSafeSchemaGenerator",
    # Swagger UI assets are served locally from drf-spectacular-sidecar, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # choice sets that share a field name get stable component names
    "ENUM_NAME_OVERRIDES": {
        "ExpenseCategoryEnum": "finance.models.ExpenseCategory",
        "GeneralCategoryEnum": "finance.models.GeneralCategory",
        "ConsentMethodEnum": "crm.models.ConsentMethod",
        "LostReasonEnum": "sales.models.LostReason",
        "LeadStageEnum": "sales.models.Stage",
        "QuoteStatusEnum": "sales.models.QuoteStatus",
        "OrderStatusEnum": "sales.models.OrderStatus",
        "StockStatusEnum": "sales.models.StockStatus",
        "AllocationStatusEnum": "sales.models.AllocationStatus",
        "ApprovalStatusEnum": "org.approvals.models.ApprovalRequest.Status",
        "RepairLineKindEnum": "aftersales.models.LineKind",
        "PartMovementKindEnum": "aftersales.models.MovementKind",
        "TechnicalCaseKindEnum": "aftersales.models.CaseKind",
        "VisitKindEnum": "sales.models.VisitKind",
        "CustomerKindEnum": "crm.models.CustomerKind",
        "CustomerEventKindEnum": "crm.models.EventKind",
        "ReminderKindEnum": "crm.models.ReminderKind",
        "ReminderStateEnum": "crm.models.ReminderState",
        "SmsCampaignStateEnum": "crm.models.SmsCampaignState",
        "SmsDeliveryStateEnum": "crm.models.SmsDeliveryState",
        "QuestionKindEnum": "crm.models.QuestionKind",
        "SurveyChannelEnum": "crm.models.SurveyChannel",
        "ComplaintCategoryEnum": "crm.models.ComplaintCategory",
        "ComplaintChannelEnum": "crm.models.ComplaintChannel",
        "ComplaintManualChannelEnum": "crm.api.complaints.MANUAL_CHANNEL_CHOICES",
        "ComplaintSeverityEnum": "crm.models.ComplaintSeverity",
        "ComplaintStateEnum": "crm.models.ComplaintState",
        "OemSubmissionStateEnum": "dealership.reports.models.OemSubmission.State",
        # the rest of the source documents (#18)
        "EnquiryChannelEnum": "crm.models.EnquiryChannel",
        "AdvertisingChannelEnum": "crm.models.intelligence.AdChannel",
        "InvitationChannelEnum": "crm.models.InvitationChannel",
        "InvitationReplyEnum": "crm.models.InvitationReply",
        "MarketingEventKindEnum": "crm.models.MarketingEventKind",
        "MarketingEventStateEnum": "crm.models.EventState",
        "EvidenceKindEnum": "crm.models.EvidenceKind",
        "AdvertisingPlanStateEnum": "crm.models.marketing.PlanState",
        "ProposalSourceEnum": "crm.models.ProposalSource",
        "ProposalStateEnum": "crm.models.ProposalState",
        "CustomerSourceEnum": "crm.models.customers.Source",
        "DataCheckStateEnum": "crm.models.DataCheckState",
        "LetterStateEnum": "crm.models.LetterState",
        "SatisfactionActionStateEnum": "crm.models.ActionState",
        "NoticeKindEnum": "org.office.models.Notice.Kind",
        "MeetingKindEnum": "org.office.models.Meeting.Kind",
        "ActionItemStateEnum": "org.office.models.ActionItem.State",
        "TrainingKindEnum": "org.office.models.TrainingSession.Kind",
        "TrainingResultEnum": "org.office.models.TrainingRecord.Result",
        "ShiftKindEnum": "org.office.models.RotaShift.Kind",
        "AttendanceMarkEnum": "org.office.models.RotaShift.Mark",
        "RescueResultEnum": "aftersales.models.RescueResult",
        "SalesPlanStateEnum": "sales.models.PlanState",
        "PriceListStateEnum": "sales.models.PriceListState",
        "SubDealerStateEnum": "sales.models.SubDealerState",
        "AdClaimOemStatusEnum": "finance.models.AdClaim.OemStatus",
    },
}

# --- Security (production values; `manage.py check --deploy` is clean with DJANGO_DEBUG off) --
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("DJANGO_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
    },
    # the PDF renderer and its font tools log every layout step at INFO
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
DJANGO_TABLES2_TEMPLATE = "platform/table.html"
