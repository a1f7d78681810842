"""WASI sandbox escapes beyond tests/test_wasi.py: renames, hard links and unlinks that
reach outside a preopen, a symlink swapped in while the guest resolves a path (a race),
and rights escalation through derived descriptors.  Each fails with the WASI errno and
leaves the host untouched."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.test_wasi import PRE, Guest
from wasmrt import wasi
from wasmrt.wasi import Errno as E
from wasmrt.wasi import Rights, WasiConfig


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "dir").mkdir(parents=True)
    (root / "file.txt").write_bytes(b"inside")
    (root / "dir" / "x").write_bytes(b"inside-x")
    (tmp_path / "outside.txt").write_bytes(b"secret")
    (tmp_path / "outdir").mkdir()
    (tmp_path / "outdir" / "x").write_bytes(b"secret-x")
    return root


@pytest.fixture
def guest(sandbox: Path) -> Guest:
    config = WasiConfig()
    config.preopen_dir(str(sandbox), "/sb")
    return Guest(config)


def _two_paths(guest: Guest, name: str, fd: int, a: str, b: str, *extra: int) -> int:
    pa, na = guest.put(a)
    pb, nb = guest.put(b)
    if name == "path_rename":
        return int(guest.path_rename(fd, pa, na, fd, pb, nb))
    return int(guest.path_link(fd, *extra, pa, na, fd, pb, nb))


@pytest.mark.parametrize("dst", ["../stolen.txt", "/tmp/stolen.txt", "dir/../../stolen.txt"])
def test_rename_out_of_the_sandbox(guest: Guest, sandbox: Path, dst: str) -> None:
    assert _two_paths(guest, "path_rename", PRE, "file.txt", dst) == E.PERM
    assert (sandbox / "file.txt").read_bytes() == b"inside"
    assert not (sandbox.parent / "stolen.txt").exists()


def test_rename_outside_file_in(guest: Guest, sandbox: Path) -> None:
    assert _two_paths(guest, "path_rename", PRE, "../outside.txt", "got.txt") == E.PERM
    assert (sandbox.parent / "outside.txt").read_bytes() == b"secret"


@pytest.mark.parametrize("src", ["../outside.txt", "/etc/passwd", "evil"])
def test_hard_link_to_outside(guest: Guest, sandbox: Path, src: str) -> None:
    os.symlink("../outside.txt", sandbox / "evil")
    for follow in (0, 1):
        err = _two_paths(guest, "path_link", PRE, src, f"h{follow}", follow)
        if src == "evil" and follow == 0:
            assert err == 0  # a link to the symlink itself stays inside and is never followed out
            assert guest.open(PRE, "h0")[0] == E.PERM
        else:  # SYMLINK_FOLLOW is refused before any lookup (EINVAL, as wasmtime)
            assert err == (E.INVAL if follow else E.PERM)
    assert not (sandbox / "h1").exists()


@pytest.mark.parametrize("call", ["path_unlink_file", "path_remove_directory", "path_create_directory"])
def test_mutations_outside(guest: Guest, sandbox: Path, call: str) -> None:
    target = "../outside.txt" if call == "path_unlink_file" else "../outdir"
    if call == "path_create_directory":
        target = "../newdir"
    assert guest.path_call(call, PRE, target) == E.PERM
    assert (sandbox.parent / "outside.txt").exists() and (sandbox.parent / "outdir").exists()
    assert not (sandbox.parent / "newdir").exists()


def test_symlink_swap_race_never_reads_outside(guest: Guest, sandbox: Path) -> None:
    """A host thread keeps swapping ``race`` between a directory inside and a symlink to a
    directory outside while the guest opens ``race/x``: it reads the inside file or gets
    an error, never the outside one."""
    race = sandbox / "race"
    stop = threading.Event()

    def swapper() -> None:
        while not stop.is_set():
            tmp_link = sandbox / "race.lnk"
            tmp_dir = sandbox / "race.dir"
            try:
                if race.is_symlink():  # symlink -> fresh directory inside
                    tmp_dir.mkdir()
                    (tmp_dir / "x").write_bytes(b"inside-x")
                    race.unlink()
                    os.replace(tmp_dir, race)
                else:  # directory -> symlink to the outside directory
                    os.symlink(str(sandbox.parent / "outdir"), tmp_link)
                    (race / "x").unlink()
                    race.rmdir()
                    os.replace(tmp_link, race)
            except OSError:
                pass

    race.mkdir()
    (race / "x").write_bytes(b"inside-x")
    thread = threading.Thread(target=swapper)
    thread.start()
    seen: set[bytes] = set()
    try:
        for _ in range(1500):
            err, fd = guest.open(PRE, "race/x")
            if err == 0:
                _, data = guest.read(fd, 20)
                seen.add(data)
                guest.fd_close(fd)
    finally:
        stop.set()
        thread.join()
    assert b"secret-x" not in seen


def test_rights_cannot_be_regained(guest: Guest, sandbox: Path) -> None:
    """A directory descriptor opened with few rights cannot hand out more to the files it
    opens, and a descriptor's rights only shrink."""
    read_only = int(Rights.PATH_OPEN | Rights.FD_READ | Rights.FD_READDIR)
    p, n = guest.put("dir")
    err = guest.path_open(PRE, 1, p, n, int(wasi.Oflags.DIRECTORY), read_only, int(Rights.FD_READ), 0, 0x10)
    assert err == 0
    sub = guest.u32(0x10)
    p, n = guest.put("x")
    # asking for more than the directory's inheriting rights gets them masked (as in wasmtime)
    err = guest.path_open(sub, 1, p, n, 0, int(Rights.FD_READ | Rights.FD_WRITE), 0, 0, 0x10)
    assert err == 0
    fd = guest.u32(0x10)
    assert guest.fd_fdstat_get(fd, 0x40) == 0
    assert not guest.u64(0x48) & Rights.FD_WRITE
    assert guest.write(fd, b"overwrite")[0] in (E.BADF, E.NOTCAPABLE)
    assert guest.fd_fdstat_set_rights(fd, int(Rights.FD_READ | Rights.FD_WRITE), 0) == E.NOTCAPABLE
    assert guest.fd_fdstat_set_rights(sub, read_only | int(Rights.PATH_CREATE_FILE), 0) == E.NOTCAPABLE
    assert guest.path_call("path_create_directory", sub, "made") == E.NOTCAPABLE
    assert (sandbox / "dir" / "x").read_bytes() == b"inside-x"
    assert not (sandbox / "dir" / "made").exists()
