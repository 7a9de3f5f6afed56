"""Who is asking, from where: the request's client, readable by services and the audit log."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Client:
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""
    user_id: int | None = None


# Client is a frozen dataclass, so sharing one default instance is safe.
_client: contextvars.ContextVar[Client] = contextvars.ContextVar("client", default=Client())  # noqa: B039


def current_client() -> Client:
    return _client.get()


def set_client(client: Client) -> contextvars.Token[Client]:
    return _client.set(client)


def reset_client(token: contextvars.Token[Client]) -> None:
    _client.reset(token)


def bind_user(user_id: int | None) -> None:
    """Name the signed-in user on the current request's client, once authentication has run."""
    _client.set(replace(_client.get(), user_id=user_id))
