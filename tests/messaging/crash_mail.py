"""An email backend that kills its process mid-send, as a worker dies (tests only: the crash test
runs a real second process with EMAIL_BACKEND pointing here)."""

from __future__ import annotations

import os
from typing import Any


class DyingEmailBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        os._exit(9)  # no cleanup, no rollback from Python: the database sees the connection drop
