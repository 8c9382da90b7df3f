"""bulkio: move contacts between spreadsheets and the HighLevel Contacts API v3."""

from __future__ import annotations

from bulkio.errors import (
    ApiError,
    AuthError,
    BulkioError,
    ConfigError,
    InputError,
    RateLimitedError,
    RowIssue,
    ServerError,
    TransportError,
)

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "AuthError",
    "BulkioError",
    "ConfigError",
    "InputError",
    "RateLimitedError",
    "RowIssue",
    "ServerError",
    "TransportError",
    "__version__",
]
