"""A token's Inference Endpoints: ``GET {hub}/api/whoami-v2`` for the user and their
organisations, then ``GET {endpoints_api}/endpoint/{namespace}`` for each.

The token is the point of these requests, so it goes out with them, but only to a Hugging
Face host over https, or to a server on this machine (loopback: a local proxy or a test
server); a Hub mirror set in ``HF_ENDPOINT`` never gets it. An organisation that answers
401 or 403 (no access to its endpoints, or no billing) is skipped, as huggingface_hub
does; the user's own namespace refusing means the token cannot list endpoints at all.
Like the call's plan, :func:`endpoint_listing` never does I/O: the client's drivers run it.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from ._auth import is_huggingface_url
from ._errors import AuthenticationError, BadRequestError, PermissionDeniedError
from ._exchange import Exchange
from ._flow import Send
from ._mapping import error_from_response, malformed
from ._prepare import prepare_get
from ._settings import Settings

TOKENS_PAGE = "https://huggingface.co/settings/tokens"
# The engine key of the endpoint's model.image, as the Endpoints API names it, to ours.
IMAGE_ENGINES = {"vLLM": "vllm", "vLLMNeuron": "vllm", "sGLang": "sglang", "tgi": "tgi", "tgiNeuron": "tgi", "llamacpp": "llamacpp",
                 "tei": "tei", "huggingface": "toolkit", "huggingfaceNeuron": "toolkit", "hfServe": "hf-serve", "custom": "custom"}


@dataclass(frozen=True)
class InferenceEndpoint:
    """One Inference Endpoint, as the Endpoints API describes it."""

    name: str
    namespace: str
    state: str | None
    """"running", "paused", "scaledToZero", "initializing", "pending", "updating", "failed", "updateFailed"."""
    url: str | None
    """None until it is deployed."""
    model: str | None
    """The Hub repository it serves."""
    engine: str | None
    """"vllm", "sglang", "tgi", "llamacpp", "tei", "toolkit", "custom"..."""
    task: str | None = None
    type: str | None = None
    """"public", "protected" / "authenticated" (a Hugging Face token needed), "private"."""
    message: str | None = None
    """The Endpoints API's own words about its state."""

    @property
    def public(self) -> bool:
        return self.type == "public"


def may_receive_token(url: str) -> bool:
    """A Hugging Face host over https, or a server on this machine."""
    if is_huggingface_url(url):
        return True
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    import ipaddress  # only for a URL that is not Hugging Face's: kept out of `import playground`

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_listing(settings: Settings, token: str | None, exchanges: list[Exchange]) -> Generator[Send, Any, list[InferenceEndpoint]]:
    """Every endpoint of the token's user and organisations; raises a typed error with a sentence."""
    if not token:
        raise AuthenticationError(f"Listing your Inference Endpoints needs a Hugging Face token: create one at {TOKENS_PAGE}.")
    for url in (settings.hub_endpoint, settings.endpoints_api_url):
        if not may_receive_token(url):
            raise BadRequestError(
                f"Your token is only sent to Hugging Face hosts over https, and {urlsplit(url).netloc or url} is not one: "
                "unset HF_ENDPOINT / HF_ENDPOINTS_API_URL to list your endpoints."
            )
    whoami = f"{settings.hub_endpoint}/api/whoami-v2"
    reply = yield Send(prepare_get("who am I (GET /api/whoami-v2)", whoami, token))
    if not reply.ok:
        raise _refused(reply, exchanges, whoami)
    body = reply.body if isinstance(reply.body, dict) else None
    user = body.get("name") if body else None
    if not isinstance(user, str) or not user:
        raise malformed("an account description", reply.body, exchanges=exchanges, model="")
    orgs = [org["name"] for org in body.get("orgs") or [] if isinstance(org, dict) and isinstance(org.get("name"), str)]
    found: list[InferenceEndpoint] = []
    for namespace in (user, *orgs):
        url = f"{settings.endpoints_api_url}/endpoint/{quote(namespace, safe='')}"
        reply = yield Send(prepare_get(f"endpoints of {namespace} (GET /endpoint/{namespace})", url, token))
        if reply.status in (401, 403) and namespace != user:
            continue  # an organisation whose endpoints this token may not see
        if not reply.ok:
            raise _refused(reply, exchanges, url)
        items = reply.body.get("items") if isinstance(reply.body, dict) else None
        if not isinstance(items, list):
            raise malformed("a list of endpoints", reply.body, exchanges=exchanges, model="")
        found += [endpoint for endpoint in (_endpoint(item, namespace) for item in items) if endpoint is not None]
    return found


def _refused(reply: Any, exchanges: list[Exchange], url: str) -> Exception:
    if reply.status == 401:
        return AuthenticationError(
            f"The token was refused (HTTP 401): it is wrong or revoked; copy a fresh one from {TOKENS_PAGE}.",
            status_code=401, exchanges=exchanges,
        )
    if reply.status == 403:
        return PermissionDeniedError(
            "This token may not list Inference Endpoints (HTTP 403): give it the permission to read your Inference "
            f"Endpoints (fine-grained tokens) at {TOKENS_PAGE}, or use a read token. Chatting still works.",
            status_code=403, exchanges=exchanges,
        )
    return error_from_response(reply.status, reply.headers, reply.body, exchanges=exchanges, model="the endpoint list", url=url,
                               dedicated=True, sent_token=True)


def _endpoint(item: Any, namespace: str) -> InferenceEndpoint | None:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        return None
    model = item.get("model") if isinstance(item.get("model"), dict) else {}
    status = item.get("status") if isinstance(item.get("status"), dict) else {}
    image = model.get("image") if isinstance(model.get("image"), dict) else {}
    key = next(iter(image), None)

    def text(mapping: dict[str, Any], name: str) -> str | None:
        value = mapping.get(name)
        return value if isinstance(value, str) and value else None

    return InferenceEndpoint(
        name=item["name"],
        namespace=namespace,
        state=text(status, "state"),
        url=text(status, "url"),
        model=text(model, "repository"),
        engine=IMAGE_ENGINES.get(key, key) if isinstance(key, str) else None,
        task=text(model, "task"),
        type=text(item, "type"),
        message=text(status, "message"),
    )
