"""Activation modules (placeholder until they are written)."""

__all__: list[str] = []
