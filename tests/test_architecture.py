"""The house rules of the package, checked from its source: no import circle, rooms import downwards only.

Every import counts: at the top of a module, inside a function, and modules named to ``importlib``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import smartregion

PACKAGE = Path(smartregion.__file__).parent
# A room may import itself and the rooms after it in this list, never one before it (data flows down).
ROOMS = ["cli", "web", "build", "contribute", "publish", "network", "names", "questions", "validation", "synthetic",
         "store", "rdf", "settings", "errors"]
# Rooms that are not above each other in the flow: neither may import the other.
APART = [{"questions", "network"}, {"questions", "names"}, {"questions", "publish"}, {"synthetic", "build"}]
MAX_TOP_LEVEL_MODULES = 12
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, package: str, modules: set[str]) -> set[str]:
    """The modules (of ``modules``) a module of ``package`` with this source imports, wherever the import stands.

    ``from package import module`` imports the module; ``from module import name`` the module.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__"):
            found |= {arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}
    return found & modules


def import_graph() -> nx.DiGraph:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for target in imports(path.read_text(encoding="utf-8"), package, set(modules)):
            if target not in (name, "smartregion"):
                graph.add_edge(name, target)
    return graph


def room(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "smartregion"
    return "cli" if parts[1] == "__main__" else parts[1]


def test_no_import_circle() -> None:
    circles = list(nx.simple_cycles(import_graph()))
    assert not circles, "import circles: " + "; ".join(" -> ".join([*c, c[0]]) for c in circles)


def test_rooms_import_only_downwards() -> None:
    upward = []
    for source, target in import_graph().edges:
        a, b = room(source), room(target)
        if a == b or "smartregion" in (a, b):
            continue
        if {a, b} in APART or ROOMS.index(b) < ROOMS.index(a):
            upward.append(f"{source} -> {target}")
    assert not upward, "imports against the flow: " + ", ".join(upward)


def test_every_module_is_in_a_room_and_every_room_says_what_it_holds() -> None:
    top = [p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, f"{len(top)} modules at the top: {sorted(top)}"
    assert set(top) <= set(ROOMS), set(top) - set(ROOMS)
    for init in PACKAGE.glob("*/__init__.py"):
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init.parent.name}/ has no docstring"
        assert init.parent.name in ROOMS, f"{init.parent.name}/ is not a room of the flow"


def test_no_module_is_too_long() -> None:
    long = {module_name(p): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_checker_sees_imports_inside_functions_relative_and_through_importlib() -> None:
    source = (
        "import json\n"
        "def f():\n"
        "    from smartregion.cli import main\n"
        "    from ..web import app\n"
        "    importlib.import_module('smartregion.publish.dumps')\n"
    )
    known = {"smartregion.cli", "smartregion.cli.main", "smartregion.web", "smartregion.web.app", "smartregion.publish.dumps"}
    assert imports(source, "smartregion.store", known) == {"smartregion.cli.main", "smartregion.web.app", "smartregion.publish.dumps"}


def test_no_interface_string_is_defined_twice() -> None:
    """A dict literal keeps the last of two equal keys without a word: one page would show another's text."""
    tree = ast.parse((PACKAGE / "web" / "i18n.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            assert sorted({k for k in keys if keys.count(k) > 1}) == []


def test_the_base_page_has_the_blocks_pages_fill() -> None:
    base = (PACKAGE / "web" / "templates" / "base.html").read_text(encoding="utf-8")
    for block in ("head", "main"):
        assert base.count("{% block " + block + " %}") == 1, block
