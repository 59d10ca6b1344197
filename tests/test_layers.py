"""The house's rules, read from the code's own imports: each layer imports only the layers below it, nothing outside
storage builds a Redis key, and no module grows past 400 lines. docs/architecture.md draws the same layers."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"

# Lowest first. A module may import its own layer and the layers below it, never one above.
LAYERS = [
    ("base", ["app.parsing", "app.settings", "app.env_values", "app.phones", "app.rules", "app.logs"]),
    ("storage", ["app.storage"]),
    ("reminders", ["app.reminders"]),
    ("texting", ["app.texting"]),
    ("delivery", ["app.delivery"]),
    ("root", ["app.services"]),
    ("ops", ["app.ops"]),
    ("web", ["app.web"]),
    ("entry", ["app", "worker"]),  # create_app and the worker process
]


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    return rank


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> list[Path]:
    return sorted(APP.rglob("*.py")) + [ROOT / "worker.py"]


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of each import of the project's own code, type-checking-only imports included."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    me = module_name(path).split(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = me if path.name == "__init__.py" else me[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            modules = [f"{base}.{alias.name}" for alias in node.names if existing(f"{base}.{alias.name}")]
            for name in modules or [base]:  # `from app import rules` imports app.rules; `from app.x import f`, app.x
                if name.split(".")[0] in ("app", "worker"):
                    found.append((node.lineno, name))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "app"]
    return found


def existing(module: str) -> bool:
    path = ROOT / Path(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_every_import_points_down_the_layers():
    upward = []
    for path in sources():
        mine = layer_of(module_name(path))
        for line, target in imports(path):
            if layer_of(target) > mine:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target} "
                              f"({LAYERS[mine][0]} -> {LAYERS[layer_of(target)][0]})")
    assert upward == []


def test_the_layers_check_catches_an_upward_import():
    """The check above must be able to fail: storage importing texting is upward."""
    assert layer_of("app.texting.phrasebook") > layer_of("app.storage.budget")
    assert layer_of("app.services") > layer_of("app.delivery.courier")
    assert layer_of("app.parsing.scan") < layer_of("app.storage.store")


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400


def test_at_most_ten_modules_sit_directly_in_app():
    assert len(list(APP.glob("*.py"))) <= 10


def test_only_storage_builds_redis_keys():
    """`.key(` and `key_prefix` belong to storage: every other layer asks a storage class by name."""
    outside = []
    for path in sources():
        if module_name(path).startswith(("app.storage", "app.settings")):
            continue
        hands_out_prefix = module_name(path) == "app.services"  # gives each storage class its prefix
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ".key(" in line or ".prefix +" in line or (".key_prefix" in line and not hands_out_prefix):
                outside.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert outside == []


def test_ruff_passes_with_the_projects_configuration():
    found = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", str(ROOT)],
                           capture_output=True, text=True, cwd=ROOT)
    assert found.returncode == 0, found.stdout + found.stderr
