"""Loss functions composed from engine operations (placeholder until they are written)."""

__all__: list[str] = []
