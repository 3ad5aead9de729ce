"""Settings read from the environment in one place.

The library reads them at each call (so ``os.environ["HF_TOKEN"] = ...`` before a call
takes effect, as users of LiteLLM expect) and passes the object down; no other module
reads ``os.environ``. Loading a ``.env`` file is the app's business, not the library's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_INFERENCE_ENDPOINT = "https://router.huggingface.co/hf-inference"
DEFAULT_HUB_ENDPOINT = "https://huggingface.co"
DEFAULT_ROUTER_URL = "https://router.huggingface.co"
DEFAULT_ENDPOINTS_API_URL = "https://api.endpoints.huggingface.cloud/v2"

_TRUE = {"1", "true", "yes", "on"}
ENV_NAMES = (
    "HF_INFERENCE_ENDPOINT", "HF_ENDPOINT", "HF_ROUTER_URL", "HF_ENDPOINTS_API_URL", "HF_HUB_OFFLINE", "HF_TOKEN",
    "HUGGINGFACE_API_KEY", "PLAYGROUND_CONNECT_TIMEOUT", "PLAYGROUND_READ_TIMEOUT", "PLAYGROUND_WAIT_FOR_MODEL",
    "PLAYGROUND_MAX_RESPONSE_MB", "HF_OIDC_RESOURCE",
)
# os.environ keeps its values in a dict of bytes on POSIX; reading that dict directly costs
# under 1 µs for all the names where os.environ.get (which encodes each name and decodes
# each value) costs about 10 µs a call. It is the same dict os.environ reads and writes, so
# a change through os.environ (or os.environb) is seen at the next call all the same.
_POSIX_DATA = getattr(os.environ, "_data", None) if os.name == "posix" else None
_NAMES_B = tuple(name.encode() for name in ENV_NAMES)


def _float(environ: Mapping[str, str | None], name: str, default: float) -> float:
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number; set it to e.g. {default:g}.") from None
    if value <= 0:
        raise ValueError(f"{name} must be a positive number, not {raw!r}.")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the library takes from the environment."""

    inference_endpoint: str = DEFAULT_INFERENCE_ENDPOINT
    """Serverless base URL; a model is served at ``{inference_endpoint}/models/{model}``."""
    hub_endpoint: str = DEFAULT_HUB_ENDPOINT
    """The Hub, for the model API (``HF_ENDPOINT``, as huggingface_hub reads it)."""
    router_url: str = DEFAULT_ROUTER_URL
    """The Inference Providers router (``HF_ROUTER_URL``): chat models go to ``{router_url}/v1/chat/completions``."""
    endpoints_api_url: str = DEFAULT_ENDPOINTS_API_URL
    """The Inference Endpoints API (``HF_ENDPOINTS_API_URL``), for listing a token's endpoints."""
    hub_offline: bool = False
    """``HF_HUB_OFFLINE=1``: never ask the Hub for a model's task or providers (a chat then goes to the router)."""
    hf_token: str | None = field(default=None, repr=False)  # a token is never printed
    huggingface_api_key: str | None = field(default=None, repr=False)
    oidc_resource: str | None = None
    """``HF_OIDC_RESOURCE``: huggingface_hub exchanges an OIDC token for the saved login (read afresh each call)."""
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    wait_for_model: float = 120.0
    """Longest total wait for a model that is loading (503 with estimated_time)."""
    max_response_bytes: int = 16 * 1024 * 1024
    """A reply larger than this is refused rather than read into memory."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        global _last
        if environ is None and isinstance(_POSIX_DATA, dict):
            raw: tuple[object, ...] = tuple(map(_POSIX_DATA.get, _NAMES_B))
            read = os.environ.get
        else:
            env = os.environ if environ is None else environ
            raw, read = tuple(env.get(name) for name in ENV_NAMES), env.get
        last = _last
        if last is not None and last[0] == raw:
            return last[1]  # every call reads the environment; parsing it again is not needed
        values = {name: read(name) for name in ENV_NAMES}
        settings = cls(
            inference_endpoint=(values["HF_INFERENCE_ENDPOINT"] or DEFAULT_INFERENCE_ENDPOINT).rstrip("/"),
            hub_endpoint=(values["HF_ENDPOINT"] or DEFAULT_HUB_ENDPOINT).rstrip("/"),
            router_url=(values["HF_ROUTER_URL"] or DEFAULT_ROUTER_URL).rstrip("/"),
            endpoints_api_url=(values["HF_ENDPOINTS_API_URL"] or DEFAULT_ENDPOINTS_API_URL).rstrip("/"),
            hub_offline=((values["HF_HUB_OFFLINE"] or "").strip().lower() in _TRUE),
            hf_token=values["HF_TOKEN"] or None,
            huggingface_api_key=values["HUGGINGFACE_API_KEY"] or None,
            oidc_resource=values["HF_OIDC_RESOURCE"] or None,
            connect_timeout=_float(values, "PLAYGROUND_CONNECT_TIMEOUT", cls.connect_timeout),
            read_timeout=_float(values, "PLAYGROUND_READ_TIMEOUT", cls.read_timeout),
            wait_for_model=_float(values, "PLAYGROUND_WAIT_FOR_MODEL", cls.wait_for_model),
            max_response_bytes=int(_float(values, "PLAYGROUND_MAX_RESPONSE_MB", cls.max_response_bytes / 2**20) * 2**20),
        )
        _last = (raw, settings)
        return settings


_last: tuple[tuple[object, ...], Settings] | None = None
"""The environment values last read and the settings made from them."""
