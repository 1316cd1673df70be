"""Request guards for destructive endpoints: exposure, site/origin/host, JSON body, per-process token.

A hostile web page can make the browser send a request to 127.0.0.1 (a form post or a no-cors
fetch); it cannot read the answer, add a custom header, or send a JSON content type without a CORS
preflight, which this server never approves. So a destructive request must:

1. use POST or DELETE (``backend.api.endpoints`` guards no other method);
2. reach a server that listens on loopback only and has no open CORS, unless the operator opted in
   (anyone on the network could otherwise act; ComfyUI has no authentication);
3. come from the page's own origin: ``Sec-Fetch-Site`` not ``cross-site``/``same-site``, an
   ``Origin`` equal to the ``Host``, and (loopback only) a ``Host`` that names this machine, which
   stops DNS rebinding;
4. carry ``Content-Type: application/json`` (the three form types are what a page can send freely);
5. carry the per-process token in ``X-SwissArmyKnife-Token``, which only a same-origin page can read
   from ``GET /swissarmyknife/session``.

Every refusal is an ``ApiError`` (JSON 4xx) saying what was wrong and what to do. Which servers
count as exposed is the actions' policy (``backend.actions.exposure``); this module enforces it
per request.
"""

from __future__ import annotations

import hmac
import secrets
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from aiohttp import web

from .. import log
from ..actions import (
    ALLOW_REMOTE_ENV,
    Exposure,
    actions_refused_reason,
    is_loopback_address,
    remote_actions_opted_in,
)
from ..schemas import ErrorDetail
from .errors import ApiError
from .http import GUARDED_METHODS, require_json

TOKEN_HEADER = "X-SwissArmyKnife-Token"
SESSION_PATH = "/swissarmyknife/session"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class RequestGuard:
    """The guard of one server process: its token and the exposure policy (``endpoints.Guard``)."""

    token_header = TOKEN_HEADER
    token_source = f"GET {SESSION_PATH}"

    def __init__(
        self,
        *,
        exposure: Callable[[], Exposure] = Exposure.loopback,
        allow_remote: bool | None = None,
        token: str | None = None,
        local_names: Iterable[str] | None = None,
    ) -> None:
        """Create the guard.

        Args:
            exposure: Read on every request (the host adapter's ``exposure``).
            allow_remote: The operator's opt-in; None reads ``SWISSARMYKNIFE_ALLOW_REMOTE_ACTIONS``.
            token: The secret; a fresh random one per process when None.
            local_names: Host names that mean this machine besides localhost and loopback IPs;
                ``socket.gethostname()`` when None.
        """
        self._exposure = exposure
        self.allow_remote = remote_actions_opted_in() if allow_remote is None else allow_remote
        self.token = token if token is not None else secrets.token_urlsafe(32)
        names = [socket.gethostname()] if local_names is None else list(local_names)
        self._local_names = frozenset(n.lower() for n in names if n)

    def exposure(self) -> Exposure:
        try:
            return self._exposure()
        except Exception:
            # Not knowing must refuse, not crash: the opt-in still works.
            log.warn_once("exposure-unknown", "could not read how the server listens; actions refused")
            return Exposure.unknown()

    def refusal_reason(self) -> str | None:
        """Why actions are refused on this server (exposure without opt-in), or None."""
        if self.allow_remote:
            return None
        return actions_refused_reason(self.exposure(), allow_remote=False)

    # The checks, in the order a guarded request meets them.
    def check(self, request: web.Request) -> None:
        """Refuse anything but a same-origin JSON request with the token on an unexposed server.

        Raises:
            ApiError: 405, 403 or 415 with a message saying what to change.
        """
        if request.method not in GUARDED_METHODS:
            # The endpoints' declaration already refuses a guarded GET; a guard used alone says so too.
            raise ApiError(
                405,
                "method_not_allowed",
                f"{request.method} cannot change anything; use POST or DELETE",
                headers={"Allow": "POST, DELETE"},
            )
        reason = self.refusal_reason()
        if reason is not None:
            raise ApiError(403, "forbidden", reason)
        self.check_site(request)
        require_json(request)
        self.check_token(request)

    def check_site(self, request: web.Request) -> None:
        """Refuse a request that comes from another site or through a foreign host name.

        Raises:
            ApiError: 403.
        """
        fetch_site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
        if fetch_site in ("cross-site", "same-site"):
            raise ApiError(
                403,
                "forbidden",
                f"refused a {fetch_site} request: server actions are only accepted from the plugin's "
                "own page",
                [ErrorDetail(location="header.Sec-Fetch-Site", message=f"{fetch_site} is not allowed")],
            )
        host_header = request.headers.get("Host") or request.host
        host = _split_host(host_header)
        if host is None:
            raise ApiError(403, "forbidden", "refused a request without a valid Host header")
        origin = request.headers.get("Origin")
        if origin is not None:
            self._check_origin(origin, host)
        if not self.allow_remote and not self._is_local_name(host[0]) and self.exposure().loopback_only:
            # A loopback server reached through another name is DNS rebinding (or a proxy: opt in).
            # An exposed server is reached through its network names; its actions are refused anyway.
            raise ApiError(
                403,
                "forbidden",
                f"refused a request for host {host_header!r}: this server listens on loopback only, so "
                f"server actions are accepted through localhost or 127.0.0.1. Behind a reverse proxy, "
                f"set {ALLOW_REMOTE_ENV}=1.",
                [ErrorDetail(location="header.Host", message="not a name of this machine")],
            )

    def check_token(self, request: web.Request) -> None:
        """Require this process's token.

        Raises:
            ApiError: 403; the detail's location is ``header.X-SwissArmyKnife-Token``.
        """
        sent = request.headers.get(TOKEN_HEADER)
        where = f"header.{TOKEN_HEADER}"
        if not sent:
            raise ApiError(
                403,
                "forbidden",
                f"missing {TOKEN_HEADER} header: the plugin's page reads it from GET {SESSION_PATH}",
                [ErrorDetail(location=where, message="missing")],
            )
        if not hmac.compare_digest(sent.encode(), self.token.encode()):
            raise ApiError(
                403,
                "forbidden",
                f"wrong {TOKEN_HEADER}: the server may have restarted; read a new one from "
                f"GET {SESSION_PATH}",
                [ErrorDetail(location=where, message="does not match this server process")],
            )

    def _check_origin(self, origin: str, host: tuple[str, int | None]) -> None:
        # The scheme is not compared: behind a TLS-terminating proxy an https page reaches us over http.
        try:
            parts = urlsplit(origin) if origin != "null" else None
            origin_port = parts.port if parts is not None else None
        except ValueError:  # "http://[::1", "http://h:port"
            parts, origin_port = None, None
        scheme = parts.scheme.lower() if parts is not None else ""
        if parts is None or scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ApiError(
                403,
                "forbidden",
                f"refused a request from origin {origin!r}",
                [ErrorDetail(location="header.Origin", message="not the plugin's page")],
            )
        default = _DEFAULT_PORTS[scheme]
        if (parts.hostname.lower(), origin_port or default) != (host[0], host[1] or default):
            raise ApiError(
                403,
                "forbidden",
                f"refused a cross-origin request from {origin}: server actions are only accepted from "
                "the plugin's own page",
                [ErrorDetail(location="header.Origin", message="does not match the Host header")],
            )

    def _is_local_name(self, name: str) -> bool:
        return is_loopback_address(name) or name in self._local_names


def _split_host(value: str | None) -> tuple[str, int | None] | None:
    """``"Example.com:8188"`` -> ``("example.com", 8188)``; ``"[::1]"`` -> ``("::1", None)``."""
    if not value:
        return None
    try:
        parts = urlsplit("//" + value.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower(), port
