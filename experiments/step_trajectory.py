"""Per-step losses of a short tokenizer run, to tell a real change of behaviour from float-level noise.

A change that only reorders float sums (another thread count, a chunked reduction) still moves a training run's
final numbers, because training amplifies tiny differences (argmax flips, dead-code restarts). Run the same steps
from two checkouts (PYTHONPATH at each), or with two thread counts, and compare the per-step losses:

    python experiments/step_trajectory.py record cpu wartok 40 new.json
    OMP_NUM_THREADS=2 python experiments/step_trajectory.py record cpu wartok 40 two_threads.json
    python experiments/step_trajectory.py compare new.json two_threads.json

`record` is the report's stage 1 (`train_tokenizer`, the preset's data and seed) for `steps` steps with a log line
every step, in a temporary folder; it writes every step's logged scalars. `compare` prints |Δ loss| per step of each
file against the first. The cpu report of commit b1f8937 (reports/cifar10/cpu/README.md in git history) used it.
"""
import json, sys, tempfile
from pathlib import Path

def record(preset: str, method: str, steps: int, out: str):
    import torch
    from wartok.config import compose_config
    from wartok.experiment import build_datasets, train_tokenizer
    from wartok.store import read_jsonl
    cfg = compose_config(preset, ["device=cpu", f"train.tokenizer_steps={steps}", "train.log_every=1",
                                  "train.tensorboard=false"])
    train_ds, _ = build_datasets(cfg.data, eval_ds=[])  # the evaluation split is not needed
    with tempfile.TemporaryDirectory() as tmp:
        train_tokenizer(cfg, method, Path(tmp), train_ds, progress=False)
        rows = read_jsonl(Path(tmp) / "tokenizer_log.jsonl")
    json.dump({"preset": preset, "method": method, "threads": torch.get_num_threads(), "steps": rows},
              open(out, "w"))
    print(f"wrote {out}: {len(rows)} steps, final loss {rows[-1]['loss']:.6f}")

def compare(first: str, *others: str):
    runs = [json.load(open(p)) for p in (first, *others)]
    print("step " + " ".join(f"{p:>24s}" for p in others) + "   (|loss - first's loss|)")
    for i in range(min(len(r["steps"]) for r in runs)):
        ref = runs[0]["steps"][i]["loss"]
        print(f"{i:4d} " + " ".join(f"{abs(r['steps'][i]['loss'] - ref):24.2e}" for r in runs[1:]))

if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "record": record(args[0], args[1], int(args[2]), args[3])
    elif cmd == "compare": compare(*args)
    else: sys.exit(__doc__)
