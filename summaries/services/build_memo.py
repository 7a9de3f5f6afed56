"""Reads shared by the rules of one briefing build, each made once per build.

Several rules read the same rows (the upcoming visits feed "a questionnaire to fill" and "What is
next"; the open threads feed "an unread answer" and the open requests; the care gaps feed "What needs
you" and "coming due"). Inside `one_build()` each such read runs once and its answer is shared;
outside a build (a page, a test) `once` simply reads. The memo lives in a context variable, so two
builds (threads of one worker) never share answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("briefing_build_memo", default=None)


@contextmanager
def one_build() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def once(read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`read(*args, **kwargs)`, asked once per build (a patient id as a UUID or a string is one key)."""
    memo = _memo.get()
    if memo is None:
        return read(*args, **kwargs)
    key = (read.__module__, read.__qualname__, tuple(str(arg) for arg in args), tuple(sorted(kwargs.items())))
    if key not in memo:
        memo[key] = read(*args, **kwargs)
    return memo[key]
