"""The health check that load balancers and container orchestrators poll (GET /healthz)."""

import logging
import uuid
from collections.abc import Callable

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# A poller gives up after a few seconds; an unreachable broker must answer "error" well before that.
BROKER_TIMEOUT_SECONDS = 1


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    # A unique key, so concurrent checks from several pollers never read each other's value.
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise LookupError("value written was not read back")
    finally:
        cache.delete(key)


def _broker() -> None:
    # One attempt only: redis-py's default retries with backoff would outlast the poller's timeout.
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        client.ping()
    finally:
        client.close()


def _run(name: str, check: Callable[[], None]) -> str:
    try:
        check()
    except Exception as exc:
        # The endpoint is public: give the kind of failure only, and log the details for operators.
        logger.exception("Health check %s failed", name)
        return f"error: {type(exc).__name__}"
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _run("database", _database), "cache": _run("cache", _cache)}
    # Without REDIS_URL (the quick start) there is no broker: tasks run in-process.
    checks["broker"] = _run("broker", _broker) if settings.REDIS_URL else "not configured"
    healthy = all(result in ("ok", "not configured") for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )
