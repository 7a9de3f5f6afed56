"""The architecture rule "an app writes only its own tables", checked over the code.

Every non-test, non-migration module of the apps is parsed (never imported) and each write to a
model is traced to the app that owns the model, through the module's own import statements:
`Model.objects.create/bulk_create/bulk_update/update_or_create/get_or_create`, `.update()` and
`.delete()` on a queryset (`Model.objects.filter(...).update(...)`), `Model(...).save()` and a
name bound to `Model(...)` then saved in the same function, and raw SQL (`INSERT INTO app_...`,
`UPDATE app_...`, `DELETE FROM app_...`) in string literals. A write to another app's model
fails the test naming file:line and the owning app: go through that app's service instead
(messaging.services.threads.thread_open_for, records.services.care_tasks.care_task_open,
records.services.patient_entered.file_patient_observation, portal.audit...).

What it cannot see (a model reached through a relation, `getattr`, a helper in another module)
is for review; what it sees must stay true.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "records", "messaging", "scheduling", "refills", "billing", "summaries")
WRITE_METHODS = frozenset(
    {"create", "bulk_create", "bulk_update", "update_or_create", "get_or_create", "update", "delete"}
)
SQL_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?([a-z]+)_[a-z0-9_]+", re.IGNORECASE)

# Writes allowed across apps, each with its reason: (file, model's app, model) -> why.
_LIST_AUDIT = (
    "a list read audited by hand with AuditEvent.objects.bulk_create: issue 11's 'one audit of lists' "
    "replaces it with portal.audit's list function; delete the entry with it"
)
_SEEDER = (
    "a benchmark or simulation seeder filling a throwaway database with organizations, staff and "
    "patients in bulk; it runs from manage.py only, never in a request or a worker"
)
_IMPORT_CREATES_PATIENT = (
    "a records import (or a staff match decision) creating the person an unmatched record belongs "
    "to; portal has no service for it yet, and records import robustness is issue 11's other work"
)
ALLOWED: dict[tuple[str, str, str], str] = {
    ("records/fhir_api/selectors.py", "portal", "AuditEvent"): _LIST_AUDIT,
    ("records/selectors/staff.py", "portal", "AuditEvent"): _LIST_AUDIT,
    ("records/services/release.py", "portal", "AuditEvent"): _LIST_AUDIT,
    ("messaging/selectors/staff_evisit.py", "portal", "AuditEvent"): _LIST_AUDIT,
    ("messaging/selectors/staff_notices.py", "portal", "AuditEvent"): _LIST_AUDIT,
    ("messaging/selectors/staff.py", "portal", "AuditEvent"): _LIST_AUDIT,
    ("scheduling/services/common.py", "portal", "AuditEvent"): _LIST_AUDIT,
    ("scheduling/selectors/staff.py", "portal", "AuditEvent"): _LIST_AUDIT,
    # The SLA sweep moves thousands of threads in one statement per chunk; the audit rows of the
    # escalations are written by that same statement so they can never disagree with it.
    ("messaging/services/sla.py", "portal", "?"): "the breach sweep's single SQL statement audits its own moves",
    ("records/services/imports.py", "portal", "Patient"): _IMPORT_CREATES_PATIENT,
    ("records/services/reviews.py", "portal", "Patient"): _IMPORT_CREATES_PATIENT,
    ("records/management/commands/bench_import.py", "portal", "Organization"): _SEEDER,
    ("messaging/management/commands/bench_sla_sweep.py", "portal", "Organization"): _SEEDER,
    ("messaging/management/commands/bench_sla_sweep.py", "portal", "StaffMember"): _SEEDER,
    ("messaging/management/commands/bench_sla_sweep.py", "portal", "Patient"): _SEEDER,
    ("messaging/simulation.py", "portal", "Organization"): _SEEDER,
    ("messaging/simulation.py", "portal", "StaffMember"): _SEEDER,
    ("messaging/simulation.py", "portal", "Patient"): _SEEDER,
    ("scheduling/management/commands/bench_slot_search.py", "portal", "Organization"): _SEEDER,
    ("scheduling/management/commands/bench_slot_search.py", "portal", "StaffMember"): _SEEDER,
    ("scheduling/management/commands/bench_slot_search.py", "portal", "Patient"): _SEEDER,
}
# factory_boy factories build test data on rows other apps own (an organization, a patient);
# they are imported by tests and the demo seed only. Demo builders are not excepted: they go
# through the owning app's services or its factories.
FACTORY_FILES = re.compile(r"(^|/)factories(\.py|/)")


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    model: str
    owner: str
    how: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.how} writes {self.owner}.{self.model}, a table of app {self.owner!r}"


def models_by_app() -> dict[str, frozenset[str]]:
    """Model class names of each of our apps, by the top-level package that defines them."""
    found: dict[str, set[str]] = {app: set() for app in APPS}
    for model in apps.get_models():
        package = model.__module__.split(".")[0]
        if package in found:
            found[package].add(model.__name__)
    return {app: frozenset(names) for app, names in found.items()}


def _top(module: str | None) -> str:
    return (module or "").split(".")[0]


def _imported_models(
    tree: ast.AST, models: dict[str, frozenset[str]]
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """(name bound in the module -> (app, model), module alias -> app) from the imports,
    wherever they are in the file (function-level imports included)."""
    names: dict[str, tuple[str, str]] = {}
    modules: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            app = _top(node.module)
            if app not in models:
                continue
            for alias in node.names:
                bound = alias.asname or alias.name
                if alias.name in models[app] and "models" in (node.module or "").split("."):
                    names[bound] = (app, alias.name)
                elif alias.name == "models" or (node.module or "").endswith(".models"):
                    # `from messaging import models` / `from messaging.models import threads`
                    modules[bound] = app
        elif isinstance(node, ast.Import):
            for alias in node.names:
                app = _top(alias.name)
                if app in models and "models" in alias.name.split("."):
                    modules[alias.asname or alias.name] = app
    return names, modules


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


class _Checker:
    def __init__(self, path: str, tree: ast.AST, owner: str, models: dict[str, frozenset[str]]) -> None:
        self.path, self.owner, self.models = path, owner, models
        self.names, self.modules = _imported_models(tree, models)
        self.tree = tree

    def model_of(self, node: ast.AST) -> tuple[str, str] | None:
        """(app, model) when `node` names a model of one of our apps, as this file imports it."""
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        if isinstance(node, ast.Attribute) and node.attr[:1].isupper():
            dotted = _dotted(node.value)
            app = self.modules.get(dotted) or next(
                (a for alias, a in self.modules.items() if dotted.startswith(alias + ".")), None
            )
            if app is not None and node.attr in self.models[app]:
                return app, node.attr
        return None

    def _manager_model(self, node: ast.AST) -> tuple[str, str] | None:
        """The model whose `.objects` this call chain starts from (`M.objects.filter(...).x`)."""
        while True:
            if isinstance(node, ast.Attribute):
                if node.attr == "objects":
                    return self.model_of(node.value)
                node = node.value
            elif isinstance(node, ast.Call):
                node = node.func
            else:
                return None

    def violations(self) -> Iterator[Violation]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method = node.func.attr
                if method in WRITE_METHODS:
                    found = self._manager_model(node.func.value)
                    if found:
                        yield from self._report(node, found, f".{method}()")
                if method == "save" and isinstance(node.func.value, ast.Call):
                    found = self.model_of(node.func.value.func)
                    if found:
                        yield from self._report(node, found, "Model(...).save()")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
                yield from self._saved_instances(node)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for match in SQL_WRITE.finditer(node.value):
                    app = match.group(1).lower()
                    if app in self.models and app != self.owner:
                        yield from self._report(node, (app, "?"), "raw SQL")

    def _saved_instances(self, scope: ast.AST) -> Iterator[Violation]:
        """`x = Model(...)` then `x.save()` in one function (or at module level)."""
        bound: dict[str, tuple[str, str]] = {}
        for node in ast.walk(scope):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call)
            ):
                found = self.model_of(node.value.func)
                if found:
                    bound[node.targets[0].id] = found
        if not bound:
            return
        for node in ast.walk(scope):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "save"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in bound
            ):
                yield from self._report(node, bound[node.func.value.id], f"{node.func.value.id}.save()")

    def _report(self, node: ast.AST, found: tuple[str, str], how: str) -> Iterator[Violation]:
        app, model = found
        if app != self.owner and (self.path, app, model) not in ALLOWED:
            yield Violation(self.path, getattr(node, "lineno", 0), model, app, how)


def check_source(source: str, path: str, owner: str, models: dict[str, frozenset[str]]) -> list[Violation]:
    """The cross-app writes in one module's source (`owner`: the app the module belongs to)."""
    checker = _Checker(path, ast.parse(source, filename=path), owner, models)
    # A module-level scope and its functions are walked both; report each place once.
    return sorted(set(checker.violations()), key=lambda v: (v.line, v.model))


def app_modules() -> Iterator[tuple[Path, str]]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            parts = relative.split("/")
            if "migrations" in parts or "tests" in parts or parts[-1].startswith("test_"):
                continue
            if FACTORY_FILES.search(relative):
                continue
            yield path, app


def test_no_app_writes_another_apps_tables() -> None:
    models = models_by_app()
    found = [
        str(violation)
        for path, app in app_modules()
        for violation in check_source(path.read_text(), path.relative_to(ROOT).as_posix(), app, models)
    ]
    assert found == [], "Writes to another app's tables (call the owning app's service instead):\n" + "\n".join(found)


# -- the checker catches what it claims to -----------------------------------------------------------

SYNTHETIC = """
from messaging.models import Thread as T, Message
from records import models as record_models
from portal.models import Patient
from scheduling.models import Appointment


def sneaky(patient):
    thread = T.objects.create(patient=patient)
    Message(thread=thread).save()
    record_models.CareTask.objects.filter(patient=patient).update(status="done")
    note = Message(thread=thread)
    note.save()
    Appointment.objects.create(patient=patient)
    Patient.objects.filter(pk=1).delete()
    {}.update(a=1)
    return "INSERT INTO messaging_thread (subject) VALUES ('x')"
"""


def test_the_checker_names_each_foreign_write() -> None:
    found = check_source(SYNTHETIC, "scheduling/services/sneaky.py", "scheduling", models_by_app())
    assert [(v.line, v.owner, v.model) for v in found] == [
        (9, "messaging", "Thread"),
        (10, "messaging", "Message"),
        (11, "records", "CareTask"),
        (13, "messaging", "Message"),
        (15, "portal", "Patient"),
        (17, "messaging", "?"),
    ]
    assert str(found[0]).startswith("scheduling/services/sneaky.py:9: ")


def test_an_apps_own_writes_pass() -> None:
    own = (
        "from scheduling.models import Appointment\n\n"
        "def f():\n    Appointment.objects.filter(pk=1).update(status='x')\n"
    )
    assert check_source(own, "scheduling/services/own.py", "scheduling", models_by_app()) == []
