"""The architecture as the folder layout promises it: layers that do not import Dagster, one error root."""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import minedag
from minedag.errors import MinedagError

PACKAGE = Path(minedag.__file__).parent
# Plain Python layers: usable from the CLI, notebooks and tests without Dagster.
PLAIN = ["capture", "profiles", "store.py", "urls.py", "crawl", "campaigns", "bundles", "evaluation", "sql"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_plain_layers_do_not_import_dagster_and_only_two_commented_places_use_its_private_api():
    for part in PLAIN:
        for path in [PACKAGE / part] if part.endswith(".py") else sorted((PACKAGE / part).rglob("*.py")):
            dagster = {n for n in _imports(path) if n == "dagster" or n.startswith("dagster.") or n.startswith("dagster_")}
            assert not dagster, f"{path.relative_to(PACKAGE)} imports {dagster}"
    private = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                     if any(n.startswith("dagster._") for n in _imports(p)) or "from dagster._" in p.read_text())
    # Each says why where it stands: no public API launches an asset backfill or targets a check evaluation.
    assert private == ["defs/page_checks.py", "mining.py"], private


def test_every_error_minedag_raises_on_purpose_derives_from_minedag_error():
    own = []
    for info in pkgutil.walk_packages(minedag.__path__, "minedag."):
        module = importlib.import_module(info.name)
        own += [c for _n, c in inspect.getmembers(module, inspect.isclass)
                if issubclass(c, BaseException) and c.__module__ == module.__name__]
    assert len(own) >= 10
    assert [c.__qualname__ for c in own if not issubclass(c, MinedagError)] == []
