"""Reads that several parts of one page make, made once for that page.

The home page's panels are drawn one after another by providers that know nothing of each
other (common.attention), and several of them read the same thing: a manager's panels each
need the management subtree, read from every person with a line manager. Inside
`one_page()` a read passed to `once()` is made the first time and its result reused for
the rest of the block; outside it, `once()` simply reads. The block ends with the page, so
nothing read is kept between requests and no page sees another's figures.

Only reads that nothing in the block writes to belong here: the panels only read.
Results are shared, so callers must not change them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_reads: ContextVar[dict[str, Any] | None] = ContextVar("per_page_reads", default=None)


@contextmanager
def one_page() -> Iterator[None]:
    """Reads made through once() in this block are made once (blocks may nest: the inner
    one shares the outer one's reads)."""
    if _reads.get() is not None:
        yield
        return
    token = _reads.set({})
    try:
        yield
    finally:
        _reads.reset(token)


def once[T](key: str, read: Callable[[], T]) -> T:
    """read()'s result, made once per one_page() block for this key; read() each time
    outside such a block."""
    reads = _reads.get()
    if reads is None:
        return read()
    if key not in reads:
        reads[key] = read()
    result: T = reads[key]
    return result
