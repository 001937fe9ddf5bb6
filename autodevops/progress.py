"""A progress bar on stderr for long runs (silent when stderr is not a terminal)."""
from __future__ import annotations

import sys
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], desc: str = "logs") -> Iterator[T]:
    from tqdm import tqdm

    yield from tqdm(items, desc=desc, unit=" logs", file=sys.stderr, disable=None, mininterval=0.5, leave=False)
