"""The codebase stays one a newcomer can find their way in: no import circles, settings read in one
module, long modules say why, every Slack surface registers its own listeners."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

from bot.slack import listeners
from tests.conftest import ROOT

BOT = ROOT / "bot"
LONG_LINES = 300


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(BOT.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """Every bot module `name` imports, anywhere in it (TYPE_CHECKING blocks and functions included)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            parent = package.rsplit(".", node.level - 1)[0] if node.level else ""
            base = ".".join(part for part in (parent, node.module or "") if part)
            targets = [base, *(f"{base}.{a.name}" for a in node.names)]  # `from bot import x` imports bot.x
        else:
            continue
        for target in targets:
            known = target
            while known and known not in MODULES:
                known = known.rpartition(".")[0]
            if known and known != name:
                found.add(known)
    return found


def test_no_module_in_bot_is_part_of_an_import_circle() -> None:
    graph = {name: imports_of(name) for name in MODULES}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), list(graph[start])
        while todo:
            current = todo.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(graph[current])
        return False

    assert [name for name in MODULES if reaches(name, name)] == []


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = {name for name, path in MODULES.items() for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
               and isinstance(node.value, ast.Name) and node.value.id == "os"}
    assert readers == {"bot.settings"}


def test_a_module_over_300_lines_says_why_at_its_top() -> None:
    for name, path in MODULES.items():
        if len(path.read_text().splitlines()) > LONG_LINES:
            assert f"Over {LONG_LINES} lines: " in (ast.get_docstring(ast.parse(path.read_text())) or ""), name


def test_every_slack_listener_module_registers_its_own_listeners() -> None:
    for info in pkgutil.iter_modules(listeners.__path__):
        module = importlib.import_module(f"{listeners.__name__}.{info.name}")
        assert callable(getattr(module, "register", None)), info.name
