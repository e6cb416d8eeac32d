"""What the bench's client computes without a network or Django: the authenticator's codes, and
the server's timing header (bench.middleware writes it)."""

import base64
import hashlib
import hmac
import struct
import time

TOTP_PERIOD = 30
TOTP_DIGITS = 6


def totp(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for this base32 secret (RFC 6238: HMAC-SHA1, 30 s, 6 digits)."""
    counter = int((time.time() if at is None else at) // TOTP_PERIOD)
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**TOTP_DIGITS:0{TOTP_DIGITS}d}"


def parse_server_timing(header: str) -> dict[str, float]:
    """`app;dur=12.5, db;dur=3` → {"app": 12.5, "db": 3.0}; metrics without a duration are left out."""
    metrics = {}
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        for param in params:
            key, _, value = param.partition("=")
            if key == "dur" and name:
                metrics[name] = float(value)
    return metrics
