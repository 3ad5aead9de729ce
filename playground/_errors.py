"""The exceptions the library raises, mapped once from HTTP statuses.

Names follow LiteLLM and openai-python so that code written against them keeps
working after switching imports::

    PlaygroundError
     └── APIError                    any failure to get an answer
          ├── BadRequestError        400/422, or input refused before sending
          │    └── ContextWindowExceededError  input + max_tokens too long
          ├── AuthenticationError    401 (and 403 below)
          │    └── PermissionDeniedError  403: the token lacks a permission or access
          ├── PaymentRequiredError   402: Inference Providers credits used up
          ├── NotFoundError          404, 410
          ├── RateLimitError         429 (retry_after when the server says)
          ├── ServiceUnavailableError 503 (estimated_time while a model loads)
          ├── InternalServerError    500, 502, 504, 424 and other 5xx
          └── APIConnectionError     no usable answer: refused, reset, cut short
               └── Timeout           connect or read timed out

Every APIError has ``status_code`` (None when nothing came back), ``hf_error``
(the server's own error text, verbatim), ``error_type`` (TGI's error_type, or the
OpenAI-style ``error.type``, when given), ``code`` (an OpenAI-style ``error.code`` such
as ``model_not_supported``), ``provider`` (the Inference Provider involved, if known) and ``exchanges`` (the raw HTTP exchanges behind it, token redacted).
``str(error)`` is a sentence for a person: what went wrong and what to do next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._exchange import Exchange

__all__ = [
    "PlaygroundError",
    "APIError",
    "BadRequestError",
    "ContextWindowExceededError",
    "AuthenticationError",
    "PermissionDeniedError",
    "PaymentRequiredError",
    "NotFoundError",
    "RateLimitError",
    "ServiceUnavailableError",
    "InternalServerError",
    "APIConnectionError",
    "Timeout",
    "error_for_status",
]


class PlaygroundError(Exception):
    """Base class of everything this library raises on purpose."""


class APIError(PlaygroundError):
    """A call that did not produce an answer."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        hf_error: str | None = None,
        error_type: str | None = None,
        exchanges: list[Exchange] | None = None,
        model: str | None = None,
        code: str | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.provider = provider
        self.message = message
        self.status_code = status_code
        self.hf_error = hf_error
        self.error_type = error_type
        self.exchanges: list[Exchange] = list(exchanges or [])
        self.model = model
        self.llm_provider = "huggingface"

    @property
    def exchange(self) -> Exchange | None:
        """The last exchange, the one that failed (None if nothing was sent)."""
        return self.exchanges[-1] if self.exchanges else None

    def __str__(self) -> str:
        return self.message


class BadRequestError(APIError):
    """The request was refused as malformed (400/422), or never sent because it was."""


class ContextWindowExceededError(BadRequestError):
    """The prompt plus the tokens asked for exceed what the model accepts."""


class AuthenticationError(APIError):
    """The endpoint refused the token, or needs one (401/403)."""


class PermissionDeniedError(AuthenticationError):
    """The token is valid but may not do this (403): a missing permission, or a gated model."""


class PaymentRequiredError(APIError):
    """The account's Inference Providers credits are used up (402)."""


class NotFoundError(APIError):
    """No model or endpoint at that address (404), or no longer served there (410)."""


class RateLimitError(APIError):
    """Too many requests (429)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServiceUnavailableError(APIError):
    """The endpoint cannot serve now (503); a loading model has ``estimated_time``."""

    def __init__(self, message: str, *, estimated_time: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.estimated_time = estimated_time


class InternalServerError(APIError):
    """The endpoint failed while answering (5xx other than 503, or 424)."""


class APIConnectionError(APIError):
    """No usable answer came back: connection refused or dropped, stream cut short."""


class Timeout(APIConnectionError):
    """The endpoint did not answer in time."""


def error_for_status(status: int) -> type[APIError]:
    """The exception class for an HTTP error status: one table, used everywhere."""
    if status in (400, 422):
        return BadRequestError
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDeniedError
    if status == 402:
        return PaymentRequiredError
    if status in (404, 410):
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status == 503:
        return ServiceUnavailableError
    if status >= 500 or status == 424:
        return InternalServerError
    return APIError
