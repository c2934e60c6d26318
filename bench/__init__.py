"""The benchmark harness: `python -m bench` starts the real stack (Temporal dev server, database, worker,
API on uvicorn), runs each scenario after a warm-up against a raw Temporal baseline measured in the same
run, prints a table with pass/fail per target and writes bench/results/latest.json.

Absolute figures on shared machines drift from run to run; the targets are ratios to what the engine
underneath does in the same run. docs/performance.md records one run and explains what bounds each figure.
"""
