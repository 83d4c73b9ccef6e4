"""The version of llmgine, written here only: ``pyproject.toml`` reads it from this file.

A floor module: any layer may import it, where importing the top-level ``llmgine`` (which
re-exports from every layer) would point up.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
