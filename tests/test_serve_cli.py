"""`glossary-bot serve --http` from the command line: what it says when it starts, and a port in use."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PAGES
from tests.helpers import free_port
from tests.slack_harness import BOT_TOKEN, SECRET
from tests.slack_standin import SlackStandIn


def _serve(standin: SlackStandIn, tmp_path: Path, port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port), "--content", str(PAGES), *extra],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
             "SLACK_API_URL": standin.url, "GLOSSARY_STATE_DB": str(tmp_path / "state.db")})


def _wait_for_line(server: subprocess.Popen, text: str, timeout: float = 30) -> str:
    assert server.stdout is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return line
    server.kill()
    raise AssertionError("".join(seen))


def test_serve_http_says_where_it_listens_in_one_line(standin: SlackStandIn, tmp_path: Path) -> None:
    port = free_port()
    server = _serve(standin, tmp_path, port)
    try:
        line = _wait_for_line(server, "serving Slack at")
        assert f"serving Slack at http://0.0.0.0:{port}/slack/events (HTTP mode, pid " in line
        assert line.rstrip().endswith("; 12 terms")
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    assert server.returncode == 0


def test_a_port_in_use_is_one_sentence(standin: SlackStandIn, tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        port = holder.getsockname()[1]
        server = _serve(standin, tmp_path, port)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 2, output
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1] == (f"glossary-bot serve: port {port} is already in use by another "
                                               "program; stop it or choose another port with --port")


def test_a_worker_that_dies_is_started_again(standin: SlackStandIn, tmp_path: Path) -> None:
    port = free_port()
    server = _serve(standin, tmp_path, port, "--workers", "2")
    try:
        first = _wait_for_line(server, "serving Slack at")
        _wait_for_line(server, "serving Slack at")
        victim = int(first.split("pid ")[1].split(")")[0])
        os.kill(victim, signal.SIGKILL)
        assert "starting another in 1 s" in _wait_for_line(server, f"worker pid {victim} exited")
        replacement = _wait_for_line(server, "serving Slack at")
        assert f"pid {victim})" not in replacement
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output


def test_a_port_in_use_stops_every_worker_with_one_sentence(standin: SlackStandIn, tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        port = holder.getsockname()[1]
        server = _serve(standin, tmp_path, port, "--workers", "2")
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 2, output
    assert "Traceback" not in output
    assert f"port {port} is already in use by another program" in output


def test_a_token_slack_rejects_is_one_sentence_and_exit_2(standin: SlackStandIn, tmp_path: Path) -> None:
    standin.auth_error = "invalid_auth"
    server = _serve(standin, tmp_path, free_port())
    out, _ = server.communicate(timeout=60)
    assert server.returncode == 2
    assert out.strip().splitlines()[-1].startswith("glossary-bot serve: Slack rejected SLACK_BOT_TOKEN (invalid_auth)")
    assert "Traceback" not in out and "Unclosed" not in out


def test_socket_mode_that_cannot_connect_stops_promptly_on_sigterm_and_on_ctrl_c(standin: SlackStandIn,
                                                                                  tmp_path: Path) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--content", str(PAGES)], cwd=tmp_path, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-test",
                 "SLACK_API_URL": standin.url, "GLOSSARY_STATE_DB": str(tmp_path / "state.db")})
        deadline = time.monotonic() + 30
        while not any(c.method == "apps.connections.open" for c in standin.calls):  # trying to connect
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.05)
        time.sleep(0.5)
        sent = time.monotonic()
        server.send_signal(signum)
        out, _ = server.communicate(timeout=15)
        assert time.monotonic() - sent < 5, out
        assert server.returncode == 0 and "Traceback" not in out
        standin.calls.clear()
