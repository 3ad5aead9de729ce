"""Share a setup: the page's settings as a link (URL query parameters), and a link's
parameters back into settings. Never a token, never the conversation. No Gradio here.

A parameter that is unknown, or whose value cannot be used, is ignored with a note that
says which and why; the rest of the link still applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from .providers import AUTO
from .turn import KINDS, ROUTE_CHOICES, TurnInputs

SECRET_NAMES = ("token", "api_key", "hf_token", "access_token", "key")
TEXT_LIMITS = {"model": 200, "api_base": 500, "provider": 80, "system_prompt": 2000, "stop": 200, "seed": 20, "bill_to": 100}
NUMBERS = {"max_tokens": (1, 4096, int), "temperature": (0.0, 2.0, float), "top_p": (0.01, 1.0, float)}
DEFAULTS = TurnInputs()


VIEWS = ("presenter", "full")


def setup_query(inputs: TurnInputs, *, view: str = "full") -> str:
    """The query string (starting with "?") of a link that opens the page with these settings
    (and in the presenter view if ``view`` says so). Only what differs from the defaults goes
    in, and never the token."""
    values: dict[str, Any] = {"endpoint": inputs.endpoint, "model": (inputs.model or "").strip()}
    if inputs.endpoint in ("public", "private") and (inputs.api_base or "").strip():
        values["api_base"] = inputs.api_base.strip()
    for name in ("provider", "system_prompt", "stop", "route", "bill_to"):
        value = str(getattr(inputs, name) or "").strip()
        if value and value != str(getattr(DEFAULTS, name) or ""):
            values[name] = value
    for name in NUMBERS:
        value = getattr(inputs, name)
        if value is not None and value != getattr(DEFAULTS, name):
            values[name] = value
    if inputs.seed not in (None, ""):
        values["seed"] = inputs.seed
    if view == "presenter":
        values["view"] = view
    return "?" + urlencode(values)


@dataclass
class SharedSetup:
    """What a link sets (component name → value), and a note for each parameter ignored."""

    values: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_setup(params: Mapping[str, str]) -> SharedSetup:
    """The settings a link's parameters give, and ``view`` (presenter or full) if it names one."""
    shared = SharedSetup()
    for name, raw in params.items():
        if name == "__theme":  # Gradio's own (light or dark)
            continue
        value = raw.strip()
        if name.lower() in SECRET_NAMES:
            shared.notes.append("A link never carries a token, so the one in this link was ignored: type yours in the Token box.")
        elif name == "endpoint":
            if value in KINDS:
                shared.values[name] = value
            else:
                shared.notes.append(f"endpoint={value[:40]!r} is not one of {', '.join(KINDS)}; the default endpoint is kept.")
        elif name == "view":
            if value in VIEWS:
                shared.values[name] = value
            else:
                shared.notes.append(f"view={value[:40]!r} is not one of {', '.join(VIEWS)}; the full view is kept.")
        elif name == "route":
            if value in ROUTE_CHOICES:
                shared.values[name] = value
            else:
                shared.notes.append(f"route={value[:40]!r} is not one of {', '.join(ROUTE_CHOICES)}; auto is kept.")
        elif name in NUMBERS:
            low, high, kind = NUMBERS[name]
            try:
                number = kind(float(value))
            except ValueError:
                number = None
            if number is None or not low <= number <= high:
                shared.notes.append(f"{name}={value[:20]!r} is not a number from {low} to {high}; the default is kept.")
            else:
                shared.values[name] = number
        elif name in TEXT_LIMITS:
            if len(value) > TEXT_LIMITS[name]:
                shared.notes.append(f"{name} is longer than {TEXT_LIMITS[name]} characters, so it was ignored.")
            elif name == "api_base" and (urlsplit(value).scheme not in ("http", "https") or "@" in urlsplit(value).netloc):
                shared.notes.append("api_base is not an http(s) address without credentials, so it was ignored.")
            else:
                shared.values[name] = value or (AUTO if name == "provider" else "")
        else:
            shared.notes.append(f"The link's parameter {name[:40]!r} is not a setting of this page, so it was ignored.")
    return shared
