"""The architecture DESIGN.md asks for, checked on the source: blueprints and their view modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Blueprint

import assessment

PACKAGE = Path(assessment.__file__).parent
BLUEPRINT_PACKAGES = sorted(
    p.parent.name for p in PACKAGE.glob("*/__init__.py") if "Blueprint(" in p.read_text()
)


def view_modules() -> dict[str, Path]:
    """Every module that registers routes or hooks on a blueprint, by dotted name."""
    found = {}
    for path in PACKAGE.glob("*/*.py"):
        if path.name == "__init__.py":
            continue
        if "@bp." in path.read_text() or "bp.register_error_handler" in path.read_text():
            found[f"assessment.{path.parent.name}.{path.stem}"] = path
    return found


def imported_modules(path: Path, package: str) -> set[str]:
    """The modules ``path`` imports, relative imports resolved against ``package``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_the_blueprint_packages_are_the_features():
    assert BLUEPRINT_PACKAGES == [
        "admin", "api", "audit", "auth", "compare", "main", "pdf", "plan", "survey"
    ]  # fmt: skip


@pytest.mark.parametrize("package", BLUEPRINT_PACKAGES)
def test_each_blueprint_is_made_in_its_package_init(package):
    module = __import__(f"assessment.{package}", fromlist=["bp"])
    assert isinstance(module.bp, Blueprint)
    for name, path in view_modules().items():
        if name.startswith(f"assessment.{package}."):
            assert "Blueprint(" not in path.read_text(), f"{name} makes its own blueprint"


def test_no_view_module_imports_another():
    views = view_modules()
    assert len(views) >= 10  # the check looks at the real modules
    for name, path in views.items():
        package = name.rsplit(".", 1)[0]
        others = imported_modules(path, package) & (set(views) - {name})
        assert not others, f"{name} imports the view module(s) {sorted(others)}"


def test_every_test_has_a_name_of_its_own():
    """pytest-xdist (scripts/test) hands out tests by name: of two tests with one name, one
    would never run, and nothing would say so."""
    import collections
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "tests"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stdout[-2000:] + collected.stderr[-2000:]
    names = [line for line in collected.stdout.splitlines() if "::" in line]
    assert len(names) > 900
    twice = [name for name, n in collections.Counter(names).items() if n > 1]
    assert twice == []
