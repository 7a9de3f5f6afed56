"""The one answer to "which address is this request from?", for the audit log and every rate limit.

Behind the documented reverse proxy every request connects from the proxy, so limits keyed on the
connecting address would lump every patient together (one attacked account would lock everyone out).
The real client is the last hop in X-Forwarded-For that is not itself a trusted proxy; a client can
write anything to the left of that, so nothing further left is believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES parsed; a typo stops the portal rather than trusting the wrong hosts."""
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES holds something that is not an address or CIDR: {error}") from None


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: Iterable[Network]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP: the last untrusted X-Forwarded-For hop when a trusted proxy connected, else the peer."""
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not _trusted(remote, networks):
        return str(remote)
    nearest = remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # Garbage a trusted proxy passed on: it and all left of it were written by the client.
            break
        if not _trusted(address, networks):
            return str(address)
        nearest = address
    # Only trusted hops: the earliest one vouched for is the client (a machine inside the network).
    return str(nearest)
