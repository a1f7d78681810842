"""Untrusted Python in a sandbox: CPython for WASI, resumed from a snapshot for every run.

The first run starts CPython (about a second) and snapshots it; every run after that is a
fresh copy of that snapshot, ready in milliseconds, with no files, environment or network
of the host, and a deadline, a memory limit and an output limit.  Needs the default
CPython module: pip install 'wasmrt[sandbox]'.
"""

import asyncio

from wasmrt.sandbox import PythonSandbox

SNIPPETS = [   # (code, its deadline in seconds: None for the sandbox's)
    ("print(sum(i * i for i in range(1000)))", None),
    ("import json; print(json.dumps({'ok': True}))", None),
    ("open('/etc/passwd')", None),              # no host files: FileNotFoundError
    ("while True: pass", 1.0),                  # stopped at its deadline
]


async def main_async() -> None:
    sandbox = PythonSandbox(timeout=10.0, memory_limit=64 << 20)
    await sandbox.start_async()
    # the runs are independent: run them side by side on the event loop
    results = await asyncio.gather(*(sandbox.run_async(code, timeout=timeout)
                                     for code, timeout in SNIPPETS))
    for (code, _), result in zip(SNIPPETS, results):
        last_line = (result.stdout or result.stderr).decode().strip().splitlines()[-1:]
        print(f"{code[:30]!r:34} exit={result.exit_code} error={result.error} {last_line}")


def main() -> None:
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
