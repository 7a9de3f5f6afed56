"""Errors a service raises for a request it refuses; views show the message as is."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused request, with a message fit to show the person who made it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransition(ServiceError):
    pass


class InvalidToken(ServiceError):
    """A link or code that is unknown, used, or expired."""
