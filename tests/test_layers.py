"""The layers point down (SPEC section 2), and no module imports itself in a circle.

Each package of ``llmgine`` has a rank; a module may import its own package and packages of
a lower rank only. ``llm`` stands apart: it knows nothing of the bus or what is built on it.
``testing`` may import anything. Imports inside functions and under ``TYPE_CHECKING`` are
counted too: a layer that needs a type from above is still pointing up.

Two more rules keep the packages' faces honest. A module imports another package through its
public names only, never its ``_private`` modules (STYLE point 1): those may change without
notice. And no layer imports the top-level ``llmgine`` face, which re-exports from every
layer, so importing it from below points up.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "llmgine"

RANKS = {
    "messages": 0,
    "config": 0,
    "version": 0,
    "sinks": 1,
    "logs": 1,
    # The name both sides had before they split; it only re-exports them, and no layer of
    # the library imports it.
    "observability": 1.5,
    # The viewer's page over the logs: it reads them through ``logs`` and prices model calls
    # with the metrics' prices from ``sinks``; only the command line starts it.
    "viewer": 1.5,
    "bus": 2,
    "llm": 2,
    # Beside the stack: the bus across processes, on the bus's Transport protocol.
    "transports": 2.5,
    "tools": 3,
    "context": 3,
    "prompts": 3,
    "engine": 4,
    "hooks": 5,
    # GMN's generator component will sit above the engine; its notation is pure (see below).
    "gmn": 5.5,
    # Workflows run agents through the chat engine and register their own hook point.
    "workflows": 5.5,
    # The composition root, which the one-call API builds through too.
    "bootstrap": 6,
    "api": 7,
    # Replay runs a log's prompts through the chat engine, answered by the log.
    "replay": 8,
    "cli": 9,
    # Compatibility layers sit on top, as the programs do: other projects' names bound to
    # llmgine's objects, through its public API.
    "compat": 10,
}
FORBIDDEN = {
    # The LLM layer knows nothing of the bus or of anything built on it.
    "llm": {
        "bus",
        "sinks",
        "logs",
        "observability",
        "tools",
        "context",
        "prompts",
        "engine",
        "hooks",
        "api",
    },
    # Reading logs needs the messages and nothing that writes them.
    "logs": {"sinks", "config"},
}
FREE = {"testing"}


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def import_nodes(path: Path, *, at_runtime: bool = False) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement of ``path`` (``at_runtime``: leaving out those under
    ``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text(), str(path))
    if at_runtime:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def source_of(node: ast.ImportFrom, package: str) -> str:
    """The absolute name of the module a ``from ... import`` statement in ``package`` reads."""
    if not node.level:
        return node.module or ""
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def package_name(path: Path, module: str) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def imported(path: Path, module: str, *, at_runtime: bool = False) -> set[str]:
    """Every ``llmgine...`` module that ``path`` imports, by absolute name (``at_runtime``:
    leaving out the imports under ``if TYPE_CHECKING:``)."""
    names: set[str] = set()
    package = package_name(path, module)
    for node in import_nodes(path, at_runtime=at_runtime):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        else:
            names.add(source_of(node, package))
    return {n for n in names if n == "llmgine" or n.startswith("llmgine.")}


def imported_names(path: Path, module: str) -> set[str]:
    """Every ``llmgine...`` name that ``path`` imports, by absolute dotted name: ``import a.b``
    gives ``a.b`` and ``from a.b import c`` gives ``a.b.c``, whether ``c`` is a module or not."""
    names: set[str] = set()
    package = package_name(path, module)
    for node in import_nodes(path):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        else:
            source = source_of(node, package)
            names.update(f"{source}.{a.name}" for a in node.names)
    return {n for n in names if n.startswith("llmgine.")}


def private_part(name: str) -> str | None:
    """The first ``_private`` part of ``name`` below its package (``llmgine.<package>.…``),
    if any; dunder names such as ``__version__`` are public."""
    for part in name.split(".")[2:]:
        if part.startswith("_") and not (part.startswith("__") and part.endswith("__")):
            return part
    return None


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


ALL = dict(modules())


def test_every_package_has_a_rank() -> None:
    packages = {package_of(m) for m in ALL} - {""} - FREE
    assert packages <= set(RANKS), f"give these packages a rank: {packages - set(RANKS)}"


@pytest.mark.parametrize("module", sorted(ALL))
def test_imports_point_down(module: str) -> None:
    own = package_of(module)
    if own in FREE or not own:
        return
    wrong = []
    for target in imported(ALL[module], module):
        other = package_of(target)
        if not other or other == own:
            continue
        if other in FREE or RANKS.get(other, 99) >= RANKS[own] or other in FORBIDDEN.get(own, ()):
            wrong.append(target)
    assert not wrong, f"{module} ({own}, rank {RANKS[own]}) imports upwards: {sorted(wrong)}"


@pytest.mark.parametrize("module", sorted(ALL))
def test_no_imports_of_another_packages_private_modules(module: str) -> None:
    """A package's ``_private`` modules are its own: others import the names its ``__init__``
    exports. ``testing`` is exempt (SPEC section 2: it may import anything): its fakes stand
    in for the internals they mirror, so they may reach into them."""
    own = package_of(module)
    if own in FREE:
        return
    wrong = sorted(
        name
        for name in imported_names(ALL[module], module)
        if package_of(name) != own and private_part(name)
    )
    packages = sorted({f"llmgine.{package_of(name)}" for name in wrong})
    assert not wrong, (
        f"{module} imports private modules of other packages: {wrong}; import the public "
        f"names from {packages} instead (add a missing one to that package's __all__)"
    )


@pytest.mark.parametrize("module", sorted(ALL))
def test_no_layer_imports_the_top_level_package(module: str) -> None:
    # ``llmgine/__init__.py`` re-exports from the top layers (api, bus, messages), so a layer
    # that imports it, even for ``__version__``, points up. ``testing`` may import anything.
    own = package_of(module)
    if own in FREE or not own:
        return
    assert "llmgine" not in imported(ALL[module], module), (
        f"{module} imports the top-level package `llmgine` (`import llmgine` or `from llmgine "
        "import ...`), which re-exports from every layer; import the name from the package "
        "that owns it instead, e.g. `from llmgine.version import __version__` or "
        "`import llmgine.llm`"
    )


TRANSPORT_MAY_IMPORT = {"bus", "messages", "config", "transports"}
"""A transport carries the bus's messages and nothing else: the bus's protocol and public
names, the messages codec, and the settings (where its connection and secrets come from;
``config`` imports nothing of llmgine)."""


@pytest.mark.parametrize("module", sorted(m for m in ALL if package_of(m) == "transports"))
def test_transports_import_only_the_bus_the_messages_and_the_settings(module: str) -> None:
    outside = {
        target
        for target in imported(ALL[module], module)
        if package_of(target) not in TRANSPORT_MAY_IMPORT
    }
    assert not outside, f"{module} may import only {sorted(TRANSPORT_MAY_IMPORT)}: {outside}"


GMN_COMPONENT_MODULES = {f"llmgine.gmn.{m}" for m in ("_generator", "_factory", "_providers")}
"""Modules of ``llmgine.gmn`` that may use the bus and the engine (the generator); every
other module of the package is the pure notation."""


@pytest.mark.parametrize(
    "module",
    sorted(m for m in ALL if m.startswith("llmgine.gmn") and m not in GMN_COMPONENT_MODULES),
)
def test_the_gmn_notation_is_pure(module: str) -> None:
    outside = {
        target
        for target in imported(ALL[module], module)
        if package_of(target) not in ("gmn", "messages")
    }
    assert not outside, f"{module} is pure GMN and may import only llmgine.messages: {outside}"


def test_no_import_cycles_between_modules() -> None:
    # A module importing its own package's ``__init__`` (which re-exports it) is left out:
    # that is the usual re-export, not a dependency. Type-only imports cannot loop.
    graph = {
        m: {
            t
            for t in imported(p, m, at_runtime=True)
            if t in ALL and t != m and not _own_init(m, t)
        }
        for m, p in ALL.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def _own_init(module: str, target: str) -> bool:
    return ALL[target].name == "__init__.py" and module.startswith(target + ".")


@pytest.mark.parametrize("module", sorted(ALL))
def test_no_layer_imports_the_observability_facade(module: str) -> None:
    # ``llmgine.observability`` re-exports ``sinks`` and ``logs`` for code written before
    # they split; the library itself imports the side it needs.
    if package_of(module) in ("observability", *FREE):
        return
    facade = {t for t in imported(ALL[module], module) if package_of(t) == "observability"}
    assert not facade, f"{module} imports {sorted(facade)}: use llmgine.sinks or llmgine.logs"
