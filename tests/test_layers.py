"""Data flows one way: a lower layer never imports a higher one (../shared/ARCHITECTURE.md).

Every ``import vedette.X`` / ``from vedette.X import ...`` in src/vedette is read with ``ast`` (at module
level or inside a function alike: a lazy import is still a dependency) and checked against LAYERS.
Packages of one rank may not import each other either, except the faces at the top (web, cli, demo).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "vedette"

# Lowest first. A package imports only packages of lower ranks (and itself).
LAYERS: list[tuple[str, ...]] = [
    ("config", "errors", "bounds"),
    ("store",),
    ("tenancy",),
    ("gazetteer",),
    ("intake",),
    ("incidents",),
    ("risk",),
    ("people",),
    ("alerts", "reports", "evacuation", "actors"),
    ("jobs",),
    ("web", "cli", "demo", "models_registry"),
]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
FACES = frozenset(LAYERS[-1])  # the top: faces over the services, free to import each other

# Files outside the rule, with the reason.
EXEMPT = {
    # Alembic's runner must see every table: it reads the aggregate at the top of the house.
    "store/migrations/env.py": "the migration runner",
}

# Known upward imports still to remove, each with its owner: the list may only shrink (a test fails when an
# entry no longer occurs, so that it is taken out). Do not add to it: move the code down or invert the call.
KNOWN: dict[tuple[str, str], str] = {
    # incidents/risk: incidents' flows and review call risk (advisories, service, confidence, severity);
    # the flow belongs to risk (a hook incidents fires, risk registers) or the scorers below incidents.
    ("incidents/flows.py", "vedette.risk.advisories"): "incidents/risk",
    ("incidents/flows.py", "vedette.risk.service"): "incidents/risk",
    ("incidents/review.py", "vedette.risk.confidence"): "incidents/risk",
    ("incidents/review.py", "vedette.risk.severity"): "incidents/risk",
    # alerts: kick() sends alerts.dispatch through jobs' Celery app; jobs is above alerts (it schedules
    # their tasks): a send hook that jobs installs, or jobs.queue moved below alerts, removes it.
    ("alerts/tasks.py", "vedette.jobs.celery_app"): "alerts",
    # extraction-speed: `vedette extract --advisories` reads advisories (risk) from intake's CLI module.
    ("intake/extract_cli.py", "vedette.risk.advisories"): "extraction-speed",
}


def _package(rel: Path) -> str:
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            if node.module == "vedette":  # from vedette import gazetteer
                found += [(node.lineno, f"vedette.{a.name}") for a in node.names]
    return [(n, m) for n, m in found if m.startswith("vedette.")]


def _upward() -> tuple[list[str], set[tuple[str, str]], list[str]]:
    bad, known_seen, unranked = [], set(), []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.as_posix() in EXEMPT or rel.name == "__init__.py" and len(rel.parts) == 1:
            continue
        if "versions" in rel.parts:  # generated migrations import nothing of ours
            continue
        src = _package(rel)
        if src not in RANK:
            unranked.append(rel.as_posix())
            continue
        for line, module in _imports(path):
            target = module.split(".")[1]
            if target not in RANK or target == src:
                continue
            if RANK[target] < RANK[src] or (RANK[target] == RANK[src] and target in FACES):
                continue
            key = (rel.as_posix(), module)
            if key in KNOWN:
                known_seen.add(key)
                continue
            bad.append(f"{rel}:{line}: {src} (rank {RANK[src]}) imports {module} (rank {RANK[target]})")
    return bad, known_seen, unranked


def test_lower_layers_never_import_higher_ones() -> None:
    bad, _, _ = _upward()
    assert bad == [], "upward imports:\n" + "\n".join(bad)


def test_every_package_has_a_rank() -> None:
    _, _, unranked = _upward()
    assert unranked == [], f"add these packages to LAYERS: {unranked}"


def test_known_exceptions_still_exist() -> None:
    _, seen, _ = _upward()
    stale = sorted(set(KNOWN) - seen)
    assert stale == [], f"fixed: remove from KNOWN {stale}"


def test_the_store_imports_no_domain() -> None:
    for path in (SRC / "store").rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel in EXEMPT or "versions" in rel:
            continue
        for _, module in _imports(path):
            assert module.split(".")[1] in ("store", "config", "errors"), (rel, module)


def test_the_scope_is_minted_only_by_authz() -> None:
    """OrgScope's sentinel is private to tenancy.scope and tenancy.authz."""
    users = [
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if "_MINT" in path.read_text(encoding="utf-8")
    ]
    assert sorted(users) == ["tenancy/authz.py", "tenancy/scope.py"]
