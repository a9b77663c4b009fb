"""Import direction: nn and optim depend on autograd_core only, never on each other or the reverse.

Parsed with ``ast`` (nothing is imported), so an edge in the wrong direction fails even inside
a function body.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"autograd_core": {"nn", "optim"}, "nn": {"optim"}, "optim": {"nn"}}


def _imported_packages(path: Path, package: str) -> set[str]:
    """Top-level packages a module imports; relative imports resolve inside ``package``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(package if node.level else (node.module or "").split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_in_the_wrong_direction(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files or package == "optim", f"no sources found for {package}"
    bad = [f"{f.relative_to(ROOT)} imports {dep}" for f in files
           for dep in sorted(_imported_packages(f, package) & FORBIDDEN[package])]
    assert not bad, "\n".join(bad)


def test_checker_sees_nested_and_relative_imports(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("def f():\n    import optim.sgd\nfrom . import x\nfrom nn.module import Module\n")
    assert _imported_packages(src, "autograd_core") == {"optim", "autograd_core", "nn"}
