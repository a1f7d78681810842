"""The C threads layer (wasmrt/include/wasmrt_thread.h) and the headers built on it
(wasmrt_atomic.h, wasmrt_attn.h, wasmrt_wait.h, wasmrt_tier.h, wasmrt_prof.h), compiled
standalone from tests/c/check_threads.c and run: atomics from two threads, timed waits
on both kinds of condition variable, wait/notify across threads, the ticker, the tier-up
queue, the profiler's clock and the stack bounds.  Each compiler found is used: gcc and
clang for this system; for Windows, mingw-w64's gcc (C11 atomics, Win32 threads) and clang
in MSVC mode (-fms-extensions: the _Interlocked* fallback MSVC takes without C11 atomics),
run under Wine when it is installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "c" / "check_threads.c"
INCLUDE = ROOT / "wasmrt" / "include"
WARN = ["-Wall", "-Wextra", "-Werror", "-Wno-unused-function"]


def run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300, env=env)


def check_output(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "ok: 0 failures"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX compilers")
@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("std", ["c11", "gnu99"])
def test_posix(tmp_path: Path, cc: str, std: str) -> None:
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} is not installed")
    exe = tmp_path / "check"
    built = run([cc, f"-std={std}", "-O2", *WARN, "-pthread", f"-I{INCLUDE}", str(SOURCE),
                 "-o", str(exe)])
    assert built.returncode == 0, built.stderr
    check_output(run([str(exe)]))


def wine() -> str | None:
    for name in ("wine64", "wine", "/usr/lib/wine/wine64"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_windows(exe: Path, tmp_path: Path) -> None:
    runner = wine()
    if runner is None:
        pytest.skip("built for Windows; Wine is not installed to run it")
    env = {"WINEDEBUG": "-all", "WINEPREFIX": str(tmp_path / "wine"), "PATH": "/usr/bin:/bin"}
    check_output(run([runner, str(exe)], env=env))


def test_windows_mingw_c11_atomics(tmp_path: Path) -> None:
    cc = shutil.which("x86_64-w64-mingw32-gcc")
    if cc is None:
        pytest.skip("mingw-w64 (gcc-mingw-w64-x86-64) is not installed")
    exe = tmp_path / "check.exe"
    built = run([cc, "-std=c11", "-O2", *WARN, f"-I{INCLUDE}", str(SOURCE), "-o", str(exe)])
    assert built.returncode == 0, built.stderr
    run_windows(exe, tmp_path)


def test_windows_msvc_interlocked_fallback(tmp_path: Path) -> None:
    mingw = shutil.which("x86_64-w64-mingw32-gcc")
    if mingw is None or shutil.which("clang") is None or shutil.which("ld.lld") is None:
        pytest.skip("needs clang, lld and mingw-w64's headers and libraries")
    libgcc = Path(run([mingw, "-print-libgcc-file-name"]).stdout.strip()).parent
    exe = tmp_path / "check_il.exe"
    built = run(["clang", "--target=x86_64-w64-mingw32", "-fms-extensions", "-std=c11", "-O2",
                 *WARN, "-DWR_ATOMICS_FORCE_INTERLOCKED", "-fuse-ld=lld", f"-L{libgcc}",
                 f"-I{INCLUDE}", str(SOURCE), "-o", str(exe)])
    assert built.returncode == 0, built.stderr
    run_windows(exe, tmp_path)
