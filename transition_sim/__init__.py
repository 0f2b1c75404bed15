"""transition-sim: simulate moving a council service into a children's trust."""

__version__ = "0.1.0"

from transition_sim.api import compare, drivers, load_run, run, sweep, validate  # noqa: E402

__all__ = ["__version__", "compare", "drivers", "load_run", "run", "sweep", "validate"]
