"""Call Hugging Face inference endpoints with OpenAI-format chat messages.

    from playground import completion
    r = completion(model="meta-llama/Llama-2-7b-chat-hf", messages=[{"role": "user", "content": "Hi"}])
    print(r.choices[0].message.content)   # r.exchanges: the raw HTTP exchanges

Works on the serverless path (Inference Providers through the router for chat models, the
hf-inference task API for task models), a public dedicated endpoint (``api_base=``) on any
engine (TGI, vLLM, SGLang, llama.cpp) or a private one (plus a token: ``api_key=``,
``playground.huggingface_key`` or ``HF_TOKEN``).
Importing this package loads neither gradio nor httpx; httpx loads on the first call.
"""

from . import errors
from ._auth import is_huggingface_url, redact_headers, redact_token, scrub
from ._client import (
    AsyncCompletionStream,
    CompletionStream,
    RouteInfo,
    acheck_endpoint,
    acompletion,
    alist_endpoints,
    alist_models,
    aresolve_route,
    check_endpoint,
    completion,
    list_endpoints,
    list_models,
    resolve_route,
)
from ._endpoints import InferenceEndpoint
from ._catalog import ProviderOffer, RouterModel
from ._doctor import EndpointReport, Finding
from ._errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    InternalServerError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    PlaygroundError,
    RateLimitError,
    ServiceUnavailableError,
    Timeout,
)
from ._exchange import Exchange
from ._flow import LoadingStatus
from ._settings import Settings
from ._tasks import clear_caches, engine_name
from ._transport import refuse_private_addresses
from ._types import ModelResponse, ModelResponseStream, Usage, timings_of

huggingface_key: str | None = None
"""A token for every call that passes no ``api_key`` (checked before ``HF_TOKEN``)."""

__version__ = "0.1.0"

__all__ = [
    "refuse_private_addresses",
    "completion",
    "acompletion",
    "huggingface_key",
    "resolve_route",
    "aresolve_route",
    "list_models",
    "alist_models",
    "list_endpoints",
    "alist_endpoints",
    "InferenceEndpoint",
    "RouterModel",
    "ProviderOffer",
    "RouteInfo",
    "check_endpoint",
    "acheck_endpoint",
    "EndpointReport",
    "Finding",
    "CompletionStream",
    "AsyncCompletionStream",
    "ModelResponse",
    "ModelResponseStream",
    "Usage",
    "Exchange",
    "LoadingStatus",
    "Settings",
    "clear_caches",
    "engine_name",
    "redact_headers",
    "is_huggingface_url",
    "timings_of",
    "redact_token",
    "scrub",
    "errors",
    "PlaygroundError",
    "APIError",
    "BadRequestError",
    "ContextWindowExceededError",
    "AuthenticationError",
    "NotFoundError",
    "PermissionDeniedError",
    "PaymentRequiredError",
    "RateLimitError",
    "ServiceUnavailableError",
    "InternalServerError",
    "APIConnectionError",
    "Timeout",
]
