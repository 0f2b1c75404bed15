"""Rewrite tests/data/golden.json from the current code: `python tests/update_golden.py`."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golden import GOLDEN, RUNS, SEED, bundled_models, headline  # noqa: E402

if __name__ == "__main__":
    values = {"runs": RUNS, "seed": SEED, "models": {model: headline(model) for model in bundled_models()}}
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN} ({len(values['models'])} models)")
