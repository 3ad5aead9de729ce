"""Session export and import: what a person did, as a JSON file they can keep, share and
load again. No Gradio here.

An export holds the endpoint settings (never a token), the generation settings, the
conversation and every turn's exchanges (already redacted by the library; the tokens the
page holds are scrubbed once more). An import is checked field by field before anything
in the session changes, and restores no token: the person types it again.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

import playground
from playground import scrub

from .settings import AppSettings
from .turn import KINDS, ROUTE_CHOICES, TurnInputs, TurnUpdate

FORMAT = "hf-endpoint-playground/session"
VERSION = 1
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LOGGED_TURNS = 50  # turns whose exchanges the session keeps for export; older ones keep their text
GENERATION_FIELDS = ("system_prompt", "max_tokens", "temperature", "top_p", "stop", "seed", "route", "context")
RANGES = {"max_tokens": (1, 4096), "temperature": (0, 2), "top_p": (0.01, 1), "seed": (0, 2**63 - 1)}


class ImportProblem(Exception):
    """The file is not a session this playground can load; the message says why."""


def turn_record(side: str | None, inputs: TurnInputs, message: str, update: TurnUpdate) -> dict[str, Any]:
    """One finished turn, as the export keeps it."""
    figures = update.figures
    return {
        "side": side,
        "endpoint": endpoint_settings(inputs),
        "user": message,
        "reply": update.reply,
        "status": update.status,
        "error": update.error,
        "route": update.call.route if update.call else None,
        "figures": None if figures is None else figures.to_dict(),
        "exchanges": json.loads(json.dumps([e.to_dict() for e in update.exchanges], default=str)),
    }


def log_turns(log: list[dict[str, Any]], *records: dict[str, Any]) -> list[dict[str, Any]]:
    """The session's turn log with ``records`` added; only the last turns keep their exchanges."""
    log = [*log, *records]
    for old in log[:-MAX_LOGGED_TURNS]:
        if old.get("exchanges"):
            old["exchanges"] = []
            old["exchanges_dropped"] = True
    return log


def endpoint_settings(inputs: TurnInputs) -> dict[str, Any]:
    return {"kind": inputs.endpoint, "model": inputs.model or "", "api_base": inputs.api_base or ""}


def export_json(
    inputs: TurnInputs,
    conversation: list[dict[str, Any]],
    log: list[dict[str, Any]],
    *,
    compare: bool = False,
    inputs_b: TurnInputs | None = None,
    conversation_b: list[dict[str, Any]] | None = None,
) -> str:
    """The session as the export file's text. No token: the settings leave it out, and any
    token the page holds is scrubbed from the rest (the exchanges are redacted already)."""
    session: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "playground_version": playground.__version__,
        "endpoint": endpoint_settings(inputs),
        "generation": {name: getattr(inputs, name) for name in GENERATION_FIELDS},
        "conversation": conversation,
        "turns": log,
    }
    if compare and inputs_b is not None:
        session["compare"] = {"endpoint": endpoint_settings(inputs_b), "conversation": conversation_b or []}
    text = json.dumps(session, indent=2, ensure_ascii=False, default=str)
    for secret in {inputs.token, inputs_b.token if inputs_b else None}:
        if secret and secret.strip():
            text = scrub(text, secret.strip())
    return text


@dataclass
class Restored:
    """What an import puts back."""

    endpoint: dict[str, str]
    generation: dict[str, Any]
    conversation: list[dict[str, str]]
    turns: list[dict[str, Any]] = field(default_factory=list)
    compare: dict[str, Any] | None = None
    """Side B's endpoint and conversation, when the session compared two endpoints."""


def read_export(raw: bytes, settings: AppSettings) -> Restored:
    """Check an export file; :class:`ImportProblem` with a sentence when it cannot be loaded."""
    if len(raw) > MAX_FILE_BYTES:
        raise ImportProblem(f"The file is {len(raw) / 1024 / 1024:.1f} MB; a session export is at most {MAX_FILE_BYTES // 1024 // 1024} MB.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ImportProblem("The file is not JSON, so it is not a session export: choose a file saved with the Export button.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportProblem("The file is JSON but not a session exported from this playground: choose a file saved with the Export button.")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise ImportProblem(f"The file was made by a newer playground (format version {version!r}); update the playground to load it.")
    endpoint = _endpoint(data.get("endpoint"), "endpoint")
    generation = _generation(data.get("generation"))
    conversation = _conversation(data.get("conversation"), "conversation", settings)
    turns = data.get("turns", [])
    if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
        raise ImportProblem("The file's \"turns\" is not a list of turns; the file may have been edited or cut short.")
    compare = None
    if data.get("compare") is not None:
        side_b = data["compare"]
        if not isinstance(side_b, dict):
            raise ImportProblem("The file's \"compare\" section is not readable; the file may have been edited.")
        compare = {
            "endpoint": _endpoint(side_b.get("endpoint"), "compare endpoint"),
            "conversation": _conversation(side_b.get("conversation", []), "compare conversation", settings),
        }
    return Restored(endpoint=endpoint, generation=generation, conversation=conversation, turns=turns[-MAX_LOGGED_TURNS:], compare=compare)


def _endpoint(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ImportProblem(f"The file has no {where} settings; the file may have been edited or cut short.")
    kind = value.get("kind")
    if kind not in KINDS:
        raise ImportProblem(f"The file's {where} kind {str(kind)[:40]!r} is not one of {', '.join(KINDS)}.")
    restored = {"kind": kind}
    for name in ("model", "api_base"):
        item = value.get(name, "")
        if not isinstance(item, str) or len(item) > 2000:
            raise ImportProblem(f"The file's {where} {name} is not a short piece of text.")
        restored[name] = item.strip()
    return restored  # any "token" the file carries is ignored: a token is always typed again


def _generation(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ImportProblem("The file's generation settings are not readable; the file may have been edited.")
    restored: dict[str, Any] = {}
    for name in GENERATION_FIELDS:
        if name not in value or value[name] is None:
            continue
        item = value[name]
        if name == "seed" and isinstance(item, str):  # the seed box's text
            if not item.strip():
                continue
            try:
                item = int(item.strip())
            except ValueError:
                raise ImportProblem(f"The file's seed is {item[:40]!r}; it must be a whole number.") from None
        if name in RANGES:
            low, high = RANGES[name]
            if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item) or not low <= item <= high:
                raise ImportProblem(f"The file's {name} is {str(item)[:40]}; it must be a number from {low} to {high}.")
        elif name == "route":
            if item not in ROUTE_CHOICES:
                raise ImportProblem(f"The file's route {str(item)[:40]!r} is not one of {', '.join(ROUTE_CHOICES)}.")
        elif not isinstance(item, str):
            raise ImportProblem(f"The file's {name.replace('_', ' ')} is not text.")
        restored[name] = item
    return restored


def _conversation(value: Any, where: str, settings: AppSettings) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise ImportProblem(f"The file's {where} is not a list of messages.")
    messages = []
    total = 0
    for index, message in enumerate(value):
        expected = "user" if index % 2 == 0 else "assistant"
        if not isinstance(message, dict) or message.get("role") != expected or not isinstance(message.get("content"), str):
            raise ImportProblem(
                f"Message {index + 1} of the file's {where} is not {'a user' if expected == 'user' else 'an assistant'} message with text; "
                "a conversation alternates user and assistant messages."
            )
        total += len(message["content"])
        messages.append({"role": expected, "content": message["content"]})
    if len(messages) % 2:
        raise ImportProblem(f"The file's {where} ends with a user message that has no reply; a conversation holds whole turns.")
    if total > settings.max_conversation_chars:
        raise ImportProblem(
            f"The file's {where} has {total:,} characters, more than the {settings.max_conversation_chars:,} this playground sends in one turn."
        )
    return messages
