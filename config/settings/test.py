"""Fast, deterministic test settings; PostgreSQL and Redis where DATABASE_URL and REDIS_URL are set."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks in-process; the round trip through a real worker is its own test (tests/test_stack.py).
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
# Rate limits are tested where they matter (tests/accounts/test_rate_limits.py) with their own limits.
ACCOUNT_RATE_LIMITS = False
