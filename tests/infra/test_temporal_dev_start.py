"""Starting the embedded Temporal server when a port is taken.

The server's HTTP and metrics ports are picked free just before it starts; another process can take one in
between (seen once in CI: the dev-recovery drill's restart stopped with "temporal dev server exited with 1").
A taken picked port is retried on fresh ones; a taken configured port stops the start with the server's own
words. The race itself is outside our control, so the test makes the first pick return a port it holds.
"""

from __future__ import annotations

import socket

import pytest

from services.dev import temporal_dev
from services.dev.temporal_dev import DevServer


@pytest.fixture
def held_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


async def test_a_picked_port_taken_in_between_is_picked_again(tmp_path, held_port, monkeypatch):
    picks = iter([held_port])
    real_free_port = temporal_dev.free_port
    monkeypatch.setattr(temporal_dev, "free_port", lambda: next(picks, None) or real_free_port())
    server = DevServer(db_file=None, log_file=tmp_path / "temporal.log")
    try:
        await server.start()
        assert server.process.poll() is None
        log = (tmp_path / "temporal.log").read_text()
        assert f"{held_port}: bind: address already in use" in log, log  # the first try did hit the taken port
        assert f"--http-port', '{held_port}'" not in str(server.process.args)
    finally:
        server.stop()


async def test_a_taken_configured_port_stops_the_start_with_the_servers_words(tmp_path, held_port):
    server = DevServer(db_file=None, port=held_port, log_file=tmp_path / "temporal.log")
    with pytest.raises(RuntimeError) as refused:
        await server.start(timeout=30)
    message = str(refused.value)
    assert "exited with 1" in message
    assert f"{held_port}: bind: address already in use" in message
    assert (tmp_path / "temporal.log").read_text().count("address already in use") == 1, "retried a configured port"
