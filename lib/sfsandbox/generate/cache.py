"""Generated orgs are cached by preset, seed, generator version and schema, and shared by every caller.

A file is written under a temporary name and renamed into place, so callers racing to prepare the same org
each end up with a complete file, and nobody ever opens a half-written one.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from pathlib import Path

from ..schema import OBJECTS
from .build import GENERATOR_VERSION, generate


def _schema_fingerprint() -> str:
    text = "\n".join(f"{o.name}:{o.key_prefix}:" + ",".join(f"{f.name}/{f.type}" for f in o.fields) for o in OBJECTS)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def resolve_cache_dir(override: str | Path | None = None) -> Path:
    """Where generated orgs are kept: the argument, else ``$SFSANDBOX_CACHE_DIR``, else ``~/.cache/sfsandbox``."""
    if override is not None:
        return Path(override)
    env = os.environ.get("SFSANDBOX_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "sfsandbox"


def prepare(preset: str, seed: int = 0, cache_dir: str | Path | None = None) -> Path:
    """The path of the generated org for ``preset`` and ``seed``, generating it on first use.

    The file is a template shared by every caller: copy it (or ``Store.restore`` from it), never write to it.
    """
    directory = resolve_cache_dir(cache_dir)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{preset}-seed{seed}-v{GENERATOR_VERSION}-{_schema_fingerprint()}.sqlite"
    if target.exists():
        return target
    fd, temporary = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        generate(temporary, preset, seed)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target



def counts(path: str | Path) -> dict[str, int]:
    """Rows per object in a generated (or any sandbox) SQLite file."""
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return {o.name: conn.execute(f'SELECT COUNT(*) FROM "{o.name}"').fetchone()[0] for o in OBJECTS}
    finally:
        conn.close()
