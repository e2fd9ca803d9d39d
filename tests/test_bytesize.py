"""Byte sizes read as a file writes them."""

from __future__ import annotations

import pytest

from naftiko.bytesize import size


@pytest.mark.parametrize(
    ("written", "bytes_"),
    [(5242880, 5242880), ("5MiB", 5 * 1024**2), ("5 MB", 5_000_000), ("1.5 KiB", 1536), ("7", 7)],
)
def test_a_size_is_read_in_bytes(written: object, bytes_: int) -> None:
    assert size(written) == bytes_


@pytest.mark.parametrize("written", [None, "", "five", "5 parsecs", True])
def test_what_is_not_a_size_is_none(written: object) -> None:
    assert size(written) is None
