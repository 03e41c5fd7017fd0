"""The guard that keeps every test (and so the product under test) off the network."""

from __future__ import annotations

import socket
import urllib.request

import pytest


def test_a_connection_attempt_fails_the_test() -> None:
    with pytest.raises(AssertionError, match="tried to reach the network"):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(AssertionError, match="tried to reach the network"):
        urllib.request.urlopen("http://example.invalid/", timeout=1)
