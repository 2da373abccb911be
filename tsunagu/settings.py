"""tsunagu settings: one file, configured by environment variables.

TSUNAGU_ENV=development (default) runs on the embedded SQLite database with a development key.
TSUNAGU_ENV=production refuses to start without SECRET_KEY and ALLOWED_HOSTS, with DEBUG or demo
mode on, with the development key, or without TSUNAGU_ENCRYPTION_KEY and TSUNAGU_AUDIT_KEY.
DATABASE_URL switches to PostgreSQL.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET_KEY = "development-only-key-never-use-in-production-tsunagu"  # noqa: S105


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(
            f"環境変数 {name} が設定されていません。/ Environment variable {name} is required."
        )
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} は真偽値ではありません（1/0, true/false）。")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} は整数ではありません。") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """Comma-separated IP addresses or CIDR networks; a bad entry stops the start, named."""
    entries = env_list(name)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} の {entry!r} はIPアドレスでもネットワーク"
                "（例: 10.0.0.5, 10.0.0.0/24）でもありません。"
            ) from None
    return entries


ENVIRONMENT = env_str("TSUNAGU_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"TSUNAGU_ENV={ENVIRONMENT!r} は不正です（development または production）。"
    )
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", False)
DEMO_MODE = env_bool("TSUNAGU_DEMO", False)
DEMO_PASSWORD = "tsunagu-demo"  # noqa: S105 (public by design, demo mode only)

# Keys for 要配慮個人情報 at rest (tsunagu/fields.py): comma-separated Fernet keys, newest first.
ENCRYPTION_KEYS = env_list("TSUNAGU_ENCRYPTION_KEY")

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY")
    if not ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "本番環境では TSUNAGU_ENCRYPTION_KEY（要配慮個人情報の暗号鍵）が必要です。"
            " 作り方: python -c 'from cryptography.fernet import Fernet;"
            " print(Fernet.generate_key().decode())'"
        )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "本番環境では ALLOWED_HOSTS（カンマ区切りのホスト名）が必要です。"
            " / ALLOWED_HOSTS is required in production."
        )
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "本番環境では既定値でない50文字以上の SECRET_KEY が必要です。"
            " / SECRET_KEY must be a non-default value of 50+ characters."
        )
    if DEBUG or DEMO_MODE:
        raise ImproperlyConfigured(
            "本番環境では DEBUG と TSUNAGU_DEMO を有効にできません。"
            " / DEBUG and TSUNAGU_DEMO must be off in production."
        )
else:
    SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tsunagu",
    "accounts",
    "audit",
    "api",
    "people",
    "notifications",
    "collaboration",
    "consultations",
    "cases",
    "community",
    "supporters",
    "participation",
    "reports",
    "publicity",
]

MIDDLEWARE = [
    # First: proxy headers from anyone but a trusted proxy are dropped before anything reads them.
    "tsunagu.client_address.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tsunagu.middleware.PrivacyHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# The token-authenticated JSON API lives under this path (no session, no login page).
API_PATH_PREFIX = "/api/"

ROOT_URLCONF = "tsunagu.urls"
WSGI_APPLICATION = "tsunagu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tsunagu.context_processors.navigation",
            ],
        },
    },
]

DATA_DIR = Path(env_str("TSUNAGU_DATA_DIR", str(BASE_DIR / "var")))
if "DATABASE_URL" in os.environ:
    DATABASES = {"default": dj_database_url.config(conn_max_age=60, conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "tsunagu.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE: a transaction takes the write lock at BEGIN, so the audit hash chain
                # reads the previous row and appends in one serialised step.
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Audit chain: key and checkpoints (audit/keys.py, audit/checkpoints.py, docs/audit.md) ------
# Keys that HMAC the audit chain, comma-separated, newest first; never stored in the database.
# Development derives one from SECRET_KEY when none is set; production requires them.
AUDIT_KEYS = env_list("TSUNAGU_AUDIT_KEY")
AUDIT_KEY_MIN_LENGTH = 32
if PRODUCTION and (not AUDIT_KEYS or min(len(key) for key in AUDIT_KEYS) < AUDIT_KEY_MIN_LENGTH):
    raise ImproperlyConfigured(
        f"本番環境では {AUDIT_KEY_MIN_LENGTH}文字以上の TSUNAGU_AUDIT_KEY"
        "（監査ログの鍵）が必要です。"
        " 作り方: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )
# Signed checkpoints of the chain's end: appended to this file ("" = no file) and/or sent to
# syslog ("/dev/log" or "host:port", UDP; "" = no syslog). Ship them off the server.
AUDIT_CHECKPOINT_FILE = env_str(
    "TSUNAGU_AUDIT_CHECKPOINT_FILE", str(DATA_DIR / "audit-checkpoints.jsonl")
)
AUDIT_CHECKPOINT_SYSLOG = env_str("TSUNAGU_AUDIT_CHECKPOINT_SYSLOG", "")
# --- end of the audit block ---------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.StaffBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The password policy (Django's validators, whose messages Django ships in Japanese): at least
# PASSWORD_MIN_LENGTH characters, not a common password, not like the username or the name, not
# digits only. Checked on every new password: own change, the administrator's one-time link.
PASSWORD_MIN_LENGTH = env_int("TSUNAGU_PASSWORD_MIN_LENGTH", 12)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A one-time link to set a new password (the administrator's reset) works for this many hours,
# and only once: setting the password changes what the link was signed with.
PASSWORD_RESET_TIMEOUT = env_int("TSUNAGU_PASSWORD_LINK_HOURS", 72) * 3600
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# ---- Second factor and re-authentication (accounts/otp.py, accounts/reauth.py) ----
# Staff whose roles may see personal data, and administrators, enter a code from an authenticator
# app (TOTP) after their password; without a confirmed app they are sent to enrol one. On by
# default; demo mode (TSUNAGU_DEMO=1, as `make run` starts it) turns the default off, since the
# demo's shared accounts have no app. TSUNAGU_TOTP_REQUIRED=1 turns it on there too.
TOTP_REQUIRED = env_bool("TSUNAGU_TOTP_REQUIRED", not DEMO_MODE)
# The name an authenticator app shows next to the account.
OTP_TOTP_ISSUER = env_str("TSUNAGU_TOTP_ISSUER", "tsunagu")
# Recovery codes (one-time, for a lost phone) made at enrolment or on request.
TOTP_RECOVERY_CODES = 10
# Risky actions (exports of personal data, merges, role changes, the audit export) ask for the
# password again (and the code) when the last sign-in or re-entry is older than this.
REAUTH_SECONDS = env_int("TSUNAGU_REAUTH_SECONDS", 15 * 60)

# ---- Sign-in throttling, API tokens, trusted proxies (accounts/throttle.py, tsunagu/
# client_address.py) ----
# After this many failures for one account from one address (or one known device), each further
# failure makes that pair wait 1, 2, 4 … minutes, up to the maximum; an address trying many
# accounts gets four times the room. Nothing is locked for good, and a stranger's failures never
# slow the account's known devices. A count is forgotten this many hours after its wait ended.
LOGIN_FAILURE_LIMIT = env_int("TSUNAGU_LOGIN_FAILURE_LIMIT", 5)
LOGIN_BACKOFF_MAX_MINUTES = env_int("TSUNAGU_LOGIN_BACKOFF_MAX_MINUTES", 60)
LOGIN_FAILURE_MEMORY_HOURS = env_int("TSUNAGU_LOGIN_FAILURE_MEMORY_HOURS", 24)
# How long a browser stays a known device of an account after its last sign-in there.
KNOWN_DEVICE_DAYS = env_int("TSUNAGU_KNOWN_DEVICE_DAYS", 180)
# A personal API token expires this many days after issue unless given another expiry.
API_TOKEN_DAYS = env_int("TSUNAGU_API_TOKEN_DAYS", 90)
# An invitation link (a new staff member sets their password) works once, for this many hours.
INVITE_HOURS = env_int("TSUNAGU_INVITE_HOURS", 72)
# The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or CIDR
# networks, comma-separated). Default none: REMOTE_ADDR is the client, the headers are dropped.
TRUSTED_PROXIES = env_networks("TSUNAGU_TRUSTED_PROXIES")

# Sharing with other organisations (accounts/access.py): an accepted referral keeps the receiving
# organisation's access this many days after the referral ended; a 支援会議's material stays open
# to its members this many days after the meeting.
REFERRAL_ACCESS_GRACE_DAYS = env_int("TSUNAGU_REFERRAL_ACCESS_GRACE_DAYS", 30)
SUPPORT_MEETING_MATERIAL_DAYS = env_int("TSUNAGU_SUPPORT_MEETING_MATERIAL_DAYS", 30)

# Notifications (notifications/services.py) are in the app's inbox; TSUNAGU_NOTIFY_EMAIL=1 also
# sends each by e-mail (the same message, no personal data) to staff with an address, through
# the mail server named by TSUNAGU_EMAIL_HOST (an LGWAN-internal relay, as a rule).
NOTIFY_EMAIL = env_bool("TSUNAGU_NOTIFY_EMAIL", False)
EMAIL_HOST = env_str("TSUNAGU_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("TSUNAGU_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("TSUNAGU_EMAIL_FROM", "tsunagu@localhost")

# The largest spreadsheet the consultation import reads (bytes); a larger one is refused unread.
CONSULTATION_IMPORT_MAX_BYTES = env_int("TSUNAGU_IMPORT_MAX_BYTES", 50 * 1024 * 1024)

# --- Spreadsheet import: what is read of a file (consultations/importing/reading.py) ---------
# An xlsx is a zip archive: a few MB can unpack to gigabytes. Reading stops at the first limit
# with a message naming it (docs/import.md). The defaults let the 100k-row file through.
CONSULTATION_IMPORT_MAX_UNPACKED_BYTES = env_int(
    "TSUNAGU_IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024
)
CONSULTATION_IMPORT_MAX_ROWS = env_int("TSUNAGU_IMPORT_MAX_ROWS", 200_000)
CONSULTATION_IMPORT_MAX_COLUMNS = env_int("TSUNAGU_IMPORT_MAX_COLUMNS", 256)
CONSULTATION_IMPORT_MAX_CELL_CHARS = env_int("TSUNAGU_IMPORT_MAX_CELL_CHARS", 32_767)
# --- end of the spreadsheet import's limits ---------------------------------------------------

# Idle expiry: the session ends after this many minutes without a request.
SESSION_IDLE_MINUTES = env_int("TSUNAGU_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "tsunagu.views.csrf_failure"
# The largest form input kept across an idle timeout (bytes of its JSON); a larger one is not kept.
KEPT_FORM_MAX_BYTES = env_int("TSUNAGU_KEPT_FORM_MAX_BYTES", 256 * 1024)

# Contacts outside these hours, on weekends and holidays count as 時間外 (tsunagu/office_hours.py).
OFFICE_HOURS = env_str("TSUNAGU_OFFICE_HOURS", "08:30-17:15")
# Table B: channel → official column overrides (consultations/channels.py), e.g. {"online": "visit"}
OFFICIAL_METHOD_OVERRIDES: dict[str, str] = {}

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Jobs the task worker repeats (tsunagu/periodic.py; `manage.py schedule_periodic` queues them).
PERIODIC_JOBS: dict[str, dict[str, object]] = {
    "clear_sessions": {
        "callable": "tsunagu.periodic.clear_expired_sessions",
        "every_minutes": env_int("TSUNAGU_CLEAR_SESSIONS_MINUTES", 60),
    },
    "audit_checkpoint": {
        "callable": "audit.checkpoints.write_checkpoint",
        "every_minutes": env_int("TSUNAGU_AUDIT_CHECKPOINT_MINUTES", 10),
    },
    "prune_finished_tasks": {
        "callable": "tsunagu.periodic.prune_finished_tasks",
        "every_minutes": 24 * 60,
    },
}

# Everything the pages load comes from this server: no CDN, no web font, no inline script/style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Believed only from TSUNAGU_TRUSTED_PROXIES: TrustedProxyMiddleware drops it from others.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Errors (with their tracebacks) go to the console and to a rotating file in the data directory,
# so that they are kept when gunicorn runs as a daemon with no terminal. TSUNAGU_LOG_FILE=""
# turns the file off (e.g. under systemd, whose journal keeps the console).
LOG_FILE = env_str("TSUNAGU_LOG_FILE", str(DATA_DIR / "tsunagu.log"))
LOG_HANDLERS: dict[str, dict[str, object]] = {"console": {"class": "logging.StreamHandler"}}
if LOG_FILE:
    Path(LOG_FILE).parent.mkdir(parents=True, exist_ok=True)
    LOG_HANDLERS["file"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": LOG_FILE,
        "maxBytes": 10 * 1024 * 1024,
        "backupCount": 5,
        "encoding": "utf-8",
        "formatter": "timestamped",
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "timestamped": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d: %(message)s"}
    },
    "handlers": LOG_HANDLERS,
    "root": {"handlers": list(LOG_HANDLERS), "level": env_str("LOG_LEVEL", "WARNING")},
}

SILENCED_SYSTEM_CHECKS = [
    # The HSTS preload list is for public domains; municipal closed-network (LGWAN) hosts are not
    # on it.
    "security.W021",
    # Covering indexes (INCLUDE) serve the prefecture's reports on PostgreSQL; SQLite builds the
    # same indexes on their key columns, which is all a town's data needs.
    "models.W040",
]
