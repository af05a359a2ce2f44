"""One kind's objects of a snapshot, kept by canonical JSON and digest, decoded on demand.

An ``ObjectGroup`` is the read-only ``Mapping`` (key → JSON-native object) that stands for
one kind (``tables``, ``functions``, ...) in ``Snapshot.data`` when the snapshot came from
a place that already knows each object's canonical JSON or digest: a snapshot file in
driftwatch's layout (one object per line), the object store, or a fresh snapshot whose
objects were hashed one by one. Commands then compare objects by digest and decode only
the ones they look at: a diff of two 10,000-table files decodes the handful that changed.

Each entry holds any of: the decoded value, the canonical JSON bytes, the digest, and —
for objects of the store not read yet — nothing but the digest, fetched on first use
through ``fetch`` (digests → canonical bytes, in one batch).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

import orjson

__all__ = [
    "Fetch",
    "ObjectGroup",
    "canonical_of",
    "digest_bytes",
    "digests_of",
    "group_digest",
    "same",
]

_OPTS = orjson.OPT_SORT_KEYS
FETCH_BATCH = 256  # objects read from the store at once when one is missing

Fetch = Callable[[list[str]], Mapping[str, bytes]]
"""Object digests → their canonical JSON (the store's batch read)."""


def digest_bytes(canonical: bytes) -> str:
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


class ObjectGroup(Mapping[str, Any]):
    """Key → object of one kind; see the module docstring. Treat it as read-only."""

    __slots__ = ("_canon", "_digests", "_fetch", "_keys", "_order", "_sizes", "_values")

    def __init__(
        self,
        keys: Iterable[str],
        *,
        values: Mapping[str, Any] | None = None,
        canon: Mapping[str, bytes] | None = None,
        digests: Mapping[str, str] | None = None,
        sizes: Mapping[str, int] | None = None,
        fetch: Fetch | None = None,
    ) -> None:
        self._keys: dict[str, None] = dict.fromkeys(keys)
        self._values: dict[str, Any] = dict(values or {})
        self._canon: dict[str, bytes] = dict(canon or {})
        self._digests: dict[str, str] = dict(digests or {})
        self._sizes: dict[str, int] = dict(sizes or {})
        self._fetch = fetch
        self._order: tuple[dict[str, int], list[str]] | None = None  # for batched reads

    @classmethod
    def spliced(
        cls,
        kept: Mapping[str, Any],
        drop: Collection[str],
        new: Mapping[str, Any],
        canon: Mapping[str, bytes] | None = None,
    ) -> ObjectGroup:
        """``kept``'s objects but those in ``drop`` or ``new``, as ``kept`` holds them
        (canonical bytes, digests, or by digest to fetch: nothing decoded or encoded) or
        as ``canon`` gives their bytes (``fetch_missing``), and ``new``'s decoded objects;
        keys sorted (an incremental snapshot's relations)."""
        keys = sorted({k for k in kept if k not in drop} | new.keys())
        if not isinstance(kept, ObjectGroup):
            values = {k: new[k] if k in new else kept[k] for k in keys}
            return cls(keys, values=values)
        old = [k for k in keys if k not in new]

        def pick(held: Mapping[str, Any]) -> dict[str, Any]:
            return {k: held[k] for k in old if k in held}

        return cls(
            keys,
            values={**pick(kept._values), **new},
            canon={**pick(kept._canon), **pick(canon or {})},
            digests=pick(kept._digests),
            sizes=pick(kept._sizes),
            fetch=kept._fetch,
        )

    @classmethod
    def of(
        cls, values: Mapping[str, Any], digests: Mapping[str, str], sizes: Mapping[str, int]
    ) -> ObjectGroup:
        """Decoded objects whose digests and sizes are known (a fresh snapshot, hashed)."""
        return cls(values, values=values, digests=digests, sizes=sizes)

    # ------------------------------------------------------------------ Mapping

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            if key not in self._keys:
                raise
        value = orjson.loads(self.canonical(key))
        self._values[key] = value
        if key in self._digests:
            # the bytes are the value's canonical JSON again whenever asked (``canonical``):
            # not kept beside it, so decoding a whole stored snapshot holds one copy
            self._canon.pop(key, None)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __repr__(self) -> str:
        return f"ObjectGroup({len(self._keys)} objects, {len(self._values)} decoded)"

    # ------------------------------------------------------------------ by content

    def canonical(self, key: str) -> bytes:
        """The object's canonical JSON (fetched from the store, or encoded, if not held)."""
        raw = self._canon.get(key)
        if raw is not None:
            return raw
        if key in self._values:
            return orjson.dumps(self._values[key], option=_OPTS)
        if key not in self._keys:
            raise KeyError(key)
        self.prefetch(self._following(key))
        return self._canon[key]

    def _following(self, key: str) -> list[str]:
        """``key`` and the keys after it: a read from the store brings a batch, since
        whoever reads one object of a kind usually goes on to the next ones."""
        if self._order is None:
            keys = list(self._keys)
            self._order = ({k: i for i, k in enumerate(keys)}, keys)
        position, keys = self._order
        start = position[key]
        return keys[start : start + FETCH_BATCH]

    def digest(self, key: str) -> str:
        """sha256 of the object's canonical JSON; never decodes the object."""
        d = self._digests.get(key)
        if d is None:
            d = self._digests[key] = digest_bytes(self.canonical(key))
        return d

    def size(self, key: str) -> int:
        """Length of the object's canonical JSON."""
        n = self._sizes.get(key)
        if n is None:
            n = self._sizes[key] = len(self.canonical(key))
        return n

    def digests(self) -> dict[str, str]:
        return {key: self.digest(key) for key in self._keys}

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the canonical JSON of ``keys`` that are held by digest only, in one batch."""
        missing = [
            k for k in keys if k in self._keys and k not in self._canon and k not in self._values
        ]
        if not missing:
            return
        if self._fetch is None:
            raise KeyError(f"object {missing[0]!r} has neither content nor a store to read from")
        want = {self._digests[k] for k in missing}
        got = self._fetch(sorted(want))
        for k in missing:
            raw = got.get(self._digests[k])
            if raw is None:
                raise LookupError(f"object {k!r} ({self._digests[k][:19]}…) is missing")
            self._canon[k] = raw

    def canonicals(self, keys: Iterable[str], batch: int = 1000) -> Iterator[tuple[str, bytes]]:
        """(key, canonical JSON) of ``keys`` in order; objects held by digest only are read
        from the store ``batch`` at a time and not kept (hashing a whole snapshot then
        holds one batch of their bytes, not all of them)."""
        pending: list[str] = []

        def flush() -> Iterator[tuple[str, bytes]]:
            missing = [k for k in pending if k not in self._canon and k not in self._values]
            got: Mapping[str, bytes] = {}
            if missing:
                if self._fetch is None:
                    raise KeyError(f"object {missing[0]!r} has neither content nor a store")
                got = self._fetch(sorted({self._digests[k] for k in missing}))
            for k in pending:
                raw = self._canon.get(k)
                if raw is None and k in self._values:
                    raw = orjson.dumps(self._values[k], option=_OPTS)
                elif raw is None:
                    raw = got.get(self._digests[k])
                    if raw is None:
                        raise LookupError(f"object {k!r} ({self._digests[k][:19]}…) is missing")
                yield k, raw
            pending.clear()

        for key in keys:
            if key not in self._keys:
                raise KeyError(key)
            pending.append(key)
            if len(pending) >= batch:
                yield from flush()
        yield from flush()

    def fetch_missing(self) -> dict[str, bytes]:
        """The canonical JSON of every object held by digest only, read from the store in
        one go and returned, not kept: it changes nothing in the group, so another thread
        may read ahead while this one works on something else."""
        missing = [k for k in self._keys if k not in self._canon and k not in self._values]
        if not missing or self._fetch is None:
            return {}
        got = self._fetch(sorted({self._digests[k] for k in missing}))
        return {k: got[self._digests[k]] for k in missing if self._digests[k] in got}

    def known_digest(self, key: str) -> str | None:
        """The object's digest if already known (nothing read, encoded or hashed)."""
        return self._digests.get(key)

    def learn(self, key: str, digest: str, size: int) -> None:
        """Record the digest and size of an object just encoded (``snapshot.hashed``)."""
        self._digests[key] = digest
        self._sizes[key] = size

    def decoded(self) -> int:
        """How many objects were decoded (for tests and the tick's counters)."""
        return len(self._values)


def same(a: Mapping[str, Any], b: Mapping[str, Any], key: str) -> bool:
    """Whether ``a[key]`` and ``b[key]`` are the same object, compared without decoding:
    by digest when both sides know it, by canonical bytes when both hold them."""
    if isinstance(a, ObjectGroup) and isinstance(b, ObjectGroup):
        da, db = a._digests.get(key), b._digests.get(key)
        if da is not None and db is not None:
            return da == db
        ca, cb = a._canon.get(key), b._canon.get(key)
        if ca is not None and cb is not None:
            return ca == cb
    return group_digest(a, key) == group_digest(b, key)


def canonical_of(group: Mapping[str, Any], key: str) -> bytes:
    """Canonical JSON of ``group[key]``, without decoding it when the group holds it."""
    if isinstance(group, ObjectGroup):
        return group.canonical(key)
    return orjson.dumps(group[key], option=_OPTS)


def group_digest(group: Mapping[str, Any], key: str) -> str:
    if isinstance(group, ObjectGroup):
        return group.digest(key)
    return digest_bytes(orjson.dumps(group[key], option=_OPTS))


def digests_of(data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Kind → key → object digest of a whole ``objects`` tree."""
    return {kind: {k: group_digest(group, k) for k in group} for kind, group in data.items()}
