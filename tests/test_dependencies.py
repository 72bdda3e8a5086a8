"""The house rule on the direction of dependencies (../shared/STYLE.md), read from the source.

jams is the base; submissions uses jams; judging uses jams and submissions; mailings (the
organizers' announcements) uses all three. demo sits above every app and nothing imports it.
An import inside a function counts as much as one at the top: it is the same dependency,
only later. Composition modules above the apps (the project's urls, the jam page's
composition) may import any app but demo.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "outbox", "jams", "submissions", "judging", "mailings", "demo")
# Each app's modules may not import these apps.
FORBIDDEN = {
    "accounts": {"jams", "submissions", "judging", "mailings", "demo"},
    # The outbox sits below the apps: they record their work in it; it runs a handler by
    # its dotted name and names the jam only as a model reference.
    "outbox": {"accounts", "jams", "submissions", "judging", "mailings", "demo"},
    "jams": {"submissions", "judging", "mailings", "demo"},
    "submissions": {"judging", "mailings", "demo"},
    "judging": {"mailings", "demo"},
    # Organizers' announcements: their audiences read jams, submissions and judging; the
    # jams app tells them of changed times by a signal (jams.signals.jam_times_changed).
    "mailings": {"demo"},
}
NOT_PROJECT = {"tests", "demo", "static", "templates", "media", "staticfiles", "test-artifacts"}


def project_packages() -> list[str]:
    """Every top-level Python package of the project but the tests (new ones included)."""
    found = [p.parent.name for p in ROOT.glob("*/__init__.py")]
    return sorted(name for name in found if name not in NOT_PROJECT and not name.startswith("."))


def module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports(path: Path, *, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, dotted module) for each import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path)
    if path.name != "__init__.py":
        package = package[:-1]
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif is_import_module_call(node):
            found.append((node.lineno, node.args[0].value))
    return found


def is_import_module_call(node: ast.AST) -> bool:
    """importlib.import_module("app.module") with a literal name."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    name = getattr(node.func, "attr", getattr(node.func, "id", ""))
    return name == "import_module" and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)


def python_files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py"))


def violations(package: str, forbidden: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in python_files(package)
        for line, name in imports(path)
        if name.split(".")[0] in forbidden
    ]


def test_direction_of_dependencies_between_apps():
    found = [v for app, forbidden in FORBIDDEN.items() for v in violations(app, forbidden)]
    assert found == []


def test_nothing_outside_demo_imports_demo():
    packages = project_packages()
    assert {"hackathon", "accounts", "jams", "submissions", "judging", "mailings"} <= set(packages)
    found = [v for package in packages for v in violations(package, {"demo"})]
    assert found == []


def test_the_check_sees_function_level_and_relative_imports(tmp_path, monkeypatch):
    # The rule would pass vacuously if the reader missed these forms.
    app = tmp_path / "jams"
    (app / "sub").mkdir(parents=True)
    (app / "sub" / "mod.py").write_text(
        "from .. import models\n"
        "def f():\n    from judging.selectors import judge_for\n"
        "    import submissions.models\n    importlib.import_module('demo.x')\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    names = [name for _, name in imports(app / "sub" / "mod.py")]
    assert names == ["jams.models", "judging.selectors.judge_for", "submissions.models", "demo.x"]


def module_graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports when it loads."""
    graph: dict[str, set[str]] = {}
    for package in [*project_packages(), "demo"]:
        for path in python_files(package):
            if "migrations" in path.parts:
                continue
            targets = set()
            for _, target in imports(path, top_level_only=True):
                # `from app.module import name` may name a function, not a module.
                while target.split(".")[0] in (*APPS, "hackathon") and not is_module(target):
                    target = target.rpartition(".")[0]
                if target:
                    targets.add(target)
            name = ".".join(module_name(path))
            graph[name] = targets - {name}
    return graph


def is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def cycle_from(start: str, graph: dict[str, set[str]]) -> list[str]:
    path, seen = [start], set()

    def visit(node: str) -> bool:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return True
            if nxt not in seen:
                seen.add(nxt)
                path.append(nxt)
                if visit(nxt):
                    return True
                path.pop()
        return False

    return [*path, start] if visit(start) else []


def test_no_modules_import_each_other_in_a_circle():
    """Services record their emails and file jobs in the outbox, which runs them by name:
    no service imports a task, and no modules import each other in a circle when they load."""
    graph = module_graph()
    assert {"jams.services", "outbox.services", "outbox.tasks", "submissions.tasks", "judging.tasks"} <= set(graph)
    assert "outbox.services" in graph["outbox.tasks"]
    assert "outbox.services" in graph["submissions.services"]
    cycles = [cycle for name in sorted(graph) if (cycle := cycle_from(name, graph))]
    assert cycles == []
