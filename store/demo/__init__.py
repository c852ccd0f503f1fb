"""Demo data: realistic, multi-locale, reproducible for a seed. `generate_demo` is the entry point."""

from store.demo.generate import DemoRefused, DemoStats, generate_demo

__all__ = ["DemoRefused", "DemoStats", "generate_demo"]
