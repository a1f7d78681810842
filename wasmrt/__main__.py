"""``python -m wasmrt``: the command line (see ``wasmrt.cli``)."""

import sys

from .cli import main

sys.exit(main())
