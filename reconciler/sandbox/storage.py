"""Storage of the embedded local store: in memory, written through to SQLite.

Every store (keyed by its store hash) is a set of named :class:`Collection` objects
holding JSON documents exactly as the API returns them. Reads are served from memory so
that a page of 250 products with their sub-resources costs no I/O; every change marks
the document dirty and :meth:`SandboxDB.commit` writes all dirty documents of all stores
in one SQLite transaction (the app commits once per request, so a request is atomic).

Several stores share one SQLite file (WAL mode). Several processes may write the same
file (two ``sandbox serve``, or ``sandbox seed`` while one runs): a change is made inside
:meth:`SandboxDB.transaction`, which takes the file's write lock first (``BEGIN
IMMEDIATE``), reloads the stores when another process committed since (SQLite's ``PRAGMA
data_version``), so ids and counters continue from what is on disk, and commits before
the caller answers. Reads outside a transaction reload the same way.

Collections may declare secondary indexes (:func:`define_index`) used for filters and
uniqueness rules, e.g. products by lower-cased SKU (including their variants' SKUs).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Document = dict[str, Any]
DocId = int | str
IndexKeys = Callable[[Document], Iterable[Hashable]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stores (
    hash TEXT PRIMARY KEY,
    meta TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    store TEXT NOT NULL,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (store, collection, id)
);
"""


@dataclass(frozen=True)
class CollectionSpec:
    """How a collection names its documents' id and which indexes it keeps."""

    id_field: str = "id"
    indexes: dict[str, IndexKeys] = field(default_factory=dict)


_specs: dict[str, CollectionSpec] = {}


def define_collection(name: str, *, id_field: str = "id") -> None:
    """Declare a collection whose documents are identified by ``id_field`` (default ``id``)."""
    spec = _specs.get(name)
    _specs[name] = CollectionSpec(id_field=id_field, indexes=dict(spec.indexes) if spec else {})


def define_index(collection: str, name: str, keys: IndexKeys) -> None:
    """Declare index ``name`` on ``collection``: ``keys(doc)`` yields the values to index.

    Indexes are multi-valued (a product yields its own SKU and all its variants' SKUs)
    and maintained on every :meth:`Collection.save` and :meth:`Collection.delete`.
    """
    spec = _specs.setdefault(collection, CollectionSpec())
    spec.indexes[name] = keys


def _spec(name: str) -> CollectionSpec:
    return _specs.setdefault(name, CollectionSpec())


class Collection:
    """The documents of one kind in one store, by id, in insertion (id) order."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name
        self.spec = _spec(name)
        self._docs: dict[DocId, Document] = {}
        self._index: dict[str, dict[Hashable, set[DocId]]] = {n: {} for n in self.spec.indexes}
        self._indexed: dict[DocId, dict[str, list[Hashable]]] = {}

    def __len__(self) -> int:
        return len(self._docs)

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self._docs.values()))

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def get(self, doc_id: DocId) -> Document | None:
        """The document with ``doc_id``, or ``None``. Callers must not mutate it in place
        without calling :meth:`save` afterwards."""
        return self._docs.get(doc_id)

    def ids(self) -> list[DocId]:
        return list(self._docs)

    def new_id(self) -> int:
        """A fresh integer id for this collection; ids are never reused, as on BigCommerce."""
        return self.store.next_counter(self.name)

    def save(self, doc: Document) -> Document:
        """Insert or replace ``doc`` (identified by the collection's id field)."""
        doc_id = doc[self.spec.id_field]
        self._unindex(doc_id)
        self._docs[doc_id] = doc
        self._reindex(doc_id, doc)
        self.store.mark_dirty(self.name, doc_id)
        return doc

    def delete(self, doc_id: DocId) -> Document | None:
        """Remove and return the document, or ``None`` when there is none."""
        doc = self._docs.pop(doc_id, None)
        if doc is not None:
            self._unindex(doc_id)
            self.store.mark_dirty(self.name, doc_id)
        return doc

    def lookup(self, index: str, value: Hashable) -> list[Document]:
        """Documents whose index ``index`` holds ``value``, in id order."""
        ids = self._index[index].get(value, ())
        docs = [self._docs[i] for i in ids]
        docs.sort(key=lambda d: _sort_key(d[self.spec.id_field]))
        return docs

    def load(self, doc: Document) -> None:
        """Put a document read from disk (not marked dirty)."""
        doc_id = doc[self.spec.id_field]
        self._docs[doc_id] = doc
        self._reindex(doc_id, doc)

    def _reindex(self, doc_id: DocId, doc: Document) -> None:
        if not self.spec.indexes:
            return
        entry: dict[str, list[Hashable]] = {}
        for name, keys in self.spec.indexes.items():
            values = list(keys(doc))
            entry[name] = values
            bucket = self._index.setdefault(name, {})
            for value in values:
                bucket.setdefault(value, set()).add(doc_id)
        self._indexed[doc_id] = entry

    def _unindex(self, doc_id: DocId) -> None:
        entry = self._indexed.pop(doc_id, None)
        if not entry:
            return
        for name, values in entry.items():
            bucket = self._index[name]
            for value in values:
                ids = bucket.get(value)
                if ids is not None:
                    ids.discard(doc_id)
                    if not ids:
                        del bucket[value]


def _sort_key(doc_id: DocId) -> tuple[int, int | str]:
    return (0, doc_id) if isinstance(doc_id, int) else (1, doc_id)


class Store:
    """One BigCommerce store: its collections plus ``meta`` (settings, counters, tokens)."""

    def __init__(self, db: SandboxDB, store_hash: str, meta: dict[str, Any]) -> None:
        self.db = db
        self.hash = store_hash
        self.meta = meta
        self._collections: dict[str, Collection] = {}
        self._dirty: set[tuple[str, DocId]] = set()
        self._meta_dirty = False

    def collection(self, name: str) -> Collection:
        coll = self._collections.get(name)
        if coll is None:
            coll = self._collections[name] = Collection(self, name)
        return coll

    def collection_names(self) -> list[str]:
        return list(self._collections)

    def next_counter(self, name: str) -> int:
        counters: dict[str, int] = self.meta.setdefault("counters", {})
        value = counters.get(name, 0) + 1
        counters[name] = value
        self._meta_dirty = True
        return value

    def set_meta(self, key: str, value: Any) -> None:
        self.meta[key] = value
        self._meta_dirty = True

    def mark_dirty(self, collection: str, doc_id: DocId) -> None:
        self._dirty.add((collection, doc_id))

    def _flush(self, conn: sqlite3.Connection) -> None:
        if self._meta_dirty:
            conn.execute(
                "INSERT OR REPLACE INTO stores(hash, meta) VALUES (?, ?)",
                (self.hash, json.dumps(self.meta, separators=(",", ":"))),
            )
            self._meta_dirty = False
        if not self._dirty:
            return
        upserts: list[tuple[str, str, str, str]] = []
        deletes: list[tuple[str, str, str]] = []
        for coll_name, doc_id in self._dirty:
            doc = self.collection(coll_name).get(doc_id)
            if doc is None:
                deletes.append((self.hash, coll_name, str(doc_id)))
            else:
                body = json.dumps(doc, separators=(",", ":"))
                upserts.append((self.hash, coll_name, str(doc_id), body))
        conn.executemany("DELETE FROM documents WHERE store=? AND collection=? AND id=?", deletes)
        conn.executemany(
            "INSERT OR REPLACE INTO documents(store, collection, id, body) VALUES (?, ?, ?, ?)",
            upserts,
        )
        self._dirty.clear()


KEPT_ON_CLEAR = frozenset({"info", "tokens", "sandbox"})
"""Meta keys that survive :meth:`SandboxDB.clear_store`; the rest (id counters, markers of
defaults made on first use) belongs to the data being cleared."""


class UnknownStoreError(KeyError):
    """No store with this hash exists in the sandbox."""


class SandboxDB:
    """All stores of one sandbox, persisted in one SQLite file (``":memory:"`` for none)."""

    def __init__(
        self,
        path: Path | str = ":memory:",
        *,
        busy_timeout_s: float = 5.0,
        max_document_bytes: int | None = None,
    ) -> None:
        """``busy_timeout_s``: how long a write waits for another process's write lock
        before failing with "database is locked". ``max_document_bytes``: SQLite's length
        limit, beyond which a document cannot be written ("string or blob too big")."""
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=busy_timeout_s
        )
        if max_document_bytes is not None:
            self._conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max_document_bytes)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._stores: dict[str, Store] = {}
        self._data_version = -1
        self._write_depth = 0
        # Resource modules declare their collections' ids and indexes at import time;
        # they must be known before any document is loaded.
        import reconciler.sandbox.resources  # noqa: F401

        self.refresh()

    # -- stores -----------------------------------------------------------------------------
    def store(self, store_hash: str) -> Store:
        """The store with ``store_hash``; raises :class:`UnknownStoreError`."""
        try:
            return self._stores[store_hash]
        except KeyError:
            raise UnknownStoreError(store_hash) from None

    def has_store(self, store_hash: str) -> bool:
        return store_hash in self._stores

    def store_hashes(self) -> list[str]:
        return sorted(self._stores)

    def create_store(self, store_hash: str, meta: dict[str, Any] | None = None) -> Store:
        """Create an empty store (idempotent: an existing store is returned unchanged)."""
        with self._lock:
            existing = self._stores.get(store_hash)
            if existing is not None:
                return existing
            store = Store(self, store_hash, dict(meta or {}))
            store._meta_dirty = True
            self._stores[store_hash] = store
            self.commit()
            return store

    def delete_store(self, store_hash: str) -> None:
        with self._lock, self._writing():
            self._stores.pop(store_hash, None)
            self._conn.execute("DELETE FROM documents WHERE store=?", (store_hash,))
            self._conn.execute("DELETE FROM stores WHERE hash=?", (store_hash,))

    def clear_store(self, store_hash: str) -> Store:
        """Delete every document of a store and restart its ids; keep what describes the
        store itself (:data:`KEPT_ON_CLEAR`: store information, tokens, sandbox settings
        with their scripted failures), so that lazily made defaults (the channel-1 category tree,
        the stock theme) are made again. Returns the emptied store."""
        with self._lock:
            old = self.store(store_hash)
            meta = {k: v for k, v in old.meta.items() if k in KEPT_ON_CLEAR}
            store = Store(self, store_hash, meta)
            store._meta_dirty = True
            self._stores[store_hash] = store
            with self._writing():
                self._conn.execute("DELETE FROM documents WHERE store=?", (store_hash,))
                store._flush(self._conn)
            return store

    # -- persistence ------------------------------------------------------------------------
    def commit(self) -> None:
        """Write every dirty document of every store in one transaction (inside
        :meth:`transaction`: nothing now, the transaction writes them when it ends)."""
        with self._lock, self._writing():
            self._flush_all()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One change of the file, safe against other processes writing it too.

        Takes the write lock (waiting up to ``busy_timeout_s``), reloads what another
        process committed, runs the body, then writes every dirty document and commits.
        When anything fails (the body, or the commit itself: "database is locked", "string
        or blob too big", a full disk) it rolls back, reloads the stores from the file so
        that nothing unwritten stays in memory, and re-raises (``sqlite3.Error`` for
        SQLite's failures). Nested uses join the outer transaction.
        """
        with self._lock:
            if self._write_depth:
                yield
                return
            try:
                with self._writing():
                    self.refresh()
                    yield
                    self._flush_all()
                    # Read while holding the write lock: after the commit another process
                    # may commit at once, and that change must still be reloaded.
                    version = self._current_data_version()
            except BaseException:
                self.reload()
                raise
            self._data_version = version

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on failure); nested: joins."""
        if self._write_depth:
            self._write_depth += 1
            try:
                yield
            finally:
                self._write_depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._write_depth = 1
        try:
            yield
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        finally:
            self._write_depth = 0

    def _flush_all(self) -> None:
        for store in self._stores.values():
            store._flush(self._conn)

    def refresh(self) -> bool:
        """Reload from disk if another connection changed the file; True when reloaded."""
        with self._lock:
            version = self._current_data_version()
            if version == self._data_version:
                return False
            self._data_version = version
            self._stores = {}
            for store_hash, meta in self._conn.execute("SELECT hash, meta FROM stores"):
                self._stores[store_hash] = Store(self, store_hash, json.loads(meta))
            loaded: dict[tuple[str, str], list[Document]] = {}
            for store_hash, coll_name, body in self._conn.execute(
                "SELECT store, collection, body FROM documents"
            ):
                if store_hash in self._stores:
                    loaded.setdefault((store_hash, coll_name), []).append(json.loads(body))
            for (store_hash, coll_name), docs in loaded.items():
                collection = self._stores[store_hash].collection(coll_name)
                id_field = collection.spec.id_field
                # Lists are served in id order, as BigCommerce does by default.
                docs.sort(key=lambda d: _sort_key(d[id_field]))
                for doc in docs:
                    collection.load(doc)
            return True

    def reload(self) -> None:
        """Drop everything in memory and read the file again (after a failed request).

        Inside a :meth:`transaction` nothing happens: the transaction reloads itself when it
        fails, and its changes must not lose their dirty marks before it commits."""
        with self._lock:
            if self._write_depth:
                return
            for store in self._stores.values():
                store._dirty.clear()
                store._meta_dirty = False
            self._data_version = -1
            self.refresh()

    def _current_data_version(self) -> int:
        row = self._conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self.commit()
            self._conn.close()
