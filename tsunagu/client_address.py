"""The client's address, and the proxy headers, believed only from a configured reverse proxy.

Behind a reverse proxy every request comes from the proxy's address, so the client's address is
in `X-Forwarded-For`. Anyone can send that header, though: it is read only when the request
comes from one of `TSUNAGU_TRUSTED_PROXIES` (addresses or networks, default none). The proxy
appends the address it saw to the list, so the list is read from the right and the first address
that is not itself a trusted proxy is the client; anything further left was written by the client.
"""

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Headers only a trusted proxy may set; from anyone else they are removed before Django reads
# them (SECURE_PROXY_SSL_HEADER reads X-Forwarded-Proto, for example).
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    # The entries were checked when the settings loaded (settings.env_networks).
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_proxies() -> tuple[IpNetwork, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _address(text: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str | None) -> bool:
    parsed = _address(address or "")
    return parsed is not None and any(parsed in network for network in trusted_proxies())


def client_address(request: HttpRequest) -> str | None:
    """The right-most address of the chain that is not a trusted proxy (REMOTE_ADDR first)."""
    remote = request.META.get("REMOTE_ADDR") or None
    if not is_trusted_proxy(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    nearest_trusted = remote
    for hop in reversed(hops):
        parsed = _address(hop)
        if parsed is None:
            # A hop that is no address was not written by our proxy: stop at the last one that was.
            return nearest_trusted
        if not is_trusted_proxy(hop):
            return str(parsed)
        nearest_trusted = str(parsed)
    # Every hop was a proxy of ours (a health check from inside): that is the client.
    return nearest_trusted


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: drop the proxy headers unless the request comes from a trusted proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR")):
            for header in PROXY_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
