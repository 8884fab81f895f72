"""Request guards of the review server against other web sites: DNS rebinding and cross-site requests.

* **Host allow-list**: a request whose ``Host`` header names another host than the server was started
  for is refused (400) -- a page on ``attacker.example`` whose name was re-pointed at 127.0.0.1 cannot
  read or write.  A loopback bind accepts ``localhost``, ``127.0.0.1`` and ``[::1]``; a wildcard bind
  (``0.0.0.0``, ``::``) accepts any name (it always requires a token); ``--allow-host`` adds names.
* **Same origin for state changes**: a POST/PUT/PATCH/DELETE is refused (403) when the browser says it
  comes from elsewhere (``Sec-Fetch-Site`` other than ``same-origin``/``none``, or an ``Origin`` other than
  the server's own), and (415) when it carries a body that is not ``application/json`` (an HTML form or a
  ``text/plain`` post, which browsers send cross-site without asking).  A request with an
  ``Authorization`` header (the token) is not a browser's ambient credential and passes this guard.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(bind: str, extra: Iterable[str] = ()) -> frozenset[str] | None:
    """Host names a server bound to ``bind`` answers to; None = any (wildcard bind)."""
    bind = bind.strip("[]").lower()
    if bind in WILDCARD_BINDS:
        return None
    names = {bind, *(h.strip("[]").lower() for h in extra if h)}
    if is_loopback(bind):
        names |= LOOPBACK_NAMES
    return frozenset(names)


def host_name(header: str) -> str:
    """The host of a ``Host`` header value, without port or IPv6 brackets, lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def cross_site_reason(method: str, headers: Any) -> tuple[int, str] | None:
    """Why a request may not change state (status, message), or None when it may."""
    if method.upper() in SAFE_METHODS or headers.get("authorization"):
        return None
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return 403, "cross-site request refused"
    origin = headers.get("origin")
    if origin is not None:
        o = urlsplit(origin)
        if origin == "null" or o.netloc.lower() != headers.get("host", "").lower():
            return 403, "cross-origin request refused"
    ctype = headers.get("content-type")
    has_body = headers.get("content-length", "0") not in ("0", "") or headers.get("transfer-encoding")
    if (ctype is not None or has_body) and (ctype or "").split(";")[0].strip().lower() != "application/json":
        return 415, "Content-Type: application/json required"
    return None


def install_guards(app: FastAPI, hosts: frozenset[str] | None) -> None:
    """Install both guards; call after the token check so they run before it."""

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        if hosts is not None and host_name(request.headers.get("host", "")) not in hosts:
            return JSONResponse({"detail": "host not allowed"}, status_code=400)
        refused = cross_site_reason(request.method, request.headers)
        if refused is not None:
            return JSONResponse({"detail": refused[1]}, status_code=refused[0])
        return await call_next(request)
