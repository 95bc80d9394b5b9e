from .core import connect, Client

__all__ = ["connect", "Client"]
