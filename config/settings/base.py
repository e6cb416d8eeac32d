"""Settings shared by every environment. Environment variables are read here and in production only."""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-local-only-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "csp",
    "accounts",
    "parishes",
    "clusters",
    "services",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Responses to a signed-in person: Cache-Control: private, no-store (unless the view set its own).
    "config.middleware.PrivateNoStoreMiddleware",
    # Every page needs a signed-in person unless its view says otherwise (login_not_required).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # In place of allauth's UserSessionsMiddleware, which writes the session's row on every request.
    "accounts.middleware.SessionActivityMiddleware",
    # After allauth's: people who chair, see a whole area or are staff set up two-factor first.
    "accounts.middleware.TwoFactorRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
# Forms render in GOV.UK markup from templates/forms/ (TemplatesSetting needs "django.forms").
FORM_RENDERER = "config.forms.GovukFormRenderer"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3's connection pool; persistent connections must stay off when pooling.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        # Fail fast rather than hang a request (or /healthz) for psycopg's default 30 s.
        "timeout": 5,
    }
    options.setdefault("connect_timeout", 5)
    # No JIT compiling: a page's query that the planner costs over jit_above_cost was compiled on
    # every request (650-700 ms of the dashboard's 760 ms chart query at national scale), far more
    # than it ever saves on the short queries a web page runs.
    options.setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "parishes:home"

# django-allauth: email is the identity, nobody signs up uninvited (see accounts.adapters).
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Clusterwork: "
# Tell people when their password, email or two-factor settings change: it may not have been them.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins: 10 a minute from one address, 5 in 5 minutes for one account.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Clusterwork"
# Chairs and vice-chairs of clusters, county officers, area administrators and staff must use
# two-factor (accounts.two_factor); on by default in production.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=False)
MFA_ADAPTER = "accounts.two_factor.MFAAdapter"
USERSESSIONS_TRACK_ACTIVITY = True

# django-guardian: per-object permissions; no anonymous user row (every page needs a sign-in).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Clusterwork <no-reply@clusterwork.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Uploads: the register import reads CSV files up to this size.
REGISTER_IMPORT_MAX_BYTES = 2 * 1024 * 1024
# The fields of a request (not its files): larger is answered 400 before it is read; as are more
# fields or files than any form has (the decision form takes ten attachments).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
INVITATION_VALID_DAYS = 14

# Celery: without a broker (the quick start) tasks run in-process; with REDIS_URL a worker runs them.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# Longer than the hard time limit, so an unacknowledged task is not handed out twice while running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULE: dict = {
    # The daily scan of what is due or overdue, before people start their day (CELERY_TIMEZONE).
    "cluster-reminders": {"task": "clusters.tasks.send_reminders", "schedule": crontab(hour=6, minute=30)},
    # Rotating chairs hand over and passed terms end first, so that the day's reminders go to the
    # new chair (a passed term confers nothing from the day after it anyway: Position.current).
    "cluster-terms": {"task": "clusters.tasks.end_terms", "schedule": crontab(hour=6, minute=0)},
    # Service arrangements start and end by their dates before the day's reminders are scanned.
    "service-arrangement-dates": {
        "task": "services.tasks.run_arrangement_dates",
        "schedule": crontab(hour=6, minute=5),
    },
    # The area dashboard, as a PDF, to the officers and administrators who asked for it: on the 1st,
    # after the day's terms and reminders, so that it shows the month as it begins.
    "area-dashboards": {
        "task": "parishes.tasks.send_monthly_dashboards",
        "schedule": crontab(day_of_month=1, hour=7, minute=0),
    },
}
CELERY_TIMEZONE = TIME_ZONE

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint logs every rendering step at INFO, and fontTools (which it may use to subset
        # the fonts of a PDF) every table it prunes: a line each, hundreds a report.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Uploads to clusters (governance documents, decision attachments): PDF, DOCX or ODT up to this size,
# checked by content in clusters.uploads.
CLUSTER_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# Every upload passes config.uploads.UploadLimitHandler first: a file stops being read once it passes
# the largest size any form accepts, and a body declared larger than any form could want (ten
# attachments at the limit) is refused before it is read.
UPLOAD_MAX_BYTES = max(CLUSTER_UPLOAD_MAX_BYTES, REGISTER_IMPORT_MAX_BYTES)
UPLOAD_REQUEST_MAX_BYTES = 10 * UPLOAD_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_HANDLERS = [
    "config.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
