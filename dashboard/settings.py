"""Settings for cacheadmin; everything that differs between machines comes from the environment.

See README.md, "Configuration", for each variable and its default.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from cacheadmin.gateways import dashboard_keys
from dashboard.channel_layers import channel_layers
from dashboard.env import env_bool, env_float, env_list, env_str, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CACHEADMIN_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = secret_key(VAR_DIR)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The services the dashboard inspects. Malformed or unreachable URLs are reported
# on the pages, never at start-up (see cacheadmin/connections.py).
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_TIMEOUT = env_float("REDIS_TIMEOUT", 2.0)
RABBITMQ_URL = env_str("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
RABBITMQ_MANAGEMENT_URL = env_str("RABBITMQ_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672/")
RABBITMQ_TIMEOUT = env_float("RABBITMQ_TIMEOUT", 3.0)
# How long Celery's workers are given to answer a broadcast (celery inspect's timeout).
CELERY_INSPECT_TIMEOUT = env_float("CELERY_INSPECT_TIMEOUT", 1.0)
# Celery's task states recorded from its events (manage.py celery_events), per instance.
CELERY_EVENTS_KEEP_DAYS = env_float("CELERY_EVENTS_KEEP_DAYS", 7)
CELERY_EVENTS_KEEP_ROWS = int(env_float("CELERY_EVENTS_KEEP_ROWS", 100_000))
# More named instances, from a TOML file (see README, "Instances"); the URLs above
# are the instance named "default".
CACHEADMIN_INSTANCES = env_str("CACHEADMIN_INSTANCES", "")

# The dashboard's own keys (channel layer, job counters) live under this prefix,
# apart from the data it inspects; it is defined in cacheadmin.gateways.dashboard_keys.
DASHBOARD_REDIS_URL = env_str("DASHBOARD_REDIS_URL", REDIS_URL)
DASHBOARD_KEY_PREFIX = dashboard_keys.PREFIX

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "axes",
    "cacheadmin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cacheadmin.web.no_store.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cacheadmin.web.access.ApiTokenMiddleware",
    "cacheadmin.web.access.DashboardAccessMiddleware",
    "cacheadmin.web.instance_paths.InstanceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Failed logins (the login page and the admin's): after AXES_FAILURE_LIMIT failures in a
# row for one user name from one address, that pair is locked out for the cool-off. By
# the pair, so a stranger elsewhere cannot lock an admin out. API tokens do not log in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env_float("LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=env_float("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A lockout lasts its cool-off from the failure that began it: tries meanwhile do not
# make it longer (else it never ends while someone keeps trying).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"
ASGI_APPLICATION = "dashboard.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cacheadmin.web.access.role_context",
                "cacheadmin.web.instance_paths.instance_context",
            ],
            # Template tags live with the code they format, not in an app folder.
            "libraries": {"cacheadmin_format": "cacheadmin.display.format_tags"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        # Under ASGI every request runs in its own thread: persistent connections
        # would pile up, so Django advises against them (conn_max_age=0).
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that a worker process started by a test sees its data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CHANNEL_LAYERS = channel_layers(DASHBOARD_REDIS_URL)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Browsers remember to use HTTPS only when the dashboard is served over it.
SECURE_HSTS_SECONDS = 365 * 86400 if SESSION_COOKIE_SECURE else 0
# Our own scripts and styles only, no inline script or style, no frames, websockets to
# our own origin ('self' covers ws: and wss: of it): data shown is attacker-controlled.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"  # absolute: /i/<instance>/ pages share it
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the source folders: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True

DEFAULT_EXCEPTION_REPORTER_FILTER = "dashboard.errors.ReporterFilter"
# Under /api/ a refusal is JSON, in the API's one error shape.
CSRF_FAILURE_VIEW = "cacheadmin.web.error_pages.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_message_bodies": {"()": "cacheadmin.web.log_filters.NoMessageBodies"},
        "refusals_in_one_line": {"()": "cacheadmin.web.log_filters.RefusalsInOneLine"},
    },
    "handlers": {
        # django.security.<exception> loggers are many: their records meet the filter here.
        "console": {"class": "logging.StreamHandler", "filters": ["refusals_in_one_line"]}
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "pika": {"level": "WARNING"},
        # A logger's filters see only its own records, not its children's: each is named.
        "pika.adapters.blocking_connection": {"filters": ["no_message_bodies"]},
        "django.request": {"filters": ["refusals_in_one_line"]},
        "axes": {"level": "WARNING"},
    },
}

# How often the overview's figures refresh in the browser.
OVERVIEW_REFRESH_SECONDS = env_float("OVERVIEW_REFRESH_SECONDS", 5.0)
# How long an overview waits for an instance's fresh figures before it shows the last
# known ones (a server whose last answer took longer is not waited for at all).
OVERVIEW_WAIT_SECONDS = env_float("OVERVIEW_WAIT_SECONDS", 0.2)

# Invalidations: above this many keys the admin types the count or the pattern to confirm.
INVALIDATION_CONFIRM_THRESHOLD = int(env_float("INVALIDATION_CONFIRM_THRESHOLD", 1000))
# A batch that fails (Redis down) is tried this many times, waiting BACKOFF, 2x, 4x...
INVALIDATION_RETRIES = 5
INVALIDATION_BACKOFF = env_float("INVALIDATION_BACKOFF", 1.0)
# A worker holds a running job by a lease it renews at every batch: a message delivered
# again meanwhile is not run twice, and a dead worker's job resumes once its lease ends.
INVALIDATION_LEASE_SECONDS = env_float("INVALIDATION_LEASE_SECONDS", 60.0)

# Keyspace analyses: at most this many keys examined a second (0: as fast as the server
# answers, which keeps a concurrent GET's p99 within a few ms, see docs/benchmarks.md),
# and a time budget after which an analysis stops, keeping the report of what it read.
ANALYSIS_KEYS_PER_SECOND = max(0.0, env_float("ANALYSIS_KEYS_PER_SECOND", 0.0))
ANALYSIS_MAX_MINUTES = max(0.1, env_float("ANALYSIS_MAX_MINUTES", 60.0))
# A report warns of an avalanche where more than this share of a namespace's keys
# expire in the same minute.
ANALYSIS_AVALANCHE_SHARE = min(1.0, max(0.0, env_float("ANALYSIS_AVALANCHE_SHARE", 0.2)))

# The sampler (manage.py sampler) reads every instance this often, keeps its samples an
# hour, a minute's roll-ups a day and ten minutes' for SAMPLE_RETENTION_DAYS, and never
# more than SAMPLE_MAX_ROWS rows (the oldest go first).
SAMPLE_SECONDS = max(1.0, env_float("SAMPLE_SECONDS", 10.0))
SAMPLE_RETENTION_DAYS = env_float("SAMPLE_RETENTION_DAYS", 30.0)
SAMPLE_MAX_ROWS = int(env_float("SAMPLE_MAX_ROWS", 2_000_000))
# Alert rules (cacheadmin.monitoring.alerting): a rate (a hit rate, evictions a minute)
# is the rise of its counts over the last ALERT_RATE_SECONDS of samples.
ALERT_RATE_SECONDS = max(1.0, env_float("ALERT_RATE_SECONDS", 60.0))
ALERT_MAX_RULES = int(env_float("ALERT_MAX_RULES", 500))
# /metrics without a token from these addresses or networks (a Prometheus server).
METRICS_ALLOW = env_list("METRICS_ALLOW", [])
for _entry in METRICS_ALLOW:
    try:
        ipaddress.ip_network(_entry)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOW: {_entry!r} is not an address or a network with its host bits "
            "zero (10.0.0.0/8, 192.168.1.7)"
        ) from None

# The broker's statistics interval (collect_statistics_interval): queue figures
# change no faster, so one management call per page is shared for this long.
RABBITMQ_STATS_INTERVAL = env_float("RABBITMQ_STATS_INTERVAL", 5.0)

# Redis lists and streams shown as queues (comma-separated globs).
REDIS_QUEUE_PATTERNS = env_list(
    "REDIS_QUEUE_PATTERNS", ["queue:*", "*:queue", "*:queue:*", "rq:queue:*", "celery"]
)
