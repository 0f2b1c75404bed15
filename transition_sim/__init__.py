"""transition-sim: simulate moving a council service into a children's trust."""

__version__ = "0.1.0"

__all__ = ["__version__", "compare", "drivers", "load_run", "run", "sweep", "validate"]


def __getattr__(name: str):
    """The API's functions, imported on first use so that the CLI's --help starts quickly."""
    if name in __all__:
        from transition_sim import api
        return getattr(api, name)
    raise AttributeError(f"module 'transition_sim' has no attribute {name!r}")
