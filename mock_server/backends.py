"""Which store a ``--store`` value names (``jwt-lab serve --store SPEC``)."""

from __future__ import annotations

from mock_server.store import SqliteStore, Store


def open_store(spec: str) -> Store:
    """``sqlite:PATH`` (``sqlite::memory:`` for none), a bare path (SQLite), or
    ``redis://HOST:PORT/DB`` (also ``rediss://`` and ``unix://``): several
    server processes may share one Redis database."""
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from mock_server.redis_store import RedisStore

        return RedisStore(spec)
    path = spec.removeprefix("sqlite:")
    if not path:
        raise ValueError("give sqlite:PATH (or sqlite::memory:) or redis://HOST:PORT/DB")
    return SqliteStore(path)
