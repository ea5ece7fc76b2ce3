"""Read only the parts of a bulk offer file the parser needs, each tokenized once.

An offer file is `{..., "products": {...}, "terms": {"OnDemand": {...},
"Reserved": {...}}}`. The parser needs the products first (which SKUs are
Linux on-demand), then their on-demand terms; the reserved terms, often half
the file, are never needed. Two plain ijson passes would tokenize the whole
file twice. These readers hand ijson one section at a time: the first ends the
document where the top-level "terms" key starts, the second starts there and
ends it where "Reserved" starts. A JSON string cannot hold an unescaped
`"terms": {`, so the key patterns only match real keys; when the layout is
different the reader simply runs to the end of the file.
"""

from __future__ import annotations

import re
from typing import BinaryIO

PRODUCTS_KEY = re.compile(rb'"products"\s*:\s*\{')
TERMS_KEY = re.compile(rb'"terms"\s*:\s*\{')
ON_DEMAND_KEY = re.compile(rb'"OnDemand"\s*:\s*\{')
RESERVED_KEY = re.compile(rb'"Reserved"\s*:\s*\{')
HOLD_BACK = 64  # bytes kept unemitted so a key split across two reads is still found


class Section:
    """File-like: `prefix`, then the file from its current position up to the
    first `stop` key after the `after` key, closed with `closing`."""

    def __init__(
        self, handle: BinaryIO, chunk: int, after: re.Pattern, stop: re.Pattern, closing: bytes, prefix: bytes = b""
    ) -> None:
        self.handle = handle
        self.chunk = chunk
        self.after, self.stop, self.closing = after, stop, closing
        self.start = handle.tell()
        self.pending = prefix
        self.emitted = -len(prefix)  # file bytes handed out so far (the prefix is not from the file)
        self.after_at: int | None = None
        self.stop_offset: int | None = None  # absolute file offset of the stop key, once found
        self.finished = False

    def read(self, size: int = -1) -> bytes:
        if self.finished or size == 0:  # ijson probes with read(0) for bytes vs text
            return b""
        want = size if size and size > 0 else self.chunk
        data = self.pending
        while True:  # an empty return means EOF to ijson: hand out something unless the file ended
            fresh = self.handle.read(want)
            data += fresh
            if not fresh:
                self.finished, self.pending = True, b""
                return data
            if len(data) > HOLD_BACK:
                break
        if self.after_at is None and (found := self.after.search(data)):
            self.after_at = self.emitted + found.end()
        if self.after_at is not None:
            stop = self.stop.search(data, max(self.after_at - self.emitted, 0))
            if stop:
                self.stop_offset = self.start + self.emitted + stop.start()
                self.finished = True
                return data[: stop.start()] + self.closing
        self.pending = data[-HOLD_BACK:]
        out = data[:-HOLD_BACK]
        self.emitted += len(out)
        return out


def products_section(handle: BinaryIO, chunk: int) -> Section:
    return Section(handle, chunk, PRODUCTS_KEY, TERMS_KEY, b'"terms": {}}')


def on_demand_section(handle: BinaryIO, chunk: int, terms_offset: int) -> Section:
    """From the "terms" key to the "Reserved" key after "OnDemand"."""
    handle.seek(terms_offset)
    return Section(handle, chunk, ON_DEMAND_KEY, RESERVED_KEY, b'"Reserved": {}}}', prefix=b"{")
