"""The HTTP API: the single intake, journey status, integrators and operators."""
