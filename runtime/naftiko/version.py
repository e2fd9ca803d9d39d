"""The version of naftiko-py: one leaf that anything may import."""

__version__ = "0.1.0"
