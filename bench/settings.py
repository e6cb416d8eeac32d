"""Production settings, served over plain HTTP on 127.0.0.1 for the benchmark, and measured.

Only for `make bench`: everything else is config.settings.production as deployed (DEBUG off,
MFA_REQUIRED on, the manifest static storage, psycopg's pool, Redis). What differs, and why:
- HTTPS: there is no TLS on 127.0.0.1, so no redirect to https://, no HSTS, and cookies without
  the Secure flag (a client does not send a Secure cookie over http://);
- sign-in rate limit: the bench signs in 36 people from one address within a minute, over
  allauth's 30 a minute per address; every other limit stays;
- bench.middleware.BenchMiddleware, outermost, times each request and counts its queries, and
  bench.urls adds the bare view the pages are compared with.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import ACCOUNT_RATE_LIMITS, MIDDLEWARE

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "1000/m/ip"}

MIDDLEWARE = ["bench.middleware.BenchMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.urls"
