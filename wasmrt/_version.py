"""The version of wasmrt: its one source (``pyproject.toml`` reads it, see ``CHANGELOG.md``)."""

__version__ = "0.1.0"
