"""What the payload view shows: exchanges as text, the same call as code, the turn's figures.

Pure functions of the library's records (already redacted by the library); no Gradio.
"""

from __future__ import annotations

import html
import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from playground import Exchange, RouteInfo, engine_name
from playground._prepare import ROUTES, TEXT as TEXT_ROUTE

from .providers import dollars

NOTHING_SENT = "Nothing was sent."
TOKEN_PLACEHOLDER = "$HF_TOKEN"


def _pretty(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    return json.dumps(body, indent=2, ensure_ascii=False)


def _title(index: int, exchange: Exchange, total: int) -> str:
    return f"### {index} of {total}: {exchange.purpose}" if total > 1 else f"### {exchange.purpose}"


def request_text(exchanges: list[Exchange]) -> str:
    """Every request of the turn, in order: method, full URL, headers (token redacted), JSON body."""
    if not exchanges:
        return NOTHING_SENT
    parts = []
    for index, exchange in enumerate(exchanges, 1):
        lines = [_title(index, exchange, len(exchanges))]
        if exchange.note:
            lines.append(f"Note: {exchange.note}")
        lines.append(f"{exchange.method} {exchange.url}")
        lines += [f"{name}: {value}" for name, value in exchange.request_headers.items()]
        if exchange.request_body is not None:
            lines += ["", _pretty(exchange.request_body)]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def response_text(exchanges: list[Exchange]) -> str:
    """Every response of the turn, in order: status, headers, and the JSON body or the stream's events."""
    if not exchanges:
        return NOTHING_SENT
    parts = []
    for index, exchange in enumerate(exchanges, 1):
        lines = [_title(index, exchange, len(exchanges))]
        served = f"{exchange.provider} (Inference Providers)" if exchange.provider else exchange.engine
        if exchange.status is None:
            lines.append(f"No response: {exchange.error or 'the request did not complete'}")
        else:
            lines.append(f"HTTP {exchange.status}")
            if served:
                lines.append(f"Served by: {served}")
            if exchange.events is not None:  # the gist first: the raw events of a stream run to hundreds of lines
                lines.append(stream_summary(exchange))
            lines += [f"{name}: {value}" for name, value in exchange.response_headers.items()]
            lines.append("")
            if exchange.events is not None:
                lines.append("Raw events, as they arrived:")
                lines += [f"data: {data}" for data in exchange.events]
                if exchange.error:
                    lines.append(f"(stream stopped: {exchange.error})")
            else:
                lines.append(_pretty(exchange.response_body))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def stream_summary(exchange: Exchange) -> str:
    """"Stream: 16 events; the text they carry: “Paris is the capital…”" from the raw events
    (chat deltas, text-completion pieces or TGI tokens)."""
    pieces = []
    for event in exchange.parsed_events():
        if not isinstance(event, dict):
            continue
        choices = event.get("choices")
        first = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
        delta = first.get("delta") if isinstance(first.get("delta"), dict) else {}
        token = event.get("token") if isinstance(event.get("token"), dict) else {}
        text = delta.get("content") or first.get("text") or (None if token.get("special") else token.get("text"))
        if isinstance(text, str):
            pieces.append(text)
    count = len(exchange.events or [])
    carried = "".join(pieces).strip()
    shown = carried if len(carried) <= 300 else carried[:299] + "…"
    return f"Stream: {count} event{'s' * (count != 1)}; the text they carry: “{shown}”" if carried else f"Stream: {count} event{'s' * (count != 1)}, no text."


@dataclass
class CallShape:
    """The call a turn made, for the code view (no token: code uses a placeholder)."""

    model: str
    messages: list[dict[str, Any]]
    api_base: str | None = None
    uses_token: bool = False
    route: str | None = None
    task: str | None = None
    context: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    provider: str | None = None
    """The Inference Provider that served the turn (None off the router; "hf-inference" for its API)."""

    @property
    def router(self) -> bool:
        return self.provider is not None and self.provider != "hf-inference"


def python_code(call: CallShape) -> str:
    """The same call with ``playground.completion``, as the seed writes it."""
    args = [f"model={call.model!r}", f"messages={_py(call.messages)}"]
    if call.api_base:
        args.append(f"api_base={call.api_base!r}")
    if call.uses_token:
        args.append('api_key=os.environ["HF_TOKEN"]')
    if call.task:
        args.append(f"task={call.task!r}")
    if call.context:
        args.append(f"context={call.context!r}")
    args += [f"{name}={value!r}" for name, value in call.params.items()]
    args.append("stream=True")
    body = ",\n    ".join(args)
    return (
        "import os\n\nfrom playground import completion\n\n"
        f"response = completion(\n    {body},\n)\n"
        'for chunk in response:\n    print(chunk.choices[0].delta.content or "", end="")\n'
    )


def curl_code(exchanges: list[Exchange]) -> str:
    """The request that answered, as curl (token as ``$HF_TOKEN``)."""
    if not exchanges:
        return "# Nothing was sent."
    exchange = exchanges[-1]
    lines = [f"curl -X {exchange.method} {shlex.quote(exchange.url)}"]  # -d alone would make any request a POST
    for name, value in exchange.request_headers.items():
        if name.lower() in ("host", "content-length", "accept-encoding", "connection", "user-agent"):
            continue
        if name.lower() == "authorization":
            lines.append(f'-H "Authorization: Bearer {TOKEN_PLACEHOLDER}"')
        else:
            lines.append(f"-H {shlex.quote(f'{name}: {value}')}")
    if exchange.request_body is not None:
        lines.append(f"-d {shlex.quote(json.dumps(exchange.request_body, ensure_ascii=False))}")
    if exchange.events is not None:
        lines.append("--no-buffer")
    return " \\\n  ".join(lines) + "\n"


def inference_client_code(call: CallShape) -> str:
    """The same call with huggingface_hub's InferenceClient."""
    if call.api_base:
        where = f"model={call.api_base!r}"
    elif call.router:  # Inference Providers: the router picks (or the model's :suffix says)
        where = f'model={call.model!r}, provider="auto"'
    else:
        where = f'model={call.model!r}, provider="hf-inference"'
    token = ', token=os.environ["HF_TOKEN"]' if call.uses_token else ""
    params = dict(call.params)
    bill_to = f", bill_to={params.pop('bill_to')!r}" if "bill_to" in params else ""  # a client setting, not a call's
    head = f"import os\n\nfrom huggingface_hub import InferenceClient\n\nclient = InferenceClient({where}{token}{bill_to})\n"
    question = next((m["content"] for m in reversed(call.messages) if m["role"] == "user"), "")
    if call.route == "chat" or call.route is None:
        kwargs = "".join(f", {k}={v!r}" for k, v in params.items())
        return head + (
            f"for chunk in client.chat_completion(messages={_py(call.messages)}{kwargs}, stream=True):\n"
            '    print(chunk.choices[0].delta.content or "", end="")\n'
        )
    if call.route == "text-generation":
        mapping = {"max_tokens": "max_new_tokens"}
        kwargs = "".join(f", {mapping.get(k, k)}={v!r}" for k, v in params.items() if k != "stop" or v)
        return head + f"for token in client.text_generation({question!r}{kwargs}, stream=True):\n    print(token, end=\"\")\n"
    if call.route == "question-answering":
        return head + f"print(client.question_answering(question={question!r}, context={(call.context or '')!r}).answer)\n"
    method = {"summarization": "summarization", "translation": "translation", "text-classification": "text_classification"}.get(
        call.route or "", "text_generation"
    )
    return head + f"print(client.{method}({question!r}))\n"


def _py(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=None)


@dataclass
class Figures:
    route: str | None = None
    time_to_first_token: float | None = None
    total_time: float | None = None
    completion_tokens: int | None = None
    estimated: bool = False
    finish_reason: str | None = None
    provider: str | None = None
    """Who served the turn: an Inference Provider, or "Local demo (canned)"."""
    engine: str | None = None
    """A dedicated endpoint's engine and version ("vLLM 0.11.0")."""
    cost: float | None = None
    """USD, from the provider's price list and the usage: an estimate."""
    score: float | None = None
    """A question-answering model's confidence in its answer."""

    @property
    def tokens_per_second(self) -> float | None:
        if not self.completion_tokens or self.total_time is None or self.time_to_first_token is None:
            return None
        generating = self.total_time - self.time_to_first_token
        return self.completion_tokens / generating if generating > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data, with the derived tokens per second, for the chat API and the export."""
        return {**self.__dict__, "tokens_per_second": self.tokens_per_second}


NOT_GENERATED = ("question-answering", "text-classification")


def metrics_markdown(figures: Figures | None) -> str:
    if figures is None:
        return "No turn yet: send a message to see its route, timings and tokens."

    def seconds(value: float | None) -> str:
        return "–" if value is None else (f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s")

    tokens = "–" if figures.completion_tokens is None else f"{figures.completion_tokens}{' (estimated)' if figures.estimated else ''}"
    speed = figures.tokens_per_second
    if figures.route in NOT_GENERATED:  # an answer picked or labelled, not generated: no tokens, no speed
        parts = [
            *([("provider", figures.provider)] if figures.provider else []),
            ("route", figures.route),
            ("total", seconds(figures.total_time)),
            *([("score", f"{figures.score:.2f}")] if figures.score is not None else []),
            ("finish", figures.finish_reason or "–"),
        ]
        return " · ".join(f"**{name}** {value}" for name, value in parts)
    parts = [
        *([("provider", figures.provider)] if figures.provider else []),
        *([("engine", figures.engine)] if figures.engine else []),
        ("route", figures.route or "–"),
        ("first token", seconds(figures.time_to_first_token)),
        ("total", seconds(figures.total_time)),
        ("tokens", tokens),
        *([("cost", f"≈ {dollars(figures.cost)}")] if figures.cost is not None else []),
        ("tokens/s", "–" if speed is None else f"{speed:.1f}"),
        ("finish", figures.finish_reason or "–"),
    ]
    return " · ".join(f"**{name}** {value}" for name, value in parts)


# What a model does, in words a person who does not program reads first (by the route a message takes).
PLAIN_ROUTES = {
    "chat": "Chats with you",
    "text-generation": "Continues the text you give it",
    "question-answering": "Answers questions about a passage you paste",
    "summarization": "Summarises the text you give it",
    "translation": "Translates the text you give it",
    "text2text-generation": "Rewrites text as you ask",
    "text-classification": "Sorts the text you give it into labels",
}


def task_line(info: RouteInfo) -> str:
    """What the model does in plain words and where it runs, then (on a second, smaller
    line) what the endpoint or the Hub said and the route a message takes: "**Chats with
    you** on vLLM 0.11.0", then "serves llama-3-1-8b · route: chat"."""
    plain = f"**{PLAIN_ROUTES.get(info.route, 'Answers')}**"
    if info.router:
        known = f"task {info.task} (from the Hub) · " if info.task else ""
        return _two_lines(f"{plain} through Inference Providers", f"{known}route: {info.route}")
    if info.engine not in (None, "container"):  # a task container has no engine to name: its task is shown
        # the version and the served name are the endpoint's words: shown as text, never as markup
        engine = engine_name(info.engine) + (f" {html.escape(info.engine_version)}" if info.engine_version else "")
        serves = f"serves {html.escape(info.served_model)} · " if info.served_model else ""
        task = f"task {info.task} (from the endpoint's /info) · " if info.source == "endpoint /info" and info.task else ""
        return _two_lines(f"{plain} on {engine}", f"Engine: {engine} · {serves}{task}route: {info.route}")
    where = {"hub": "from the Hub", "endpoint /info": "from the endpoint's /info"}.get(info.source or "", "")
    return _two_lines(plain, f"Task: {info.task or 'unknown'}{f' ({where})' if where else ''} · route: {info.route}")


def _two_lines(plain: str, details: str) -> str:
    return f'{plain}  \n<span class="task-details">{details}</span>'


def route_taken(exchanges: list[Exchange]) -> str | None:
    """The wire format of the last generation request sent, if any (look-ups are not routes)."""
    for exchange in reversed(exchanges):
        purpose = exchange.purpose.split(",")[0]  # "chat, retry after the model loaded for 20 s"
        if purpose.startswith("fallback to "):
            purpose = purpose[len("fallback to "):].split(" (")[0]
        if purpose.startswith("retry without "):
            purpose = TEXT_ROUTE
        if purpose in ROUTES:
            return purpose
    return None


def with_last_route(line: str, exchanges: list[Exchange]) -> str:
    """The task line with the route the last turn really took (it can differ from the one
    expected: a model without a chat template falls back to text generation)."""
    taken = route_taken(exchanges)
    if taken is None:
        return line
    fell_back = any(e.purpose.startswith("fallback to ") for e in exchanges)
    first, _, rest = line.partition("\n\n")
    said = f"last turn: {taken}" + (" (no chat template)" if fell_back else "")
    closing = "</span>"  # the details line's own, at its end: a served model's name may hold markup before it
    first = f"{first[:-len(closing)]} · {said}{closing}" if first.endswith(closing) else f"{first} · {said}"
    return first + (f"\n\n{rest}" if rest else "")


def models_differ(typed: str, served: str) -> bool:
    """Whether the Model box names another model than the one the endpoint serves: only
    when both are Hub ids (an engine's served name such as "tgi" or an endpoint's name is
    not a disagreement)."""
    typed, served = typed.strip().lower(), served.strip().lower()
    if "/" not in typed or "/" not in served or served.startswith("/"):
        return False
    return typed != served
