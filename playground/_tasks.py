"""What a model does, learnt once and remembered.

* The Hub model API (``GET /api/models/{id}``: ``pipeline_tag`` and ``tags``), cached per
  Hub and model; a failed look-up is remembered for a minute so that an offline machine
  does not pay a timeout on every call. ``HF_HUB_OFFLINE=1`` skips it. The flow sends it
  through our transport, like /info, so it shows in the exchanges (huggingface_hub's
  ``model_info`` would add a telemetry request of its own).
* TGI's ``GET /info`` for a dedicated endpoint, cached per URL (sent by the flow, so it
  shows in the exchanges).
* Endpoints whose chat route answered 422 ``template_error``: later calls go straight to
  text generation.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


HUB_FAILURE_TTL = 60.0


@dataclass(frozen=True)
class ModelTask:
    """A model's task as the Hub or the endpoint describes it."""

    pipeline_tag: str | None
    tags: frozenset[str] | None = None
    """None when unknown (TGI's /info has no tags)."""
    source: str = "hub"

    @property
    def has_chat_template(self) -> bool | None:
        """The Hub tags chat models "conversational"; None when we cannot tell."""
        return None if self.tags is None else "conversational" in self.tags


_lock = threading.Lock()
_hub: dict[tuple[str, str], tuple[float, ModelTask | None]] = {}
_endpoint_info: dict[str, ModelTask | None] = {}
_no_chat_template: set[str] = set()


def clear_caches() -> None:
    """Forget every look-up (for tests, and after redeploying an endpoint)."""
    with _lock:
        _hub.clear()
        _endpoint_info.clear()
        _no_chat_template.clear()


def cached_hub_task(hub: str, model: str) -> tuple[bool, ModelTask | None]:
    """(known, task) for a model on a Hub; a failed look-up is known for a minute only."""
    with _lock:
        cached = _hub.get((hub, model))
    if cached is None:
        return False, None
    expires, task = cached
    return (task is not None or expires > time.monotonic()), task


def remember_hub_task(hub: str, model: str, task: ModelTask | None, *, final: bool) -> None:
    with _lock:
        _hub[(hub, model)] = (float("inf") if final else time.monotonic() + HUB_FAILURE_TTL, task)


def cached_endpoint_task(url: str) -> tuple[bool, ModelTask | None]:
    """(known, task) for a dedicated endpoint's URL."""
    with _lock:
        return (url in _endpoint_info, _endpoint_info.get(url))


def remember_endpoint_task(url: str, task: ModelTask | None) -> None:
    with _lock:
        _endpoint_info[url] = task


def lacks_chat_template(url: str) -> bool:
    return url in _no_chat_template


def remember_no_chat_template(url: str) -> None:
    with _lock:
        _no_chat_template.add(url)
