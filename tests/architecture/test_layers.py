"""The layers keep one direction: portal (people, access, audit, notifications, the shell) imports no
app above it, and nothing imports summaries, the top. A static check over the source (imports at
module level and inside functions), so it holds without running any code path."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ABOVE_PORTAL = frozenset({"records", "messaging", "scheduling", "refills", "billing", "summaries"})
# Every app but the top one; summaries may import any of them, none of them summaries.
BELOW_SUMMARIES = ("portal", "records", "messaging", "scheduling", "refills", "billing")
# Calls that import a module named by a string: the layers hold for them too.
IMPORTING_CALLS = frozenset({"import_module", "import_string", "__import__"})


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, dotted module) for every absolute import anywhere in `tree`, and every module named by a
    literal string to an importing call. Relative imports stay inside their own package."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in IMPORTING_CALLS and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def imports_of(package: str, forbidden: frozenset[str]) -> list[str]:
    """ "path:line module" for each import in `package`'s Python files of a top-level package in `forbidden`."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in imported_modules(tree):
            if module.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(ROOT)}:{line} {module}")
    return found


def test_the_check_sees_imports_inside_functions_and_by_name() -> None:
    source = (
        "import portal.models\n"
        "from . import sibling\n"
        "def f():\n"
        "    from records.plain_language import explain\n"
        "    import messaging.models as m\n"
        "    return importlib.import_module('scheduling.demo'), import_string(dotted)\n"
    )

    modules = [module for _line, module in imported_modules(ast.parse(source))]

    assert modules == ["portal.models", "records.plain_language", "messaging.models", "scheduling.demo"]


def test_portal_imports_no_app_above_it() -> None:
    assert imports_of("portal", ABOVE_PORTAL) == []


def test_no_app_imports_summaries() -> None:
    assert [found for package in BELOW_SUMMARIES for found in imports_of(package, frozenset({"summaries"}))] == []
