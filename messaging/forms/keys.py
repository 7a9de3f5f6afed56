"""The idempotency key a messaging form carries: a fresh one each time a blank form is shown,
sent back with it (and kept when the form comes back with an error), so the same form sent
twice (a double click, a retried request) sends one message."""

from __future__ import annotations

from uuid import uuid4

from django import forms


def new_key() -> str:
    return uuid4().hex


def key_field() -> forms.CharField:
    # Not required: a page loaded before forms carried a key still sends (without the guard).
    # The service checks the length, so a broken key reads as a form error, not a lost message.
    return forms.CharField(widget=forms.HiddenInput, required=False, initial=new_key)
