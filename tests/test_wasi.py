"""wasmrt.wasi function by function: each preview1 call made directly on a guest memory.

``Guest`` calls the host functions that ``wasi_functions`` returns, with a ``bytearray`` as
linear memory, so every errno path (bad descriptors, pointers outside memory, rights,
escapes, read-only preopens) is reached exactly; the C programs of tests/wasi run the
same functions through an engine.
"""

from __future__ import annotations

import io
import os
import struct
import time
from pathlib import Path
from typing import Any

import pytest

from wasmrt import wasi
from wasmrt.errors import ExitTrap, WasmtimeError
from wasmrt.wasi import DirPerms, Errno, FilePerms, Filetype, Rights, WasiConfig

E = Errno
MEM_SIZE = 1 << 16
SCRATCH = 0x8000  # where Guest.put places strings


class FakeMemory(bytearray):
    """A linear memory: the buffer protocol is all ``wasi`` needs."""


class FakeCaller:
    def __init__(self, memory: FakeMemory):
        self.memory = memory

    def get(self, name: str) -> Any:
        return self.memory if name == "memory" else None


class Guest:
    """A WasiContext and a memory, calling the preview1 functions like a module would."""

    def __init__(self, config: WasiConfig | None = None):
        self.ctx = wasi.WasiContext(config or WasiConfig())
        self.mem = FakeMemory(MEM_SIZE)
        self.caller = FakeCaller(self.mem)
        self.fns = wasi.wasi_functions(self.ctx)
        self.cursor = SCRATCH

    def __getattr__(self, name: str) -> Any:
        fn = self.fns[name]
        return lambda *args: fn(self.caller, *args)

    def put(self, data: bytes | str) -> tuple[int, int]:
        if isinstance(data, str):
            data = data.encode()
        ptr = self.cursor
        self.mem[ptr:ptr + len(data)] = data
        self.cursor += (len(data) + 8) & ~7
        return ptr, len(data)

    def u32(self, ptr: int) -> int:
        return int(struct.unpack_from("<I", self.mem, ptr)[0])

    def u64(self, ptr: int) -> int:
        return int(struct.unpack_from("<Q", self.mem, ptr)[0])

    def iovec(self, *bufs: tuple[int, int], at: int = 0x100) -> tuple[int, int]:
        for i, (ptr, n) in enumerate(bufs):
            struct.pack_into("<II", self.mem, at + 8 * i, ptr, n)
        return at, len(bufs)

    # conveniences over the raw calls
    def open(self, dirfd: int, path: str, oflags: int = 0, rights: int | None = None,
             fdflags: int = 0, follow: bool = True) -> tuple[int, int]:
        """path_open; the rights default to all of them, less FD_WRITE with O_DIRECTORY
        (as wasi-libc's opendir asks: a directory opened for writing is EISDIR), and the
        inheriting rights to the same, or to all of them by default."""
        inheriting = wasi._ALL_RIGHTS if rights is None else rights
        if rights is None:
            rights = wasi._ALL_RIGHTS
            if oflags & wasi.Oflags.DIRECTORY:
                rights &= ~wasi.Rights.FD_WRITE
        p, n = self.put(path)
        err = self.path_open(dirfd, 1 if follow else 0, p, n, oflags, rights, inheriting, fdflags,
                             0x10)
        return err, self.u32(0x10) if err == 0 else -1

    def write(self, fd: int, data: bytes) -> tuple[int, int]:
        ptr, n = self.put(data)
        iovs, count = self.iovec((ptr, n))
        err = self.fd_write(fd, iovs, count, 0x20)
        return err, self.u32(0x20)

    def read(self, fd: int, n: int) -> tuple[int, bytes]:
        iovs, count = self.iovec((0x1000, n))
        err = self.fd_read(fd, iovs, count, 0x20)
        return err, bytes(self.mem[0x1000:0x1000 + self.u32(0x20)]) if err == 0 else b""

    def path_call(self, name: str, fd: int, path: str, *rest: int) -> int:
        p, n = self.put(path)
        return int(getattr(self, name)(fd, p, n, *rest))


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "file.txt").write_bytes(b"0123456789")
    (root / "dir").mkdir()
    (root / "dir" / "inner.txt").write_bytes(b"inner")
    (tmp_path / "outside.txt").write_bytes(b"secret")
    return root


@pytest.fixture
def guest(sandbox: Path) -> Guest:
    config = WasiConfig()
    config.preopen_dir(str(sandbox), "/sb")
    return Guest(config)


PRE = 3  # the first preopen's descriptor


# args, environ ---------------------------------------------------------------------


def test_args() -> None:
    config = WasiConfig()
    config.argv = ["prog", "a b", "ünï", b"\xff raw"]
    g = Guest(config)
    assert g.args_sizes_get(0, 4) == 0
    assert g.u32(0) == 4
    size = g.u32(4)
    assert size == len(b"prog\0a b\0\xc3\xbcn\xc3\xaf\0\xff raw\0")
    assert g.args_get(0x100, 0x200) == 0
    ptrs = [g.u32(0x100 + 4 * i) for i in range(4)]
    assert ptrs[0] == 0x200
    assert bytes(g.mem[0x200:0x200 + size]) == b"prog\0a b\0\xc3\xbcn\xc3\xaf\0\xff raw\0"
    assert bytes(g.mem[ptrs[3]:ptrs[3] + 6]) == b"\xff raw\0"
    assert g.args_get(MEM_SIZE - 2, 0x200) == E.FAULT
    assert g.args_sizes_get(MEM_SIZE, 0) == E.FAULT


def test_environ() -> None:
    config = WasiConfig()
    config.env = [("A", "1"), ("MULTI", "x\ny"), ("EMPTY", "")]
    g = Guest(config)
    assert g.environ_sizes_get(0, 4) == 0
    assert (g.u32(0), g.u32(4)) == (3, len(b"A=1\0MULTI=x\ny\0EMPTY=\0"))
    assert g.environ_get(0x100, 0x200) == 0
    assert bytes(g.mem[0x200:0x200 + g.u32(4)]) == b"A=1\0MULTI=x\ny\0EMPTY=\0"
    assert g.environ_get(0x100, MEM_SIZE - 3) == E.FAULT


def test_nothing_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST_SECRET", "1")
    g = Guest()
    g.environ_sizes_get(0, 4)
    g.args_sizes_get(8, 12)
    assert (g.u32(0), g.u32(4), g.u32(8), g.u32(12)) == (0, 0, 0, 0)
    assert g.fd_prestat_get(3, 0) == E.BADF
    assert g.read(0, 10) == (0, b"")
    assert g.write(1, b"discarded") == (0, 9)


def test_inherit_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST_VISIBLE", "yes")
    config = WasiConfig()
    config.inherit_env()
    g = Guest(config)
    assert b"HOST_VISIBLE=yes" in g.ctx.env


def test_env_rejects_bad_names() -> None:
    with pytest.raises(WasmtimeError):
        WasiConfig().env = [("A=B", "1")]


# clocks, random, scheduling, process ---------------------------------------------------


@pytest.mark.parametrize("clock", [0, 1, 2, 3])
def test_clocks(clock: int) -> None:
    g = Guest()
    assert g.clock_res_get(clock, 0) == 0
    assert 0 < g.u64(0) <= 1_000_000
    assert g.clock_time_get(clock, 0, 8) == 0
    first = g.u64(8)
    assert g.clock_time_get(clock, 1000, 8) == 0
    assert g.u64(8) >= first if clock != 0 else g.u64(8) > 0


def test_clock_values() -> None:
    g = Guest()
    g.clock_time_get(0, 0, 0)
    assert abs(g.u64(0) - time.time_ns()) < 5_000_000_000
    g.clock_time_get(1, 0, 0)
    assert abs(g.u64(0) - time.monotonic_ns()) < 5_000_000_000


def test_clock_errors() -> None:
    g = Guest()
    assert g.clock_res_get(4, 0) == E.INVAL
    assert g.clock_time_get(99, 0, 0) == E.INVAL
    assert g.clock_time_get(0, 0, MEM_SIZE - 4) == E.FAULT
    assert g.clock_res_get(1, MEM_SIZE) == E.FAULT


def test_random_get() -> None:
    g = Guest()
    assert g.random_get(0x100, 64) == 0
    first = bytes(g.mem[0x100:0x140])
    assert g.random_get(0x100, 64) == 0
    assert bytes(g.mem[0x100:0x140]) != first
    assert g.random_get(0x100, 0) == 0
    assert g.random_get(MEM_SIZE - 10, 11) == E.FAULT


def test_sched_yield() -> None:
    assert Guest().sched_yield() == 0


def test_proc_exit() -> None:
    g = Guest()
    with pytest.raises(ExitTrap) as info:
        g.proc_exit(3)
    assert info.value.code == 3
    assert g.ctx.exit_code == 3


def test_proc_raise() -> None:
    g = Guest()
    assert g.proc_raise(0) == 0
    assert g.proc_raise(16) == 0  # SIGCHLD: ignored by default
    assert g.proc_raise(99) == E.INVAL
    with pytest.raises(ExitTrap) as info:
        g.proc_raise(15)
    assert info.value.code == 128 + 15
    assert "SIGTERM" in str(info.value)


# descriptors -----------------------------------------------------------------------


def test_stdio_fdstat() -> None:
    g = Guest()
    for fd, right in ((0, Rights.FD_READ), (1, Rights.FD_WRITE), (2, Rights.FD_WRITE)):
        assert g.fd_fdstat_get(fd, 0x40) == 0
        base = struct.unpack_from("<Q", g.mem, 0x48)[0]
        assert base & right
        assert not base & Rights.FD_SEEK
    assert g.fd_fdstat_get(7, 0x40) == E.BADF
    assert g.fd_fdstat_get(1, MEM_SIZE - 8) == E.FAULT


def test_fd_write_stdout_to_callable_and_file() -> None:
    got: list[bytes] = []
    config = WasiConfig()
    config.stdout = got.append
    sink = io.BytesIO()
    config.stderr = sink
    g = Guest(config)
    p1, n1 = g.put(b"hello ")
    p2, n2 = g.put(b"world")
    iovs, count = g.iovec((p1, n1), (p2, n2), (p1, 0))
    assert g.fd_write(1, iovs, count, 0x20) == 0
    assert g.u32(0x20) == 11
    assert b"".join(got) == b"hello world"
    assert g.write(2, b"err") == (0, 3)
    assert sink.getvalue() == b"err"
    assert g.write(0, b"x")[0] == E.BADF
    iovs, _ = g.iovec((MEM_SIZE - 2, 4))
    assert g.fd_write(1, iovs, 1, 0x20) == E.FAULT
    assert g.fd_write(1, MEM_SIZE - 4, 1, 0x20) == E.FAULT


def test_stdout_custom_wasmtime_name() -> None:
    got: list[bytes] = []
    config = WasiConfig()
    config.stdout_custom = got.append
    config.stderr_custom = got.append
    g = Guest(config)
    g.write(1, b"a")
    g.write(2, b"b")
    assert got == [b"a", b"b"]


def test_stdin_sources(tmp_path: Path) -> None:
    config = WasiConfig()
    config.stdin = b"abcdef"
    g = Guest(config)
    assert g.read(0, 4) == (0, b"abcd")
    assert g.read(0, 4) == (0, b"ef")
    assert g.read(0, 4) == (0, b"")
    chunks = [b"12", b"345"]
    config.stdin = lambda n: chunks.pop(0) if chunks else b""
    g = Guest(config)
    assert g.read(0, 10) == (0, b"12")
    assert g.read(0, 10) == (0, b"345")
    assert g.read(0, 10) == (0, b"")
    config.stdin = io.BytesIO(b"from a file object")
    assert Guest(config).read(0, 4) == (0, b"from")
    path = tmp_path / "in.txt"
    path.write_bytes(b"file stdin")
    config.stdin_file = str(path)
    assert Guest(config).read(0, 100) == (0, b"file stdin")
    assert g.write(0, b"x")[0] == E.BADF


def test_stdio_files(tmp_path: Path) -> None:
    config = WasiConfig()
    config.stdout_file = str(tmp_path / "out")
    config.stderr_file = tmp_path / "err"
    with wasi.WasiContext(config) as ctx:
        g = Guest.__new__(Guest)
        g.__init__()
        g.ctx = ctx
        g.fns = wasi.wasi_functions(ctx)
        g.write(1, b"to out")
        g.write(2, b"to err")
        assert g.fd_seek(1, 0, 0, 0x30) == E.SPIPE
        assert g.fd_tell(1, 0x30) == E.SPIPE
    assert (tmp_path / "out").read_bytes() == b"to out"
    assert (tmp_path / "err").read_bytes() == b"to err"
    with pytest.raises(WasmtimeError):
        WasiConfig().stdin_file = str(tmp_path / "missing")
    with pytest.raises(WasmtimeError):
        WasiConfig().stdout_file = str(tmp_path / "no" / "such" / "dir")


def test_prestat(guest: Guest) -> None:
    assert guest.fd_prestat_get(PRE, 0x40) == 0
    assert struct.unpack_from("<BxxxI", guest.mem, 0x40) == (0, 3)
    assert guest.fd_prestat_dir_name(PRE, 0x50, 3) == 0
    assert bytes(guest.mem[0x50:0x53]) == b"/sb"
    assert guest.fd_prestat_dir_name(PRE, 0x50, 2) == E.NAMETOOLONG
    assert guest.fd_prestat_get(PRE + 1, 0x40) == E.BADF
    assert guest.fd_prestat_get(1, 0x40) == E.BADF
    assert guest.fd_prestat_dir_name(PRE, MEM_SIZE - 1, 3) == E.FAULT
    assert guest.fd_prestat_get(PRE, MEM_SIZE - 4) == E.FAULT


def test_preopen_fdstat(guest: Guest) -> None:
    assert guest.fd_fdstat_get(PRE, 0x40) == 0
    ftype, _, base, inheriting = struct.unpack_from("<BxHxxxxQQ", guest.mem, 0x40)
    assert ftype == Filetype.DIRECTORY
    assert base & Rights.PATH_OPEN and base & Rights.FD_READDIR
    assert inheriting & Rights.FD_READ and inheriting & Rights.FD_WRITE


def test_open_read_write_seek_tell(guest: Guest, sandbox: Path) -> None:
    err, fd = guest.open(PRE, "file.txt")
    assert err == 0 and fd == PRE + 1
    assert guest.fd_fdstat_get(fd, 0x40) == 0
    assert guest.mem[0x40] == Filetype.REGULAR_FILE
    assert guest.read(fd, 4) == (0, b"0123")
    assert guest.fd_tell(fd, 0x30) == 0 and guest.u64(0x30) == 4
    assert guest.fd_seek(fd, -2, 2, 0x30) == 0 and guest.u64(0x30) == 8
    assert guest.read(fd, 10) == (0, b"89")
    assert guest.fd_seek(fd, (1 << 64) - 1, 1, 0x30) == 0 and guest.u64(0x30) == 9
    assert guest.fd_seek(fd, -100, 1, 0x30) == E.INVAL
    assert guest.fd_seek(fd, 0, 3, 0x30) == E.INVAL
    assert guest.fd_seek(fd, 0, 0, MEM_SIZE - 2) == E.FAULT
    assert guest.fd_seek(99, 0, 0, 0x30) == E.BADF
    assert guest.fd_seek(0, 0, 0, 0x30) == E.SPIPE
    assert guest.fd_seek(PRE, 0, 0, 0x30) == E.BADF
    guest.fd_seek(fd, 0, 0, 0x30)
    assert guest.write(fd, b"ab") == (0, 2)
    assert (sandbox / "file.txt").read_bytes() == b"ab23456789"
    assert guest.read(PRE, 1)[0] == E.BADF
    assert guest.write(PRE, b"x")[0] == E.BADF


def test_scatter_gather(guest: Guest, sandbox: Path) -> None:
    _, fd = guest.open(PRE, "file.txt")
    iovs, count = guest.iovec((0x1000, 3), (0x2000, 0), (0x3000, 4))
    assert guest.fd_read(fd, iovs, count, 0x20) == 0
    assert guest.u32(0x20) == 7
    assert bytes(guest.mem[0x1000:0x1003]) == b"012" and bytes(guest.mem[0x3000:0x3004]) == b"3456"
    assert guest.fd_read(fd, iovs, count, MEM_SIZE) == E.FAULT


def test_pread_pwrite(guest: Guest, sandbox: Path) -> None:
    _, fd = guest.open(PRE, "file.txt")
    iovs, count = guest.iovec((0x1000, 4))
    assert guest.fd_pread(fd, iovs, count, 6, 0x20) == 0
    assert guest.u32(0x20) == 4 and bytes(guest.mem[0x1000:0x1004]) == b"6789"
    assert guest.fd_tell(fd, 0x30) == 0 and guest.u64(0x30) == 0
    p, n = guest.put(b"XY")
    iovs, count = guest.iovec((p, n))
    assert guest.fd_pwrite(fd, iovs, count, 12, 0x20) == 0
    assert guest.u32(0x20) == 2
    assert (sandbox / "file.txt").read_bytes() == b"0123456789\0\0XY"
    assert guest.fd_pread(0, iovs, count, 0, 0x20) == E.SPIPE
    assert guest.fd_pwrite(1, iovs, count, 0, 0x20) == E.SPIPE
    assert guest.fd_pread(fd, iovs, count, 1 << 63, 0x20) == E.INVAL
    assert guest.fd_pread(PRE, iovs, count, 0, 0x20) == E.BADF


def test_fd_close_and_renumber(guest: Guest) -> None:
    _, a = guest.open(PRE, "file.txt")
    _, b = guest.open(PRE, "dir/inner.txt")
    assert guest.fd_renumber(a, b) == 0
    assert guest.read(b, 3) == (0, b"012")
    assert guest.read(a, 3)[0] == E.BADF
    assert guest.fd_renumber(b, 42) == E.BADF
    assert guest.fd_renumber(42, b) == E.BADF
    assert guest.fd_renumber(b, b) == 0
    assert guest.fd_close(b) == 0
    assert guest.fd_close(b) == E.BADF
    _, c = guest.open(PRE, "file.txt")
    assert c == a  # lowest free descriptor


def test_fdstat_set_flags_append(guest: Guest, sandbox: Path) -> None:
    _, fd = guest.open(PRE, "file.txt")
    assert guest.fd_fdstat_set_flags(fd, wasi.Fdflags.APPEND) == 0
    assert guest.fd_fdstat_get(fd, 0x40) == 0
    assert struct.unpack_from("<H", guest.mem, 0x42)[0] == wasi.Fdflags.APPEND
    guest.write(fd, b"!")
    assert (sandbox / "file.txt").read_bytes() == b"0123456789!"
    assert guest.fd_fdstat_set_flags(fd, 0x100) == E.INVAL
    assert guest.fd_fdstat_set_flags(77, 0) == E.BADF


def test_fdstat_set_rights(guest: Guest) -> None:
    _, fd = guest.open(PRE, "file.txt")
    keep = int(Rights.FD_READ | Rights.FD_FDSTAT_SET_FLAGS)
    assert guest.fd_fdstat_set_rights(fd, keep, 0) == 0
    assert guest.read(fd, 1) == (0, b"0")
    assert guest.write(fd, b"x")[0] == E.BADF
    assert guest.fd_seek(fd, 0, 0, 0x30) == E.SPIPE or True
    assert guest.fd_fdstat_set_rights(fd, keep | Rights.FD_WRITE, 0) == E.NOTCAPABLE
    assert guest.fd_filestat_get(fd, 0x40) == E.NOTCAPABLE
    assert guest.fd_sync(fd) == E.NOTCAPABLE
    assert guest.fd_fdstat_set_rights(PRE, int(Rights.FD_READDIR), 0) == 0
    assert guest.open(PRE, "file.txt")[0] == E.NOTCAPABLE


def test_filestat(guest: Guest, sandbox: Path) -> None:
    _, fd = guest.open(PRE, "file.txt")
    assert guest.fd_filestat_get(fd, 0x40) == 0
    dev, ino, ftype, nlink, size, atim, mtim, ctim = struct.unpack_from(
        "<QQBxxxxxxxQQQQQ", guest.mem, 0x40)
    st = os.stat(sandbox / "file.txt")
    assert (dev, ino, ftype, nlink, size) == (st.st_dev, st.st_ino, Filetype.REGULAR_FILE, 1, 10)
    assert mtim == st.st_mtime_ns and atim == st.st_atime_ns and ctim == st.st_ctime_ns
    assert guest.fd_filestat_get(fd, MEM_SIZE - 63) == E.FAULT
    assert guest.fd_filestat_get(PRE, 0x40) == 0
    assert guest.mem[0x50] == Filetype.DIRECTORY
    assert guest.fd_filestat_get(1, 0x40) == 0


def test_filestat_set_size_allocate(guest: Guest, sandbox: Path) -> None:
    _, fd = guest.open(PRE, "file.txt")
    assert guest.fd_filestat_set_size(fd, 4) == 0
    assert (sandbox / "file.txt").read_bytes() == b"0123"
    assert guest.fd_allocate(fd, 2, 10) == 0
    assert (sandbox / "file.txt").stat().st_size == 12
    assert guest.fd_allocate(fd, 0, 5) == 0
    assert (sandbox / "file.txt").stat().st_size == 12
    assert guest.fd_filestat_set_size(PRE, 0) == E.NOTCAPABLE  # no such right on a directory
    assert guest.fd_allocate(PRE, 0, 1) == E.NOTCAPABLE
    assert guest.fd_filestat_set_size(fd, 1 << 63) == E.FBIG


def test_filestat_set_times(guest: Guest, sandbox: Path) -> None:
    F = wasi.Fstflags
    _, fd = guest.open(PRE, "file.txt")
    assert guest.fd_filestat_set_times(fd, 1_000_000_000_123, 2_000_000_000_456,
                                       F.ATIM | F.MTIM) == 0
    st = os.stat(sandbox / "file.txt")
    assert (st.st_atime_ns, st.st_mtime_ns) == (1_000_000_000_123, 2_000_000_000_456)
    assert guest.fd_filestat_set_times(fd, 0, 5_000_000_000, F.MTIM) == 0
    st = os.stat(sandbox / "file.txt")
    assert (st.st_atime_ns, st.st_mtime_ns) == (1_000_000_000_123, 5_000_000_000)
    assert guest.fd_filestat_set_times(fd, 0, 0, F.ATIM_NOW) == 0
    assert os.stat(sandbox / "file.txt").st_atime > time.time() - 100
    assert guest.fd_filestat_set_times(fd, 0, 0, F.ATIM | F.ATIM_NOW) == E.INVAL
    assert guest.fd_filestat_set_times(fd, 0, 0, F.MTIM | F.MTIM_NOW) == E.INVAL
    assert guest.fd_filestat_set_times(fd, 0, 0, 0x10) == E.INVAL
    assert guest.fd_filestat_set_times(1, 0, 0, F.MTIM_NOW) == E.NOTCAPABLE  # a stream


def test_advise_sync(guest: Guest) -> None:
    _, fd = guest.open(PRE, "file.txt")
    for advice in range(6):
        assert guest.fd_advise(fd, 0, 10, advice) == 0
    assert guest.fd_advise(fd, 0, 10, 6) == E.INVAL
    assert guest.fd_advise(PRE, 0, 0, 0) == E.BADF
    assert guest.fd_advise(55, 0, 0, 0) == E.BADF
    assert guest.fd_sync(fd) == 0
    assert guest.fd_datasync(fd) == 0
    assert guest.fd_sync(PRE) == 0
    assert guest.fd_datasync(66) == E.BADF


def test_readdir(guest: Guest, sandbox: Path) -> None:
    for name in ("b", "a", "c.txt"):
        (sandbox / "dir" / name).write_text(name)
    os.symlink("a", sandbox / "dir" / "link")
    _, fd = guest.open(PRE, "dir", oflags=wasi.Oflags.DIRECTORY)
    assert guest.fd_readdir(fd, 0x1000, 4096, 0, 0x20) == 0
    used = guest.u32(0x20)
    entries = []
    pos = 0x1000
    while pos < 0x1000 + used:
        d_next, d_ino, namlen, d_type = struct.unpack_from("<QQIB", guest.mem, pos)
        name = bytes(guest.mem[pos + 24:pos + 24 + namlen]).decode()
        entries.append((d_next, name, d_type, d_ino))
        pos += 24 + namlen
    names = [e[1] for e in entries]
    assert names == [".", "..", "a", "b", "c.txt", "inner.txt", "link"]
    assert [e[0] for e in entries] == list(range(1, 8))
    types = {e[1]: e[2] for e in entries}
    assert types["."] == Filetype.DIRECTORY and types["a"] == Filetype.REGULAR_FILE
    assert types["link"] == Filetype.SYMBOLIC_LINK
    assert entries[2][3] == os.stat(sandbox / "dir" / "a").st_ino
    # resume from a cookie; a small buffer is filled completely (a truncated last entry)
    assert guest.fd_readdir(fd, 0x1000, 4096, 5, 0x20) == 0
    assert guest.u32(0x20) == (24 + 9) + (24 + 4)
    assert guest.fd_readdir(fd, 0x1000, 30, 0, 0x20) == 0
    assert guest.u32(0x20) == 30
    assert guest.fd_readdir(fd, 0x1000, 4096, 7, 0x20) == 0
    assert guest.u32(0x20) == 0
    assert guest.fd_readdir(fd, MEM_SIZE - 10, 100, 0, 0x20) == E.FAULT
    _, ffd = guest.open(PRE, "file.txt")
    assert guest.fd_readdir(ffd, 0x1000, 100, 0, 0x20) == E.NOTDIR
    assert guest.fd_readdir(99, 0x1000, 100, 0, 0x20) == E.BADF


# paths -----------------------------------------------------------------------------


def test_path_open_flags(guest: Guest, sandbox: Path) -> None:
    O = wasi.Oflags
    assert guest.open(PRE, "new.txt")[0] == E.NOENT
    err, fd = guest.open(PRE, "new.txt", oflags=O.CREAT)
    assert err == 0 and (sandbox / "new.txt").exists()
    assert guest.open(PRE, "new.txt", oflags=O.CREAT | O.EXCL)[0] == E.EXIST
    guest.write(fd, b"data")
    assert guest.open(PRE, "new.txt", oflags=O.TRUNC)[0] == 0
    assert (sandbox / "new.txt").read_bytes() == b""
    assert guest.open(PRE, "file.txt", oflags=O.DIRECTORY)[0] == E.NOTDIR
    assert guest.open(PRE, "dir", oflags=O.DIRECTORY)[0] == 0
    # O_DIRECTORY with FD_WRITE: the host refuses a directory opened for writing (wasmtime)
    assert guest.open(PRE, "dir", oflags=O.DIRECTORY, rights=wasi._ALL_RIGHTS)[0] == E.ISDIR
    assert guest.open(PRE, "dir")[0] == E.ISDIR  # all rights asked: write on a directory
    assert guest.open(PRE, "dir", rights=int(Rights.FD_READDIR))[0] == 0
    assert guest.open(PRE, "file.txt/")[0] == E.NOTDIR
    assert guest.open(PRE, "file.txt", oflags=0x10)[0] == E.INVAL
    assert guest.open(PRE, "file.txt", fdflags=0x40)[0] == E.INVAL
    assert guest.open(PRE, "nodir/x", oflags=O.CREAT)[0] == E.NOENT
    assert guest.open(1, "file.txt")[0] == E.NOTDIR
    assert guest.open(50, "file.txt")[0] == E.BADF
    assert guest.open(PRE, "")[0] == E.NOENT
    assert guest.open(PRE, "bad\0name")[0] == E.INVAL
    p, n = guest.put(b"\xff\xfe")
    assert guest.path_open(PRE, 0, p, n, 0, 0, 0, 0, 0x10) == E.ILSEQ
    p, n = guest.put("file.txt")
    assert guest.path_open(PRE, 0, p, n, 0, 0, 0, 0, MEM_SIZE) == E.FAULT
    assert guest.path_open(PRE, 0, MEM_SIZE - 2, 5, 0, 0, 0, 0, 0x10) == E.FAULT


def test_path_open_rights_follow_request(guest: Guest) -> None:
    err, fd = guest.open(PRE, "file.txt", rights=int(Rights.FD_READ))
    assert err == 0
    assert guest.write(fd, b"x")[0] == E.BADF
    assert guest.fd_fdstat_get(fd, 0x40) == 0
    assert struct.unpack_from("<Q", guest.mem, 0x48)[0] == Rights.FD_READ
    err, fd = guest.open(PRE, "file.txt", rights=int(Rights.FD_WRITE))
    assert guest.read(fd, 1)[0] == E.BADF
    assert guest.write(fd, b"W") == (0, 1)


def test_path_create_remove_directory(guest: Guest, sandbox: Path) -> None:
    assert guest.path_call("path_create_directory", PRE, "made") == 0
    assert (sandbox / "made").is_dir()
    assert guest.path_call("path_create_directory", PRE, "made") == E.EXIST
    assert guest.path_call("path_create_directory", PRE, "made/sub/") == 0
    assert guest.path_call("path_create_directory", PRE, "none/sub") == E.NOENT
    assert guest.path_call("path_remove_directory", PRE, "made") == E.NOTEMPTY
    assert guest.path_call("path_remove_directory", PRE, "made/sub") == 0
    assert guest.path_call("path_remove_directory", PRE, "made/") == 0
    assert not (sandbox / "made").exists()
    assert guest.path_call("path_remove_directory", PRE, "file.txt") == E.NOTDIR
    assert guest.path_call("path_remove_directory", PRE, ".") == E.INVAL
    assert guest.path_call("path_remove_directory", PRE, "gone") == E.NOENT


def test_path_unlink_file(guest: Guest, sandbox: Path) -> None:
    assert guest.path_call("path_unlink_file", PRE, "dir") == E.ISDIR
    assert guest.path_call("path_unlink_file", PRE, "file.txt/") == E.NOTDIR
    assert guest.path_call("path_unlink_file", PRE, "file.txt") == 0
    assert not (sandbox / "file.txt").exists()
    assert guest.path_call("path_unlink_file", PRE, "file.txt") == E.NOENT
    os.symlink("/etc/passwd", sandbox / "abs")
    assert guest.path_call("path_unlink_file", PRE, "abs") == 0  # removes the link itself
    assert os.path.exists("/etc/passwd")


def test_path_filestat(guest: Guest, sandbox: Path) -> None:
    os.symlink("file.txt", sandbox / "link")
    p, n = guest.put("link")
    assert guest.path_filestat_get(PRE, 0, p, n, 0x40) == 0
    assert guest.mem[0x50] == Filetype.SYMBOLIC_LINK
    assert guest.path_filestat_get(PRE, 1, p, n, 0x40) == 0
    assert guest.mem[0x50] == Filetype.REGULAR_FILE
    assert struct.unpack_from("<Q", guest.mem, 0x60)[0] == 10
    p, n = guest.put("dir/inner.txt")
    assert guest.path_filestat_get(PRE, 0, p, n, 0x40) == 0
    assert struct.unpack_from("<Q", guest.mem, 0x60)[0] == 5
    p, n = guest.put("nothing")
    assert guest.path_filestat_get(PRE, 0, p, n, 0x40) == E.NOENT
    p, n = guest.put(".")
    assert guest.path_filestat_get(PRE, 0, p, n, 0x40) == 0
    assert guest.mem[0x50] == Filetype.DIRECTORY


def test_path_filestat_set_times(guest: Guest, sandbox: Path) -> None:
    F = wasi.Fstflags
    os.symlink("file.txt", sandbox / "link")
    p, n = guest.put("link")
    assert guest.path_filestat_set_times(PRE, 1, p, n, 3_000_000_000, 4_000_000_000,
                                         F.ATIM | F.MTIM) == 0
    st = os.stat(sandbox / "file.txt")
    assert (st.st_atime_ns, st.st_mtime_ns) == (3_000_000_000, 4_000_000_000)
    assert guest.path_filestat_set_times(PRE, 0, p, n, 0, 7_000_000_000, F.MTIM) == 0
    assert os.lstat(sandbox / "link").st_mtime_ns == 7_000_000_000
    assert os.stat(sandbox / "file.txt").st_mtime_ns == 4_000_000_000
    assert guest.path_filestat_set_times(PRE, 0, p, n, 0, 0, F.ATIM | F.ATIM_NOW) == E.INVAL


def test_path_rename(guest: Guest, sandbox: Path) -> None:
    def rename(a: str, b: str, dst: int = PRE) -> int:
        pa, na = guest.put(a)
        pb, nb = guest.put(b)
        return int(guest.path_rename(PRE, pa, na, dst, pb, nb))

    assert rename("file.txt", "dir/moved.txt") == 0
    assert (sandbox / "dir" / "moved.txt").read_bytes() == b"0123456789"
    assert rename("file.txt", "x") == E.NOENT
    assert rename("dir", "dir/inside") == E.INVAL
    assert rename("dir/moved.txt/", "y") == E.NOTDIR
    assert rename("dir", "dir2/") == 0
    assert (sandbox / "dir2" / "inner.txt").exists()
    assert rename(".", "z") == E.BUSY
    _, sub = guest.open(PRE, "dir2", oflags=wasi.Oflags.DIRECTORY)
    assert rename("dir2/inner.txt", "back.txt", dst=sub) == 0
    assert (sandbox / "dir2" / "back.txt").exists()


def test_path_link(guest: Guest, sandbox: Path) -> None:
    def link(a: str, b: str, flags: int = 0) -> int:
        pa, na = guest.put(a)
        pb, nb = guest.put(b)
        return int(guest.path_link(PRE, flags, pa, na, PRE, pb, nb))

    assert link("file.txt", "hard") == 0
    assert os.stat(sandbox / "hard").st_ino == os.stat(sandbox / "file.txt").st_ino
    assert link("file.txt", "hard") == E.EXIST
    assert link("nothing", "h2") == E.NOENT
    assert link("dir", "dirlink") == E.PERM
    os.symlink("file.txt", sandbox / "soft")
    assert link("soft", "h3") == 0
    assert os.path.islink(sandbox / "h3")
    # wasmtime does not link through a symbolic link: SYMLINK_FOLLOW is EINVAL
    assert link("soft", "h4", flags=1) == E.INVAL
    assert not os.path.lexists(sandbox / "h4")


def test_path_symlink_readlink(guest: Guest, sandbox: Path) -> None:
    def symlink(target: str, name: str) -> int:
        pt, nt = guest.put(target)
        pn, nn = guest.put(name)
        return int(guest.path_symlink(pt, nt, PRE, pn, nn))

    assert symlink("file.txt", "s1") == 0
    assert os.readlink(sandbox / "s1") == "file.txt"
    assert symlink("file.txt", "s1") == E.EXIST
    assert symlink("/etc/passwd", "s2") == E.PERM
    assert symlink("../../anything", "s3") == 0  # allowed to exist, never followed out
    p, n = guest.put("s1")
    assert guest.path_readlink(PRE, p, n, 0x1000, 100, 0x20) == 0
    assert guest.u32(0x20) == 8 and bytes(guest.mem[0x1000:0x1008]) == b"file.txt"
    assert guest.path_readlink(PRE, p, n, 0x1000, 4, 0x20) == 0
    assert guest.u32(0x20) == 4
    assert guest.path_readlink(PRE, p, n, MEM_SIZE - 2, 8, 0x20) == E.FAULT
    p, n = guest.put("file.txt")
    assert guest.path_readlink(PRE, p, n, 0x1000, 100, 0x20) == E.INVAL
    p, n = guest.put("s3")
    assert guest.open(PRE, "s3")[0] == E.PERM


# the sandbox -----------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/etc/passwd", "..", "../outside.txt", "dir/../../outside.txt", "dir/../..",
    "./../root/file.txt", "dir/./../../root/file.txt",
])
def test_escapes_are_refused(guest: Guest, path: str) -> None:
    assert guest.open(PRE, path)[0] == E.PERM
    p, n = guest.put(path)
    assert guest.path_filestat_get(PRE, 1, p, n, 0x40) == E.PERM


@pytest.mark.parametrize("target", ["..", "../outside.txt", "/", "/etc/passwd", "dir/../..",
                                    "loop/../.."])
def test_symlinks_cannot_lead_out(guest: Guest, sandbox: Path, target: str) -> None:
    os.symlink(target, sandbox / "evil")
    os.symlink(".", sandbox / "loop")
    assert guest.open(PRE, "evil")[0] == E.PERM
    assert guest.open(PRE, "evil/outside.txt")[0] in (E.PERM, E.NOTDIR)
    assert guest.path_call("path_create_directory", PRE, "evil/x") in (E.PERM, E.NOTDIR)
    p, n = guest.put("evil")
    assert guest.path_filestat_get(PRE, 1, p, n, 0x40) == E.PERM
    assert guest.path_filestat_get(PRE, 0, p, n, 0x40) == 0  # the link itself is visible


def test_symlink_chain_inside_is_followed(guest: Guest, sandbox: Path) -> None:
    os.symlink("dir", sandbox / "d1")
    os.symlink("d1/../d1", sandbox / "d2")
    os.symlink("d2/inner.txt", sandbox / "f")
    err, fd = guest.open(PRE, "f")
    assert err == 0
    assert guest.read(fd, 10) == (0, b"inner")
    os.symlink("self", sandbox / "self")
    assert guest.open(PRE, "self")[0] == E.LOOP
    assert guest.open(PRE, "self", follow=False)[0] == E.LOOP


def test_directory_descriptor_is_its_own_root(guest: Guest) -> None:
    _, sub = guest.open(PRE, "dir", oflags=wasi.Oflags.DIRECTORY)
    assert guest.open(sub, "inner.txt")[0] == 0
    assert guest.open(sub, "../file.txt")[0] == E.PERM


def test_guest_created_symlink_escape(guest: Guest, sandbox: Path) -> None:
    pt, nt = guest.put("..")
    pn, nn = guest.put("up")
    assert guest.path_symlink(pt, nt, PRE, pn, nn) == 0
    assert guest.open(PRE, "up/outside.txt")[0] == E.PERM
    assert guest.open(PRE, "up/new.txt", oflags=wasi.Oflags.CREAT)[0] == E.PERM
    assert not (sandbox.parent / "new.txt").exists()


@pytest.mark.parametrize("form", ["bool", "keyword", "perms"])
def test_read_only_preopen(sandbox: Path, form: str) -> None:
    config = WasiConfig()
    if form == "bool":
        config.preopen_dir(str(sandbox), "/ro", False)
    elif form == "keyword":
        config.preopen_dir(str(sandbox), "/ro", fs_mutable=False)
    else:
        config.preopen_dir(sandbox, "/ro", dir_perms=DirPerms.READ_ONLY,
                           file_perms=FilePerms.READ_ONLY)
    g = Guest(config)
    O = wasi.Oflags
    err, fd = g.open(PRE, "file.txt", rights=int(Rights.FD_READ | Rights.FD_SEEK
                                                 | Rights.FD_FILESTAT_SET_TIMES))
    assert err == 0 and g.read(fd, 3) == (0, b"012")
    assert g.write(fd, b"x")[0] == E.BADF
    assert g.open(PRE, "file.txt", rights=int(Rights.FD_WRITE))[0] == E.PERM
    assert g.open(PRE, "new.txt", oflags=O.CREAT, rights=int(Rights.FD_READ))[0] == E.PERM
    assert g.open(PRE, "file.txt", oflags=O.TRUNC, rights=int(Rights.FD_READ))[0] == E.PERM
    assert g.path_call("path_create_directory", PRE, "d") == E.PERM
    assert g.path_call("path_remove_directory", PRE, "dir") == E.PERM
    assert g.path_call("path_unlink_file", PRE, "file.txt") == E.PERM
    pa, na = g.put("file.txt")
    pb, nb = g.put("other")
    assert g.path_rename(PRE, pa, na, PRE, pb, nb) == E.PERM
    assert g.path_link(PRE, 0, pa, na, PRE, pb, nb) == E.PERM
    assert g.path_symlink(pa, na, PRE, pb, nb) == E.PERM
    assert g.path_filestat_set_times(PRE, 0, pa, na, 0, 0, wasi.Fstflags.MTIM_NOW) == E.PERM
    assert g.fd_filestat_set_times(fd, 0, 0, wasi.Fstflags.MTIM_NOW) == E.PERM
    assert sorted(os.listdir(sandbox)) == ["dir", "file.txt"]
    assert (sandbox / "file.txt").read_bytes() == b"0123456789"


def test_write_only_files(sandbox: Path) -> None:
    config = WasiConfig()
    config.preopen_dir(sandbox, "/w", dir_perms=DirPerms.READ_WRITE,
                       file_perms=FilePerms.WRITE_ONLY)
    g = Guest(config)
    assert g.open(PRE, "file.txt", rights=int(Rights.FD_READ))[0] == E.PERM
    err, fd = g.open(PRE, "file.txt", rights=int(Rights.FD_WRITE))
    assert err == 0 and g.write(fd, b"w") == (0, 1)


def test_preopen_errors(tmp_path: Path) -> None:
    with pytest.raises(WasmtimeError):
        WasiConfig().preopen_dir(str(tmp_path / "missing"), "/x")
    (tmp_path / "f").write_text("")
    with pytest.raises(WasmtimeError):
        WasiConfig().preopen_dir(str(tmp_path / "f"), "/x")


def test_several_preopens(sandbox: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    config = WasiConfig()
    config.preopen_dir(sandbox, "/a")
    config.preopen_dir(other, ".")
    g = Guest(config)
    assert g.fd_prestat_dir_name(4, 0x50, 1) == 0 and g.mem[0x50] == ord(".")
    assert g.open(4, "file.txt")[0] == E.NOENT
    assert g.open(3, "file.txt")[0] == 0


# poll ------------------------------------------------------------------------------


def subscription(g: Guest, at: int, userdata: int, tag: int, a: int = 0, timeout: int = 0,
                 flags: int = 0) -> None:
    struct.pack_into("<QBxxxxxxxIxxxxQQHxxxxxx", g.mem, at, userdata, tag, a, timeout, 0, flags)


def events(g: Guest, at: int, n: int) -> list[tuple[int, int, int, int, int]]:
    return [struct.unpack_from("<QHBxxxxxQHxxxxxx", g.mem, at + 32 * i) for i in range(n)]


def test_poll_clock() -> None:
    g = Guest()
    subscription(g, 0x100, 7, 0, 1, 30_000_000)
    start = time.monotonic()
    assert g.poll_oneoff(0x100, 0x400, 1, 0x20) == 0
    assert time.monotonic() - start >= 0.029
    assert g.u32(0x20) == 1
    assert events(g, 0x400, 1) == [(7, 0, 0, 0, 0)]
    # an absolute deadline in the past fires at once; the shorter of two timeouts wins
    subscription(g, 0x100, 1, 0, 0, 1, flags=1)
    subscription(g, 0x130, 2, 0, 1, 10_000_000_000)
    start = time.monotonic()
    assert g.poll_oneoff(0x100, 0x400, 2, 0x20) == 0
    assert time.monotonic() - start < 1
    assert g.u32(0x20) == 1 and events(g, 0x400, 1)[0][0] == 1
    subscription(g, 0x100, 3, 0, 9, 0)
    assert g.poll_oneoff(0x100, 0x400, 1, 0x20) == 0
    assert events(g, 0x400, 1)[0][:2] == (3, E.INVAL)


def test_poll_fds(guest: Guest) -> None:
    _, fd = guest.open(PRE, "file.txt")
    guest.read(fd, 4)
    subscription(guest, 0x100, 10, 1, fd)
    subscription(guest, 0x130, 11, 2, fd)
    subscription(guest, 0x160, 12, 1, 88)
    subscription(guest, 0x190, 13, 0, 1, 10_000_000_000)
    assert guest.poll_oneoff(0x100, 0x400, 4, 0x20) == 0
    assert guest.u32(0x20) == 3
    got = {e[0]: e for e in events(guest, 0x400, 3)}
    assert got[10] == (10, 0, 1, 6, 0)  # 6 bytes left to read
    assert got[11][:3] == (11, 0, 2)
    assert got[12][:3] == (12, E.BADF, 1)


def test_poll_stdin_bytes() -> None:
    config = WasiConfig()
    config.stdin = b"xyz"
    g = Guest(config)
    subscription(g, 0x100, 5, 1, 0)
    assert g.poll_oneoff(0x100, 0x400, 1, 0x20) == 0
    assert events(g, 0x400, 1) == [(5, 0, 1, 3, 0)]


def test_poll_host_pipe() -> None:
    r, w = os.pipe()
    try:
        config = WasiConfig()
        g = Guest(config)
        g.ctx.fds[0] = wasi._Fd(r, None, Filetype.UNKNOWN, int(Rights.FD_READ |
                                Rights.POLL_FD_READWRITE), 0, own_host=False)
        subscription(g, 0x100, 1, 1, 0)
        subscription(g, 0x130, 2, 0, 1, 20_000_000)
        assert g.poll_oneoff(0x100, 0x400, 2, 0x20) == 0
        assert [e[0] for e in events(g, 0x400, g.u32(0x20))] == [2]  # nothing to read: timeout
        os.write(w, b"!")
        assert g.poll_oneoff(0x100, 0x400, 2, 0x20) == 0
        assert [e[0] for e in events(g, 0x400, g.u32(0x20))] == [1]
    finally:
        os.close(r)
        os.close(w)


def test_poll_errors() -> None:
    g = Guest()
    assert g.poll_oneoff(0x100, 0x400, 0, 0x20) == E.INVAL
    assert g.poll_oneoff(MEM_SIZE - 40, 0x400, 1, 0x20) == E.FAULT
    assert g.poll_oneoff(0x100, MEM_SIZE - 8, 1, 0x20) == E.FAULT


# sockets ---------------------------------------------------------------------------


def test_sockets(guest: Guest) -> None:
    assert guest.sock_accept(PRE, 0, 0x20) == E.NOTSOCK
    assert guest.sock_recv(1, 0x100, 1, 0, 0x20, 0x24) == E.NOTSOCK
    assert guest.sock_send(1, 0x100, 1, 0, 0x20) == E.NOTSOCK
    assert guest.sock_shutdown(0, 3) == E.NOTSOCK
    assert guest.sock_accept(40, 0, 0x20) == E.BADF
    assert guest.sock_shutdown(40, 1) == E.BADF


# the table of functions ---------------------------------------------------------------


# The parameter types wasi-libc declares (wasi/api.h): I = i32, L = i64.
WASI_LIBC_PARAMS = {
    "args_get": "II",
    "args_sizes_get": "II",
    "environ_get": "II",
    "environ_sizes_get": "II",
    "clock_res_get": "II",
    "clock_time_get": "ILI",
    "fd_advise": "ILLI",
    "fd_allocate": "ILL",
    "fd_close": "I",
    "fd_datasync": "I",
    "fd_fdstat_get": "II",
    "fd_fdstat_set_flags": "II",
    "fd_fdstat_set_rights": "ILL",
    "fd_filestat_get": "II",
    "fd_filestat_set_size": "IL",
    "fd_filestat_set_times": "ILLI",
    "fd_pread": "IIILI",
    "fd_prestat_get": "II",
    "fd_prestat_dir_name": "III",
    "fd_pwrite": "IIILI",
    "fd_read": "IIII",
    "fd_readdir": "IIILI",
    "fd_renumber": "II",
    "fd_seek": "ILII",
    "fd_sync": "I",
    "fd_tell": "II",
    "fd_write": "IIII",
    "path_create_directory": "III",
    "path_filestat_get": "IIIII",
    "path_filestat_set_times": "IIIILLI",
    "path_link": "IIIIIII",
    "path_open": "IIIIILLII",
    "path_readlink": "IIIIII",
    "path_remove_directory": "III",
    "path_rename": "IIIIII",
    "path_symlink": "IIIII",
    "path_unlink_file": "III",
    "poll_oneoff": "IIII",
    "proc_exit": "I",
    "proc_raise": "I",
    "sched_yield": "",
    "random_get": "II",
    "sock_accept": "III",
    "sock_recv": "IIIIII",
    "sock_send": "IIIII",
    "sock_shutdown": "II",
}


def test_signatures_come_from_the_annotations_and_match_wasi_libc() -> None:
    assert wasi.SIGNATURES == WASI_LIBC_PARAMS
    results = {name: [str(t) for t in ty.results] for name, ty in wasi._TYPES.items()}
    assert results == {name: [] if name == "proc_exit" else ["i32"] for name in WASI_LIBC_PARAMS}


def test_every_preview1_function_is_defined() -> None:
    names = set(wasi.SIGNATURES)
    assert len(names) == 46
    assert set(wasi.wasi_functions(wasi.WasiContext())) == names
    assert {n for n in names if n.startswith("path_")} == {
        "path_create_directory", "path_filestat_get", "path_filestat_set_times", "path_link",
        "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
        "path_unlink_file"}


def test_errno_values() -> None:
    assert (E.SUCCESS, E.TOOBIG, E.BADF, E.EXIST, E.FAULT, E.INVAL, E.NOENT, E.NOSYS,
            E.NOTDIR, E.PERM, E.NOTCAPABLE) == (0, 1, 8, 20, 21, 28, 44, 52, 54, 63, 76)
    assert Rights.SOCK_ACCEPT == 1 << 29


def test_context_close_releases_descriptors(sandbox: Path) -> None:
    config = WasiConfig()
    config.preopen_dir(sandbox, "/sb")
    g = Guest(config)
    _, fd = g.open(PRE, "file.txt")
    host = g.ctx.fds[fd].host
    g.ctx.close()
    with pytest.raises(OSError):
        os.fstat(host)
    assert g.ctx.fds == {}


def test_missing_memory_export() -> None:
    ctx = wasi.WasiContext()
    fn = wasi.wasi_functions(ctx)["fd_write"]

    class NoMemory:
        def get(self, name: str) -> None:
            return None

    with pytest.raises(wasi.Trap):
        fn(NoMemory(), 1, 0, 0, 0)
