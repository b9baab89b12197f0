"""The project files a module imports, transitively (read with ``ast``, nothing is executed): the DVC
wiring test checks each stage depends on them, the layering test that no layer imports one above it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imported_files(module: str) -> set[str]:
    """Project files (core/, experiments/, tools/) a module imports, transitively."""

    seen: set[str] = set()
    todo = [module]
    while todo:
        path = module_file(todo.pop())
        if path is None or str(path) in seen:
            continue
        seen.add(str(path))
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            todo += [n for n in names if n.split(".")[0] in ("core", "experiments", "tools")]
    return {str(Path(p).relative_to(ROOT)) for p in seen}
