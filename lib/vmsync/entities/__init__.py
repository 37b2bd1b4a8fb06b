"""The entities vmsync syncs, in an order where every entity comes after the ones it depends on, and their
catalog (``CATALOG``: what the specs say about one another, for the writer and the schema).

Every module of this package that defines ``ENTITY`` is an entity: adding one is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil
from graphlib import CycleError, TopologicalSorter

from sqlalchemy import Engine

from ..store import database
from .catalog import Catalog
from .spec import Entity

PROGRAMS = {"dictionary"}  # run with python -m, so not looked into: importing one first would run it twice


def _discover() -> dict[str, Entity]:
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in PROGRAMS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        entity = getattr(module, "ENTITY", None)
        if isinstance(entity, Entity):
            found[entity.name] = entity
    return found


ENTITIES: dict[str, Entity] = _discover()
CATALOG = Catalog.of(ENTITIES.values())


def get(name: str) -> Entity:
    """The entity called ``name``; an unknown name is refused with the list of known ones."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise KeyError(f"unknown entity {name!r}; known: {', '.join(ENTITIES)}") from None


def ordered(names: list[str] | None = None) -> list[Entity]:
    """The entities (all, or ``names``) in dependency order, ties kept in declaration order."""
    chosen = list(ENTITIES) if names is None else [get(n).name for n in names]
    graph = TopologicalSorter({n: [d for d in ENTITIES[n].depends_on if d in chosen] for n in chosen})
    try:
        graph.prepare()
    except CycleError as exc:
        raise ValueError(f"entity dependencies form a cycle: {exc.args[1]}") from exc
    order: list[str] = []
    while graph.is_active():
        ready = sorted(graph.get_ready(), key=list(ENTITIES).index)
        order += ready
        graph.done(*ready)
    return [ENTITIES[n] for n in order]


def create_schema(engine: Engine) -> None:
    """Make every vmsync table, the raw mirror of every object an entity reads included (``store.database``
    says how)."""
    database.create_schema(engine, CATALOG.raw_fields)
