"""Hindsight settings: the one place that reads the environment.

Every value that differs between a laptop, CI and production comes from an environment
variable (or a `.env` file beside manage.py); see README.md for the list.
"""

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local .env (written by `make run`) fills in what the environment leaves unset.
ENV_FILE = Path(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or .env); only DEBUG=true "
            "runs without one."
        )
    SECRET_KEY = "debug-only-insecure-secret-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "pgtrigger",
    "registry",
    "predictions",
    "resolvers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # After it, so the policy it writes sees this one's few exceptions.
    "config.middleware.CspAllowancesMiddleware",
    # Cache-Control: no-store on responses that carry an API token or a reset link's token.
    "config.middleware.TokenNoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RequestBodyLimitMiddleware",
    "config.middleware.UnstorableAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After CSRF: a locked-out log-in is answered 429 before the view runs.
    "config.login_throttle.LoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so its process_exception sees a view's database error first: 503, not 500.
    "config.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite under var/ unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hindsight.sqlite3'}")
}


def _instance_name(database: dict) -> str:
    """A name for this instance, derived from its database: two instances that share a
    Redis database keep their queues, locks, task ids and cache keys apart by it."""
    # A test run's database (test_<name>) is the same instance as the one it stands for:
    # the suite's worker processes, started on it, must share its names.
    name = str(database.get("NAME") or "db").removeprefix("test_")
    parts = [str(database.get(key) or "") for key in ("ENGINE", "HOST", "PORT")]
    digest = hashlib.blake2b("|".join([*parts, name]).encode(), digest_size=4).hexdigest()
    stem = re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower())
    return f"{stem.strip('-')[:24] or 'db'}-{digest}"


# Prefix of every name this instance gives in Redis (INSTANCE_NAME overrides the derived one).
INSTANCE_NAME = env.str("INSTANCE_NAME", default=_instance_name(DATABASES["default"]))

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Reuse connections, but test them first so a restarted PostgreSQL is reconnected to.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Bounds on how long a request waits for a database that is down, so it gets its 503
    # (config/middleware.py) within seconds: connecting (libpq's minimum is 2 s), data sent
    # but never acknowledged, and an idle connection whose server vanished without a word.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=3),
            "tcp_user_timeout": env.int("DATABASE_TCP_USER_TIMEOUT_MS", default=5000),
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers on the embedded default. SELECT ... FOR UPDATE is a no-op here,
    # so every transaction takes the write lock at BEGIN (IMMEDIATE): a forecast reads the
    # question's close only once no other writer can change it, and no reader-turned-
    # writer is refused as "database is locked" mid-transaction. A writer that finds the
    # lock taken waits for it (timeout, seconds) instead of failing; WAL lets reads go on
    # while one writes, and keeps synchronous=FULL so a commit is on disk when it returns.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.float("DATABASE_SQLITE_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery's broker and Django's cache (throttle counters).
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Seconds to wait for Redis before treating it as down; kept short so a Redis outage
# slows a request by a fraction of a second, not by a hang.
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.5)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": INSTANCE_NAME,
        "OPTIONS": {
            "socket_connect_timeout": REDIS_TIMEOUT,
            "socket_timeout": REDIS_TIMEOUT,
        },
    }
}

# Counts failed log-ins (pages, admin, API token exchange): config/login_throttle.py. Past
# its limit a username from one address, or an address, is locked out for the window; a
# username failing from everywhere is only slowed down (a lock there would let anyone lock
# its owner out): one password check per LOGIN_SLOWDOWN_SECONDS, except from a browser it
# logged in from before.
AUTHENTICATION_BACKENDS = ["config.login_throttle.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT_PER_USERNAME = env.int("LOGIN_FAILURE_LIMIT_PER_USERNAME", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=10)
LOGIN_FAILURE_WINDOW = timedelta(minutes=env.float("LOGIN_FAILURE_WINDOW_MINUTES", default=15))
LOGIN_SLOWDOWN_AFTER = env.int("LOGIN_SLOWDOWN_AFTER", default=10)
LOGIN_SLOWDOWN_SECONDS = env.int("LOGIN_SLOWDOWN_SECONDS", default=5)
# Sign-ups from one address within the window (registry/accounts.py), past which the page
# answers 429: one person needs one account, a script making hundreds is refused.
SIGNUP_LIMIT_PER_ADDRESS = env.int("SIGNUP_LIMIT_PER_ADDRESS", default=5)
SIGNUP_WINDOW = timedelta(minutes=env.float("SIGNUP_WINDOW_MINUTES", default=60))
# Email verification (registry/account_services.py): how long a link works, and how many
# links one account may be sent (at most one per interval, so many a day): a sign-up typed
# with somebody else's address cannot be used to flood it.
EMAIL_VERIFICATION_TIMEOUT = timedelta(days=env.float("EMAIL_VERIFICATION_TIMEOUT_DAYS", default=3))
EMAIL_VERIFICATION_RESEND_INTERVAL = timedelta(
    seconds=env.float("EMAIL_VERIFICATION_RESEND_INTERVAL_SECONDS", default=120)
)
EMAIL_VERIFICATION_SENDS_PER_DAY = env.int("EMAIL_VERIFICATION_SENDS_PER_DAY", default=5)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # OWASP ASVS 2.1.1: at least 12 characters (Django's default is 8).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The public address of the site, for links in emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Hindsight <noreply@hindsight.invalid>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Request size: the API refuses bodies over this many bytes with 413 before parsing.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=256 * 1024)

# --- Security. HTTPS=true is the production shape (TLS at the proxy in front of gunicorn).
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# OWASP ASVS 3.3.2 (level 2): a log-in lasts at most 12 hours, then asks for the password
# again. ASVS 3.4.4: over HTTPS the cookies carry the __Host- prefix, so no other host of
# the domain (nor a plain-HTTP page) can set or shadow them.
SESSION_COOKIE_AGE = int(env.float("SESSION_HOURS", default=12) * 3600)
if HTTPS:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# No script of ours reads the CSRF cookie (forms carry the token; Swagger UI gets it from
# its page), so scripts injected into a page cannot either.
CSRF_COOKIE_HTTPONLY = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts only from this site's
# own files, never inline, so markup injected into a page cannot run. Styles may be inline
# (style attributes, the admin's and Swagger UI's <style>). Images may be data: URIs (the
# admin's and Swagger UI's icons). Framing stays X_FRAME_OPTIONS's (the widget page allows
# it).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

# --- REST API
REST_FRAMEWORK = {
    # Token first: an unauthenticated request then gets 401 with `WWW-Authenticate: Token`
    # (session-only APIs can only answer 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": ["config.api.LenientJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["config.api.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "write": env.str("THROTTLE_WRITE_RATE", default="120/min"),
        "login": env.str("THROTTLE_LOGIN_RATE", default="10/min"),
        # Comments posted per user (predictions/comment_api.py, the question page), on top
        # of the write budget: a burst limit and a daily one, so no script floods a thread.
        "comment_burst": env.str("THROTTLE_COMMENT_BURST_RATE", default="5/min"),
        "comment_daily": env.str("THROTTLE_COMMENT_DAILY_RATE", default="100/day"),
    },
    "DEFAULT_SCHEMA_CLASS": "config.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Proxies in front of gunicorn whose X-Forwarded-For is trusted for the client address
    # (throttles, log-in limits). Without one the header is ignored: a client could forge it.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=1 if HTTPS else 0),
}
API_MAX_PAGE_SIZE = 200

# API tokens (django-rest-knox): stored as SHA-512 digests, several per user, each revocable.
# A token lapses after API_TOKEN_TTL_DAYS without use; every use pushes its expiry back (at
# most one write a minute), so a bot that keeps running keeps its token.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)),
    "AUTO_REFRESH": True,
    # Live tokens one user may hold (registry.services.api_token_create refuses more): a
    # script asking for a new token on every run must not pile up tokens without end.
    "TOKEN_LIMIT_PER_USER": env.int("API_TOKEN_LIMIT_PER_USER", default=100),
    # Recognisable in a leaked log or a commit, to secret scanners and people alike.
    "TOKEN_PREFIX": "hs_",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Hindsight API",
    "DESCRIPTION": (
        "Prediction registry and scoring service. Errors are JSON objects "
        '`{"error": "...", "fields": {"<field>": "<message>"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "QuestionKindEnum": "registry.models.QuestionKind",
        "ForecasterKindEnum": "registry.models.ForecasterKind",
        # A resolution's `state` and a request's `supersedes_state` share these choices:
        # one name, or drf-spectacular warns (and `check --deploy` fails on the warning).
        "ResolutionStateEnum": "resolvers.models.Resolution.State",
        # A resolution source's `kind` and a claim's suggested `source_kind`.
        "ResolverKindEnum": "resolvers.kinds.REGISTRY",
    },
}

# --- Celery (config/celery.py reads every CELERY_* name).
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Results are kept only by tasks that ask (the shards of `rescore --all --workers N` and
# their chord's callback), in the broker's Redis, for an hour.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_RESULT_EXPIRES = 3600
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=150)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default=f"hindsight-{INSTANCE_NAME}")
# Named queues derived from that base (so a test's CELERY_QUEUE isolates all of them):
# checks fetch the web, scoring is CPU-bound, the rest is quick bookkeeping. A worker
# started without -Q consumes all three; `-Q <base>.checks,<base>` takes a subset.
CELERY_CHECKS_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}.checks"
CELERY_SCORING_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}.scoring"
# Declared as Celery declares a queue it creates on demand: a direct exchange and a
# routing key, both named like the queue.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, CELERY_CHECKS_QUEUE, CELERY_SCORING_QUEUE)
]
CELERY_TASK_ROUTES = {
    "resolvers.check_source": {"queue": CELERY_CHECKS_QUEUE},
    "predictions.rescore_*": {"queue": CELERY_SCORING_QUEUE},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keep retrying a lost broker forever: a worker that gave up would take honcho's whole
# process group (and so the web server) down with it.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task's message must come back if its worker dies: redeliver after this long unacked
# (longer than any task may run).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
    # How often a worker looks for such messages (kombu scans every Nth sweep only).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": REDIS_TIMEOUT,
    # Without it a publish to a Redis that accepts connections but never answers (hung,
    # or a dead network path) waits forever: the web request with it. Workers read their
    # queues only once the socket is readable, so this does not cut their BRPOP short.
    "socket_timeout": REDIS_TIMEOUT,
    # Every key and channel kombu names in Redis carries the instance's prefix: the queues
    # (already named after it), but also the exchanges' bindings, the broadcast channels
    # of remote control and events, and the unacked messages' hash, index and mutex, which
    # kombu otherwise names alike for every instance on one Redis database.
    "global_keyprefix": f"{INSTANCE_NAME}:",
}
# Publishing gives up quickly when Redis is down; the database stays the record.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# django-celery-beat's schedule (editable in the admin), sent only by the beat holding a
# Redis lock (config/beat.py): a second beat started by mistake stands by, and takes over
# within CELERY_BEAT_LOCK_TIMEOUT seconds of the holder dying.
CELERY_BEAT_SCHEDULER = "config.beat:LockedDatabaseScheduler"
CELERY_BEAT_LOCK_KEY = f"{INSTANCE_NAME}:{CELERY_TASK_DEFAULT_QUEUE}:beat-lock"
CELERY_BEAT_LOCK_TIMEOUT = env.int("CELERY_BEAT_LOCK_TIMEOUT", default=30)
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-checks": {
        "task": "resolvers.dispatch_due_checks",
        "schedule": timedelta(minutes=1),
    },
    "sweep-lost-checks": {
        "task": "resolvers.sweep_lost_checks",
        "schedule": timedelta(minutes=5),
    },
    "finalize-resolutions": {
        "task": "resolvers.finalize_resolutions",
        "schedule": timedelta(minutes=5),
    },
    "rescore-stale": {
        "task": "predictions.rescore_stale",
        "schedule": timedelta(minutes=5),
    },
    "send-closing-reminders": {
        "task": "predictions.send_closing_reminders",
        "schedule": timedelta(minutes=15),
    },
    "send-resolution-notices": {
        "task": "predictions.send_resolution_notices",
        "schedule": timedelta(minutes=5),
    },
    "send-stale-forecast-notices": {
        "task": "predictions.send_stale_forecast_notices",
        "schedule": timedelta(hours=1),
    },
    "send-followed-source-notices": {
        "task": "predictions.send_followed_source_notices",
        "schedule": timedelta(minutes=15),
    },
    # Once a day: what followed forecasters did, and every notice kept for a digest.
    "send-daily-digests": {
        "task": "predictions.send_daily_digests",
        "schedule": crontab(minute=0, hour=env.int("NOTIFICATION_DIGEST_HOUR", default=7)),
    },
    "relay-outbox": {
        "task": "predictions.relay_outbox",
        "schedule": timedelta(seconds=30),
    },
    "prune-outbox": {
        "task": "predictions.prune_outbox",
        "schedule": timedelta(days=1),
    },
}
CELERY_TIMEZONE = "UTC"

# --- Domain settings
# How long a proposed outcome waits for a dispute before it becomes final.
RESOLUTION_DISPUTE_WINDOW = timedelta(
    hours=env.float("RESOLUTION_DISPUTE_WINDOW_HOURS", default=48)
)
LEADERBOARD_MIN_QUESTIONS = env.int("LEADERBOARD_MIN_QUESTIONS", default=5)
# Notices (predictions/notifications.py): a forecast is stale once it has stood this many
# days unchanged while the crowd's median moved by more than this (as a probability, on
# any option) since it was made.
NOTIFICATION_STALE_DAYS = env.int("NOTIFICATION_STALE_DAYS", default=14)
NOTIFICATION_STALE_SHIFT = env.float("NOTIFICATION_STALE_SHIFT", default=0.10)
# How long the author of a comment may still edit it (predictions/comment_services.py).
COMMENT_EDIT_WINDOW = timedelta(minutes=env.float("COMMENT_EDIT_WINDOW_MINUTES", default=15))
# The task outbox (predictions/outbox.py): a task started this many times without ever
# finishing (its worker died each time) is parked for an admin instead of run again; done
# rows are deleted after OUTBOX_KEEP_DONE.
OUTBOX_MAX_DELIVERIES = env.int("OUTBOX_MAX_DELIVERIES", default=3)
OUTBOX_KEEP_DONE = timedelta(days=env.int("OUTBOX_KEEP_DONE_DAYS", default=7))

# Importing a published text (registry/imports.py): the longest text the claim finder reads
# in one import, and the length up to which it reads it within the request (about 250
# sentences a second); a longer text is read by a Celery task whose progress the review
# page shows.
IMPORT_MAX_TEXT_CHARS = env.int("IMPORT_MAX_TEXT_CHARS", default=500_000)
IMPORT_INLINE_MAX_CHARS = env.int("IMPORT_INLINE_MAX_CHARS", default=40_000)

# --- Resolvers: the safe fetcher and the public APIs the resolver kinds read.
# Hosts exempt from the private-address check (tests and local demos only; empty in
# production).
RESOLVER_ALLOWED_HOSTS = env.list("RESOLVER_ALLOWED_HOSTS", default=[])
RESOLVER_MAX_BODY_BYTES = env.int("RESOLVER_MAX_BODY_BYTES", default=2 * 1024 * 1024)
RESOLVER_CONNECT_TIMEOUT = env.float("RESOLVER_CONNECT_TIMEOUT", default=5)
RESOLVER_READ_TIMEOUT = env.float("RESOLVER_READ_TIMEOUT", default=15)
RESOLVER_DEADLINE = env.float("RESOLVER_DEADLINE", default=30)
RESOLVER_MAX_REDIRECTS = 5
# Failed checks in a row after which a source is flagged in the resolution queue.
RESOLVER_FAILING_AFTER = env.int("RESOLVER_FAILING_AFTER", default=3)
RESOLVER_USER_AGENT = "Hindsight-resolver/1.0 (prediction registry; resolution checks)"
# API keys that sources may name ({"secret": "AA_API_KEY"}), each bound to the hosts it may
# be sent to: RESOLVER_SECRETS="AA_API_KEY@artificialanalysis.ai" reads the key from the
# environment variable AA_API_KEY. Sources never hold the key itself.
RESOLVER_SECRETS = {
    name: {"value": env.str(name, default=""), "hosts": hosts.split("|")}
    for name, _, hosts in (
        entry.strip().partition("@") for entry in env.list("RESOLVER_SECRETS", default=[])
    )
    if name and hosts
}
RESOLVER_API_BASES = {
    "huggingface": env.str("RESOLVER_HUGGINGFACE_BASE", default="https://huggingface.co"),
    "github": env.str("RESOLVER_GITHUB_BASE", default="https://api.github.com"),
    "wikipedia": env.str("RESOLVER_WIKIPEDIA_BASE", default="https://en.wikipedia.org"),
    "federal_register": env.str(
        "RESOLVER_FEDERAL_REGISTER_BASE", default="https://www.federalregister.gov"
    ),
    "openrouter": env.str("RESOLVER_OPENROUTER_BASE", default="https://openrouter.ai"),
    "manifold": env.str("RESOLVER_MANIFOLD_BASE", default="https://api.manifold.markets"),
    "metaculus": env.str("RESOLVER_METACULUS_BASE", default="https://www.metaculus.com"),
    "polymarket": env.str("RESOLVER_POLYMARKET_BASE", default="https://gamma-api.polymarket.com"),
    "gdelt": env.str("RESOLVER_GDELT_BASE", default="https://api.gdeltproject.org"),
    "artificial_analysis": env.str(
        "RESOLVER_ARTIFICIAL_ANALYSIS_BASE", default="https://artificialanalysis.ai"
    ),
    "harbor_hub": env.str(
        "RESOLVER_HARBOR_HUB_BASE", default="https://ofhuhcpkvzjlejydnvyd.supabase.co"
    ),
    "hf_datasets_server": env.str(
        "RESOLVER_HF_DATASETS_SERVER_BASE", default="https://datasets-server.huggingface.co"
    ),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
