"""The built wheel carries every package and declares what ``autograd_core.testing`` imports."""
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import autograd_core

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(out)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"could not build a wheel here: {done.stderr.strip()[-300:]}")
    return zipfile.ZipFile(next(out.glob("*.whl")))


def test_wheel_declares_hypothesis_and_the_package_version(wheel):
    metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    fields = Parser().parsestr(wheel.read(metadata).decode())
    assert fields["Version"] == autograd_core.__version__
    assert any(r.startswith("hypothesis") and "extra" not in r for r in fields.get_all("Requires-Dist"))


def test_wheel_contains_every_package(wheel):
    names = set(wheel.namelist())
    for module in ("autograd_core/testing.py", "autograd_core/ops/__init__.py", "autograd_core/utils/data/__init__.py",
                   "nn/__init__.py", "nn/data/__init__.py", "optim/__init__.py"):
        assert module in names, module
