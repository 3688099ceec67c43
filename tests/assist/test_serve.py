"""``assist serve --demo`` on embedded defaults: no external Redis or database, healthy within 60 s."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET, free_port, wait_for_http

HAS_PROC = Path("/proc/self").exists()
"""Linux: the test also checks that the embedded Redis process is gone after shutdown."""


async def test_serve_with_embedded_defaults_answers_healthz_and_readyz(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSIST_")}
    env.update({"ASSIST_DATA_DIR": str(tmp_path), "ASSIST_PORT": str(port), "ASSIST_JWT_SECRET": TEST_SECRET,
                "ASSIST_DEMO_MODEL": "false"})  # trained on a small world in tests/assist/test_demo_model.py
    process = subprocess.Popen([sys.executable, "-m", "assist.cli", "serve", "--demo"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        await wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        embedded = [pid for pid in children(process.pid) if "redis-server" in command_line(pid)] if HAS_PROC else [0]
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"redis": True, "database": True}
    assert f"http://127.0.0.1:{port}/ui/" in output
    assert "Trainer token (T1):" in output and "simulated customer lines" in output
    assert len(embedded) == 1
    if HAS_PROC:
        assert not Path(f"/proc/{embedded[0]}").exists(), "the embedded Redis outlived the service"


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
