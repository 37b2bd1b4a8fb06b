"""``environment.yml`` (for conda users) asks for what ``pyproject.toml`` does: Python 3.11, every dependency
and extra with the same lower bound, and vmsync itself from ``lib/`` in editable mode."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"psycopg[binary]": "psycopg"}  # conda-forge's psycopg brings libpq itself


def requirement(text: str) -> tuple[str, str]:
    name, bound = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", text).groups()
    return CONDA_NAMES.get(name, name).lower(), bound.replace(" ", "")


def test_environment_yml_has_the_dependencies_of_pyproject_and_vmsync_editable():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [requirement(r) for r in project["dependencies"]]
    wanted += [requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    [pip] = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert conda[:2] == ["python=3.11", "pip"] and project["requires-python"] == ">=3.11"
    assert sorted(requirement(d) for d in conda[2:]) == sorted(wanted)
    assert pip == ["-e ."]  # vmsync from lib/ (its dependencies are all there already, from conda)
    assert env["channels"] == ["conda-forge"]
