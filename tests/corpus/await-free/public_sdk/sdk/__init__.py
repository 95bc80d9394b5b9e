"""The SDK's public surface."""

from .client import Client

__all__ = ["Client"]
