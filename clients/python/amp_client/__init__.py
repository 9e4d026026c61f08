"""Python client for AMP, the model-as-a-service platform. See ../README.md."""

from .client import AmpClient, AmpError

__all__ = ["AmpClient", "AmpError"]
