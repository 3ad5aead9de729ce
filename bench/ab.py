"""Per-call overhead of ``playground.completion`` at two revisions, measured side by side.

    python3 bench/ab.py REV            # REV (e.g. a commit before a change) against the working tree
    python3 bench/ab.py REV_A REV_B

Each revision is checked out in a temporary git worktree. The same loopback endpoint
(bench/server.py) answers both; rounds alternate between the two so that the machine's
drift hits both alike. Every round is a fresh process: 50 warm-up calls, then
``BENCH_AB_CALLS`` (300) pairs of one call through the library and one raw httpx POST of
the same body, so each revision has its own floor. Prints a markdown table.
Run it with the bench environment's Python (``.venv/bin/python`` after ``dev.py bench``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from run import free_port, wait_http  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_AB_ROUNDS", "6"))
CALLS = int(os.environ.get("BENCH_AB_CALLS", "300"))

ONE_ROUND = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import httpx, playground
base, calls = sys.argv[2], int(sys.argv[3])
messages = [{"role": "user", "content": "Say something."}]
def ours():
    return playground.completion(model="bench/model", messages=messages, api_base=base, api_key=False, max_tokens=16)
body = ours().exchanges[-1].request_body
client, url = httpx.Client(), base + "/v1/chat/completions"
def raw():
    return client.post(url, json=body, headers={"Content-Type": "application/json"}).json()
for _ in range(50):
    ours(); raw()
out = {"ours": [], "raw": []}
for _ in range(calls):
    for name, fn in (("ours", ours), ("raw", raw)):
        start = time.perf_counter(); fn(); out[name].append(time.perf_counter() - start)
print(json.dumps(out))
"""


def checkout(rev: str, into: Path) -> Path:
    path = into / rev.replace("/", "_")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(path), rev], check=True, capture_output=True)
    return path


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(0.95 * (len(samples) - 1))]


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__)
        return 2
    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "server.py"), str(port)])
    base = f"http://127.0.0.1:{port}/d0"
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as scratch:
        trees = {rev: checkout(rev, Path(scratch)) for rev in argv}
        if len(argv) == 1:
            trees["working tree"] = ROOT
        try:
            wait_http(f"{base}/info")
            samples = {name: {"ours": [], "raw": []} for name in trees}
            env = {**os.environ, "HF_HUB_OFFLINE": "1"}
            for _ in range(ROUNDS):
                for name, tree in trees.items():
                    done = subprocess.run([sys.executable, "-c", ONE_ROUND, str(tree), base, str(CALLS)], capture_output=True, text=True, env=env, check=True)
                    for key, values in json.loads(done.stdout).items():
                        samples[name][key] += values
        finally:
            server.terminate()
            for rev in argv:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(trees[rev])], capture_output=True)
    print(f"Per-call overhead, {ROUNDS} alternating rounds of {CALLS} calls per revision ({time.strftime('%Y-%m-%d')}):\n")
    print("| revision | completion() median | p95 | raw httpx median | p95 | median / raw | p95 / raw p95 |")
    print("|---|---|---|---|---|---|---|")
    for name, got in samples.items():
        ours, raw = got["ours"], got["raw"]
        print(f"| {name} | {statistics.median(ours) * 1000:.3f} ms | {p95(ours) * 1000:.3f} ms | {statistics.median(raw) * 1000:.3f} ms "
              f"| {p95(raw) * 1000:.3f} ms | {statistics.median(ours) / statistics.median(raw):.2f}x | {p95(ours) / p95(raw):.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
