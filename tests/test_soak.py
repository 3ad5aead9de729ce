"""A soak: a few hundred chats through one app process, a slice of them against an endpoint
that refuses connections and a slice against one that never answers in time. Every chat
ends with an answer or a sentence; the healthy ones are not held up by the others; memory
comes back near where it started. The figures go to test-results/soak.json (README, Tests)."""

from __future__ import annotations

import json
import statistics
import threading
import time
from pathlib import Path

import httpx

from apprun import AppProcess, chat, free_port
from fakehf import FakeHF, Reply

CHATS = 300
SENDERS = 20  # people chatting at once, each on a page (a session) of their own
READ_TIMEOUT = 3.0  # the app's PLAYGROUND_READ_TIMEOUT: what a slow chat waits before its sentence
INFO = {"model_id": "HuggingFaceH4/zephyr-7b-beta", "model_pipeline_tag": "text-generation", "version": "3.2.1",
        "max_input_tokens": 4000, "max_total_tokens": 4096}


def kind_of(i: int) -> str:
    """One chat in ten refused, one in ten slow, spread over every sender (chat i goes to sender i % SENDERS)."""
    round_ = i // SENDERS
    return "refused" if round_ % 10 == 3 else "slow" if round_ % 10 == 7 else "healthy"


def test_soak_every_chat_ends_and_failing_endpoints_do_not_hold_up_the_rest():
    dead = free_port()
    with FakeHF() as fake:
        slow = fake.endpoint_url("slow")
        for path in ("/endpoints/slow/info", "/endpoints/slow/v1/chat/completions", "/endpoints/slow/"):
            fake.script(path, *[Reply(200, INFO, delay=READ_TIMEOUT * 3)] * CHATS)
        urls = {"healthy": fake.endpoint_url("zephyr-tgi1"), "refused": f"http://127.0.0.1:{dead}", "slow": slow}
        env = {"HF_INFERENCE_ENDPOINT": fake.inference_url, "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url, "PLAYGROUND_READ_TIMEOUT": str(READ_TIMEOUT),
               "PLAYGROUND_CONNECT_TIMEOUT": "2"}
        with AppProcess(env) as app:
            results: list[tuple[str, str, float, str, str]] = []
            lock = threading.Lock()

            def sender(s: int, numbers: list[int]) -> None:
                with httpx.Client() as client:
                    for i in numbers:
                        kind = kind_of(i)
                        start = time.perf_counter()
                        reply, details, _ = chat(client, app.url, session=f"soak-{s}", message=f"chat-{i} hello",
                                                 endpoint="public", api_base=urls[kind], max_tokens=6, timeout=60)
                        with lock:
                            results.append((kind, details["status"], time.perf_counter() - start, reply, details["error"] or ""))

            def run(numbers: list[int]) -> float:
                started = time.perf_counter()
                threads = [threading.Thread(target=sender, args=(s, numbers[s::SENDERS])) for s in range(SENDERS)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                return time.perf_counter() - started

            run([i for i in range(2 * SENDERS) if kind_of(i) == "healthy"])  # warm up: every page opened once
            warm = [r for r in results if r[0] == "healthy"]
            baseline_p95 = statistics.quantiles([r[2] for r in warm], n=20)[-1]
            results.clear()
            rss_start = app.rss_mb()
            wall = run(list(range(CHATS)))
            time.sleep(1)
            rss_end = app.rss_mb()

    assert len(results) == CHATS
    by_kind = {kind: [r for r in results if r[0] == kind] for kind in ("healthy", "refused", "slow")}
    healthy = by_kind["healthy"]
    assert all(r[1] == "done" and r[3].strip() for r in healthy), [r for r in healthy if r[1] != "done"][:3]
    for kind, words in (("refused", "Could not connect"), ("slow", "did not answer within")):
        assert all(r[1] == "error" and words in r[4] and r[4].rstrip().endswith(".") for r in by_kind[kind]), by_kind[kind][:2]
    # The stated bound: no healthy chat waits as long as a slow one's timeout, that is, none
    # queues behind the slow or refused chats running beside it.
    healthy_times = sorted(r[2] for r in healthy)
    assert healthy_times[-1] < READ_TIMEOUT, f"a healthy chat took {healthy_times[-1]:.2f} s"
    assert rss_end - rss_start < 40, f"memory grew {rss_end - rss_start:.1f} MB over the soak"

    figures = {
        "chats": CHATS, "senders at once": SENDERS, "wall seconds": round(wall, 1),
        "healthy": len(healthy), "refused connection": len(by_kind["refused"]), "slow (timed out)": len(by_kind["slow"]),
        "healthy p50 seconds": round(statistics.median(healthy_times), 3),
        "healthy p95 seconds": round(statistics.quantiles(healthy_times, n=20)[-1], 3),
        "healthy max seconds": round(healthy_times[-1], 3),
        "healthy p95 seconds with nothing failing (warm-up)": round(baseline_p95, 3),
        "slow chats' timeout seconds": READ_TIMEOUT,
        "rss MB before": round(rss_start, 1), "rss MB after": round(rss_end, 1),
    }
    out = Path(__file__).resolve().parents[1] / "test-results"
    out.mkdir(exist_ok=True)
    (out / "soak.json").write_text(json.dumps(figures, indent=2) + "\n")
