"""The import's write pass reads the next spooled batch on a thread (``_prefetched``): same
batches in the same order, errors of the reader raised in the writer, and no thread left
behind when the writer stops early (a refused batch) with the queue full."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterator
from typing import cast

import pytest

from loaders.write_pass import prefetched as _prefetched


def test_same_batches_in_order() -> None:
    assert list(_prefetched(iter(range(50)), depth=2)) == list(range(50))


def test_a_reader_error_is_raised_in_the_writer() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("spool broken")

    with pytest.raises(ValueError, match="spool broken"):
        list(_prefetched(failing()))


def test_stopping_early_with_a_full_queue_ends_the_reader() -> None:
    before = threading.active_count()
    # _prefetched is a generator function; its declared Iterator type hides close().
    batches = cast(Generator[int, None, None], _prefetched(iter(range(1000)), depth=2))
    assert next(batches) == 0
    time.sleep(0.3)  # the reader fills the queue and waits
    batches.close()  # the writer stops (as when the store refuses a batch)
    assert threading.active_count() == before
