"""Property test of the sandbox: whatever path a guest gives (``..``, ``.``, repeated
slashes, symlinks made to point anywhere), resolution either fails or ends in a directory
beneath the preopen, and with ``follow`` never at a symbolic link."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wasmrt import wasi

COMPONENTS = ["a", "b", "..", ".", "", "up", "abs", "loop", "ina", "chain", "missing", "f"]
LINKS = {"up": "..", "abs": "/", "loop": "loop", "ina": "a", "chain": "a/../up/x"}


def make_tree(root: Path) -> None:
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "f").write_text("f")
    (root / "f").write_text("f")
    for name, target in LINKS.items():
        os.symlink(target, root / name)
        os.symlink(target, root / "a" / name)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=8),
       follow=st.booleans())
def test_resolution_stays_inside(tmp_path: Path, parts: list[str], follow: bool) -> None:
    root = tmp_path / "root"
    if not root.exists():
        root.mkdir()
        make_tree(root)
    config = wasi.WasiConfig()
    config.preopen_dir(root, "/")
    with wasi.WasiContext(config) as ctx:
        entry = ctx.fds[3]
        try:
            parent, name = ctx.resolve(entry, "/".join(parts).encode(), follow)
        except wasi.WasiError as exc:
            assert exc.errno in (wasi.Errno.PERM, wasi.Errno.NOENT, wasi.Errno.NOTDIR,
                                 wasi.Errno.LOOP)
            return
        try:
            where = Path(os.readlink(f"/proc/self/fd/{parent}"))
            assert where == root.resolve() or root.resolve() in where.parents
            assert "/" not in name.rstrip("/")
            assert name != ".."
            if follow and name != ".":
                try:
                    mode = os.stat(name.rstrip("/"), dir_fd=parent, follow_symlinks=False).st_mode
                except FileNotFoundError:
                    return
                assert not stat.S_ISLNK(mode)
        finally:
            os.close(parent)
