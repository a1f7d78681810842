"""Packaging and first contact: what a newcomer and a release do, from a fresh clone.

Always run: importing a source tree whose extensions are not built fails with one sentence
that names the fix (not a circular-import traceback).

Run by ``.ci/run`` (``WASMRT_DIST_TESTS=1``; each builds the extensions once more, ~2 min):
  - the newcomer: a fresh clone, a fresh venv, the README's first command exactly as written,
    from the clone's root;
  - the release: ``python -m build`` in a fresh clone (the sdist, then the wheel built from
    that sdist, as pip does), the sdist's and the wheel's contents, ``auditwheel show`` on
    the wheel, then that wheel installed into a fresh venv and used from a neutral
    directory: the ``wasmrt`` command runs a WASI program and the sdist's
    ``tests/smoke.py`` (the public API's smoke test) passes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from wasmrt import __version__
from wasmrt._unbuilt import EXTENSIONS, unbuilt_message

ROOT = Path(__file__).resolve().parent.parent
DIST_TESTS = os.environ.get("WASMRT_DIST_TESTS") == "1"
needs_dist = pytest.mark.skipif(
    not DIST_TESTS, reason="builds wasmrt twice in fresh venvs: set WASMRT_DIST_TESTS=1 "
    "(.ci/run does)")


def _run(cmd: list[str] | str, cwd: Path, env: dict[str, str] | None = None,
         check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` (a string: through bash, as typed in a shell); fail with its output."""
    if isinstance(cmd, str):
        cmd = ["bash", "-c", cmd]
    proc = subprocess.run(cmd, check=False, cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd!r} in {cwd} exited {proc.returncode}:\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def _source_tree(tmp_path: Path) -> Path:
    """The package's Python files and one .pyx, without any built extension."""
    package = tmp_path / "tree" / "wasmrt"
    package.mkdir(parents=True)
    for path in (ROOT / "wasmrt").glob("*.py"):
        shutil.copy(path, package / path.name)
    shutil.copy(ROOT / "wasmrt" / "_core.pyx", package / "_core.pyx")
    return package.parent


def test_this_build_is_complete() -> None:
    assert unbuilt_message(str(ROOT / "wasmrt")) is None


@pytest.mark.parametrize("argv", [["-c", "import wasmrt"], ["-m", "wasmrt", "run", "x.wat"]],
                         ids=["import", "python-m"])
def test_unbuilt_source_tree_fails_with_one_sentence(tmp_path: Path, argv: list[str]) -> None:
    tree = _source_tree(tmp_path)
    proc = _run([sys.executable, *argv], cwd=tree, check=False)
    assert proc.returncode == 1
    assert "partially initialized" not in proc.stderr
    sentence = (f"wasmrt was imported from its source tree in {tree}, whose C extensions are "
                "not built for this Python: run `pip install -e .` there")
    assert sentence in proc.stderr.replace("\n", " "), proc.stderr


def test_setup_py_reads_an_unbuilt_tree(tmp_path: Path) -> None:
    """setup.py's own code runs on a tree without extensions (what pip and build meet)."""
    tree = _source_tree(tmp_path)
    shutil.copy(ROOT / "setup.py", tree / "setup.py")
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    proc = _run([sys.executable, "setup.py", "--version"], cwd=tree, check=False)
    assert proc.returncode == 0 and proc.stdout.split()[-1] == __version__, proc.stderr


def test_installed_package_missing_an_extension_names_it(tmp_path: Path) -> None:
    package = _source_tree(tmp_path) / "wasmrt"
    (package / "_core.pyx").unlink()
    message = unbuilt_message(str(package))
    assert message is not None and ", ".join(EXTENSIONS) in message
    assert "pip install --force-reinstall wasmrt" in message


# ---- from a fresh clone (WASMRT_DIST_TESTS=1) -----------------------------------------------

def readme_first_command() -> str:
    """The first line of the README's first shell block, without its comment."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.DOTALL)
    assert block, "README.md has no ```sh block"
    return block.group(1).splitlines()[0].split("#")[0].strip()


def _fresh_clone(tmp_path: Path, name: str) -> Path:
    if not (ROOT / ".git").exists():
        pytest.skip(f"{ROOT} is not a git checkout (an sdist?): nothing to clone")
    clone = tmp_path / name
    _run(["git", "clone", "-q", str(ROOT), str(clone)], cwd=tmp_path)
    return clone


def _fresh_venv(path: Path) -> dict[str, str]:
    """A new virtualenv at ``path``; the environment of a shell that activated it."""
    _run([sys.executable, "-m", "venv", str(path)], cwd=path.parent)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["VIRTUAL_ENV"] = str(path)
    env["PATH"] = f"{path / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _timed(label: str, started: float) -> None:
    print(f"{label}: {time.monotonic() - started:.0f} s")


@needs_dist
@pytest.mark.timeout(1800)
def test_readme_first_command_from_a_fresh_clone(tmp_path: Path) -> None:
    """A newcomer: fresh clone, fresh venv, the README's first command from the clone's root."""
    command = readme_first_command()
    assert not command.split("&&")[-1].strip().startswith("python -m wasmrt"), (
        "`python -m wasmrt` from the clone's root imports the unbuilt source tree")
    clone = _fresh_clone(tmp_path, "clone")
    env = _fresh_venv(tmp_path / "venv")
    started = time.monotonic()
    proc = _run(command, cwd=clone, env=env)
    _timed(command, started)
    assert proc.stdout.endswith("Hello, world!\n"), proc.stdout[-2000:]
    # Python run from the root still finds the unbuilt tree first: one sentence says so.
    proc = _run("python -m wasmrt run examples/hello.wat", cwd=clone, env=env, check=False)
    assert proc.returncode == 1 and "whose C extensions are not built" in proc.stderr


SDIST_MUST_HOLD = [
    "PKG-INFO", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE",
    "CHANGELOG.md", "wasmrt/_core.pyx", "wasmrt/_interp.pyx", "wasmrt/_memory.pyx",
    "wasmrt/_interp_loop.pxi", "wasmrt/_isa.pxd", "wasmrt/include/wasmrt_simd.h",
    "wasmrt/py.typed", "tests/smoke.py", "tests/conftest.py", "examples/hello.wat",
    "tools/gen_isa.py", "benchmarks/programs.py",
]


@needs_dist
@pytest.mark.timeout(1800)
def test_sdist_builds_the_wheel_that_installs_and_runs(tmp_path: Path) -> None:
    clone = _fresh_clone(tmp_path, "clone")
    started = time.monotonic()
    _run([sys.executable, "-m", "build", "--outdir", str(tmp_path / "dist")], cwd=clone)
    _timed("python -m build", started)
    (sdist,) = (tmp_path / "dist").glob("wasmrt-*.tar.gz")
    (wheel,) = (tmp_path / "dist").glob("wasmrt-*.whl")

    with tarfile.open(sdist) as tar:
        top = sdist.name.removesuffix(".tar.gz")
        names = {n.removeprefix(top + "/") for n in tar.getnames()}
        tar.extractall(tmp_path / "sdist", filter="data")
    missing = [n for n in SDIST_MUST_HOLD if n not in names]
    assert not missing, f"the sdist lacks {missing}"
    generated = sorted(n for n in names
                       if re.fullmatch(r"wasmrt/[^/]+\.(c|so|pyd|html)", n) or "__pycache__" in n)
    assert not generated, f"the sdist ships generated files: {generated}"
    tracked = _run(["git", "ls-files", "wasmrt", "tests", "examples"], cwd=clone).stdout.split()
    assert not [n for n in tracked if n not in names], "tracked sources missing from the sdist"

    with zipfile.ZipFile(wheel) as whl:
        inside = whl.namelist()
    built = {n.split("/")[-1].split(".")[0] for n in inside if re.search(r"\.(so|pyd)$", n)}
    assert built == set(EXTENSIONS), inside
    assert not [n for n in inside if n.endswith((".pyx", ".pxi", ".c"))], inside

    if sys.platform.startswith("linux") and shutil.which("auditwheel"):
        show = _run(["auditwheel", "show", str(wheel)], cwd=tmp_path).stdout
        tag = re.search(r'platform tag:\s*"(manylinux_\d+_\d+_\w+)"', " ".join(show.split()))
        assert tag, show
        print(f"auditwheel: {tag.group(1)}")

    neutral = tmp_path / "neutral"
    neutral.mkdir()
    env = _fresh_venv(tmp_path / "venv")
    _run(["pip", "install", "-q", str(wheel)], cwd=neutral, env=env)
    shutil.copy(tmp_path / "sdist" / top / "examples" / "hello.wat", neutral / "hello.wat")
    proc = _run(["wasmrt", "run", "hello.wat"], cwd=neutral, env=env)
    assert proc.stdout == "Hello, world!\n"
    proc = _run(["python", str(tmp_path / "sdist" / top / "tests" / "smoke.py")], cwd=neutral,
                env=env)
    assert f"from {tmp_path / 'venv'}" in proc.stdout, proc.stdout  # the installed wasmrt
    assert proc.stdout.rstrip().endswith("checks"), proc.stdout
