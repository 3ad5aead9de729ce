"""What a model does, learnt once and remembered.

* The Hub model API (``pipeline_tag`` and ``tags``, through huggingface_hub), cached per
  Hub and model; a failed look-up is remembered for a minute so that an offline machine
  does not pay a timeout on every call. ``HF_HUB_OFFLINE=1`` skips it.
* TGI's ``GET /info`` for a dedicated endpoint, cached per URL (sent by the flow, so it
  shows in the exchanges).
* Endpoints whose chat route answered 422 ``template_error``: later calls go straight to
  text generation.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ._auth import is_huggingface_url
from ._settings import Settings

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


def hub_task(model: str, token: str | None, settings: Settings) -> ModelTask | None:
    """The model's task from the Hub, or None when offline or the Hub cannot say.

    The token is sent only when the Hub is a Hugging Face host over https.
    """
    if settings.hub_offline or not model:
        return None
    key = (settings.hub_endpoint, model)
    cached = _hub.get(key)
    if cached is not None and (cached[1] is not None or cached[0] > time.monotonic()):
        return cached[1]
    found = _ask_hub(model, token if is_huggingface_url(settings.hub_endpoint) else False, settings)
    with _lock:
        _hub[key] = (time.monotonic() + HUB_FAILURE_TTL, found)
    return found


def _ask_hub(model: str, token: str | bool | None, settings: Settings) -> ModelTask | None:
    # huggingface_hub costs ~0.15 s to import; only calls that need the Hub pay it.
    from huggingface_hub import HfApi

    try:
        info = HfApi(endpoint=settings.hub_endpoint).model_info(
            model, token=token, timeout=settings.connect_timeout, expand=["pipeline_tag", "tags"]
        )
    except Exception:  # unknown, private or unreachable: the endpoint itself will tell
        return None
    return ModelTask(pipeline_tag=info.pipeline_tag, tags=frozenset(info.tags or ()), source="hub")


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
