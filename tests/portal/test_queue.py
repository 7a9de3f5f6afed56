"""Queuing a task by name: services hand work to workers without importing task modules."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from unittest import mock

import pytest

from portal.queue import queue_task


def test_a_task_queued_by_name_runs_in_eager_mode(eager_tasks: None) -> None:
    # send_task would warn that eager mode is ignored (an error under this suite's warning filter).
    with mock.patch("portal.tasks.sessions_clear_expired", return_value=7) as cleared:
        queue_task("portal.clear_expired_sessions")
    cleared.assert_called_once_with()


def test_a_web_process_finds_a_task_whose_module_it_never_imported() -> None:
    # A fresh process, as a web worker is: nothing has imported summaries.tasks yet.
    script = textwrap.dedent(
        """
        import django, sys
        from unittest import mock
        django.setup()
        assert "summaries.tasks" not in sys.modules
        from portal.queue import queue_task
        with mock.patch("celery.app.task.Task.apply_async") as queued:
            queue_task("summaries.rebuild_briefing", "p-1", countdown=5)
        queued.assert_called_once_with(args=("p-1",), countdown=5)
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_an_unknown_task_name_fails_loudly() -> None:
    with pytest.raises(KeyError):
        queue_task("portal.no_such_task")
