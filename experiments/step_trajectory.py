"""Per-step losses of a short tokenizer run, to tell a real change of behaviour from float-level noise.

A change that only reorders float sums (another thread count, a chunked reduction) still moves a training run's
final numbers, because training amplifies tiny differences (argmax flips, dead-code restarts). Run the same steps
from two checkouts, or with two thread counts, and compare the per-step losses:

    python experiments/step_trajectory.py record cpu wartok 40 new.json     # from this checkout
    OMP_NUM_THREADS=2 python experiments/step_trajectory.py record cpu wartok 40 two_threads.json
    python experiments/step_trajectory.py compare old.json new.json two_threads.json

`record` trains the preset's tokenizer for the given method and number of steps (seed 0, the first 2,000 training
images of CIFAR-10 from $WARTOK_DATA) and writes every step's logged scalars; `compare` prints |Δ loss| per step of
each file against the first. Issue #15 used it for reports/cifar10/cpu/README.md.
"""
import json, sys

import torch

def record(preset: str, method: str, steps: int, out: str):
    from wartok.ar import build_ar
    from wartok.config import as_kwargs, compose_config
    from wartok.data import BatchLoader, build_dataset
    from wartok.tokenizer import build_tokenizer
    from wartok.train import TokenizerTrainer
    cfg = compose_config(preset, ["device=cpu"])
    torch.manual_seed(0)
    tok, dp, d = build_tokenizer(**as_kwargs(cfg.tokenizer)), cfg.dpd, cfg.data
    mk = lambda: build_ar(tok.codebook_size, tok.num_tokens, width=dp.proxy_width, depth=dp.proxy_depth,
                          heads=dp.proxy_heads)
    tr = TokenizerTrainer(tok, method, cfg.train, cfg.tokenizer, dp, proxy=mk(), fresh_target=mk(), device="cpu")
    ds = build_dataset(d.name, "train", d.root, d.image_size, False, 2000)
    batches = BatchLoader(ds, cfg.train.batch_size, seed=0, hflip=d.hflip, num_workers=0).forever()
    rows = []
    for _ in range(steps):
        raw = tr.step(*next(batches))
        rows.append({k: float(v) for k, v in raw.items() if torch.is_tensor(v) or isinstance(v, (int, float))})
    json.dump({"preset": preset, "method": method, "threads": torch.get_num_threads(), "steps": rows},
              open(out, "w"))
    print(f"wrote {out}: {steps} steps, final loss {rows[-1]['loss']:.6f}")

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
