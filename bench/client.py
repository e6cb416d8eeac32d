"""The bench's browser: signs in through the real sign-in form (and its two-factor step) and reads
each response's server-side figures. No Django here: it talks to the server over HTTP only."""

import time
from dataclasses import dataclass

import httpx

from .protocol import TOTP_PERIOD, parse_server_timing, totp

LOGIN = "/accounts/login/"
TWO_FACTOR = "/accounts/2fa/authenticate/"
BARE = "/bench/bare/"


class SignInError(Exception):
    pass


def sign_in(base_url: str, email: str, password: str, totp_secret: str | None) -> httpx.Client:
    """A client signed in as this person, as a browser would: the sign-in form, then the code."""
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)
    page = client.get(LOGIN)
    if page.status_code != 200:
        raise SignInError(f"{email}: the sign-in page answered {page.status_code}")
    answer = client.post(
        LOGIN, data={"csrfmiddlewaretoken": client.cookies["csrftoken"], "login": email, "password": password}
    )
    if answer.status_code != 302:
        raise SignInError(f"{email}: signing in answered {answer.status_code}")
    if answer.headers["location"].startswith(TWO_FACTOR):
        if not totp_secret:
            raise SignInError(f"{email}: asked for a code, but has no authenticator of the bench's")
        client.get(TWO_FACTOR)
        # A code is good for its 30 s only: not one about to run out on the way.
        if TOTP_PERIOD - time.time() % TOTP_PERIOD < 2:
            time.sleep(2)
        answer = client.post(
            TWO_FACTOR, data={"csrfmiddlewaretoken": client.cookies["csrftoken"], "code": totp(totp_secret)}
        )
        if answer.status_code != 302:
            raise SignInError(f"{email}: the two-factor code answered {answer.status_code}")
    check = client.get(BARE)
    if check.status_code != 200:
        raise SignInError(f"{email}: signed in, but the bare view answered {check.status_code}")
    return client


@dataclass(frozen=True)
class Sample:
    status: int
    server_ms: float | None
    client_ms: float
    queries: int | None
    explain: str | None = None


def fetch(client: httpx.Client, path: str, *, explain: bool = False) -> Sample:
    started = time.perf_counter()
    response = client.get(path, headers={"X-Bench-Explain": "1"} if explain else None)
    client_ms = (time.perf_counter() - started) * 1000
    timing = parse_server_timing(response.headers.get("Server-Timing", ""))
    queries = response.headers.get("X-Bench-Queries")
    return Sample(
        status=response.status_code,
        server_ms=timing.get("app"),
        client_ms=client_ms,
        queries=int(queries) if queries else None,
        explain=response.headers.get("X-Bench-Explain"),
    )
