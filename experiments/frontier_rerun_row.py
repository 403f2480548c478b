"""Rerun one reused two-stage selection row of reports/cifar10/frontier with today's code and compare it with the row.

The frontier reuses finished rows by run id (method, settings, seed, split, budget), not by code; this reruns the
two-stage point at codebook size K, seed 0, on the frontier's split (first 10,000 training images; the last 2,000
held out) and budget, into a scratch folder, and prints old and new metrics. Threads: set OMP_NUM_THREADS.

    OMP_NUM_THREADS=1 python experiments/frontier_rerun_row.py 256 /tmp/rerun   # ~4 min
"""
import sys
from pathlib import Path

import pandas as pd

from wartok.config import budget_overrides

BUDGET = budget_overrides("frontier")  # run_frontier's budget at its defaults

if __name__ == "__main__":
    from wartok.data import load_cifar10, train_heldout_split
    from wartok.frontier import Point, run_points
    k, out = int(sys.argv[1]), Path(sys.argv[2])
    full = load_cifar10(None, "train", download=False)
    train, held = train_heldout_split(full, 10000, 2000)
    p = Point("two_stage", "tokenizer.codebook_size", k)
    new = run_points([p], [0], "heldout", (train, held), BUDGET, out / "runs.csv", out / "runs", "cpu")
    old = pd.read_csv(Path(__file__).resolve().parents[1] / "reports/cifar10/frontier/runs.csv").set_index("run_id")
    for rid, row in new.set_index("run_id").iterrows():
        for c in ("rmse", "gloss", "gloss_train", "usage", "token_entropy"):
            print(rid, c, "row", old.loc[rid, c], "rerun", row[c], "same" if old.loc[rid, c] == row[c] else "differs")
