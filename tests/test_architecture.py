"""The import contracts of pyproject.toml (``make lint``) hold, and each of them bites.

Every check runs ``lint-imports`` on a copy of ``lib/`` so that a planted import (a lower layer reaching up, a
cycle, the sandbox reaching into vmsync) can be added without touching the tree: a contract that does not
fail on its planted breach is no contract. The contracts grant no exception (``ignore_imports``): the layers
hold as written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {c["id"]: c for c in CONFIG["contracts"]}
LAYERS = [[m.strip() for m in layer.split("|")] for layer in CONTRACTS["layers"]["layers"]]


def _toml(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_config(path: Path, config: dict) -> Path:
    lines = ["[tool.importlinter]"]
    lines += [f"{k} = {_toml(v)}" for k, v in config.items() if k != "contracts"]
    for contract in config["contracts"]:
        lines += ["", "[[tool.importlinter.contracts]]"] + [f"{k} = {_toml(v)}" for k, v in contract.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A copy of the packages that ``lint-imports`` reads."""
    lib = tmp_path_factory.mktemp("pristine") / "lib"
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / "lib" / package, lib / package, ignore=shutil.ignore_patterns("__pycache__"))
    return lib


@pytest.fixture
def lib(pristine, tmp_path) -> Path:
    copy = tmp_path / "lib"
    shutil.copytree(pristine, copy)
    return copy


def lint(lib: Path, contract: str | None = None, config: dict = CONFIG) -> subprocess.CompletedProcess:
    config_file = _write_config(lib.parent / "importlinter.toml", config)
    command = [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(config_file)]
    if contract:
        command += ["--contract", contract]
    env = {**os.environ, "PYTHONPATH": str(lib)}
    return subprocess.run(command, cwd=lib.parent, env=env, capture_output=True, text=True, timeout=300)


def plant(lib: Path, module: str, source: str) -> None:
    """A new module ``module`` (dotted, inside an existing package) with ``source`` as its body."""
    path = lib.joinpath(*module.split(".")).with_suffix(".py")
    path.write_text(source)


def test_the_tree_keeps_every_contract():
    result = subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


def test_the_copy_the_checks_plant_into_keeps_every_contract(lib):
    result = lint(lib)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("lower", range(1, len(LAYERS)), ids=lambda i: " | ".join(LAYERS[i]))
def test_each_layer_is_refused_the_layer_above_it(lib, lower):
    above = LAYERS[lower - 1][0]
    for low in LAYERS[lower]:
        package = lib.joinpath(*low.split("."))
        if package.is_dir():
            plant(lib, f"{low}.planted_upward", f"import {above}  # planted\n")
        else:  # a layer of one module: that module reaches up
            module = package.with_suffix(".py")
            module.write_text(module.read_text() + f"\nimport {above}  # planted\n")
        result = lint(lib, "layers")
        assert result.returncode == 1, result.stdout
        assert f"{low}.planted_upward -> {above}" in result.stdout or f"{low} -> {above}" in result.stdout, \
            result.stdout


def test_a_cycle_between_two_modules_of_a_package_is_refused(lib):
    plant(lib, "vmsync.store.planted_a", "from . import planted_b  # planted\n")
    plant(lib, "vmsync.store.planted_b", "from . import planted_a  # planted\n")
    result = lint(lib, "acyclic")
    assert result.returncode == 1 and "planted_a" in result.stdout, result.stdout


def test_the_sandbox_is_refused_vmsync(lib):
    plant(lib, "sfsandbox.planted", "import vmsync.config  # planted\n")
    result = lint(lib, "sandbox-apart")
    assert result.returncode == 1 and "sfsandbox.planted" in result.stdout, result.stdout


def test_only_the_command_line_may_import_the_sandbox(lib):
    plant(lib, "vmsync.runner.planted", "import sfsandbox  # planted\n")
    result = lint(lib, "sandbox-behind-cli")
    assert result.returncode == 1 and "vmsync.runner.planted" in result.stdout, result.stdout


def test_the_contracts_grant_no_exception():
    """The layers hold without ``ignore_imports``: an import that needs one is a design change, made here."""
    assert [(c["id"], c["ignore_imports"]) for c in CONFIG["contracts"] if c.get("ignore_imports")] == []
