"""A risk review from Python: what the CLI's run, compare, sweep and drivers print, as DataFrames.

Run from the repository root:  python examples/risk_review.py
"""

import transition_sim

# One run of the bundled baseline, not written to disk.
base = transition_sim.run(runs=1000, write=False)
figures = base.summary["figures"]
print(figures["go_live_p50"]["value"], f"P(on time) {figures['p_on_time']['value']:.1%}")

# Side by side: the baseline and two what-ifs, with common random numbers.
table = transition_sim.compare("models/northamptonshire.yaml", "what-if/cwd-in-scope.yaml",
                               "what-if/no-pandemic.yaml", runs=1000).table
print(table.loc[["go-live P50", "go-live P80", "P(go-live before vesting day)", "transition cost P80"]])

# A grid of what-ifs.
grid = transition_sim.sweep(vary={"capacities.hr": [1, 2, 3], "planned_go_live": ["2020-07-01", "2020-11-01"]},
                            runs=500)
print(grid)

# What drives slippage in the baseline run.
found = transition_sim.drivers(base.results)
print(found["tasks"].head(10)[["task_id", "criticality", "spearman_with_go_live"]])
print(found["risks"][["risk_id", "struck_share", "mean_shift_days"]])
