"""Every Cypher statement of the project, one named ``.cypher`` file each, and their loader.

A file holds exactly one statement with ``$parameters``; a researcher can paste it into Neo4j
Browser unchanged (set the parameters with ``:param``). ``schema.cypher`` is the exception: it
holds the constraints and indexes, one statement per line-separated block, run at start-up.
Statements are never built from input: code asks for a statement by name, nothing else.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import LiteralString


class UnknownQuery(KeyError):
    """No ``queries/<name>.cypher`` file."""


@cache
def cypher(name: str) -> LiteralString:
    """The statement in ``queries/<name>.cypher`` (comments starting with ``//`` removed)."""
    try:
        text = resources.files(__package__).joinpath(f"{name}.cypher").read_text("utf-8")
    except FileNotFoundError:
        raise UnknownQuery(name) from None
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    # The text comes from a file shipped with the package, never from input.
    return "\n".join(lines).strip()


def statements(name: str) -> list[LiteralString]:
    """The ';'-separated statements of a multi-statement file such as ``schema.cypher``."""
    return [s.strip() for s in cypher(name).split(";") if s.strip()]


def available() -> list[str]:
    """Names of every query file, sorted."""
    return sorted(
        entry.name.removesuffix(".cypher")
        for entry in resources.files(__package__).iterdir()
        if entry.name.endswith(".cypher")
    )
