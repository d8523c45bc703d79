"""Kabinet settings: everything comes from environment variables (see docs/configuration.md).

Embedded mode (default): SQLite in the data folder, local-memory cache, database sessions, in-process
channel layer, Huey on SQLite. Scaled mode: ``DATABASE_URL`` points at PostgreSQL and ``REDIS_URL`` moves
cache, sessions, the channel layer and the job queue to Redis.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from kabinet.config.env import data_dir, env_bool, env_int, env_list, env_str, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
# Old keys during a rotation: sessions, signed links and stored provider credentials still open (security.md).
SECRET_KEY_FALLBACKS = env_list("KABINET_SECRET_KEY_FALLBACKS")
DEBUG = env_bool("KABINET_DEBUG", False)
ALLOWED_HOSTS = env_list("KABINET_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("KABINET_CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("KABINET_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Translated model fields (before the admin, as the library asks): see docs/portal.md
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "channels",
    "huey.contrib.djhuey",
    "kabinet.core",
    "kabinet.accounts",
    "kabinet.crm",
    "kabinet.files",
    "kabinet.tickets",
    "kabinet.documents",
    "kabinet.signing",
    "kabinet.billing",
    "kabinet.bookings",
    "kabinet.notifications",
    "kabinet.messaging",
    "kabinet.portal",
    "kabinet.integrations",
    "ninja",  # its Swagger page's assets from our static files, not a CDN (the CSP allows only 'self')
    "kabinet.api",
    "kabinet.webhooks",
    "kabinet.sync",
    "kabinet.payments",
    "kabinet.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kabinet.accounts.middleware.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "kabinet.accounts.middleware.UserLanguageActivationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kabinet.accounts.session_policy.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "kabinet.core.headers.PersonalPagesNoStoreMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kabinet.crm.middleware.ViewerMiddleware",
]

ROOT_URLCONF = "kabinet.config.urls"
WSGI_APPLICATION = "kabinet.config.wsgi.application"
ASGI_APPLICATION = "kabinet.config.asgi.application"

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
                "kabinet.portal.context_processors.portal",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _POOL = env_bool("KABINET_DB_POOL", True)
    DATABASES = {
        # Django's psycopg pool (per process, shared by its threads): under ASGI each request may run in
        # another thread, and persistent per-thread connections would pile up until PostgreSQL refuses
        # clients. Against a connection per request the pool gave 1.48x the throughput (issue 17).
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=0 if _POOL else env_int("KABINET_DB_CONN_MAX_AGE", 0),
            conn_health_checks=not _POOL,
        )
    }
    if _POOL:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("KABINET_DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("KABINET_DB_POOL_MAX_SIZE", 8),
            "timeout": env_int("KABINET_DB_POOL_TIMEOUT", 10),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "kabinet.sqlite3",
            "OPTIONS": {
                # WAL lets readers work while one writer commits; IMMEDIATE avoids "database is locked"
                # surprises when a read transaction later wants to write.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;PRAGMA cache_size=-64000;PRAGMA temp_store=MEMORY;"
                    # SQLite's advice for long-lived connections: a bounded ANALYZE when the statistics
                    # are missing or stale, on every (re)opened connection.
                    "PRAGMA analysis_limit=400;PRAGMA optimize=0x10002;"
                ),
            },
            # One connection per process, kept: SQLite opens in microseconds but each open re-runs the
            # PRAGMAs above. Under ASGI Django's sync code runs in one thread per process, so it is one.
            "CONN_MAX_AGE": env_int("KABINET_SQLITE_CONN_MAX_AGE", 600),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, channel layer, jobs -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    # redis-py 8 reads with a 5 s socket timeout, the same as the layer's 5 s blocking pop: a quiet socket
    # would die with TimeoutError. A longer read timeout still detects a dead Redis. Its pools also refuse a
    # 101st concurrent command instead of waiting: a reconnect storm of sockets needs more headroom.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30, "max_connections": 1000}]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kabinet"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    CHANNEL_LAYERS = {"default": {"BACKEND": "kabinet.notifications.layers.ThrottledInMemoryChannelLayer"}}

HUEY_IMMEDIATE = env_bool("KABINET_JOBS_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("KABINET_JOBS_NAME", "kabinet"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("KABINET_JOB_WORKERS", 4), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kabinet",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("KABINET_JOB_WORKERS", 2), "worker_type": "thread"},
    }

# --- Authentication --------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env_int("KABINET_SESSION_MAX_AGE", 60 * 60 * 12)

# Sign-in, registration and account security: django-allauth, configured and extended by kabinet.accounts.
# Staff choose the registration mode, consent text and session timeouts in the back office
# (accounts.SignInSettings); what follows is the part that never changes at run time.
_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_ADAPTER = "kabinet.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"  # enforced at sign-up (see kabinet.accounts.stages)
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 600
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_FORMAT = _CODE_FORMAT
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_LOGIN_BY_CODE_FORMAT = _CODE_FORMAT
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 600
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = _CODE_FORMAT
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 5
ACCOUNT_LOGIN_TIMEOUT = 900
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # never mail strangers: same screen, nothing sent
ACCOUNT_SESSION_REMEMBER = True  # lifetime is the staff's idle timeout and absolute lifetime
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env_bool("KABINET_HTTPS", False) else "http"
ACCOUNT_FORMS = {
    "login": "kabinet.accounts.forms.SignInForm",
    "signup": "kabinet.accounts.forms.SignUpForm",
    "confirm_login_code": "kabinet.accounts.forms.ConfirmLoginCodeForm",
    "request_login_code": "kabinet.accounts.forms.RequestLoginCodeForm",
    "verify_phone": "kabinet.accounts.forms.VerifyPhoneForm",
    "confirm_email_verification_code": "kabinet.accounts.forms.ConfirmEmailVerificationCodeForm",
}
# Per IP and per account, never an account-wide lockout: failed passwords count per (IP, account) and,
# far higher, per account; a paused password still leaves the code sign-in open (docs/security.md).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip",
    "login_failed_ip_account": "5/5m/key",  # Kabinet's: the key is "<IP>:<login>"
    "login_failed_account": "50/h/key",  # Kabinet's
    "request_login_code": "10/m/ip,3/m/key,10/h/key",
    "confirm_login_code": "20/m/ip",
    "signup": "10/m/ip",
    "reset_password": "10/m/ip,3/m/key",
    "verify_phone": "1/30s/key,3/m/ip",
    "change_phone": "1/m/user",
    "confirm_email": "1/10s/key",
    "verify_contact_address": "1/30s/key,10/h/key,5/m/ip",  # Kabinet's: codes for addresses on "My data"
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "delete_account": "3/10m/user",
    "signing_code": "1/30s/user,10/h/user",  # Kabinet's: codes to sign a document
    "signing_countersign": "5/m/user",  # Kabinet's: staff authenticator codes when countersigning
    "signing_verify": "20/m/ip",  # Kabinet's: the public verification page
    "public_booking_code": "1/30s/key,5/h/key,10/m/ip",  # Kabinet's: SMS codes of the public booking page
    "public_booking_confirm": "20/m/ip",  # Kabinet's: entering those codes
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kabinet"
MFA_RECOVERY_CODE_COUNT = 10
USERSESSIONS_TRACK_ACTIVITY = False

# --- Internationalisation --------------------------------------------------------------------------------
LANGUAGE_CODE = env_str("KABINET_LANGUAGE", "ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English")), ("pl", _("Polish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("KABINET_TIME_ZONE", "Europe/Moscow")
LANGUAGE_COOKIE_NAME = "kabinet_language"
# Texts staff type (stage names, categories, labels, the portal name...) have one column per language;
# an empty translation reads as the portal's default language (django-modeltranslation, see docs/portal.md).
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE if LANGUAGE_CODE in dict(LANGUAGES) else "ru"
# The default language first, then any other that has the text: a text is never lost for want of one.
MODELTRANSLATION_FALLBACK_LANGUAGES = (
    MODELTRANSLATION_DEFAULT_LANGUAGE,
    *(code for code, _name in LANGUAGES if code != MODELTRANSLATION_DEFAULT_LANGUAGE),
)
KABINET_DEFAULT_CURRENCY = env_str("KABINET_DEFAULT_CURRENCY", "RUB")
KABINET_DEFAULT_PHONE_REGION = env_str("KABINET_DEFAULT_PHONE_REGION", "RU")

# --- Static and uploaded files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("KABINET_STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded files live outside every public URL; they are served only by access-checked download views.
MEDIA_ROOT = Path(env_str("KABINET_MEDIA_ROOT", str(DATA_DIR / "files")))
MEDIA_URL = None
WHITENOISE_USE_FINDERS = env_bool("KABINET_STATIC_FROM_APPS", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
KABINET_MAX_UPLOAD_BYTES = env_int("KABINET_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = KABINET_MAX_UPLOAD_BYTES + 1024 * 1024

# --- Email -----------------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("KABINET_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "outbox-mail"
EMAIL_HOST = env_str("KABINET_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KABINET_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("KABINET_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("KABINET_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("KABINET_EMAIL_TLS", False)
# A hung mail server must not hold a worker (and its delivery lease) forever.
EMAIL_TIMEOUT = env_int("KABINET_EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("KABINET_EMAIL_FROM", "Kabinet <noreply@kabinet.local>")

# --- SMS (kabinet.core.providers.sms; providers in kabinet.integrations.sms) ----------------------------
# Empty: staff choose the provider in the back office (nothing chosen: "file"). Set: pinned to that provider id.
KABINET_SMS_PROVIDER = env_str("KABINET_SMS_PROVIDER")
# SMS.ru's API (a test stand may point elsewhere).
KABINET_SMSRU_URL = env_str("KABINET_SMSRU_URL", "https://sms.ru")
# Payments (docs/payments.md): a pinned provider id ("" = staff choose; nothing chosen = the offline sandbox).
KABINET_PAYMENTS_PROVIDER = env_str("KABINET_PAYMENTS_PROVIDER")
# The RFC 3161 timestamp server of the signing seal (PAdES B-T): "local" (offline), "rfc3161", or "none" (B-B);
# empty: staff choose in the back office. docs/signatures.md.
KABINET_TIMESTAMP_PROVIDER = env_str("KABINET_TIMESTAMP_PROVIDER")
KABINET_YOOKASSA_URL = env_str("KABINET_YOOKASSA_URL", "https://api.yookassa.ru")
KABINET_STRIPE_URL = env_str("KABINET_STRIPE_URL", "https://api.stripe.com")
KABINET_SMS_FILE_PATH = Path(env_str("KABINET_SMS_FILE_PATH", str(DATA_DIR / "outbox-sms")))
KABINET_SMS_SENDER = env_str("KABINET_SMS_SENDER", "Kabinet")

# --- CRM sync (kabinet.sync; providers in kabinet.integrations.crm) -------------------------------------
KABINET_CRM_PROVIDER = env_str("KABINET_CRM_PROVIDER")
KABINET_SYNC_INTERVAL = env_int("KABINET_SYNC_INTERVAL", 300)  # seconds between incremental pulls
KABINET_SYNC_RECONCILE_HOURS = env_int("KABINET_SYNC_RECONCILE_HOURS", 24)  # full resync: deletions, drift
KABINET_BITRIX24_OAUTH_URL = env_str("KABINET_BITRIX24_OAUTH_URL", "https://oauth.bitrix.info")

# --- Support tickets: email in and out -------------------------------------------------------------------
# Replies to ticket emails go to <mailbox local part>+<signed token>@<domain>.
KABINET_TICKETS_MAILBOX = env_str("KABINET_TICKETS_MAILBOX")
KABINET_TICKETS_INBOUND_BACKEND = env_str("KABINET_TICKETS_INBOUND_BACKEND", "directory")
KABINET_TICKETS_INBOUND_DIR = Path(env_str("KABINET_TICKETS_INBOUND_DIR", str(DATA_DIR / "inbox-mail")))
KABINET_TICKETS_INBOUND_POLL = env_bool("KABINET_TICKETS_INBOUND_POLL", False)

# --- Notifications and chat -------------------------------------------------------------------------------
# Chat messages reach an offline client outside the portal after this many seconds, batched.
KABINET_NOTIFY_BATCH_DELAY = env_int("KABINET_NOTIFY_BATCH_DELAY", 120)
# An open socket re-reads its session at least this often (and at the session's deadline).
KABINET_SOCKET_RECHECK_SECONDS = env_int("KABINET_SOCKET_RECHECK_SECONDS", 60)
# A worker holds an outside delivery this long while sending; past it the worker is taken for dead and the
# delivery is handed to another job (docs/reliability.md). Longer than any send may take (EMAIL_TIMEOUT...).
KABINET_JOB_LEASE_SECONDS = env_int("KABINET_JOB_LEASE_SECONDS", 300)
# Web push (VAPID). Empty private key: one is generated into the data folder on first use.
KABINET_VAPID_PRIVATE_KEY = env_str("KABINET_VAPID_PRIVATE_KEY")
# Browsers' push services the server may POST to (https only): a subscription naming any other host is
# refused, so a signed-in client cannot make the server call an internal address.
KABINET_PUSH_SERVICE_HOSTS = env_list(
    "KABINET_PUSH_SERVICE_HOSTS",
    "fcm.googleapis.com,.push.services.mozilla.com,.notify.windows.com,.push.apple.com",
)
KABINET_VAPID_SUBJECT = env_str(
    "KABINET_VAPID_SUBJECT", "mailto:" + DEFAULT_FROM_EMAIL.split("<")[-1].strip(">")
)

# --- REST API and webhooks (docs/api.md) ------------------------------------------------------------------
KABINET_API_RATE = env_str("KABINET_API_RATE", "600/m")  # requests per key (or signed-in client)
KABINET_API_IDEMPOTENCY_HOURS = env_int("KABINET_API_IDEMPOTENCY_HOURS", 24)
KABINET_WEBHOOK_TIMEOUT = env_int("KABINET_WEBHOOK_TIMEOUT", 15)  # seconds per delivery attempt
KABINET_INBOX_MAX_ATTEMPTS = env_int("KABINET_INBOX_MAX_ATTEMPTS", 8)  # then the event is a dead letter

# --- Security --------------------------------------------------------------------------------------------
HTTPS = env_bool("KABINET_HTTPS", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("KABINET_BEHIND_PROXY") else None
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("KABINET_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("KABINET_HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env_list("KABINET_SILENCED_CHECKS")
if HTTPS and not SECURE_HSTS_PRELOAD and "security.W021" not in SILENCED_SYSTEM_CHECKS:
    # Leaving the preload list out is the operator's explicit choice (docs/configuration.md advises it for a
    # domain not meant for the list): `check --deploy` must not warn about a choice the docs recommend.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# Content-Security-Policy (django-csp): scripts and styles only from this site or with the page's nonce, no
# plugins, no <base>, never framed. Style attributes stay allowed (stage colours are custom properties set
# per element); they cannot run code. Downloads set their own stricter policy (files.views.file_response),
# which the middleware keeps.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "frame-src": [NONE],
        "form-action": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KABINET_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
