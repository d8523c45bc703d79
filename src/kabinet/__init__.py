"""Kabinet — a self-hosted customer portal."""

__version__ = "0.1.0"
