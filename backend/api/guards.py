"""Request guards for destructive endpoints: exposure, site/origin/host, JSON body, per-process token.

A hostile web page can make the browser send a request to 127.0.0.1 (a form post or a no-cors
fetch); it cannot read the answer, add a custom header, or send a JSON content type without a CORS
preflight, which this server never approves. So a destructive request must:

1. use POST or DELETE;
2. reach a server that listens on loopback only and has no open CORS, unless the operator opted in
   (anyone on the network could otherwise act; ComfyUI has no authentication);
3. come from the page's own origin: ``Sec-Fetch-Site`` not ``cross-site``/``same-site``, an
   ``Origin`` equal to the ``Host``, and (loopback only) a ``Host`` that names this machine, which
   stops DNS rebinding;
4. carry ``Content-Type: application/json`` (the three form types are what a page can send freely);
5. carry the per-process token in ``X-SwissArmyKnife-Token``, which only a same-origin page can read
   from ``GET /swissarmyknife/session``.

Every refusal is an ``ApiError`` (JSON 4xx) saying what was wrong and what to do.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from .. import log
from ..schemas import ErrorDetail
from .errors import ApiError

if TYPE_CHECKING:
    from .endpoints import Endpoint

TOKEN_HEADER = "X-SwissArmyKnife-Token"
ALLOW_REMOTE_ENV = "SWISSARMYKNIFE_ALLOW_REMOTE_ACTIONS"
SESSION_PATH = "/swissarmyknife/session"
DESTRUCTIVE_METHODS = frozenset({"POST", "DELETE"})
JSON_CONTENT_TYPE = "application/json"
# What an HTML form (or a no-cors fetch) may send cross-site without a preflight.
FORM_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback_address(address: str) -> bool:
    """Whether a listen address or host name stays on this machine (no DNS lookup)."""
    name = address.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def remote_actions_opted_in(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the operator set ``SWISSARMYKNIFE_ALLOW_REMOTE_ACTIONS`` to 1/true/yes/on."""
    env = os.environ if environ is None else environ
    return env.get(ALLOW_REMOTE_ENV, "").strip().lower() in _TRUE


@dataclass(frozen=True)
class Exposure:
    """Who can reach the server, as its host reports it.

    Attributes:
        listen: The addresses the server binds (``--listen`` may give several, comma-separated).
        cors_origin: The origin CORS headers allow (``--enable-cors-header``), None when CORS is off.
        known: False when the host could not tell; treated as exposed.
        listen_option: How the user sets ``listen`` (for messages).
        cors_option: How the user sets ``cors_origin`` (for messages).
    """

    listen: tuple[str, ...]
    cors_origin: str | None = None
    known: bool = True
    listen_option: str = "--listen"
    cors_option: str = "--enable-cors-header"

    @classmethod
    def loopback(cls) -> Exposure:
        """A server on 127.0.0.1 without CORS: ComfyUI's default."""
        return cls(listen=("127.0.0.1",))

    @classmethod
    def unknown(cls) -> Exposure:
        return cls(listen=(), known=False)

    @property
    def remote_addresses(self) -> tuple[str, ...]:
        """Listen addresses that reach beyond this machine (``""`` and ``0.0.0.0`` mean all)."""
        return tuple(a for a in self.listen if not is_loopback_address(a))

    @property
    def loopback_only(self) -> bool:
        return self.known and bool(self.listen) and not self.remote_addresses and self.cors_origin is None

    def problems(self) -> list[str]:
        """What makes the server reachable by others, in words."""
        if not self.known:
            return ["the plugin could not tell which addresses the server listens on"]
        found: list[str] = []
        remote = self.remote_addresses if self.listen else ("(unknown)",)
        if remote:
            shown = ",".join(a or "(all addresses)" for a in remote)
            found.append(f"it listens beyond this machine ({self.listen_option} {shown})")
        if self.cors_origin is not None:
            found.append(f"CORS is open ({self.cors_option} {self.cors_origin})")
        return found


class RequestGuard:
    """The guard of one server process: its token and the exposure policy."""

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
        exposure = self.exposure()
        if exposure.loopback_only:
            return None
        return (
            f"Server actions (restart, clear VRAM, archive and history changes) are refused because "
            f"{' and '.join(exposure.problems())}: anyone who can reach the server could use them, and "
            f"ComfyUI has no authentication. To allow them anyway, set {ALLOW_REMOTE_ENV}=1 in the "
            f"server's environment and restart it."
        )

    # The checks, in the order a destructive request meets them.
    def check_destructive(self, request: web.Request) -> None:
        """Refuse anything but a same-origin JSON POST/DELETE with the token on an unexposed server.

        Raises:
            ApiError: 405, 403 or 415 with a message saying what to change.
        """
        if request.method not in DESTRUCTIVE_METHODS:
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
        self.check_content_type(request)
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

    def check_content_type(self, request: web.Request) -> None:
        """Require a JSON body (``{}`` when there is nothing to say).

        Raises:
            ApiError: 415.
        """
        content_type = request.content_type
        if content_type == JSON_CONTENT_TYPE:
            return
        if content_type in FORM_CONTENT_TYPES:
            message = (
                f"{content_type} is refused: server actions take Content-Type: {JSON_CONTENT_TYPE} "
                "(a form on another web site cannot send that)"
            )
        else:
            message = f"server actions take Content-Type: {JSON_CONTENT_TYPE} and a JSON body such as {{}}"
        raise ApiError(415, "unsupported_media_type", message)

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


def refuse_unguarded(request: web.Request) -> ApiError:
    """What a destructive endpoint answers when no guard was attached (a wiring bug): fail closed."""
    log.warn_once("unguarded", f"{request.path} has no request guard; refusing")
    return ApiError(403, "forbidden", "this action is not available: the server has no request guard for it")


def attach_guard(endpoints: Iterable[Endpoint], guard: RequestGuard) -> list[Endpoint]:
    """Give every destructive endpoint the guard; refuse a destructive GET at startup.

    Raises:
        ValueError: A destructive endpoint is declared with a method other than POST or DELETE.
    """
    from dataclasses import replace

    out: list[Endpoint] = []
    for endpoint in endpoints:
        if not endpoint.destructive:
            out.append(endpoint)
            continue
        if endpoint.method not in DESTRUCTIVE_METHODS:
            raise ValueError(
                f"{endpoint.operation_id}: destructive endpoints must be POST or DELETE, "
                f"not {endpoint.method}"
            )
        out.append(replace(endpoint, guard=guard))
    return out
