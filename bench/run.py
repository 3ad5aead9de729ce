"""Run every benchmark and write bench/results.md.

    python3 dev.py bench          # installs requirements-bench.txt (litellm, psutil) first

Everything runs in one go on this machine, against loopback servers it starts itself
(bench/server.py, and app.py for the measurements through the app), so that the figures
in one table are comparable. These are scripts, not tests: nothing here asserts.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["NO_PROXY"] = "127.0.0.1,localhost"

logging.getLogger("asyncio").setLevel(logging.ERROR)  # litellm's aborted connections would log a line each
PY = sys.executable
CALLS = int(os.environ.get("BENCH_CALLS", "500"))
WARMUP = 30
CLIENT_BUDGET = 30.0  # seconds of calls one client may take on one route in section 1
MESSAGES = [{"role": "user", "content": "Say something."}]
LINES: list[str] = []


def say(text: str = "") -> None:
    print(text, flush=True)
    LINES.append(text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0) -> float:
    """Seconds until ``url`` answers 200."""
    start = time.perf_counter()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except OSError:
            pass
        if time.perf_counter() - start > timeout:
            raise RuntimeError(f"{url} did not answer within {timeout} s")
        time.sleep(0.02)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def timed(fn: Callable[[], object], n: int, budget: float = 120.0) -> list[float]:
    samples = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
        if time.perf_counter() - started > budget:
            break
    return samples


def table(rows: list[list[str]], head: list[str]) -> None:
    if LINES and LINES[-1]:
        say()  # a table right after a list item would render inside it
    say("| " + " | ".join(head) + " |")
    say("|" + "---|" * len(head))
    for row in rows:
        say("| " + " | ".join(row) + " |")
    say()


# --- 1. per-call overhead ---------------------------------------------------------------

PROMPT = "Say something."


def routes(root: str) -> dict[str, dict[str, object]]:
    """Each route: how each client calls it (the same model, prompt and length)."""
    tgi, vllm, router = f"{root}/d0", f"{root}/vllm0", f"{root}/router"
    return {
        "TGI chat (/v1/chat/completions)": {
            "ours": {"model": "bench/model", "api_base": tgi, "api_key": False},
            "hub": ("chat", {"base_url": tgi}),
            "litellm": {"model": "huggingface/bench/model", "api_base": tgi, "api_key": "hf_bench"},
        },
        "TGI text (POST /)": {
            "ours": {"model": "bench/model", "api_base": tgi, "api_key": False, "task": "text-generation"},
            "hub": ("text", {"model": tgi}),
            "litellm": None,  # litellm's Hugging Face provider speaks chat completions only
        },
        "Inference Providers router": {
            "ours": {"model": "bench/model:bench-provider", "api_key": "hf_bench_dummy"},
            "hub": ("chat", {"base_url": router, "api_key": "hf_bench_dummy", "model": "bench/model:bench-provider"}),
            "litellm": {"model": "huggingface/bench-provider/bench/model", "api_key": "hf_bench_dummy"},
        },
        "vLLM chat (/v1/chat/completions)": {
            "ours": {"model": "bench/model", "api_base": vllm, "api_key": False},
            "hub": ("chat", {"base_url": vllm}),
            "litellm": {"model": "hosted_vllm/bench/model", "api_base": f"{vllm}/v1", "api_key": "none"},
        },
    }


def hub_call(kind: str, options: dict, asynchronous: bool):
    from huggingface_hub import AsyncInferenceClient, InferenceClient

    options = dict(options)
    model = options.pop("model") if kind == "chat" and "model" in options else None
    client = (AsyncInferenceClient if asynchronous else InferenceClient)(**options)
    if kind == "text":
        return lambda: client.text_generation(PROMPT, max_new_tokens=16)
    extra = {"model": model} if model else {}
    return lambda: client.chat_completion(messages=MESSAGES, max_tokens=16, **extra)


def clients_of(route: dict, asynchronous: bool) -> dict[str, Callable[[], object]]:
    """raw httpx (the floor: the very request the playground sends, on one keep-alive
    client), the playground, InferenceClient and litellm, for one route."""
    import httpx

    import playground

    ours_options = route["ours"]
    if asynchronous:
        def ours():
            return playground.acompletion(messages=MESSAGES, max_tokens=16, **ours_options)
        sent = asyncio.run(ours()).exchanges[-1]
        client = httpx.AsyncClient()
        raw = lambda: client.post(sent.url, json=sent.request_body, headers={"Content-Type": "application/json"})  # noqa: E731
    else:
        def ours():
            return playground.completion(messages=MESSAGES, max_tokens=16, **ours_options)
        sent = ours().exchanges[-1]
        client = httpx.Client()
        raw = lambda: client.post(sent.url, json=sent.request_body, headers={"Content-Type": "application/json"}).json()  # noqa: E731
    calls = {"raw httpx (floor)": raw, "playground": ours, "InferenceClient": hub_call(*route["hub"], asynchronous)}
    lite = route["litellm"]
    if lite is not None:
        try:
            import litellm

            function = litellm.acompletion if asynchronous else litellm.completion
            calls["litellm"] = lambda: function(messages=MESSAGES, max_tokens=16, **lite)
        except ImportError:
            pass
    return calls


def rotations(working: dict) -> list[dict]:
    """The clients timed in turn, then litellm on its own: its logging thread keeps working
    after each call returns and would slow whichever call comes next."""
    return [{name: call for name, call in working.items() if name != "litellm"},
            {name: call for name, call in working.items() if name == "litellm"}]


def overhead(root: str, asynchronous: bool) -> dict[str, dict[str, list[float]]]:
    """Sequential calls on every route with every client, interleaved call by call (one of
    each in turn) so that the machine's drift hits every client alike. Async clients run
    in one event loop per route (their connections belong to it)."""
    results: dict[str, dict[str, list[float]]] = {}
    for route_name, route in routes(root).items():
        calls = clients_of(route, asynchronous)
        samples: dict[str, list[float]] = {}

        def over_budget(name: str, working: dict) -> None:
            if sum(samples[name]) > CLIENT_BUDGET:  # a client with multi-second stalls stops early rather than hold the run
                del working[name]
                say(f"- {route_name}, {name}{' (async)' if asynchronous else ''}: stopped after {len(samples[name])} calls "
                    f"({CLIENT_BUDGET:.0f} s of calls)")

        def failed(name: str, error: Exception) -> None:
            say(f"- {route_name}, {name}{' (async)' if asynchronous else ''} failed: {type(error).__name__}: {str(error)[:160]}")

        async def run() -> None:
            async def one(call) -> None:  # a sync client is called as it is; an async one awaited
                result = call()
                if asynchronous:
                    await result

            working = {}
            for name, call in calls.items():
                try:
                    for _ in range(WARMUP):
                        await one(call)
                    working[name] = call
                except Exception as error:  # noqa: BLE001 - a benchmark reports a failed client and goes on
                    failed(name, error)
            samples.update({name: [] for name in working})
            for group in rotations(working):
                for _ in range(CALLS):
                    for name, call in list(group.items()):
                        t = time.perf_counter()
                        await one(call)
                        samples[name].append(time.perf_counter() - t)
                        over_budget(name, group)

        asyncio.run(run())  # async clients: one event loop per route (their connections belong to it)
        results[route_name] = samples
    return results


def overhead_table(results: dict[str, dict[str, list[float]]]) -> None:
    rows = []
    for route_name, samples in results.items():
        floor = samples["raw httpx (floor)"]
        for name, s in samples.items():
            rows.append([route_name, name, ms(statistics.median(s)), ms(pct(s, 0.95)),
                         f"{statistics.median(s) / statistics.median(floor):.2f}x", f"{pct(s, 0.95) / pct(floor, 0.95):.2f}x"])
    table(rows, ["route", "client", "median", "p95", "median / floor", "p95 / floor p95"])


def throughput_async(root: str, concurrency: int = 64) -> dict[str, tuple[list[float], float]]:
    """CALLS calls, ``concurrency`` at a time, on the TGI chat route, with section 1's async clients."""

    async def run_all(make_call) -> tuple[list[float], float]:
        semaphore = asyncio.Semaphore(concurrency)
        samples: list[float] = []

        async def one():
            async with semaphore:
                t = time.perf_counter()
                await make_call()
                samples.append(time.perf_counter() - t)

        for _ in range(WARMUP):
            await make_call()
        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(CALLS)))
        return samples, time.perf_counter() - start

    calls = clients_of(routes(root)["TGI chat (/v1/chat/completions)"], asynchronous=True)  # made outside the loop below

    async def main():
        results = {}
        for name, call in calls.items():
            try:
                results[name] = await run_all(call)
            except Exception as error:  # noqa: BLE001
                say(f"- {name} (async) failed: {type(error).__name__}: {str(error)[:200]}")
        return results

    return asyncio.run(main())


# --- 2. streaming -------------------------------------------------------------------------


def stream_ours(base: str, tokens: int) -> tuple[float, float, int]:
    import playground

    start = time.perf_counter()
    first, count = None, 0
    for chunk in playground.completion(model="bench/model", messages=MESSAGES, api_base=base, api_key=False, max_tokens=tokens, stream=True):
        if chunk.choices[0].delta.get("content"):
            count += 1
            if first is None:
                first = time.perf_counter() - start
    return first or 0.0, time.perf_counter() - start, count


def stream_hub(base: str, tokens: int) -> tuple[float, float, int]:
    from huggingface_hub import InferenceClient

    client = InferenceClient(base_url=base)  # held while the stream is read: a collected client closes its stream
    start = time.perf_counter()
    first, count = None, 0
    for chunk in client.chat_completion(messages=MESSAGES, max_tokens=tokens, stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            count += 1
            if first is None:
                first = time.perf_counter() - start
    return first or 0.0, time.perf_counter() - start, count


def stream_raw(client, base: str, body: dict) -> tuple[float, float, int]:
    start = time.perf_counter()
    first, count = None, 0
    with client.stream("POST", f"{base}/v1/chat/completions", json=body) as response:
        for line in response.iter_lines():
            if line.startswith("data:") and "[DONE]" not in line:
                event = json.loads(line[5:])
                if event["choices"][0]["delta"].get("content"):
                    count += 1
                    if first is None:
                        first = time.perf_counter() - start
    return first or 0.0, time.perf_counter() - start, count


# --- 3, 4, 6: through the app ------------------------------------------------------------


class App:
    def __init__(self, **extra_env: str) -> None:
        self.port = free_port()
        env = {**os.environ, "GRADIO_SERVER_PORT": str(self.port), "HF_HUB_OFFLINE": "1", "PLAYGROUND_DEFAULT_ENDPOINT": "public", **extra_env}
        env.pop("HF_TOKEN", None)
        started = time.perf_counter()
        self.process = subprocess.Popen([PY, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}/"
        wait_http(self.url)
        self.start_seconds = time.perf_counter() - started

    def rss_mb(self) -> float:
        import psutil

        return psutil.Process(self.process.pid).memory_info().rss / 2**20

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class OneApp:
    """One app process, as `python3 dev.py run` starts it."""

    def __init__(self) -> None:
        self.app = App()
        self.url, self.app_pids, self.balancer_pids = self.app.url, [self.app.process.pid], []

    def close(self) -> None:
        self.app.close()


class TwoReplicas:
    """Two app processes behind HAProxy with sticky sessions (deploy/replicas.py)."""

    def __init__(self) -> None:
        from deploy.replicas import Replicas

        env = {"HF_HUB_OFFLINE": "1", "PLAYGROUND_DEFAULT_ENDPOINT": "public", "HF_TOKEN": ""}
        self.farm = Replicas(free_port(), [free_port(), free_port()], env=env, output=subprocess.DEVNULL).start()
        self.url, self.app_pids, self.balancer_pids = self.farm.url, self.farm.pids, [self.farm.balancer.pid]

    def close(self) -> None:
        self.farm.stop()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def memory_growth(base: str, *, reuse: bool, **extra_env: str) -> tuple[float, float]:
    """A fresh app's resident memory after 10 chats and after 1,000, sent by 10 people
    at a time. ``reuse``: each person keeps one page (one Gradio session) open, as a
    browser does; otherwise every chat comes from a new session."""
    import httpx
    from concurrent.futures import ThreadPoolExecutor

    app = App(**extra_env)
    try:
        hc = httpx.Client(limits=httpx.Limits(max_connections=32))

        def chat(i: int) -> str:
            # A Gradio session runs its events one at a time: one session per sending thread.
            session = f"page-{threading.current_thread().name}" if reuse else None
            return app_chat(hc, app.url, base, f"m{i}", 16, session=session)[3]

        with ThreadPoolExecutor(10) as pool:
            first = list(pool.map(chat, range(10)))
            after_10 = app.rss_mb()
            rest = list(pool.map(chat, range(10, 1000)))
            after_1000 = app.rss_mb()
        failed = [s for s in first + rest if s != "done"]
        if failed:
            say(f"- {len(failed)} chats of 1,000 did not finish: {failed[0]}")
        return after_10, after_1000
    finally:
        app.close()


def app_chat(
    client, url: str, base: str, message: str, tokens: int, timeout: float = 120.0, session: str | None = None
) -> tuple[float, float, str, str]:
    """One chat through the app's public `chat` API, as any HTTP client (a browser's
    EventSource, gradio_client) sees it: POST /gradio_api/call/chat, then its event stream.
    Returns (time to first token, total, reply, status)."""
    start = time.perf_counter()
    # The `chat` API's parameters in order: message, history, endpoint, model, api_base, token, context,
    # system_prompt, max_tokens, temperature, top_p, stop, seed, route, provider, bill_to.
    data = [message, None, "public", "bench/model", base, "", "", "", tokens, 0.7, 0.95, "", None, "auto", "auto", ""]
    payload = {"data": data, **({"session_hash": session} if session else {})}
    event_id = client.post(f"{url}gradio_api/call/chat", json=payload, timeout=timeout).json()["event_id"]
    first, reply, status, kind = None, "", "no answer", ""
    with client.stream("GET", f"{url}gradio_api/call/chat/{event_id}", timeout=timeout) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:") and kind in ("generating", "complete"):
                reply, details = json.loads(line[5:])[0]  # one output: the (reply, details) pair
                status = details["status"]
                if first is None and reply:
                    first = time.perf_counter() - start
            elif line.startswith("data:") and kind == "error":
                status = "error: " + line[5:].strip()[:200]
    total = time.perf_counter() - start
    return first if first is not None else total, total, reply, status


def concurrent_chats(url: str, base: str, n: int, tokens: int) -> dict[str, object]:
    """``n`` people, each with the page open (a Gradio session of their own, started by a
    first short chat that is not measured), send a chat at the same moment."""
    import httpx

    results: list[tuple[float, float, str, str] | Exception] = [None] * n  # type: ignore[list-item]
    barrier = threading.Barrier(n)

    def worker(i: int) -> None:
        session = f"bench-{n}-{i}"
        client = httpx.Client()  # a browser of its own: its own connections and cookies (a balancer's stickiness)
        try:
            app_chat(client, url, base, f"opening chat-{i}", 2, session=session)
        finally:
            barrier.wait()
        try:
            results[i] = app_chat(client, url, base, f"hello chat-{i}", tokens, session=session)
        except Exception as error:  # noqa: BLE001
            results[i] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [r for r in results if isinstance(r, Exception) or r[3] != "done"]
    crossed = [i for i, r in enumerate(results) if not isinstance(r, Exception) and r[3] == "done" and not r[2].startswith(f" chat-{i}")]
    ok = [r for r in results if not isinstance(r, Exception) and r[3] == "done"]
    return {
        "n": n, "done": len(ok), "errors": len(errors), "crossed": len(crossed),
        "ttft": [r[0] for r in ok], "total": [r[1] for r in ok],
        "first_error": next((repr(r)[:200] if isinstance(r, Exception) else r[3] for r in results if r in errors), None),
    }


def cold_import(module: str, runs: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    samples = []
    for _ in range(runs):
        out = subprocess.run([PY, "-c", code], cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        if out.returncode != 0:
            return float("nan")
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


MINIMAL_APP = """
import os
import gradio as gr
with gr.Blocks() as demo:
    box = gr.Textbox()
    gr.Button("Go").click(lambda text: text, box, box)
demo.launch(server_name="127.0.0.1", server_port=int(os.environ["GRADIO_SERVER_PORT"]))
"""


def start_times(runs: int = 3) -> tuple[float, float]:
    """Medians of ``runs`` fresh starts, to the first HTTP 200: app.py, and a minimal Gradio
    Blocks app (a textbox and a button) as the floor any Gradio app pays. Interleaved."""
    ours, minimal = [], []
    for _ in range(runs):
        for samples, argv in ((ours, [PY, "app.py"]), (minimal, [PY, "-c", MINIMAL_APP])):
            port = free_port()
            env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "HF_HUB_OFFLINE": "1"}
            started = time.perf_counter()
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_http(f"http://127.0.0.1:{port}/")
                samples.append(time.perf_counter() - started)
            finally:
                process.terminate()
                process.wait(timeout=10)
    return statistics.median(ours), statistics.median(minimal)


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def main() -> None:
    import httpx

    port = free_port()
    server = subprocess.Popen([PY, str(ROOT / "bench" / "server.py"), str(port)])
    root = f"http://127.0.0.1:{port}"
    fast, slow = f"{root}/d0", f"{root}/d20"
    os.environ["HF_ROUTER_URL"] = f"{root}/router"  # the playground's default path: the providers router, here on loopback
    try:
        wait_http(f"{fast}/info")
        say("# Benchmarks")
        say()
        say(f"Run on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by `python3 dev.py bench` (bench/run.py).")
        say(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}.")
        say("Versions: " + ", ".join(f"{p} {version(p)}" for p in ("httpx", "huggingface-hub", "gradio", "gradio-client", "litellm")) + ".")
        say("Endpoint: bench/server.py, a TGI-protocol server on loopback in its own process (uvicorn).")
        say()

        say(f"## 1. Per-call overhead, non-streaming ({CALLS} sequential calls of each client after {WARMUP} warm-up calls)")
        say()
        say("Every route with every client, one call of each in turn (litellm in a block of its own after them). The floor is raw httpx sending the very request")
        say("the playground sends (same URL and body) on one keep-alive client, with no answer object built.")
        say()
        overhead_table(overhead(root, asynchronous=False))

        say("### Async (acompletion, AsyncInferenceClient, litellm.acompletion), one call at a time")
        say()
        overhead_table(overhead(root, asynchronous=True))

        say(f"### Async throughput, TGI chat: {CALLS} calls, 64 at a time")
        say()
        results = throughput_async(root)
        floor_async, floor_wall = results["raw httpx (floor)"]
        rows = [[name, ms(statistics.median(s)), ms(pct(s, 0.95)), f"{statistics.median(s) / statistics.median(floor_async):.2f}x",
                 f"{len(s) / wall:.0f}/s"] for name, (s, wall) in results.items()]
        table(rows, ["client", "median latency", "p95 latency", "median / floor", "throughput"])

        say("## 2. Streaming: a 2,000-token stream (20 runs, medians)")
        say()
        client = httpx.Client()
        body = {"model": "bench/model", "messages": MESSAGES, "max_tokens": 2000, "stream": True}
        stream_raw(client, fast, body), stream_ours(fast, 2000), stream_hub(fast, 2000)  # warm-up
        raw_runs, our_runs, hub_runs = [], [], []
        for _ in range(20):  # interleaved, as in section 1
            raw_runs.append(stream_raw(client, fast, body))
            our_runs.append(stream_ours(fast, 2000))
            hub_runs.append(stream_hub(fast, 2000))
        rows = []
        for name, runs in (("raw httpx line iteration", raw_runs), ("playground.completion(stream=True)", our_runs),
                           ("InferenceClient.chat_completion(stream=True)", hub_runs)):
            ttft, total = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
            rows.append([name, ms(ttft), ms(total), f"{runs[0][2] / total:,.0f}"])
        table(rows, ["client", "time to first token", "total", "tokens/s"])
        direct_ttft, direct_total = statistics.median(r[0] for r in our_runs), statistics.median(r[1] for r in our_runs)

        say("## 3. Through the app (its `chat` API over HTTP, as a browser or gradio_client sees it) vs completion() direct")
        say()
        app = App()
        try:
            hc = httpx.Client()
            app_chat(hc, app.url, fast, "warm up", 2000)
            runs = [app_chat(hc, app.url, fast, f"run {i}", 2000) for i in range(10)]
            ttft, total = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
            table(
                [["completion() direct", ms(direct_ttft), ms(direct_total), f"{2000 / direct_total:,.0f}"],
                 ["through the app", ms(ttft), ms(total), f"{2000 / total:,.0f}"]],
                ["path", "time to first token", "total", "tokens/s end to end"],
            )
            say(f"Time to first token through the app minus direct: {ms(ttft - direct_ttft)}.")
            say()

        finally:
            app.close()

        say("## 4. Concurrency: simultaneous streaming chats, one app process vs two replicas behind HAProxy (50 tokens at 20 ms each)")
        say()
        say("Two replicas: `deploy/replicas.py` (what `python3 dev.py serve --replicas 2` runs), HAProxy with cookie")
        say("stickiness in front; each simulated person has a client of their own (connections and cookies), as a browser does.")
        say()
        rows, cpu_rows = [], []
        for setup, make in (("1 app process", lambda: OneApp()), ("2 replicas + HAProxy", lambda: TwoReplicas())):
            running = make()
            try:
                hc = httpx.Client()
                app_chat(hc, running.url, slow, "warm up", 50)
                single = [app_chat(httpx.Client(), running.url, slow, f"alone chat-{i}", 50) for i in range(5)]
                s_ttft, s_total = statistics.median(r[0] for r in single), statistics.median(r[1] for r in single)
                rows.append([setup, "1 (alone)", "5/5", "0", "0", ms(s_ttft), "–", ms(s_total), "–"])
                for n in (64, 256):
                    pids = {"app processes": running.app_pids, "HAProxy": running.balancer_pids,
                            "endpoint": [server.pid], "clients (this script)": [os.getpid()]}
                    before = {name: sum(cpu_seconds(pid) for pid in group) for name, group in pids.items()}
                    started = time.perf_counter()
                    r = concurrent_chats(running.url, slow, n, 50)
                    wall = time.perf_counter() - started
                    used = {name: (sum(cpu_seconds(pid) for pid in group) - before[name]) / wall for name, group in pids.items()}
                    per_app = used["app processes"] / len(running.app_pids)
                    cpu_rows.append([setup, str(n), f"{wall:.1f} s", f"{used['app processes']:.2f} ({per_app:.2f} each)",
                                     f"{used['HAProxy']:.2f}" if running.balancer_pids else "–", f"{used['endpoint']:.2f}",
                                     f"{used['clients (this script)']:.2f}"])
                    rows.append([setup, str(n), f"{r['done']}/{n}", str(r["errors"]), str(r["crossed"]),
                                 ms(statistics.median(r["ttft"])) if r["ttft"] else "–",
                                 f"{ms(pct(r['ttft'], 0.95))} ({pct(r['ttft'], 0.95) / s_ttft:.1f}x)" if r["ttft"] else "–",
                                 ms(statistics.median(r["total"])) if r["total"] else "–",
                                 ms(pct(r["total"], 0.95)) if r["total"] else "–"])
                    if r["first_error"]:
                        say(f"- {setup}, first error with {n}: {r['first_error']}")
            finally:
                running.close()
        table(rows, ["setup", "chats", "completed", "errors", "crossed replies", "p50 first token", "p95 first token (vs alone)",
                     "p50 total", "p95 total"])
        say("CPU in use during each run (CPU seconds per second of the run, so 1.00 is one core busy throughout;")
        say(f"the machine has {os.cpu_count()}). The wall time includes each session's first, unmeasured chat.")
        say()
        table(cpu_rows, ["setup", "chats", "run wall time", "app processes", "HAProxy", "endpoint", "clients (this script)"])

        say("## 6. Memory: the app's resident memory (a fresh app for each row, 10 senders at a time)")
        say()
        rows = []
        for label, reuse, env in (
            ("10 open pages, 100 chats each (as browsers send)", True, {}),
            ("every chat from a new page (new Gradio session)", False, {}),
            ("every chat from a new page, PLAYGROUND_MAX_SESSIONS=100", False, {"PLAYGROUND_MAX_SESSIONS": "100"}),
        ):
            after_10, after_1000 = memory_growth(fast, reuse=reuse, **env)
            rows.append([label, f"{after_10:.1f} MB", f"{after_1000:.1f} MB", f"{after_1000 - after_10:+.1f} MB"])
        table(rows, ["chats", "after 10 chats", "after 1,000 chats", "growth"])

        say("## 5. Cold costs (medians of 5 fresh processes)")
        say()
        app_start, minimal_start = start_times()
        table(
            [["import playground", f"{cold_import('playground'):.3f} s"],
             ["import litellm", f"{cold_import('litellm'):.3f} s"],
             ["app.py start to first HTTP 200 (median of 3)", f"{app_start:.2f} s"],
             ["a minimal Gradio Blocks app, the same (median of 3)", f"{minimal_start:.2f} s"],
             ["app.py start / minimal app start", f"{app_start / minimal_start:.2f}x"]],
            ["what", "time"],
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    notes = ROOT / "bench" / "limits.md"
    if notes.exists():  # the analysis, written by hand from these figures: what limits what
        LINES.extend(["", notes.read_text()])
    (ROOT / "bench" / "results.md").write_text("\n".join(LINES) + "\n")
    print(f"\nWrote {ROOT / 'bench' / 'results.md'}")


if __name__ == "__main__":
    main()
