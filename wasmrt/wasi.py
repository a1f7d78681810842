"""WASI preview1 (``wasi_snapshot_preview1``): configuration, state and the host functions.

The seam with the embedding API
-------------------------------
* ``WasiConfig`` describes what a guest may see (args, env, stdio, preopened directories);
  its methods and properties are those of wasmtime-py's ``WasiConfig``, plus in-memory stdio
  (``stdin`` = bytes / callable / file-like, ``stdout`` / ``stderr`` = callable / file-like).
* ``WasiContext(config)`` is the live state of one guest: the file-descriptor table (host
  descriptors of the preopens and of every file the guest opened), args, env, stdio streams.
  ``close()`` releases its host descriptors.
* ``define_wasi(linker, context=None)`` defines every ``wasi_snapshot_preview1`` import into
  a linker with ``linker.define_func(module, name, FuncType, fn, access_caller=True)``.
  ``context`` is a ``WasiContext``, or a callable ``(caller) -> WasiContext``, or ``None``:
  then each call finds the context of the store it runs in with ``store_context(caller)``
  (wasmrt's ``Store.set_wasi(config)`` keeps the config in ``store._wasi``; the context is
  created from it on the first WASI call and cached in ``store._wasi_state``).  So
  ``Linker.define_wasi()`` is ``define_wasi(self)``.
  ``wasi_functions(context)`` gives the same functions as a dict, for other embedders.
  The guest memory is the caller's ``"memory"`` export.

Only names that wasmrt's API shares with wasmtime-py are used (``FuncType``, ``ValType``,
``Caller.get``, ``Memory.get_buffer_ptr``/``data_ptr``/``data_len``), so the same functions
also run under wasmtime-py, which the tests use as an oracle.

The sandbox
-----------
A guest path is resolved beneath the directory descriptor it is relative to, one component
at a time, each directory opened with ``O_NOFOLLOW`` relative to its parent (openat-style):
absolute paths, ``..`` above the starting directory and symbolic links whose target is
absolute or climbs out of it fail with ``EPERM`` (as in wasmtime); symbolic links are expanded by this
module (never by the host), so links created by the guest cannot lead outside either.
A read-only preopen (``fs_mutable=False``, ``DirPerms.READ_ONLY``/``FilePerms.READ_ONLY``)
refuses every call that would change the tree or open a file for writing with ``EPERM``
(as wasmtime does).  Rights (``ENOTCAPABLE``) are honoured as the guest narrows them.
"""

from __future__ import annotations

import contextlib
import enum
import errno as _errno
import functools
import io
import os
import select
import stat as _stat
import struct
import sys
import time
import types
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Annotated, Any, BinaryIO, Self, TypeAlias, Union

from ._api_managed import NothingToClose
from ._api_types import FuncType, ValType, i32, i64
from ._api_wrap import infer_functype
from .errors import ExitTrap, Trap, WasmtimeError

__all__ = [
    "SIGNATURES",
    "WASI_MODULE",
    "DirPerms",
    "Errno",
    "Fdflags",
    "FilePerms",
    "Filetype",
    "Fstflags",
    "Lookupflags",
    "Oflags",
    "Rights",
    "WasiConfig",
    "WasiContext",
    "WasiImage",
    "define_wasi",
    "store_context",
    "wasi_functions",
]

WASI_MODULE = "wasi_snapshot_preview1"

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


# --------------------------------------------------------------------------------------
# The types of wasi_snapshot_preview1 (witx names, upper-cased)
# --------------------------------------------------------------------------------------


class Errno(enum.IntEnum):
    """Error codes returned by every WASI function (``2big`` is spelled ``TOOBIG``)."""

    SUCCESS = 0
    TOOBIG = 1
    ACCES = 2
    ADDRINUSE = 3
    ADDRNOTAVAIL = 4
    AFNOSUPPORT = 5
    AGAIN = 6
    ALREADY = 7
    BADF = 8
    BADMSG = 9
    BUSY = 10
    CANCELED = 11
    CHILD = 12
    CONNABORTED = 13
    CONNREFUSED = 14
    CONNRESET = 15
    DEADLK = 16
    DESTADDRREQ = 17
    DOM = 18
    DQUOT = 19
    EXIST = 20
    FAULT = 21
    FBIG = 22
    HOSTUNREACH = 23
    IDRM = 24
    ILSEQ = 25
    INPROGRESS = 26
    INTR = 27
    INVAL = 28
    IO = 29
    ISCONN = 30
    ISDIR = 31
    LOOP = 32
    MFILE = 33
    MLINK = 34
    MSGSIZE = 35
    MULTIHOP = 36
    NAMETOOLONG = 37
    NETDOWN = 38
    NETRESET = 39
    NETUNREACH = 40
    NFILE = 41
    NOBUFS = 42
    NODEV = 43
    NOENT = 44
    NOEXEC = 45
    NOLCK = 46
    NOLINK = 47
    NOMEM = 48
    NOMSG = 49
    NOPROTOOPT = 50
    NOSPC = 51
    NOSYS = 52
    NOTCONN = 53
    NOTDIR = 54
    NOTEMPTY = 55
    NOTRECOVERABLE = 56
    NOTSOCK = 57
    NOTSUP = 58
    NOTTY = 59
    NXIO = 60
    OVERFLOW = 61
    OWNERDEAD = 62
    PERM = 63
    PIPE = 64
    PROTO = 65
    PROTONOSUPPORT = 66
    PROTOTYPE = 67
    RANGE = 68
    ROFS = 69
    SPIPE = 70
    SRCH = 71
    STALE = 72
    TIMEDOUT = 73
    TXTBSY = 74
    XDEV = 75
    NOTCAPABLE = 76


class Rights(enum.IntFlag):
    """File descriptor rights (``rights``, u64)."""

    FD_DATASYNC = 1 << 0
    FD_READ = 1 << 1
    FD_SEEK = 1 << 2
    FD_FDSTAT_SET_FLAGS = 1 << 3
    FD_SYNC = 1 << 4
    FD_TELL = 1 << 5
    FD_WRITE = 1 << 6
    FD_ADVISE = 1 << 7
    FD_ALLOCATE = 1 << 8
    PATH_CREATE_DIRECTORY = 1 << 9
    PATH_CREATE_FILE = 1 << 10
    PATH_LINK_SOURCE = 1 << 11
    PATH_LINK_TARGET = 1 << 12
    PATH_OPEN = 1 << 13
    FD_READDIR = 1 << 14
    PATH_READLINK = 1 << 15
    PATH_RENAME_SOURCE = 1 << 16
    PATH_RENAME_TARGET = 1 << 17
    PATH_FILESTAT_GET = 1 << 18
    PATH_FILESTAT_SET_SIZE = 1 << 19
    PATH_FILESTAT_SET_TIMES = 1 << 20
    FD_FILESTAT_GET = 1 << 21
    FD_FILESTAT_SET_SIZE = 1 << 22
    FD_FILESTAT_SET_TIMES = 1 << 23
    PATH_SYMLINK = 1 << 24
    PATH_REMOVE_DIRECTORY = 1 << 25
    PATH_UNLINK_FILE = 1 << 26
    POLL_FD_READWRITE = 1 << 27
    SOCK_SHUTDOWN = 1 << 28
    SOCK_ACCEPT = 1 << 29


class Filetype(enum.IntEnum):
    """The type of a file descriptor or file (``filetype``, u8)."""

    UNKNOWN = 0
    BLOCK_DEVICE = 1
    CHARACTER_DEVICE = 2
    DIRECTORY = 3
    REGULAR_FILE = 4
    SOCKET_DGRAM = 5
    SOCKET_STREAM = 6
    SYMBOLIC_LINK = 7


class Fdflags(enum.IntFlag):
    """File descriptor flags (``fdflags``, u16)."""

    APPEND = 1
    DSYNC = 2
    NONBLOCK = 4
    RSYNC = 8
    SYNC = 16


class Oflags(enum.IntFlag):
    """Open flags of ``path_open`` (``oflags``, u16)."""

    CREAT = 1
    DIRECTORY = 2
    EXCL = 4
    TRUNC = 8


class Lookupflags(enum.IntFlag):
    """Path lookup flags (``lookupflags``, u32)."""

    SYMLINK_FOLLOW = 1


class Fstflags(enum.IntFlag):
    """Which timestamps ``*_set_times`` changes (``fstflags``, u16)."""

    ATIM = 1
    ATIM_NOW = 2
    MTIM = 4
    MTIM_NOW = 8


class DirPerms(enum.IntFlag):
    """What a guest may do to a preopened directory tree (as in wasmtime-py)."""

    READ_ONLY = 1
    WRITE_ONLY = 2
    READ_WRITE = 3


class FilePerms(enum.IntFlag):
    """What a guest may do to the files of a preopened directory (as in wasmtime-py)."""

    READ_ONLY = 1
    WRITE_ONLY = 2
    READ_WRITE = 3


# ``Rights`` as plain ints: enum flag arithmetic is slow on the host-call path.
R: Any = types.SimpleNamespace(**{str(right.name): int(right) for right in Rights})
_ALL_RIGHTS = (1 << 30) - 1
# Rights a regular file can carry, and those a directory can carry.
_FILE_RIGHTS = (
    R.FD_DATASYNC | R.FD_READ | R.FD_SEEK | R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_TELL
    | R.FD_WRITE | R.FD_ADVISE | R.FD_ALLOCATE | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_SIZE
    | R.FD_FILESTAT_SET_TIMES | R.POLL_FD_READWRITE
)
_DIR_RIGHTS = (
    R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_ADVISE | R.PATH_CREATE_DIRECTORY
    | R.PATH_CREATE_FILE | R.PATH_LINK_SOURCE | R.PATH_LINK_TARGET | R.PATH_OPEN
    | R.FD_READDIR | R.PATH_READLINK | R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET
    | R.PATH_FILESTAT_GET | R.PATH_FILESTAT_SET_SIZE | R.PATH_FILESTAT_SET_TIMES
    | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_TIMES | R.PATH_SYMLINK | R.PATH_REMOVE_DIRECTORY
    | R.PATH_UNLINK_FILE
)
# Rights that change the file system (withheld by read-only preopens).
_DIR_MUTATING = (
    R.PATH_CREATE_DIRECTORY | R.PATH_CREATE_FILE | R.PATH_LINK_SOURCE | R.PATH_LINK_TARGET
    | R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_FILESTAT_SET_SIZE
    | R.PATH_FILESTAT_SET_TIMES | R.FD_FILESTAT_SET_TIMES | R.PATH_SYMLINK
    | R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE
)
_FILE_WRITING = (
    R.FD_DATASYNC | R.FD_WRITE | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE
    | R.FD_FILESTAT_SET_TIMES
)
_FILE_READING = R.FD_READ | R.FD_READDIR

_CLOCK_REALTIME, _CLOCK_MONOTONIC, _CLOCK_PROCESS, _CLOCK_THREAD = 0, 1, 2, 3
_EVENT_CLOCK, _EVENT_FD_READ, _EVENT_FD_WRITE = 0, 1, 2
_SUBCLOCK_ABSTIME = 1
_WHENCE = {0: os.SEEK_SET, 1: os.SEEK_CUR, 2: os.SEEK_END}
_MAX_SYMLINKS = 40

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_IOVEC = struct.Struct("<II")
_FDSTAT = struct.Struct("<BxHxxxxQQ")  # filetype, flags, rights_base, rights_inheriting
_FILESTAT = struct.Struct("<QQBxxxxxxxQQQQQ")  # dev ino filetype nlink size atim mtim ctim
_DIRENT = struct.Struct("<QQIBxxx")  # d_next d_ino d_namlen d_type
_PRESTAT = struct.Struct("<BxxxI")  # tag (0 = dir), name length
_SUBSCRIPTION = struct.Struct("<QBxxxxxxxIxxxxQQHxxxxxx")  # userdata tag clock{id timeout precision flags}
_EVENT = struct.Struct("<QHBxxxxxQHxxxxxx")  # userdata error type nbytes flags

# Host errno -> WASI errno, by name.
_HOST_ERRNO: dict[int, Errno] = {}
for _member in Errno:
    _code = getattr(_errno, "E" + _member.name, None)
    if isinstance(_code, int):
        _HOST_ERRNO.setdefault(_code, _member)
_HOST_ERRNO[_errno.E2BIG] = Errno.TOOBIG
_HOST_ERRNO[_errno.EWOULDBLOCK] = Errno.AGAIN
if hasattr(_errno, "EOPNOTSUPP"):
    _HOST_ERRNO.setdefault(_errno.EOPNOTSUPP, Errno.NOTSUP)
del _member, _code


class WasiError(Exception):
    """Internal: a WASI call fails with ``errno`` (turned into the function's return value)."""

    def __init__(self, errno: int):
        super().__init__(errno)
        self.errno = errno


def _host_errno(exc: OSError) -> int:
    return int(_HOST_ERRNO.get(exc.errno or 0, Errno.IO))


# --------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------

InputSource: TypeAlias = (bytes | bytearray | Callable[[int], bytes]
                          | Callable[[int], Awaitable[bytes]] | BinaryIO | io.IOBase)
OutputSink: TypeAlias = Callable[[bytes], Any] | BinaryIO | io.IOBase


class _Preopen:
    __slots__ = ("dir_perms", "file_perms", "guest", "host")

    def __init__(self, host: str, guest: str, dir_perms: DirPerms, file_perms: FilePerms):
        self.host = host
        self.guest = guest
        self.dir_perms = dir_perms
        self.file_perms = file_perms


def _fspath(path: PathLike) -> str:
    p = os.fspath(path)
    return os.fsdecode(p) if isinstance(p, bytes) else p


class WasiConfig(NothingToClose):
    """What a WASI guest may see: args, environment, stdio and preopened directories.

    Methods and properties are those of wasmtime-py's ``WasiConfig`` (``argv``, ``env``,
    ``inherit_*``, ``*_file``, ``stdout_custom``/``stderr_custom``, ``preopen_dir``), plus
    in-memory streams: ``stdin`` takes ``bytes``, a callable ``(max_bytes) -> bytes`` or a
    binary file-like object; ``stdout``/``stderr`` take a callable ``(bytes) -> None`` or a
    file-like object with ``write``.  By default the guest gets no args, no environment, an
    empty stdin, discarded stdout/stderr and no directories.
    """

    def __init__(self) -> None:
        self._argv: list[bytes] = []
        self._env: list[tuple[bytes, bytes]] = []
        self._stdio: list[tuple[str, Any]] = [("null", None), ("null", None), ("null", None)]
        self._preopens: list[_Preopen] = []

    # args and environment ----------------------------------------------------------
    @property
    def argv(self) -> list[str]:
        """The guest's ``argv`` (``argv[0]`` is the program name, if the embedder wants one)."""
        return [a.decode("utf-8", "surrogateescape") for a in self._argv]

    @argv.setter
    def argv(self, argv: Iterable[str | bytes]) -> None:
        self._argv = [_to_bytes(a) for a in argv]

    def inherit_argv(self) -> None:
        """Give the guest this process's ``sys.argv``."""
        self._argv = [os.fsencode(a) for a in sys.argv]

    @property
    def env(self) -> list[tuple[str, str]]:
        """The guest's environment as ``(name, value)`` pairs."""
        return [(k.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape"))
                for k, v in self._env]

    @env.setter
    def env(self, pairs: Iterable[Iterable[str | bytes]]) -> None:
        env = []
        for pair in pairs:
            name, value = pair
            name_b, value_b = _to_bytes(name), _to_bytes(value)
            if b"=" in name_b or b"\0" in name_b or b"\0" in value_b:
                raise WasmtimeError(f"invalid environment variable name or value: {name!r}")
            env.append((name_b, value_b))
        self._env = env

    def inherit_env(self) -> None:
        """Give the guest every environment variable of this process."""
        self._env = list(os.environb.items())

    # stdio ---------------------------------------------------------------------------
    def inherit_stdin(self) -> None:
        """The guest reads this process's stdin (file descriptor 0)."""
        self._stdio[0] = ("host", 0)

    def inherit_stdout(self) -> None:
        """The guest writes to this process's stdout (file descriptor 1)."""
        self._stdio[1] = ("host", 1)

    def inherit_stderr(self) -> None:
        """The guest writes to this process's stderr (file descriptor 2)."""
        self._stdio[2] = ("host", 2)

    @property
    def stdin_file(self) -> str | None:
        """A host file the guest reads as stdin; it must exist."""
        kind, value = self._stdio[0]
        return value if kind == "path" else None

    @stdin_file.setter
    def stdin_file(self, path: PathLike) -> None:
        p = _fspath(path)
        if not os.path.isfile(p):
            raise WasmtimeError(f"failed to set stdin file: {p}: no such file")
        self._stdio[0] = ("path", p)

    @property
    def stdout_file(self) -> str | None:
        """A host file (created or truncated) that receives the guest's stdout."""
        kind, value = self._stdio[1]
        return value if kind == "path" else None

    @stdout_file.setter
    def stdout_file(self, path: PathLike) -> None:
        self._stdio[1] = ("path", _check_output_path(path, "stdout"))

    @property
    def stderr_file(self) -> str | None:
        """A host file (created or truncated) that receives the guest's stderr."""
        kind, value = self._stdio[2]
        return value if kind == "path" else None

    @stderr_file.setter
    def stderr_file(self, path: PathLike) -> None:
        self._stdio[2] = ("path", _check_output_path(path, "stderr"))

    @property
    def stdin(self) -> Any:
        """In-memory stdin: ``bytes``, a callable ``(max_bytes) -> bytes``, a binary file,
        or an async callable ``async def read(max_bytes) -> bytes``: a read of stdin then
        pauses the guest while it runs (the guest must run under ``Func.call_async``)."""
        return self._stdio[0][1]

    @stdin.setter
    def stdin(self, source: InputSource) -> None:
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._stdio[0] = ("bytes", bytes(source))
        elif _is_async_callable(source):
            self._stdio[0] = ("async_reader", source)
        elif hasattr(source, "read") or callable(source):
            self._stdio[0] = ("reader", source)
        else:
            raise TypeError("stdin must be bytes, a callable or a readable file-like object")

    @property
    def stdout(self) -> Any:
        """Where guest stdout goes: a callable ``(bytes) -> None`` or a file-like object."""
        return self._stdio[1][1]

    @stdout.setter
    def stdout(self, sink: OutputSink) -> None:
        self._stdio[1] = ("writer", _check_sink(sink))

    @property
    def stderr(self) -> Any:
        """Where guest stderr goes: a callable ``(bytes) -> None`` or a file-like object."""
        return self._stdio[2][1]

    @stderr.setter
    def stderr(self, sink: OutputSink) -> None:
        self._stdio[2] = ("writer", _check_sink(sink))

    @property
    def stdout_custom(self) -> Any:
        """wasmtime-py's name: a callback ``(bytes) -> int | None`` receiving guest stdout."""
        return self.stdout

    @stdout_custom.setter
    def stdout_custom(self, callback: Callable[[bytes], int | None]) -> None:
        self.stdout = callback

    @property
    def stderr_custom(self) -> Any:
        """wasmtime-py's name: a callback ``(bytes) -> int | None`` receiving guest stderr."""
        return self.stderr

    @stderr_custom.setter
    def stderr_custom(self, callback: Callable[[bytes], int | None]) -> None:
        self.stderr = callback

    # directories ---------------------------------------------------------------------
    def preopen_dir(
        self,
        path: PathLike,
        guest_path: str,
        dir_perms: DirPerms | bool = DirPerms.READ_WRITE,
        file_perms: FilePerms = FilePerms.READ_WRITE,
        *,
        fs_mutable: bool | None = None,
    ) -> None:
        """Let the guest reach the host directory ``path`` as ``guest_path``.

        Both wasmtime-py forms are accepted: ``preopen_dir(path, guest, fs_mutable)`` (a
        bool: ``False`` makes the tree read-only) and ``preopen_dir(path, guest,
        dir_perms=DirPerms..., file_perms=FilePerms...)``.
        """
        if isinstance(dir_perms, bool) and not isinstance(dir_perms, DirPerms):
            fs_mutable = dir_perms
            dir_perms = DirPerms.READ_WRITE
        if fs_mutable is not None:
            dir_perms = DirPerms.READ_WRITE if fs_mutable else DirPerms.READ_ONLY
            file_perms = FilePerms.READ_WRITE if fs_mutable else FilePerms.READ_ONLY
        host = _fspath(path)
        if not os.path.isdir(host):
            raise WasmtimeError(f"failed to add preopen dir: {host}: not a directory")
        self._preopens.append(_Preopen(host, guest_path, DirPerms(dir_perms), FilePerms(file_perms)))


def _to_bytes(value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    raise TypeError(f"expected str or bytes, got {type(value).__name__}")


def _check_output_path(path: PathLike, what: str) -> str:
    p = _fspath(path)
    try:
        with open(p, "wb"):
            pass
    except OSError as exc:
        raise WasmtimeError(f"failed to set {what} file: {exc}") from None
    return p


def _is_async_callable(fn: Any) -> bool:
    """Whether calling ``fn`` gives a coroutine (an ``async def`` function or method, or an
    object whose ``__call__`` is one)."""
    import inspect

    if inspect.iscoroutinefunction(fn):
        return True
    return callable(fn) and not inspect.isroutine(fn) and \
        inspect.iscoroutinefunction(type(fn).__call__)


def _check_sink(sink: OutputSink) -> OutputSink:
    if not (hasattr(sink, "write") or callable(sink)):
        raise TypeError("expected a callable or a writable file-like object")
    return sink


# --------------------------------------------------------------------------------------
# Runtime state
# --------------------------------------------------------------------------------------


class _Stream:
    """A stdio stream that is not a host file descriptor (in-memory or Python callbacks)."""

    readable = False
    writable = False

    def read(self, n: int) -> bytes:
        raise WasiError(Errno.BADF)

    def write(self, data: bytes) -> int:
        raise WasiError(Errno.BADF)

    def close(self) -> None:
        pass


class _NullStream(_Stream):
    readable = True
    writable = True

    def read(self, n: int) -> bytes:
        return b""

    def write(self, data: bytes) -> int:
        return len(data)


class _BytesInput(_Stream):
    readable = True

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def read(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk


class _ReaderInput(_Stream):
    readable = True

    def __init__(self, source: Any):
        self.source = source

    def read(self, n: int) -> bytes:
        src = self.source
        return _input_bytes(src.read(n) if hasattr(src, "read") else src(n), n)


def _input_bytes(data: Any, n: int) -> bytes:
    """What a stdin callback returned for a read of up to ``n`` bytes, as bytes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    out = bytes(data or b"")
    if len(out) > n:
        raise WasmtimeError("stdin callback returned more bytes than asked for")
    return out


class _AsyncReaderInput(_Stream):
    """stdin from ``async def read(n) -> bytes``: ``fd_read`` awaits it (the guest pauses)."""

    readable = True

    def __init__(self, source: Callable[[int], Awaitable[bytes]]):
        self.source = source

    async def read_async(self, n: int) -> bytes:
        return _input_bytes(await self.source(n), n)


class _WriterOutput(_Stream):
    writable = True

    def __init__(self, sink: Any):
        self.sink = sink

    def write(self, data: bytes) -> int:
        sink = self.sink
        if hasattr(sink, "write"):
            try:
                ret = sink.write(data)
            except TypeError:  # a text stream
                ret = sink.write(data.decode("utf-8", "replace"))
                ret = len(data)
            if hasattr(sink, "flush"):
                sink.flush()
        else:
            ret = sink(data)
        return len(data) if ret is None else int(ret)


class _Fd:
    """One entry of the guest's descriptor table."""

    __slots__ = (
        "base",
        "dir_perms",
        "dirents",
        "file_perms",
        "filetype",
        "flags",
        "host",
        "inheriting",
        "own_host",
        "preopen",
        "stdio",
        "stream",
    )

    def __init__(self, host: int, stream: _Stream | None, filetype: int, base: int,
                 inheriting: int, flags: int = 0, preopen: bytes | None = None,
                 own_host: bool = True, dir_perms: int = 3, file_perms: int = 3):
        self.host = host  # host file descriptor, -1 for a stream
        self.stream = stream
        self.filetype = filetype
        self.base = base
        self.inheriting = inheriting
        self.flags = flags
        self.preopen = preopen  # guest name of a preopened directory
        self.own_host = own_host
        self.dir_perms = dir_perms
        self.file_perms = file_perms
        self.dirents: list[tuple[bytes, int, int]] | None = None
        self.stdio = -1  # 0, 1, 2: made from that stdio stream of the WasiConfig


def _filetype_of(mode: int) -> int:
    if _stat.S_ISREG(mode):
        return Filetype.REGULAR_FILE
    if _stat.S_ISDIR(mode):
        return Filetype.DIRECTORY
    if _stat.S_ISLNK(mode):
        return Filetype.SYMBOLIC_LINK
    if _stat.S_ISCHR(mode):
        return Filetype.CHARACTER_DEVICE
    if _stat.S_ISBLK(mode):
        return Filetype.BLOCK_DEVICE
    if _stat.S_ISSOCK(mode):
        return Filetype.SOCKET_STREAM
    return Filetype.UNKNOWN


_O_PATH = getattr(os, "O_PATH", os.O_RDONLY)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_WALK_FLAGS = _O_PATH | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC


class WasiContext:
    """The state of one WASI guest: descriptor table, args, env and stdio.

    Built from a ``WasiConfig``; opens the preopened directories and stdio files at once
    (raising ``WasmtimeError`` if one cannot be opened).  ``close()`` (or use as a context
    manager) releases every host descriptor the guest still holds.
    """

    def __init__(self, config: WasiConfig | None = None):
        config = config or WasiConfig()
        self.args: list[bytes] = list(config._argv)
        self.env: list[bytes] = [k + b"=" + v for k, v in config._env]
        self.fds: dict[int, _Fd] = {}
        self.exit_code: int | None = None
        self._memory: tuple[Any, Any] | None = None  # (calling instance, its memory export)
        # (the stdio of a snapshot of this guest resumed without a configuration)
        self._config: WasiConfig | None = config
        try:
            for fd, (kind, value) in enumerate(config._stdio):
                self.fds[fd] = self._open_stdio(fd, kind, value)
            for pre in config._preopens:
                self._add_preopen(pre)
        except BaseException:
            self.close()
            raise

    # set-up ------------------------------------------------------------------------
    def _open_stdio(self, fd: int, kind: str, value: Any) -> _Fd:
        rights = R.FD_READ if fd == 0 else R.FD_WRITE
        rights |= R.POLL_FD_READWRITE | R.FD_FILESTAT_GET | R.FD_FDSTAT_SET_FLAGS
        if kind in ("host", "path"):
            if kind == "host":
                host, own = value, False
            else:
                flags = os.O_RDONLY if fd == 0 else os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                try:
                    host, own = os.open(value, flags | _O_CLOEXEC, 0o666), True
                except OSError as exc:
                    raise WasmtimeError(f"failed to open {value}: {exc}") from None
            try:
                ftype = _filetype_of(os.fstat(host).st_mode)
            except OSError:
                ftype = Filetype.UNKNOWN
            entry = _Fd(host, None, ftype, rights, 0, own_host=own)
            entry.stdio = fd
            return entry
        stream: _Stream
        if kind == "bytes":
            stream = _BytesInput(value)
        elif kind == "reader":
            stream = _ReaderInput(value)
        elif kind == "async_reader":
            stream = _AsyncReaderInput(value)
        elif kind == "writer":
            stream = _WriterOutput(value)
        else:
            stream = _NullStream()
        entry = _Fd(-1, stream, Filetype.UNKNOWN, rights, 0)
        entry.stdio = fd
        return entry

    def _add_preopen(self, pre: _Preopen) -> None:
        try:
            host = os.open(pre.host, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
        except OSError as exc:
            raise WasmtimeError(f"failed to add preopen dir {pre.host}: {exc}") from None
        base, inheriting = _DIR_RIGHTS, _DIR_RIGHTS | _FILE_RIGHTS
        entry = _Fd(host, None, Filetype.DIRECTORY, base, inheriting,
                    preopen=pre.guest.encode("utf-8"), dir_perms=int(pre.dir_perms),
                    file_perms=int(pre.file_perms))
        self.fds[self._free_fd()] = entry

    def _free_fd(self) -> int:
        fd = 0
        while fd in self.fds:
            fd += 1
        return fd

    # snapshots ---------------------------------------------------------------------
    def capture(self) -> WasiImage:
        """This guest's WASI state as data (``WasiImage``), for a snapshot.  A file the
        guest holds open is recorded by its path below the preopened directory it lies
        in (from ``/proc/self/fd``) and its offset; ``WasmtimeError`` if it has none."""
        roots = {fd: _host_path(e.host) for fd, e in self.fds.items()
                 if e.preopen is not None and e.host >= 0}
        fds: dict[int, _FdImage] = {}
        for fd, entry in self.fds.items():
            if entry.stdio >= 0:
                image = _FdImage(entry, "stdio")
                if isinstance(entry.stream, _BytesInput):
                    image.position = entry.stream.pos
            elif entry.preopen is not None and entry.host >= 0:
                image = _FdImage(entry, "preopen")
                image.path = roots[fd]
            elif entry.host >= 0:
                image = _FdImage(entry, "file")
                path = _host_path(entry.host)
                for root, top in roots.items():
                    if path == top or path.startswith(top.rstrip("/") + "/"):
                        image.root, image.path = root, os.path.relpath(path, top)
                        break
                else:
                    raise WasmtimeError(f"cannot snapshot WASI state: {path} (descriptor {fd}) "
                                        "lies in no preopened directory")
                import fcntl

                image.open_flags = fcntl.fcntl(entry.host, fcntl.F_GETFL) & _REOPEN_FLAGS
                if entry.filetype == Filetype.REGULAR_FILE:
                    image.position = os.lseek(entry.host, 0, os.SEEK_CUR)
            else:
                continue
            fds[fd] = image
        return WasiImage(list(self.args), list(self.env), self.exit_code, fds, self._config)

    @classmethod
    def restore(cls, image: WasiImage, config: WasiConfig | None = None) -> WasiContext:
        """A context continuing ``image``.  Its stdio comes from ``config`` when given (a
        resumed guest reads the new Store's stdin), else from the configuration ``image``
        was captured from (bytes stdin at the offset reached); a preopen of ``config``
        with the same guest path replaces that directory's host path.  Files are opened
        again below their preopen (the sandboxed walk, no link followed) at their offsets;
        ``WasmtimeError`` if one is gone."""
        ctx = cls.__new__(cls)
        ctx.args = list(image.args)
        ctx.env = list(image.env)
        ctx.exit_code = image.exit_code
        ctx.fds = {}
        ctx._memory = None
        ctx._config = config if config is not None else image.config
        mapped = {p.guest.encode("utf-8"): p.host for p in config._preopens} if config else {}
        try:
            for fd, fimage in sorted(image.fds.items(), key=lambda kv: kv[1].kind != "preopen"):
                if fimage.kind == "preopen":
                    host_dir = mapped.get(fimage.preopen or b"", fimage.path)
                    try:
                        host = os.open(host_dir, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
                    except OSError as exc:
                        raise WasmtimeError(f"cannot open preopened directory {host_dir} "
                                            f"again: {exc}") from None
                    entry = _Fd(host, None, Filetype.DIRECTORY, 0, 0)
                elif fimage.kind == "stdio":
                    kind, value = ctx._config._stdio[fimage.stdio] if ctx._config else ("null",
                                                                                          None)
                    entry = ctx._open_stdio(fimage.stdio, kind, value)
                    if config is None and fimage.position is not None \
                            and isinstance(entry.stream, _BytesInput):
                        entry.stream.pos = fimage.position
                else:
                    entry = ctx._reopen(fimage)
                for name in ("preopen", "filetype", "base", "inheriting", "flags", "dir_perms",
                             "file_perms", "stdio"):
                    setattr(entry, name, getattr(fimage, name))
                entry.dirents = list(fimage.dirents) if fimage.dirents is not None else None
                ctx.fds[fd] = entry
        except BaseException:
            ctx.close()
            raise
        return ctx

    def _reopen(self, image: _FdImage) -> _Fd:
        """Open the file of ``image`` again, below its (already restored) preopen."""
        root = self.fds.get(image.root)
        if root is None or root.host < 0:
            raise WasmtimeError("malformed WASI image: a file without its preopen")
        where = f"{root.preopen.decode('utf-8', 'replace') if root.preopen else '?'}/{image.path}"
        try:
            parent, name = self.resolve(root, os.fsencode(image.path), False)
            try:
                flags = image.open_flags | _O_CLOEXEC | _O_NOFOLLOW
                if image.filetype == Filetype.DIRECTORY:
                    flags |= _O_DIRECTORY
                host = os.open(name, flags, dir_fd=parent)
            finally:
                os.close(parent)
            if image.position is not None:
                os.lseek(host, image.position, os.SEEK_SET)
        except (OSError, WasiError) as exc:
            raise WasmtimeError(f"cannot open {where} again for a snapshot: {exc}") from None
        return _Fd(host, None, image.filetype, 0, 0)

    def close(self) -> None:
        """Close every host descriptor the guest still holds."""
        for entry in self.fds.values():
            _close_entry(entry)
        self.fds.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # a descriptor the host closed already, a failed __init__, interpreter shutdown
        with contextlib.suppress(OSError, AttributeError, TypeError):
            self.close()

    # descriptor lookup -------------------------------------------------------------
    def get(self, fd: int, rights: int = 0) -> _Fd:
        """The entry of guest descriptor ``fd``; ``EBADF`` if none, ``ENOTCAPABLE`` if it lacks ``rights``."""
        entry = self.fds.get(fd)
        if entry is None:
            raise WasiError(Errno.BADF)
        if entry.base & rights != rights:
            raise WasiError(Errno.NOTCAPABLE)
        return entry

    def dir(self, fd: int, rights: int) -> _Fd:
        entry = self.get(fd)
        if entry.filetype != Filetype.DIRECTORY or entry.host < 0:
            raise WasiError(Errno.NOTDIR)
        if entry.base & rights != rights:
            raise WasiError(Errno.NOTCAPABLE)
        return entry

    # path resolution ---------------------------------------------------------------
    def resolve(self, entry: _Fd, path: bytes, follow: bool,
                slash_follows: bool = True) -> tuple[int, str]:
        """Resolve ``path`` beneath the directory ``entry``.

        Returns ``(parent, name)``: ``parent`` is a new host descriptor (the caller closes it)
        of the directory holding the last component, ``name`` that component (``"."`` for the
        directory itself; a trailing ``/`` is kept, so the host insists on a directory).
        With ``follow``, a symbolic link in last position is expanded too, and so it is
        when the path ends in ``/``, unless ``slash_follows`` is false: then the link is
        named as it is, slash kept (for rmdir and rename, which the host refuses on such a
        name with ENOTDIR, as wasmtime does).  Raises
        ``WasiError``: ``EPERM`` for an escape (as wasmtime), ``ENOENT``/``ENOTDIR``/``ELOOP`` as a
        host would.
        """
        if b"\0" in path:
            raise WasiError(Errno.INVAL)
        if not path:
            raise WasiError(Errno.NOENT)
        if path.startswith(b"/"):
            raise WasiError(Errno.PERM)
        try:
            text = path.decode("utf-8")
        except UnicodeDecodeError:
            raise WasiError(Errno.ILSEQ) from None
        stack = [os.dup(entry.host)]
        try:
            parts = text.split("/")
            trailing = len(parts) > 1 and parts[-1] == ""
            pending = [p for p in parts if p not in ("", ".")]
            pending.reverse()  # pop() takes the next component
            links = 0
            while True:
                if not pending:
                    name = "."
                    break
                comp = pending.pop()
                last = not pending
                if comp == "..":
                    if len(stack) == 1:
                        raise WasiError(Errno.PERM)
                    os.close(stack.pop())
                    continue
                if last and not follow and (not trailing or not slash_follows):
                    name = comp
                    break
                # a directory to descend into, or a last component to follow
                try:
                    st = os.stat(comp, dir_fd=stack[-1], follow_symlinks=False)
                except OSError as exc:
                    if last and exc.errno == _errno.ENOENT:
                        name = comp
                        break
                    raise
                if _stat.S_ISLNK(st.st_mode):
                    links += 1
                    if links > _MAX_SYMLINKS:
                        raise WasiError(Errno.LOOP)
                    target = os.readlink(comp, dir_fd=stack[-1])
                    if not target or target.startswith("/"):
                        raise WasiError(Errno.PERM if target else Errno.NOENT)
                    tparts = [p for p in target.split("/") if p not in ("", ".")]
                    if target.endswith("/"):
                        trailing = True if last else trailing
                    pending.extend(reversed(tparts))
                    continue
                if last and not _stat.S_ISDIR(st.st_mode):
                    name = comp
                    break
                if not _stat.S_ISDIR(st.st_mode):
                    raise WasiError(Errno.NOTDIR)
                if last:
                    name = comp
                    break
                stack.append(os.open(comp, _WALK_FLAGS, dir_fd=stack[-1]))
            if trailing and name != ".":
                name += "/"
            parent = stack.pop()
            return parent, name
        except OSError as exc:
            raise WasiError(_host_errno(exc)) from None
        finally:
            for fd in stack:
                os.close(fd)


# What a reopened file keeps of its open flags (creation and truncation were done once).
_REOPEN_FLAGS = os.O_ACCMODE | os.O_APPEND | os.O_NONBLOCK | getattr(os, "O_DSYNC", 0) \
    | getattr(os, "O_SYNC", 0)


class _FdImage:
    """One descriptor of a ``WasiImage``: how to open it again, and its guest-visible state."""

    __slots__ = ("base", "dir_perms", "dirents", "file_perms", "filetype", "flags", "inheriting",
                 "kind", "open_flags", "path", "position", "preopen", "root", "stdio")

    def __init__(self, entry: _Fd, kind: str):
        self.kind = kind  # "stdio", "preopen" or "file"
        self.stdio = entry.stdio
        self.preopen = entry.preopen
        self.filetype = entry.filetype
        self.base = entry.base
        self.inheriting = entry.inheriting
        self.flags = entry.flags
        self.dir_perms = entry.dir_perms
        self.file_perms = entry.file_perms
        self.dirents = list(entry.dirents) if entry.dirents is not None else None
        self.path = ""  # preopen: its host directory; file: its path below its root's
        self.root = -1  # file: the guest descriptor of the preopen it lies in
        self.open_flags = 0
        self.position: int | None = None  # bytes stdin: bytes read; file: its offset

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, state[name])


class WasiImage:
    """The WASI state of a guest as data, for snapshots (``WasiContext.capture``): args,
    environment, exit code and every descriptor (stdio, preopened directories, and the
    files and directories the guest opened, with their offsets).  Picklable: the original
    ``WasiConfig`` (stdio for a resume without one) stays behind."""

    def __init__(self, args: list[bytes], env: list[bytes], exit_code: int | None,
                 fds: dict[int, _FdImage], config: WasiConfig | None):
        self.args = args
        self.env = env
        self.exit_code = exit_code
        self.fds = fds
        self.config = config

    def __getstate__(self) -> dict[str, Any]:
        return {"args": self.args, "env": self.env, "exit_code": self.exit_code,
                "fds": self.fds, "config": None}


def _host_path(host: int) -> str:
    """The host path of open descriptor ``host`` (``/proc/self/fd``); none for a deleted
    file or a descriptor without a path (``WasmtimeError``)."""
    try:
        path = os.readlink(f"/proc/self/fd/{host}")
    except OSError as exc:
        raise WasmtimeError(f"cannot snapshot WASI state: no path for a descriptor: {exc}") \
            from None
    if not path.startswith("/") or path.endswith(" (deleted)"):
        raise WasmtimeError(f"cannot snapshot WASI state: a descriptor has no path ({path})")
    return path


def _close_entry(entry: _Fd) -> None:
    if entry.stream is not None:
        entry.stream.close()
    elif entry.own_host and entry.host >= 0:
        try:
            os.close(entry.host)
        except OSError:
            pass
    entry.host = -1


# --------------------------------------------------------------------------------------
# Guest memory
# --------------------------------------------------------------------------------------


class _Fault(Exception):
    """A pointer argument is outside linear memory (the call returns ``EFAULT``)."""


def _memory_view(caller: Any, ctx: WasiContext) -> memoryview:
    """A writable byte view of the calling instance's ``"memory"`` export, for this call.

    wasmrt's ``Memory.view`` is used when there (its bytes never move); else wasmtime-py's
    ``get_buffer_ptr``, ``data_ptr``/``data_len``, or the buffer protocol.  The export is
    looked up once per calling instance (wasmrt's ``Caller`` names it); the view is
    taken afresh on every call, so it always covers the memory's current size.
    """
    instance = getattr(caller, "_instance", None)
    cached = ctx._memory
    if instance is not None and cached is not None and cached[0] is instance:
        mem = cached[1]
    else:
        mem = caller.get("memory") if hasattr(caller, "get") else caller["memory"]
        if mem is None:
            raise Trap("WASI call: the module exports no memory named \"memory\"")
        if instance is not None:
            ctx._memory = (instance, mem)
    view: memoryview
    if hasattr(mem, "view"):
        view = mem.view(caller)
    elif hasattr(mem, "get_buffer_ptr"):
        view = memoryview(mem.get_buffer_ptr(caller))
    elif not hasattr(mem, "data_ptr"):
        view = memoryview(mem)  # a memory object with the buffer protocol
    else:
        import ctypes

        n = mem.data_len(caller)
        ptr = mem.data_ptr(caller)
        view = memoryview((ctypes.c_ubyte * n).from_address(ctypes.addressof(ptr.contents))
                          if n else bytearray())
    return view.cast("B") if view.format != "B" else view


class _Mem:
    """Bounds-checked little-endian access to a guest's linear memory."""

    __slots__ = ("size", "view")

    def __init__(self, view: memoryview):
        self.view = view
        self.size = len(view)

    def check(self, ptr: int, n: int) -> None:
        if ptr + n > self.size:
            raise _Fault

    def u8(self, ptr: int) -> int:
        self.check(ptr, 1)
        return self.view[ptr]

    def u16(self, ptr: int) -> int:
        self.check(ptr, 2)
        return int(_U16.unpack_from(self.view, ptr)[0])

    def u32(self, ptr: int) -> int:
        self.check(ptr, 4)
        return int(_U32.unpack_from(self.view, ptr)[0])

    def u64(self, ptr: int) -> int:
        self.check(ptr, 8)
        return int(_U64.unpack_from(self.view, ptr)[0])

    def set_u8(self, ptr: int, v: int) -> None:
        self.check(ptr, 1)
        self.view[ptr] = v

    def set_u32(self, ptr: int, v: int) -> None:
        self.check(ptr, 4)
        _U32.pack_into(self.view, ptr, v & 0xFFFFFFFF)

    def set_u64(self, ptr: int, v: int) -> None:
        self.check(ptr, 8)
        _U64.pack_into(self.view, ptr, v & 0xFFFFFFFFFFFFFFFF)

    def pack(self, st: struct.Struct, ptr: int, *values: int) -> None:
        self.check(ptr, st.size)
        st.pack_into(self.view, ptr, *values)

    def read(self, ptr: int, n: int) -> bytes:
        self.check(ptr, n)
        return bytes(self.view[ptr:ptr + n])

    def write(self, ptr: int, data: bytes) -> None:
        self.check(ptr, len(data))
        self.view[ptr:ptr + len(data)] = data

    def slice(self, ptr: int, n: int) -> memoryview:
        self.check(ptr, n)
        return self.view[ptr:ptr + n]

    def iovecs(self, iovs: int, count: int) -> list[memoryview]:
        self.check(iovs, 8 * count)
        out = []
        for i in range(count):
            buf, n = _IOVEC.unpack_from(self.view, iovs + 8 * i)
            if n:
                out.append(self.slice(buf, n))
        return out


def _u32(v: int) -> int:
    return v & 0xFFFFFFFF


def _u64(v: int) -> int:
    return v & 0xFFFFFFFFFFFFFFFF


def _timestamp(ns: float) -> int:
    return max(0, int(ns)) & 0xFFFFFFFFFFFFFFFF


def _filestat_values(st: os.stat_result) -> tuple[int, ...]:
    return (
        _u64(st.st_dev), _u64(st.st_ino), _filetype_of(st.st_mode), _u64(st.st_nlink),
        _u64(st.st_size), _timestamp(st.st_atime_ns), _timestamp(st.st_mtime_ns),
        _timestamp(st.st_ctime_ns),
    )


def _times(atim: int, mtim: int, flags: int, current: Callable[[], os.stat_result]
           ) -> tuple[int, int] | None:
    """The ``(atime_ns, mtime_ns)`` pair for ``utime``; ``None`` when nothing changes."""
    if flags & ~0xF:
        raise WasiError(Errno.INVAL)
    if (flags & Fstflags.ATIM and flags & Fstflags.ATIM_NOW) or (
            flags & Fstflags.MTIM and flags & Fstflags.MTIM_NOW):
        raise WasiError(Errno.INVAL)
    if not flags:
        return None
    now = time.time_ns()
    st = None
    if flags & Fstflags.ATIM:
        a = atim
    elif flags & Fstflags.ATIM_NOW:
        a = now
    else:
        st = current()
        a = st.st_atime_ns
    if flags & Fstflags.MTIM:
        m = mtim
    elif flags & Fstflags.MTIM_NOW:
        m = now
    else:
        st = st or current()
        m = st.st_mtime_ns
    return a, m


# --------------------------------------------------------------------------------------
# The functions of wasi_snapshot_preview1
# --------------------------------------------------------------------------------------

_CLOCKS = {
    _CLOCK_REALTIME: getattr(time, "CLOCK_REALTIME", None),
    _CLOCK_MONOTONIC: getattr(time, "CLOCK_MONOTONIC", None),
    _CLOCK_PROCESS: getattr(time, "CLOCK_PROCESS_CPUTIME_ID", None),
    _CLOCK_THREAD: getattr(time, "CLOCK_THREAD_CPUTIME_ID", None),
}
_CLOCK_NOW: dict[int, Callable[[], int]] = {
    _CLOCK_REALTIME: time.time_ns,
    _CLOCK_MONOTONIC: time.monotonic_ns,
    _CLOCK_PROCESS: time.process_time_ns,
    _CLOCK_THREAD: time.thread_time_ns,
}

# Signals whose default action does not end the process (chld, cont, stop, tstp, ttin,
# ttou, urg, winch) and the names of the rest, by WASI signal number.
_SIGNAL_NAMES = ["NONE", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS"]
_SIGNAL_IGNORED = {0, 16, 17, 18, 19, 20, 21, 22, 27}

# The result of fd_read and poll_oneoff: an i32 errno, or a coroutine giving it when the
# guest pauses on an async stdin.
_ErrnoOrPause = Annotated[Any, ValType.i32()]


class _Impl:
    """The preview1 functions over one ``WasiContext`` (``ctx``) and guest memory (``mem``).

    Each public method is one WASI function, its wasm type read from its annotations
    (``SIGNATURES``): it takes the raw wasm arguments (Python ints, already unsigned where
    the type is) and returns an ``Errno`` value, raising ``WasiError``/``_Fault``/``OSError``
    for the failure paths; ``_make_host_function`` turns those into errno results.
    """

    def __init__(self, ctx: WasiContext, mem: _Mem, caller: Any = None):
        self.ctx = ctx
        self.mem = mem
        self.caller = caller

    # args / environ ------------------------------------------------------------------
    def _strings_get(self, items: list[bytes], ptrs: int, buf: int) -> int:
        mem = self.mem
        mem.check(ptrs, 4 * len(items))
        for i, item in enumerate(items):
            mem.set_u32(ptrs + 4 * i, buf)
            mem.write(buf, item + b"\0")
            buf += len(item) + 1
        return 0

    def _sizes_get(self, items: list[bytes], count_ptr: int, size_ptr: int) -> int:
        self.mem.set_u32(count_ptr, len(items))
        self.mem.set_u32(size_ptr, sum(len(a) + 1 for a in items))
        return 0

    def args_get(self, argv: i32, argv_buf: i32) -> i32:
        return self._strings_get(self.ctx.args, argv, argv_buf)

    def args_sizes_get(self, argc: i32, buf_size: i32) -> i32:
        return self._sizes_get(self.ctx.args, argc, buf_size)

    def environ_get(self, environ: i32, buf: i32) -> i32:
        return self._strings_get(self.ctx.env, environ, buf)

    def environ_sizes_get(self, count: i32, buf_size: i32) -> i32:
        return self._sizes_get(self.ctx.env, count, buf_size)

    # clocks, random, scheduling --------------------------------------------------------
    def clock_res_get(self, clock_id: i32, res_ptr: i32) -> i32:
        if clock_id not in _CLOCK_NOW:
            return Errno.INVAL
        host = _CLOCKS[clock_id]
        try:
            res = int(time.clock_getres(host) * 1e9) if host is not None else 1000
        except OSError:
            res = 1000
        self.mem.set_u64(res_ptr, max(res, 1))
        return 0

    def clock_time_get(self, clock_id: i32, precision: i64, time_ptr: i32) -> i32:
        now = _CLOCK_NOW.get(clock_id)
        if now is None:
            return Errno.INVAL
        self.mem.set_u64(time_ptr, now())
        return 0

    def random_get(self, buf: i32, buf_len: i32) -> i32:
        view = self.mem.slice(buf, buf_len)
        view[:] = os.urandom(buf_len)
        return 0

    def sched_yield(self) -> i32:
        if hasattr(os, "sched_yield"):
            os.sched_yield()
        return 0

    def proc_exit(self, code: i32) -> None:
        self.ctx.exit_code = code
        raise ExitTrap(code)

    def proc_raise(self, sig: i32) -> i32:
        if sig >= len(_SIGNAL_NAMES):
            return Errno.INVAL
        if sig in _SIGNAL_IGNORED:
            return 0
        code = 128 + sig
        self.ctx.exit_code = code
        raise ExitTrap(code, f"terminated by signal SIG{_SIGNAL_NAMES[sig]}")

    # descriptors -----------------------------------------------------------------------
    def fd_advise(self, fd: i32, offset: i64, length: i64, advice: i32) -> i32:
        entry = self.ctx.get(fd, R.FD_ADVISE)
        if advice > 5:
            return Errno.INVAL
        if entry.filetype == Filetype.DIRECTORY:
            return Errno.BADF
        if entry.host >= 0 and hasattr(os, "posix_fadvise"):
            host_advice = (os.POSIX_FADV_NORMAL, os.POSIX_FADV_SEQUENTIAL, os.POSIX_FADV_RANDOM,
                           os.POSIX_FADV_WILLNEED, os.POSIX_FADV_DONTNEED,
                           os.POSIX_FADV_NOREUSE)[advice]
            if offset >= 1 << 63 or length >= 1 << 63:
                return Errno.INVAL
            try:
                os.posix_fadvise(entry.host, offset, length, host_advice)
            except OSError as exc:
                if exc.errno != _errno.ESPIPE:
                    raise
        return 0

    def fd_allocate(self, fd: i32, offset: i64, length: i64) -> i32:
        entry = self.ctx.get(fd, R.FD_ALLOCATE)
        if entry.filetype != Filetype.REGULAR_FILE or entry.host < 0:
            return Errno.BADF
        if offset + length >= 1 << 63:
            return Errno.FBIG
        if os.fstat(entry.host).st_size < offset + length:
            os.ftruncate(entry.host, offset + length)
        return 0

    def fd_close(self, fd: i32) -> i32:
        entry = self.ctx.get(fd)
        del self.ctx.fds[fd]
        _close_entry(entry)
        return 0

    def fd_datasync(self, fd: i32) -> i32:
        entry = self.ctx.get(fd, R.FD_DATASYNC)
        if entry.host >= 0:
            os.fdatasync(entry.host)
        return 0

    def fd_sync(self, fd: i32) -> i32:
        entry = self.ctx.get(fd, R.FD_SYNC)
        if entry.host >= 0:
            os.fsync(entry.host)
        return 0

    def fd_fdstat_get(self, fd: i32, buf: i32) -> i32:
        entry = self.ctx.get(fd)
        self.mem.pack(_FDSTAT, buf, entry.filetype, entry.flags, entry.base, entry.inheriting)
        return 0

    def fd_fdstat_set_flags(self, fd: i32, flags: i32) -> i32:
        entry = self.ctx.get(fd, R.FD_FDSTAT_SET_FLAGS)
        if flags & ~0x1F:
            return Errno.INVAL
        if entry.host >= 0 and entry.own_host and entry.filetype != Filetype.DIRECTORY:
            import fcntl  # (an inherited stdio descriptor is the host's: left as it is)

            cur = fcntl.fcntl(entry.host, fcntl.F_GETFL)
            new = cur & ~(os.O_APPEND | os.O_NONBLOCK)
            if flags & Fdflags.APPEND:
                new |= os.O_APPEND
            if flags & Fdflags.NONBLOCK:
                new |= os.O_NONBLOCK
            fcntl.fcntl(entry.host, fcntl.F_SETFL, new)
        entry.flags = flags
        return 0

    def fd_fdstat_set_rights(self, fd: i32, base: i64, inheriting: i64) -> i32:
        entry = self.ctx.get(fd)
        if base & ~entry.base or inheriting & ~entry.inheriting:
            return Errno.NOTCAPABLE
        entry.base, entry.inheriting = base, inheriting
        return 0

    def fd_filestat_get(self, fd: i32, buf: i32) -> i32:
        entry = self.ctx.get(fd, R.FD_FILESTAT_GET)
        if entry.host >= 0:
            values = _filestat_values(os.fstat(entry.host))
        else:
            values = (0, 0, entry.filetype, 1, 0, 0, 0, 0)
        self.mem.pack(_FILESTAT, buf, *values)
        return 0

    def fd_filestat_set_size(self, fd: i32, size: i64) -> i32:
        entry = self.ctx.get(fd, R.FD_FILESTAT_SET_SIZE)
        if entry.host < 0 or entry.filetype != Filetype.REGULAR_FILE:
            return Errno.BADF
        if size >= 1 << 63:
            return Errno.FBIG
        os.ftruncate(entry.host, size)
        return 0

    def fd_filestat_set_times(self, fd: i32, atim: i64, mtim: i64, flags: i32) -> i32:
        entry = self.ctx.get(fd, R.FD_FILESTAT_SET_TIMES)
        if entry.host < 0:
            return Errno.BADF
        if not entry.file_perms & FilePerms.WRITE_ONLY:
            return Errno.PERM
        ns = _times(atim, mtim, flags, lambda: os.fstat(entry.host))
        if ns is not None:
            os.utime(entry.host, ns=ns)
        return 0

    def fd_prestat_get(self, fd: i32, buf: i32) -> i32:
        entry = self.ctx.get(fd)
        if entry.preopen is None:
            return Errno.BADF
        self.mem.pack(_PRESTAT, buf, 0, len(entry.preopen))
        return 0

    def fd_prestat_dir_name(self, fd: i32, path: i32, path_len: i32) -> i32:
        entry = self.ctx.get(fd)
        if entry.preopen is None:
            return Errno.BADF
        if path_len < len(entry.preopen):
            return Errno.NAMETOOLONG
        self.mem.write(path, entry.preopen)
        return 0

    def _readable(self, fd: int) -> _Fd:
        entry = self.ctx.get(fd)
        if not entry.base & R.FD_READ:
            return self._refuse(entry)
        return entry

    def _writable(self, fd: int) -> _Fd:
        entry = self.ctx.get(fd)
        if not entry.base & R.FD_WRITE:
            return self._refuse(entry)
        return entry

    @staticmethod
    def _refuse(entry: _Fd) -> _Fd:
        raise WasiError(Errno.BADF)

    def fd_read(self, fd: i32, iovs: i32, iovs_len: i32, nread: i32) -> _ErrnoOrPause:
        entry = self._readable(fd)
        bufs = self.mem.iovecs(iovs, iovs_len)
        self.mem.check(nread, 4)
        if isinstance(entry.stream, _AsyncReaderInput):
            return self._fd_read_async(entry.stream, bufs, nread)
        if entry.stream is not None:
            total = 0
            for buf in bufs:
                data = entry.stream.read(len(buf))
                buf[:len(data)] = data
                total += len(data)
                if len(data) < len(buf):
                    break
        elif bufs:
            total = os.readv(entry.host, bufs)
        else:
            total = 0
        self.mem.set_u32(nread, total)
        return 0

    async def _fd_read_async(self, stream: _AsyncReaderInput, bufs: list[memoryview],
                             nread: int) -> int:
        """``fd_read`` of an async stdin: one read of up to the total size, scattered."""
        data = await stream.read_async(sum(len(b) for b in bufs))
        pos = 0
        for buf in bufs:
            chunk = data[pos:pos + len(buf)]
            buf[:len(chunk)] = chunk
            pos += len(chunk)
            if pos >= len(data):
                break
        self.mem.set_u32(nread, len(data))
        return 0

    def fd_write(self, fd: i32, iovs: i32, iovs_len: i32, nwritten: i32) -> i32:
        entry = self._writable(fd)
        bufs = self.mem.iovecs(iovs, iovs_len)
        self.mem.check(nwritten, 4)
        if entry.stream is not None:
            total = entry.stream.write(b"".join(bufs)) if bufs else 0
        elif bufs:
            total = os.writev(entry.host, bufs)
        else:
            total = 0
        self.mem.set_u32(nwritten, total)
        return 0

    def fd_pread(self, fd: i32, iovs: i32, iovs_len: i32, offset: i64, nread: i32) -> i32:
        return self._positioned(self._readable(fd), iovs, iovs_len, offset, nread, os.preadv)

    def fd_pwrite(self, fd: i32, iovs: i32, iovs_len: i32, offset: i64, nwritten: i32) -> i32:
        return self._positioned(self._writable(fd), iovs, iovs_len, offset, nwritten,
                                os.pwritev)

    def _positioned(self, entry: _Fd, iovs: int, iovs_len: int, offset: int, ndone: int,
                    io: Callable[[int, list[Any], int], int]) -> int:
        """fd_pread/fd_pwrite: ``io`` (os.preadv/os.pwritev) at ``offset`` of a seekable
        file, its byte count stored at ``ndone``."""
        if entry.host < 0 or not entry.base & (R.FD_SEEK | R.FD_TELL):
            return Errno.SPIPE
        if not entry.base & R.FD_SEEK:
            return Errno.NOTCAPABLE
        bufs = self.mem.iovecs(iovs, iovs_len)
        self.mem.check(ndone, 4)
        if offset >= 1 << 63:
            return Errno.INVAL
        total = io(entry.host, bufs, offset) if bufs else 0
        self.mem.set_u32(ndone, total)
        return 0

    def fd_readdir(self, fd: i32, buf: i32, buf_len: i32, cookie: i64, bufused: i32) -> i32:
        entry = self.ctx.dir(fd, R.FD_READDIR)
        mem = self.mem
        mem.check(buf, buf_len)
        mem.check(bufused, 4)
        if entry.dirents is None or cookie == 0:
            entry.dirents = _list_dir(entry.host)
        out = bytearray()
        for index in range(cookie, len(entry.dirents)):
            name, ino, ftype = entry.dirents[index]
            out += _DIRENT.pack(index + 1, ino, len(name), ftype) + name
            if len(out) >= buf_len:
                break
        data = bytes(out[:buf_len])
        mem.write(buf, data)
        mem.set_u32(bufused, len(data))
        return 0

    def fd_renumber(self, fd: i32, to: i32) -> i32:
        entry = self.ctx.get(fd)
        target = self.ctx.get(to)
        if fd != to:
            _close_entry(target)
            self.ctx.fds[to] = entry
            del self.ctx.fds[fd]
        return 0

    def fd_seek(self, fd: i32, offset: i64, whence: i32, newoffset: i32) -> i32:
        if whence not in _WHENCE:
            return Errno.INVAL
        need = R.FD_TELL if (offset == 0 and whence == 1) else R.FD_SEEK
        entry = self.ctx.get(fd)
        if entry.filetype == Filetype.DIRECTORY:
            return Errno.BADF
        if entry.host < 0 or not entry.base & (R.FD_SEEK | R.FD_TELL):
            return Errno.SPIPE  # a stream (stdio), never seekable
        if not entry.base & need:
            return Errno.NOTCAPABLE
        offset = offset - (1 << 64) if offset >= 1 << 63 else offset
        mem = self.mem
        mem.check(newoffset, 8)
        pos = os.lseek(entry.host, offset, _WHENCE[whence])
        mem.set_u64(newoffset, pos)
        return 0

    def fd_tell(self, fd: i32, offset_ptr: i32) -> i32:
        entry = self.ctx.get(fd)
        if entry.filetype == Filetype.DIRECTORY:
            return Errno.BADF
        if entry.host < 0 or not entry.base & (R.FD_SEEK | R.FD_TELL):
            return Errno.SPIPE
        if not entry.base & R.FD_TELL:
            return Errno.NOTCAPABLE
        self.mem.check(offset_ptr, 8)
        self.mem.set_u64(offset_ptr, os.lseek(entry.host, 0, os.SEEK_CUR))
        return 0

    # paths ---------------------------------------------------------------------------
    def _path(self, ptr: int, length: int) -> bytes:
        return self.mem.read(ptr, length)

    def _resolve(self, fd: int, rights: int, ptr: int, length: int, follow: bool,
                 mutate: bool = False, slash_follows: bool = True) -> tuple[_Fd, int, str]:
        entry = self.ctx.dir(fd, rights)
        if mutate and not entry.dir_perms & DirPerms.WRITE_ONLY:
            raise WasiError(Errno.PERM)  # a read-only preopen (as wasmtime)
        parent, name = self.ctx.resolve(entry, self._path(ptr, length), follow, slash_follows)
        return entry, parent, name

    @staticmethod
    def _as_directory(parent: int, name: str) -> int:
        """What naming ``name/`` (resolved, in ``parent``) as a place to create an entry
        gives, as wasmtime's `open_parent` does: the path is opened as a directory, so a
        missing one is ENOENT, anything else ENOTDIR, and a directory EEXIST (its "."
        exists)."""
        st = os.stat(name.rstrip("/") or ".", dir_fd=parent, follow_symlinks=False)
        return Errno.EXIST if _stat.S_ISDIR(st.st_mode) else Errno.NOTDIR

    def path_create_directory(self, fd: i32, path: i32, path_len: i32) -> i32:
        # a trailing slash is stripped, not followed: "link/" names the link (EEXIST)
        _, parent, name = self._resolve(fd, R.PATH_CREATE_DIRECTORY, path, path_len, False, True,
                                        slash_follows=False)
        try:
            if name == ".":
                return Errno.EXIST
            os.mkdir(name.rstrip("/"), 0o777, dir_fd=parent)
        finally:
            os.close(parent)
        return 0

    def path_filestat_get(self, fd: i32, flags: i32, path: i32, path_len: i32, buf: i32) -> i32:
        follow = bool(flags & Lookupflags.SYMLINK_FOLLOW)
        _, parent, name = self._resolve(fd, R.PATH_FILESTAT_GET, path, path_len, follow)
        try:
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
        finally:
            os.close(parent)
        self.mem.pack(_FILESTAT, buf, *_filestat_values(st))
        return 0

    def path_filestat_set_times(self, fd: i32, flags: i32, path: i32, path_len: i32, atim: i64,
                                mtim: i64, fst_flags: i32) -> i32:
        follow = bool(flags & Lookupflags.SYMLINK_FOLLOW)
        _, parent, name = self._resolve(fd, R.PATH_FILESTAT_SET_TIMES, path, path_len, follow, True)
        try:
            ns = _times(atim, mtim, fst_flags,
                        lambda: os.stat(name, dir_fd=parent, follow_symlinks=False))
            if ns is not None:
                os.utime(name, ns=ns, dir_fd=parent, follow_symlinks=False)
        finally:
            os.close(parent)
        return 0

    def path_link(self, old_fd: i32, old_flags: i32, old_path: i32, old_path_len: i32,
                  new_fd: i32, new_path: i32, new_path_len: i32) -> i32:
        for fd, rights in ((old_fd, R.PATH_LINK_SOURCE), (new_fd, R.PATH_LINK_TARGET)):
            if not self.ctx.dir(fd, rights).dir_perms & DirPerms.WRITE_ONLY:
                return Errno.PERM  # a read-only preopen (as wasmtime)
        if old_flags & Lookupflags.SYMLINK_FOLLOW:
            return Errno.INVAL  # wasmtime does not link through a symbolic link
        _, src_parent, src = self._resolve(old_fd, R.PATH_LINK_SOURCE, old_path, old_path_len,
                                           False)
        try:
            _, dst_parent, dst = self._resolve(new_fd, R.PATH_LINK_TARGET, new_path,
                                               new_path_len, False, True)
            try:
                # as wasmtime: a path ending in "/" is opened as a directory first
                if src.endswith("/"):
                    st = os.stat(src.rstrip("/") or ".", dir_fd=src_parent,
                                 follow_symlinks=False)
                    if not _stat.S_ISDIR(st.st_mode):
                        return Errno.NOTDIR
                if dst.endswith("/"):
                    return self._as_directory(dst_parent, dst)
                if src.endswith("/"):
                    return Errno.PERM  # a directory cannot be linked
                os.link(src, dst, src_dir_fd=src_parent, dst_dir_fd=dst_parent,
                        follow_symlinks=False)
            finally:
                os.close(dst_parent)
        finally:
            os.close(src_parent)
        return 0

    def path_open(self, fd: i32, dirflags: i32, path: i32, path_len: i32, oflags: i32,
                  base: i64, inheriting: i64, fdflags: i32, opened: i32) -> i32:
        ctx = self.ctx
        entry = ctx.dir(fd, R.PATH_OPEN)
        if oflags & ~0xF or fdflags & ~0x1F:
            return Errno.INVAL
        if oflags & Oflags.CREAT and not entry.base & R.PATH_CREATE_FILE:
            return Errno.NOTCAPABLE
        if oflags & Oflags.TRUNC and not entry.base & R.PATH_FILESTAT_SET_SIZE:
            return Errno.NOTCAPABLE
        base &= entry.inheriting
        inheriting &= entry.inheriting
        read = bool(base & _FILE_READING)
        write = bool(base & _FILE_WRITING & ~R.FD_FILESTAT_SET_TIMES)
        if fdflags & Fdflags.APPEND:
            write = True
        if write and not entry.inheriting & R.FD_WRITE:
            return Errno.NOTCAPABLE
        if write and not entry.file_perms & FilePerms.WRITE_ONLY:
            return Errno.PERM
        if read and not entry.file_perms & FilePerms.READ_ONLY:
            return Errno.PERM
        if oflags & (Oflags.CREAT | Oflags.TRUNC) and not entry.dir_perms & DirPerms.WRITE_ONLY:
            return Errno.PERM
        flags = _O_CLOEXEC | _O_NOFOLLOW
        if write and (read or oflags & Oflags.DIRECTORY):
            flags |= os.O_RDWR
        elif write:
            flags |= os.O_WRONLY
        else:
            flags |= os.O_RDONLY
        if oflags & Oflags.CREAT:
            flags |= os.O_CREAT
        if oflags & Oflags.EXCL:
            flags |= os.O_EXCL
        if oflags & Oflags.TRUNC:
            flags |= os.O_TRUNC
        if oflags & Oflags.DIRECTORY:
            # the host refuses a directory opened for writing (EISDIR), as wasmtime's
            # does; other writing rights open it read-only
            access = os.O_RDWR if base & R.FD_WRITE else os.O_RDONLY
            flags = (flags & ~(os.O_RDWR | os.O_WRONLY)) | access | _O_DIRECTORY
        if fdflags & Fdflags.APPEND:
            flags |= os.O_APPEND
        if fdflags & Fdflags.NONBLOCK:
            flags |= os.O_NONBLOCK
        if fdflags & (Fdflags.SYNC | Fdflags.RSYNC):
            flags |= os.O_SYNC
        if fdflags & Fdflags.DSYNC:
            flags |= getattr(os, "O_DSYNC", os.O_SYNC)
        follow = bool(dirflags & Lookupflags.SYMLINK_FOLLOW) and not (
            oflags & Oflags.CREAT and oflags & Oflags.EXCL)
        parent, name = ctx.resolve(entry, self._path(path, path_len), follow)
        try:
            try:
                host = os.open(name, flags, 0o666, dir_fd=parent)
            except OSError as exc:
                if exc.errno == _errno.EISDIR and flags & (os.O_WRONLY | os.O_RDWR):
                    return Errno.ISDIR
                if not follow and not name.endswith("/") and (
                        exc.errno == _errno.ELOOP or exc.errno == _errno.ENOTDIR
                        and _stat.S_ISLNK(os.stat(name, dir_fd=parent,
                                                  follow_symlinks=False).st_mode)):
                    # the last component is a symbolic link and the guest asked not to follow
                    # it (the host says ENOTDIR for one opened with O_DIRECTORY)
                    return Errno.LOOP
                raise
        finally:
            os.close(parent)
        try:
            ftype = _filetype_of(os.fstat(host).st_mode)
        except OSError:
            os.close(host)
            raise
        if ftype == Filetype.DIRECTORY:
            new = _Fd(host, None, ftype, base & _DIR_RIGHTS, inheriting, fdflags,
                      dir_perms=entry.dir_perms, file_perms=entry.file_perms)
        else:
            new = _Fd(host, None, ftype, base & _FILE_RIGHTS, 0, fdflags,
                      dir_perms=entry.dir_perms, file_perms=entry.file_perms)
        newfd = ctx._free_fd()
        try:
            self.mem.set_u32(opened, newfd)
        except _Fault:
            os.close(host)
            raise
        ctx.fds[newfd] = new
        return 0

    def path_readlink(self, fd: i32, path: i32, path_len: i32, buf: i32, buf_len: i32,
                      bufused: i32) -> i32:
        _, parent, name = self._resolve(fd, R.PATH_READLINK, path, path_len, False)
        try:
            target = os.readlink(name, dir_fd=parent)
        finally:
            os.close(parent)
        data = os.fsencode(target)[:buf_len]
        self.mem.check(bufused, 4)
        self.mem.write(buf, data)
        self.mem.set_u32(bufused, len(data))
        return 0

    def path_remove_directory(self, fd: i32, path: i32, path_len: i32) -> i32:
        _, parent, name = self._resolve(fd, R.PATH_REMOVE_DIRECTORY, path, path_len, False, True,
                                        slash_follows=False)
        try:
            if name == ".":
                return Errno.INVAL
            os.rmdir(name, dir_fd=parent)
        finally:
            os.close(parent)
        return 0

    def path_rename(self, fd: i32, old_path: i32, old_path_len: i32, new_fd: i32, new_path: i32,
                    new_path_len: i32) -> i32:
        _, src_parent, src = self._resolve(fd, R.PATH_RENAME_SOURCE, old_path, old_path_len,
                                           False, True, slash_follows=False)
        try:
            _, dst_parent, dst = self._resolve(new_fd, R.PATH_RENAME_TARGET, new_path,
                                               new_path_len, False, True, slash_follows=False)
            try:
                if src == "." or dst == ".":
                    return Errno.BUSY
                if src.endswith("/") or dst.endswith("/"):
                    st = os.stat(src.rstrip("/"), dir_fd=src_parent, follow_symlinks=False)
                    if not _stat.S_ISDIR(st.st_mode):
                        return Errno.NOTDIR
                os.rename(src, dst, src_dir_fd=src_parent, dst_dir_fd=dst_parent)
            finally:
                os.close(dst_parent)
        finally:
            os.close(src_parent)
        return 0

    def path_symlink(self, old_path: i32, old_path_len: i32, fd: i32, new_path: i32,
                     new_path_len: i32) -> i32:
        target = self._path(old_path, old_path_len)
        _, parent, name = self._resolve(fd, R.PATH_SYMLINK, new_path, new_path_len, False, True)
        try:
            if b"\0" in target:
                return Errno.INVAL
            if target.startswith(b"/"):
                return Errno.PERM
            if name.endswith("/"):
                return self._as_directory(parent, name)
            os.symlink(os.fsdecode(target), name, dir_fd=parent)
        finally:
            os.close(parent)
        return 0

    def path_unlink_file(self, fd: i32, path: i32, path_len: i32) -> i32:
        _, parent, name = self._resolve(fd, R.PATH_UNLINK_FILE, path, path_len, False, True)
        try:
            if name == ".":
                return Errno.ISDIR
            if name.endswith("/"):
                st = os.stat(name.rstrip("/"), dir_fd=parent, follow_symlinks=False)
                return Errno.ISDIR if _stat.S_ISDIR(st.st_mode) else Errno.NOTDIR
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
            if _stat.S_ISDIR(st.st_mode):
                return Errno.ISDIR
            os.unlink(name, dir_fd=parent)
        finally:
            os.close(parent)
        return 0

    # poll ----------------------------------------------------------------------------
    def poll_oneoff(self, in_ptr: i32, out_ptr: i32, nsubscriptions: i32,
                    nevents: i32) -> _ErrnoOrPause:
        mem = self.mem
        if nsubscriptions == 0:
            return Errno.INVAL
        mem.check(in_ptr, 48 * nsubscriptions)
        mem.check(out_ptr, 32 * nsubscriptions)
        mem.check(nevents, 4)
        events: list[tuple[int, int, int, int, int]] = []  # userdata, errno, type, nbytes, flags
        clocks: list[tuple[int, int]] = []  # (deadline in monotonic ns, userdata)
        waiting_read: dict[int, list[int]] = {}
        waiting_write: dict[int, list[int]] = {}
        now = time.monotonic_ns()
        for i in range(nsubscriptions):
            userdata, tag, clock_id, timeout, _precision, cflags = _SUBSCRIPTION.unpack_from(
                mem.view, in_ptr + 48 * i)
            if tag == _EVENT_CLOCK:
                if clock_id not in _CLOCK_NOW:
                    events.append((userdata, Errno.INVAL, tag, 0, 0))
                    continue
                if cflags & _SUBCLOCK_ABSTIME:
                    delay = timeout - _CLOCK_NOW[clock_id]()
                else:
                    delay = timeout
                clocks.append((now + max(0, delay), userdata))
            elif tag in (_EVENT_FD_READ, _EVENT_FD_WRITE):
                fd = clock_id  # the u32 at the same offset: file_descriptor
                entry = self.ctx.fds.get(fd)
                if entry is None:
                    events.append((userdata, Errno.BADF, tag, 0, 0))
                    continue
                if not entry.base & R.POLL_FD_READWRITE:
                    events.append((userdata, Errno.NOTCAPABLE, tag, 0, 0))
                    continue
                if entry.host < 0 or entry.filetype in (Filetype.REGULAR_FILE,
                                                       Filetype.DIRECTORY):
                    nbytes = 0
                    if tag == _EVENT_FD_READ and entry.host >= 0 and \
                            entry.filetype == Filetype.REGULAR_FILE:
                        st = os.fstat(entry.host)
                        nbytes = max(0, st.st_size - os.lseek(entry.host, 0, os.SEEK_CUR))
                    elif tag == _EVENT_FD_READ and isinstance(entry.stream, _BytesInput):
                        nbytes = len(entry.stream.data) - entry.stream.pos
                    events.append((userdata, 0, tag, nbytes, 0))
                else:
                    (waiting_read if tag == _EVENT_FD_READ else waiting_write).setdefault(
                        entry.host, []).append(userdata)
            else:
                events.append((userdata, Errno.INVAL, tag, 0, 0))
        if events or waiting_read or waiting_write:
            timeout_s: float | None = 0.0 if events else None
            if timeout_s is None and clocks:
                timeout_s = max(0, min(c[0] for c in clocks) - now) / 1e9
            if waiting_read or waiting_write:
                rl, wl, _ = select.select(list(waiting_read), list(waiting_write), [], timeout_s)
                for hfd in rl:
                    events += [(u, 0, _EVENT_FD_READ, 0, 0) for u in waiting_read[hfd]]
                for hfd in wl:
                    events += [(u, 0, _EVENT_FD_WRITE, 0, 0) for u in waiting_write[hfd]]
        if not events and clocks:
            first = min(c[0] for c in clocks)
            delay = first - time.monotonic_ns()
            if delay > 0:
                if _can_pause(self.caller):     # under call_async: the loop runs meanwhile
                    return self._poll_after(delay, clocks, events, out_ptr, nevents)
                time.sleep(delay / 1e9)
        return self._poll_done(clocks, events, out_ptr, nevents)

    async def _poll_after(self, delay: int, clocks: list[tuple[int, int]],
                          events: list[tuple[int, int, int, int, int]], out_ptr: int,
                          nevents: int) -> int:
        """``poll_oneoff`` waiting for a clock without blocking the event loop: the guest
        pauses for ``delay`` ns (it runs under ``call_async``)."""
        import asyncio

        await asyncio.sleep(delay / 1e9)
        return self._poll_done(clocks, events, out_ptr, nevents)

    def _poll_done(self, clocks: list[tuple[int, int]],
                   events: list[tuple[int, int, int, int, int]], out_ptr: int,
                   nevents: int) -> int:
        if clocks:
            t = time.monotonic_ns()
            events += [(u, 0, _EVENT_CLOCK, 0, 0) for deadline, u in clocks if deadline <= t]
        for i, ev in enumerate(events):
            _EVENT.pack_into(self.mem.view, out_ptr + 32 * i, *ev)
        self.mem.set_u32(nevents, len(events))
        return 0

    # sockets (preview1 has no way to create one; only preopened sockets could exist) -------
    def _socket(self, fd: int) -> int:
        self.ctx.get(fd)
        return Errno.NOTSOCK

    def sock_accept(self, fd: i32, flags: i32, fd_ptr: i32) -> i32:
        return self._socket(fd)

    def sock_recv(self, fd: i32, ri_data: i32, ri_data_len: i32, ri_flags: i32, ro_datalen: i32,
                  ro_flags: i32) -> i32:
        return self._socket(fd)

    def sock_send(self, fd: i32, si_data: i32, si_data_len: i32, si_flags: i32,
                  so_datalen: i32) -> i32:
        return self._socket(fd)

    def sock_shutdown(self, fd: i32, how: i32) -> i32:
        return self._socket(fd)


def _list_dir(host: int) -> list[tuple[bytes, int, int]]:
    """``(name, inode, filetype)`` of every entry of a directory, ``.`` and ``..`` first."""
    entries: list[tuple[bytes, int, int]] = []
    st = os.fstat(host)
    entries.append((b".", st.st_ino, Filetype.DIRECTORY))
    try:
        up = os.stat("..", dir_fd=host)
        entries.append((b"..", up.st_ino, Filetype.DIRECTORY))
    except OSError:
        entries.append((b"..", 0, Filetype.DIRECTORY))
    dup = os.dup(host)
    try:
        os.lseek(dup, 0, os.SEEK_SET)
        with os.scandir(dup) as it:
            items: list[tuple[bytes, int, int]] = []
            for de in it:
                ftype: int
                try:
                    if de.is_symlink():
                        ftype = Filetype.SYMBOLIC_LINK
                    elif de.is_dir(follow_symlinks=False):
                        ftype = Filetype.DIRECTORY
                    elif de.is_file(follow_symlinks=False):
                        ftype = Filetype.REGULAR_FILE
                    else:
                        ftype = _filetype_of(de.stat(follow_symlinks=False).st_mode)
                except OSError:
                    ftype = Filetype.UNKNOWN
                items.append((os.fsencode(de.name), de.inode(), ftype))
    finally:
        os.close(dup)
    items.sort()
    return entries + items



def _wasm_type(name: str) -> FuncType:
    """The wasm type of WASI function ``name``, from the annotations of its ``_Impl`` method
    (read as ``Func.wrap`` reads a host function's)."""
    return infer_functype(getattr(_Impl.__new__(_Impl), name), _Impl)[0]


# Every function of ``wasi_snapshot_preview1``: the public methods of ``_Impl``.
_TYPES: dict[str, FuncType] = {
    name: _wasm_type(name)
    for name, method in vars(_Impl).items() if callable(method) and not name.startswith("_")
}

SIGNATURES: dict[str, str] = {
    name: "".join("L" if t == ValType.i64() else "I" for t in ty.params)
    for name, ty in _TYPES.items()
}
"""Every function of ``wasi_snapshot_preview1``: its parameter types (``I`` = i32, ``L`` =
i64), from the annotations of its ``_Impl`` method.  All return an i32 ``Errno`` except
``proc_exit``, which returns nothing."""

def _make_host_function(name: str, get_context: Callable[[Any], WasiContext]
                        ) -> Callable[..., int | None]:
    """Function ``name`` over the context ``get_context(caller)`` gives: a ``partial`` of
    module-level functions, so it pickles when ``get_context`` does (snapshots)."""
    return functools.partial(_wasi_call, name, get_context)


# The method and the argument masks of every function (unsigned views of i32/i64).
_METHODS: dict[str, Callable[..., Any]] = {name: getattr(_Impl, name) for name in SIGNATURES}
_MASKS = {name: tuple(0xFFFFFFFF if c == "I" else 0xFFFFFFFFFFFFFFFF for c in sig)
          for name, sig in SIGNATURES.items()}


def _wasi_call(name: str, get_context: Callable[[Any], WasiContext], caller: Any,
               *args: int) -> Any:
    """A call of WASI function ``name`` from ``caller``: its errno (or, for a read of an
    async stdin, a coroutine giving it)."""
    ctx = get_context(caller)
    if ctx is None:
        raise Trap("WASI is not configured for this store (call Store.set_wasi first)")
    try:
        impl = _Impl(ctx, _Mem(_memory_view(caller, ctx)), caller)
        result = _METHODS[name](impl, *map(int.__and__, args, _MASKS[name]))
        if type(result) is types.CoroutineType:  # a read of an async stdin
            return _errno_async(result)
        return int(result)
    except BaseException as exc:  # noqa: BLE001 - _errno_of re-raises what is no errno
        return _errno_of(exc)


def _can_pause(caller: Any) -> bool:
    """Whether the guest of ``caller`` may pause at this host call (it runs under
    wasmrt's ``Func.call_async``, with no synchronous call in between)."""
    store_of = getattr(caller, "_store_of", None)
    if store_of is None:
        return False
    return bool(store_of()._context().can_pause)


def _errno_of(exc: BaseException) -> int:
    """The errno result of a WASI call that raised ``exc`` (re-raised if it is none)."""
    if isinstance(exc, WasiError):
        return int(exc.errno)
    if isinstance(exc, _Fault):
        return int(Errno.FAULT)
    if isinstance(exc, OSError):
        return _host_errno(exc)
    if isinstance(exc, (ValueError, OverflowError)):
        return int(Errno.INVAL)
    raise exc


async def _errno_async(coro: Coroutine[Any, Any, int]) -> int:
    """The result of a WASI call that paused the guest (``_errno_of`` what it raised)."""
    try:
        return int(await coro)
    except BaseException as exc:  # noqa: BLE001 - _errno_of re-raises what is no errno
        return _errno_of(exc)


def _make_proc_exit(get_context: Callable[[Any], WasiContext]) -> Callable[..., None]:
    return functools.partial(_proc_exit, get_context)


def _proc_exit(get_context: Callable[[Any], WasiContext], caller: Any, code: int) -> None:
    ctx = get_context(caller)
    code &= 0xFFFFFFFF
    if ctx is not None:
        ctx.exit_code = code
    raise ExitTrap(code)


def wasi_functions(context: WasiContext | Callable[[Any], WasiContext] | None = None
                   ) -> dict[str, Callable[..., Any]]:
    """Every ``wasi_snapshot_preview1`` function as a host callable ``fn(caller, *args)``.

    ``context`` is the ``WasiContext`` the functions act on, or a callable that receives the
    ``Caller`` and returns the context of the store the call runs in (by default
    ``store_context``).  Arguments are the raw
    wasm values (see ``SIGNATURES``); each function returns its ``Errno`` as an int
    (``proc_exit`` raises ``ExitTrap``).  The guest memory is the caller's ``"memory"``.
    """
    if isinstance(context, WasiContext):
        ctx = context
        get_context: Callable[[Any], WasiContext] = lambda caller: ctx
    else:
        get_context = context or store_context
    return {
        name: _make_proc_exit(get_context) if name == "proc_exit"
        else _make_host_function(name, get_context)
        for name in SIGNATURES
    }


def store_context(caller: Any) -> WasiContext:
    """The ``WasiContext`` of the store a host call runs in (wasmrt's ``Store.set_wasi``).

    Created from the store's ``WasiConfig`` on first use and kept in ``store._wasi_state``;
    a ``Trap`` if the store has no WASI configuration.
    """
    store = caller._store_of() if hasattr(caller, "_store_of") else caller
    ctx = getattr(store, "_wasi_state", None)
    if ctx is None:
        config = getattr(store, "_wasi", None)
        if config is None:
            raise Trap("WASI is not configured for this store: call Store.set_wasi(WasiConfig())")
        ctx = WasiContext(config)
        store._wasi_state = ctx
    return ctx


def _api_module(linker: Any) -> Any:
    """The module defining ``FuncType``/``ValType`` for ``linker`` (wasmrt's or wasmtime-py's)."""
    name = type(linker).__module__
    while name:
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "FuncType") and hasattr(module, "ValType"):
            return module
        name = name.rpartition(".")[0]
    from . import api

    return api


def define_wasi(linker: Any,
                context: WasiContext | Callable[[Any], WasiContext] | None = None) -> None:
    """Define every ``wasi_snapshot_preview1`` function in ``linker``.

    ``context`` is as for ``wasi_functions``.  ``linker`` is any object with wasmtime-py's
    ``define_func(module, name, FuncType, fn, access_caller=True)``; ``FuncType`` and
    ``ValType`` come from the linker's own module (wasmrt's or wasmtime-py's).
    """
    api = _api_module(linker)
    types = {"I": api.ValType.i32(), "L": api.ValType.i64()}
    for name, fn in wasi_functions(context).items():
        params = [types[c] for c in SIGNATURES[name]]
        results = [types["I"]] * len(_TYPES[name].results)
        linker.define_func(WASI_MODULE, name, api.FuncType(params, results), fn,
                           access_caller=True)
