"""Who can reach the server, and the policy that follows: guarded actions only on an unexposed server.

ComfyUI has no authentication, so anyone who can reach a server that listens beyond this machine
(or has CORS open) could restart it; the operator may accept that with an environment variable.
The HTTP checks that enforce this per request are ``backend.api.guards``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

ALLOW_REMOTE_ENV = "SWISSARMYKNIFE_ALLOW_REMOTE_ACTIONS"
_TRUE = frozenset({"1", "true", "yes", "on"})


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


def actions_refused_reason(exposure: Exposure, *, allow_remote: bool) -> str | None:
    """Why guarded actions are refused on a server so exposed (without the opt-in), or None."""
    if allow_remote or exposure.loopback_only:
        return None
    return (
        f"Server actions (restart, clear VRAM, archive and history changes) are refused because "
        f"{' and '.join(exposure.problems())}: anyone who can reach the server could use them, and "
        f"ComfyUI has no authentication. To allow them anyway, set {ALLOW_REMOTE_ENV}=1 in the "
        f"server's environment and restart it."
    )
