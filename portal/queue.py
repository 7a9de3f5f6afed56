"""Queue a Celery task by its registered name, from code that must not import the task's module.

Services sit below tasks (a task module imports its services), so a service that hands work to a
worker names the task instead of importing it. `send_task` would do that but ignores eager mode;
looking the task up in the app's registry keeps eager mode working where a test asks for it.
"""

from __future__ import annotations

from typing import Any

from celery import current_app


def queue_task(name: str, *args: Any, countdown: float = 0) -> None:
    """Queue the registered task `name` with positional `args` (after `countdown` seconds)."""
    if name not in current_app.tasks:
        # A web process imports task modules only as it meets them; load every app's tasks once.
        current_app.loader.import_default_modules()
    task = current_app.tasks[name]
    task.apply_async(args=args, countdown=countdown)
