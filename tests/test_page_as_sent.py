"""The page as a browser receives it, compared with the reviewed copy in tests/data/page_as_sent.json.

What Gradio sends the browser for the page decides what a person reads and can do: every
label, placeholder, hint and button text, what is shown or hidden, what can be typed into,
and which handler each click, change or page load starts with which boxes. The browser tests
check how the page behaves; this test catches any change to what it is made of, in a few
milliseconds, with a readable diff.

After a deliberate change to the page, look at it (a screenshot) and write the new copy:

    PLAYGROUND_WRITE_REVIEWED=1 python3 dev.py test tests/test_page_as_sent.py
"""

from __future__ import annotations

from typing import Any

import pytest

from playground_ui import AppSettings, build_app, launch_options

from reviewed import as_text, assert_reviewed

SERVER_TOKEN = "hf_page_snapshot_not_a_real_token_01"
# Gradio's own bookkeeping, the same for every page: not what a person sees or does.
# class_id hashes the component's source file's path, which differs from one clone to the next.
UNSEEN = {"name", "_selectable", "preserved_by_key", "_api_info", "component_class_name", "class_id"}
VARIANTS = {
    "no server token": {},
    "a server token that may list endpoints": {"HF_TOKEN": SERVER_TOKEN},
}


def seen_props(value: Any) -> Any:
    """Props without Gradio's bookkeeping (at any depth: an Examples box lists its inputs' props)."""
    if isinstance(value, dict):
        return {key: seen_props(item) for key, item in value.items() if key not in UNSEEN}
    if isinstance(value, list):
        return [seen_props(item) for item in value]
    return value


def page_as_sent(env: dict[str, str]) -> dict[str, Any]:
    """The page's parts by name, its layout as a tree of names, its events and launch options."""
    settings = AppSettings.from_env(env)
    demo = build_app(settings)
    config = demo.get_config_file()
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    parts: dict[str, Any] = {}
    for component in config["components"]:
        props = component.get("props", {})
        base = props.get("elem_id") or f"{component['type']}:{props.get('label') or props.get('value') or ''}"[:60]
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base} ({seen[base]})"
        names[component["id"]] = name
        parts[name] = {"type": component["type"], **seen_props(props)}

    for part in parts.values():  # an Examples box names its inputs by id; ids depend on what the process built before
        if "component_ids" in part:
            part["component_ids"] = [names.get(i, "?") for i in part["component_ids"]]

    def tree(node: dict[str, Any]) -> Any:
        children = node.get("children")
        label = names.get(node["id"], "page")
        return {label: [tree(child) for child in children]} if children else label

    events = []
    for block_fn in demo.fns.values():
        events.append({
            "on": [f"{names.get(target, 'page')}.{event}" for target, event in block_fn.targets],
            "runs": getattr(block_fn.fn, "__name__", None),
            "js": block_fn.js,
            "inputs": [names.get(block._id, "?") for block in block_fn.inputs],
            "outputs": [names.get(block._id, "?") for block in block_fn.outputs],
            "after": None if block_fn.trigger_after is None else getattr(demo.fns[block_fn.trigger_after].fn, "__name__", None),
            "only_on_success": block_fn.trigger_only_on_success,
            "queue": block_fn.queue,
            "progress": block_fn.show_progress,
            "api": [block_fn.api_name, str(block_fn.api_visibility)],
            "concurrency": [block_fn.concurrency_limit, block_fn.concurrency_id == block_fn._id],
            "trigger_mode": block_fn.trigger_mode,
            "cancels": [getattr(demo.fns[i].fn, "__name__", None) for i in block_fn.cancels],
        })
    return {
        "title": config["title"],
        "launch": launch_options(settings),
        "chats_at_once": demo._queue.default_concurrency_limit,  # PLAYGROUND_CONCURRENCY: what each event may run at once
        "layout": tree(config["layout"]),
        "parts": parts,
        "events": events,
    }


@pytest.fixture(scope="module")
def pages(monkeypatch_module) -> dict[str, str]:
    return {variant: page_as_sent(env) for variant, env in VARIANTS.items()}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
        for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "SPACE_ID", "SYSTEM", "OAUTH_CLIENT_ID"):
            patch.delenv(name, raising=False)
        yield patch


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_page_a_browser_receives_is_the_reviewed_one(pages, variant):
    assert_reviewed("page_as_sent.json", variant, pages[variant])


def test_the_token_the_server_holds_is_nowhere_in_the_page(pages):
    assert SERVER_TOKEN not in as_text(pages["a server token that may list endpoints"])
