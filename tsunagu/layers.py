"""The layer order of the project, read from the imports of every module (no dependency).

From the ground up (docs/ARCHITECTURE.md, "Layers"):

    tsunagu → audit → accounts → notifications → people → consultations → cases → collaboration
    → intake (consultations.intake, consultations.importing) → community, supporters
    → participation → handover → today → reports → publicity → api

A module may import its own layer and the layers below it, never one above: models, services,
access rules and everything else they use. Doors compose across apps and are not checked:
views, urls, forms (they build the choices of a page from several apps), template tags,
management commands, demo data and app configs; tests neither. `python -m tsunagu.layers`
prints the upward imports of the working tree, one per line, and exits 1 if there are any.
"""

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LAYERS: tuple[tuple[str, ...], ...] = (
    ("tsunagu",),
    ("audit",),
    ("accounts",),
    # The list toolkit reads its pages through the access kernel (accounts.access).
    ("tsunagu.listing",),
    # Notifications know users only; every domain above tells its events through them.
    ("notifications",),
    ("people",),
    ("consultations",),
    ("cases",),
    ("collaboration",),
    # Recording a consultation opens a case or a referral, which read consultations: intake
    # and the spreadsheet import are the layer above both.
    ("consultations.intake", "consultations.importing"),
    ("community", "supporters"),
    # Participation support places a case's person with a host, the first visit accompanied by
    # a supporter's dispatch: above cases and supporters, below the hand-over.
    ("participation",),
    # The hand-over of a leaving worker reads and moves cases, meeting actions, referrals and
    # supporter dispatches: a layer above all of them (accounts keeps the plain switch).
    ("handover",),
    # The home page's "today's work" reads every area below it (cases to supporters).
    ("today",),
    ("reports",),
    ("publicity",),
    ("api",),
)
DOOR_FILES = frozenset(
    {"views.py", "urls.py", "forms.py", "apps.py", "demo.py", "admin.py", "wsgi.py", "asgi.py"}
    | {"context_processors.py", "test.py"}
)
DOOR_SUFFIXES = ("_views.py", "_forms.py", "_urls.py")
DOOR_FOLDERS = frozenset({"views", "management", "templatetags", "tests", "migrations"})


@dataclass(frozen=True)
class UpwardImport:
    path: str
    line: int
    module: str
    importer_layer: str
    imported_layer: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line} imports {self.module}: "
            f"{self.imported_layer} is above {self.importer_layer} in the layer order"
        )


def layer_of(module: str) -> int | None:
    """The rank of a dotted module name: its longest matching layer prefix (None: not ours)."""
    matches = [
        (len(prefix), rank)
        for rank, prefixes in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    return max(matches)[1] if matches else None


def is_door(relative: Path) -> bool:
    return (
        relative.name in DOOR_FILES
        or relative.name.endswith(DOOR_SUFFIXES)
        or any(part in DOOR_FOLDERS for part in relative.parts[:-1])
    )


def module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every absolute import, at module level or inside a function."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:  # `from collaboration import meetings` names a module
                yield node.lineno, f"{node.module}.{alias.name}"


def upward_imports(root: Path) -> list[UpwardImport]:
    """The imports under `root` that point to a higher layer, in path order."""
    found = []
    apps = sorted({prefix.split(".")[0] for layer in LAYERS for prefix in layer})
    for path in sorted(path for app in apps for path in (root / app).glob("**/*.py")):
        relative = path.relative_to(root)
        importer = module_name(relative)
        rank = layer_of(importer)
        if rank is None or is_door(relative):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        seen = set()
        for line, module in imported_modules(tree):
            imported = layer_of(module)
            if imported is None or imported <= rank or (line, imported) in seen:
                continue
            seen.add((line, imported))
            found.append(
                UpwardImport(
                    str(relative),
                    line,
                    module,
                    "/".join(LAYERS[rank]),
                    "/".join(LAYERS[imported]),
                )
            )
    return found


if __name__ == "__main__":
    problems = upward_imports(Path(__file__).resolve().parent.parent)
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)
