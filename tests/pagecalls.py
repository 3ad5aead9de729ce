"""The built page's handlers called as Gradio calls them: inputs filled with the page's own
values (what a fresh browser session holds) unless a test says otherwise, the request's
sign-in handed over by Gradio's own ``special_args``, and what each call returns (the
component updates, in order) with the warnings it showed."""

from __future__ import annotations

import asyncio
import copy
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import gradio as gr
import pytest
from gradio.helpers import special_args
from starlette.requests import Request as StarletteRequest

from playground_ui import AppSettings, build_app
from playground_ui.chat_pane import TurnControl


def fake_settings(fake: Any, **env: str) -> AppSettings:
    """The app's settings with every Hugging Face service it calls pointed at the loopback fake."""
    return AppSettings.from_env({
        "HF_INFERENCE_ENDPOINT": fake.inference_url, "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url,
        "HF_ENDPOINTS_API_URL": fake.endpoints_api_url, **env,
    })


def request(address: str = "203.0.113.7", token: str | None = None, query: dict[str, str] | None = None) -> gr.Request:
    """A browser's request behind the Space's proxy; ``token``: the visitor signed in with it;
    ``query``: the page's link parameters."""
    session = {}
    if token:
        session = {"oauth_info": {"access_token": token, "scope": "openid inference-api", "expires_at": 4102444800,
                                  "userinfo": {"preferred_username": "visitor"}}}
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"x-forwarded-for", address.encode())], "query_string": urlencode(query or {}).encode(),
             "client": ("10.0.0.2", 1234), "session": session}
    return gr.Request(request=StarletteRequest(scope))


@dataclass
class Call:
    """What one event showed: each update it returned or yielded, and its warnings."""

    outputs: list[dict[Any, Any]]
    warnings: list[str] = field(default_factory=list)

    def final(self, block: Any) -> Any:
        """The value ``block`` ends with (an update's value), or KeyError if never set."""
        for out in reversed(self.outputs):
            if block in out:
                value = out[block]
                return value.get("value") if isinstance(value, dict) and value.get("__type__") == "update" else value
        raise KeyError(block)

    def updates(self, block: Any) -> list[Any]:
        return [out[block] for out in self.outputs if block in out]

    def touched(self, block: Any) -> bool:
        return any(block in out for out in self.outputs)


def default_value(block: Any) -> Any:
    if isinstance(getattr(block, "value", None), TurnControl):
        return TurnControl()  # each session gets its own copy of a State's value
    value = copy.deepcopy(getattr(block, "value", None))
    if value is None and isinstance(block, gr.Textbox):
        return ""  # what an empty box sends
    return value


class PageCalls:
    def __init__(self, demo: gr.Blocks) -> None:
        self.demo = demo

    @property
    def parts(self) -> Any:
        """The page's parts (chat, compare panes, settings panel, payload view)."""
        return self.block_fn("on_retry").fn.__self__.page

    def block_fn(self, name: str, owner: Callable[[Any], bool] = lambda _: True):
        found = [f for f in self.demo.fns.values() if getattr(f.fn, "__name__", "") == name and owner(getattr(f.fn, "__self__", None))]
        assert found, name
        return found[0]

    def prepared(self, name: str, given: dict[Any, Any], req: gr.Request | None, owner=lambda _: True):
        block_fn = self.block_fn(name, owner)
        values = [given[block] if block in given else default_value(block) for block in block_fn.inputs]
        args, *_ = special_args(block_fn.fn, inputs=values, request=req or request())
        return block_fn.fn, args

    def call(self, name: str, given: dict[Any, Any] | None = None, *, req: gr.Request | None = None,
             during: Callable[[int, dict[Any, Any]], None] | None = None, owner=lambda _: True) -> Call:
        """Runs handler ``name`` to its end; ``during(i, output)`` runs after each output, as a
        person pressing something while a turn streams."""
        fn, args = self.prepared(name, given or {}, req, owner)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn(*args)
            if inspect.isasyncgen(result):
                outputs = asyncio.run(_collect(result, during))
            elif inspect.iscoroutine(result):
                outputs = [asyncio.run(result)]
            else:
                outputs = [result]
        return Call(outputs, [str(w.message) for w in caught if w.category is UserWarning])  # gr.Warning, not a GC ResourceWarning


async def _collect(updates, during) -> list[Any]:
    outputs = []
    async for out in updates:
        outputs.append({block: copy.deepcopy(value) for block, value in out.items()})  # as sent at that moment
        if during is not None:
            during(len(outputs) - 1, out)
    return outputs


# Fixtures for the modules that import them: `app` (the PageCalls) and `ui` (its parts).
@pytest.fixture(scope="module", name="app")
def page_calls_fixture(fake_server) -> PageCalls:
    """The page built once per test module, every Hugging Face service it calls on the fake."""
    return PageCalls(build_app(fake_settings(fake_server)))


@pytest.fixture(name="ui")
def page_parts_fixture(app: PageCalls) -> Any:
    return app.parts
