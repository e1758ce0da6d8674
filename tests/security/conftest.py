"""Security tests reuse the API fixtures (the real app over HTTP, on both stores)."""

from tests.api.conftest import api, api_settings

__all__ = ["api", "api_settings"]
