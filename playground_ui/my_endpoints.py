"""The person's own Inference Endpoints on the page: which token lists them, the list's
labels, and what choosing one sets. No Gradio here.

The token is the one typed in the page; the server's own ``HF_TOKEN`` lists endpoints
only when the app is not on a Space (a visitor must never see the owner's endpoints) and
only toward Hugging Face hosts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground import APIError, InferenceEndpoint, alist_endpoints, engine_name, is_huggingface_url

from .settings import AppSettings

STATES = {
    "running": "running",
    "scaledToZero": "scaled to zero",
    "paused": "paused",
    "initializing": "starting",
    "pending": "waiting to be scheduled",
    "updating": "updating",
    "failed": "failed",
    "updateFailed": "update failed",
}
PUBLIC, PRIVATE = "public", "private"


@dataclass
class Listing:
    """What the refresh shows: the choices (label, value) and a sentence."""

    endpoints: list[InferenceEndpoint] = field(default_factory=list)
    message: str = ""

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(label(e), key(e)) for e in self.endpoints]


def key(endpoint: InferenceEndpoint) -> str:
    return f"{endpoint.namespace}/{endpoint.name}"


def label(endpoint: InferenceEndpoint) -> str:
    """"llama31-vllm (fake-user) · running · meta-llama/Llama-3.1-8B-Instruct · vLLM"."""
    parts = [f"{endpoint.name} ({endpoint.namespace})", STATES.get(endpoint.state or "", endpoint.state or "state unknown")]
    if endpoint.model:
        parts.append(endpoint.model)
    if endpoint.engine:
        parts.append(engine_name(endpoint.engine))
    return " · ".join(parts)


def listing_token(typed: str, settings: AppSettings, signed_in: str = "") -> str | None:
    """The token that lists endpoints: the typed one, else a signed-in visitor's, else the
    server's outside a Space and only toward Hugging Face hosts."""
    if typed.strip():
        return typed.strip()
    library = settings.library
    huggingface = is_huggingface_url(library.hub_endpoint, settings.token_hosts) and is_huggingface_url(
        library.endpoints_api_url, settings.token_hosts
    )
    if signed_in.strip():  # the listing goes only to the Hub and Endpoints API this app is set up for
        return signed_in.strip()
    server_may = settings.server_token and not settings.on_space and huggingface
    return settings.server_token if server_may else None


async def list_mine(typed: str, settings: AppSettings, signed_in: str = "") -> Listing:
    """The endpoints the token can see, or an empty list with a sentence saying why."""
    token = listing_token(typed or "", settings, signed_in)
    if token is None:
        return Listing(message="Type a Hugging Face token in the Token box to list your Inference Endpoints.")
    try:
        found = await alist_endpoints(api_key=token)
    except APIError as error:
        return Listing(message=f"⚠️ {error.message}")
    if not found:
        return Listing(message="This token's account and organisations have no Inference Endpoints yet.")
    return Listing(found, f"{len(found)} endpoint{'s' * (len(found) != 1)}: choose one to chat with it.")


@dataclass(frozen=True)
class Chosen:
    """What choosing an endpoint sets on the page."""

    kind: str
    url: str
    model: str
    sentence: str


def choose(endpoint: InferenceEndpoint) -> Chosen:
    """The endpoint kind (Public for a public endpoint, else Private), its URL and model,
    and a sentence about its state."""
    kind = PUBLIC if endpoint.public else PRIVATE
    state = endpoint.state or ""
    name = endpoint.name
    if not endpoint.url:
        sentence = f"⚠️ {name} has no URL yet ({STATES.get(state, state or 'not deployed')}): resume or deploy it in your Inference Endpoints settings first."
    elif state == "scaledToZero":
        sentence = f"{name} is scaled to zero: the first message wakes it, and the chat shows the wait (a few minutes at most)."
    elif state == "paused":
        sentence = f"⚠️ {name} is paused: resume it in your Inference Endpoints settings, then send a message."
    elif state in ("failed", "updateFailed"):
        sentence = f"⚠️ {name} {STATES[state]}" + (f" ({endpoint.message})" if endpoint.message else "") + ": check its logs in your Inference Endpoints settings."
    elif state == "running":
        sentence = f"{name} is running" + (f" {engine_name(endpoint.engine)}" if endpoint.engine else "") + "."
    else:
        sentence = f"{name} is {STATES.get(state, state or 'in an unknown state')}: a message sent now may wait for it."
    return Chosen(kind, endpoint.url or "", endpoint.model or "tgi", sentence)
