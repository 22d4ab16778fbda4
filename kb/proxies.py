"""Believe ``X-Forwarded-For`` only from the reverse proxies named in ``TRUSTED_PROXIES``.

Behind haproxy or nginx every request comes from the proxy's address; sign-in throttling
and the audit trail need the client's. Werkzeug's :class:`~werkzeug.middleware.proxy_fix.
ProxyFix` takes it from the header the proxy appends, but a client talking to us directly
could send that header too: so the fix is applied only to connections from a trusted
proxy, and any other connection keeps its own address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """Parse ``TRUSTED_PROXIES``: addresses or networks separated by commas or spaces.

    :raises kb.config.ConfigError: for an entry that is neither (the message names it).
    """
    from kb.config import ConfigError

    networks = []
    for entry in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(
                f"TRUSTED_PROXIES holds {entry!r}, which is not an address or network: use "
                "addresses such as 127.0.0.1 or networks such as 10.0.0.0/8, comma-separated."
            ) from None
    return tuple(networks)


class TrustedProxyFix:
    """WSGI middleware: :class:`ProxyFix` (one proxy hop) for connections from ``networks``."""

    def __init__(self, app: WSGIApplication, networks: Iterable[Network]) -> None:
        self.app = app
        self.networks = tuple(networks)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)

    def trusted(self, address: str) -> bool:
        """Whether ``address`` (the connection's peer) is one of the trusted proxies."""
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        if self.trusted(str(environ.get("REMOTE_ADDR") or "")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def install_proxy_fix(app: Any) -> None:
    """Wrap ``app.wsgi_app`` when ``TRUSTED_PROXIES`` names any proxy."""
    networks = parse_networks(str(app.config.get("TRUSTED_PROXIES") or ""))
    if networks:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, networks)
