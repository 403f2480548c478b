"""The TiTok recipe at CPU scale: learning curves of the 1D tokenizer under candidate settings.

Held-out *training* images only: it trains on the first 10,000 training images and measures every `--every` steps on
the last 1,000 (never the test split), so the `cpu_titok` preset's settings are chosen without seeing the images its
report evaluates on. Two-stage tokenizer training only (no prior). Usage, about 5 minutes per setting at 600 steps on
one core:

    OMP_NUM_THREADS=1 python experiments/titok_recipe.py reports/cifar10/titok_recipe/curves.csv NAME "OVERRIDES" ...

Each NAME is followed by its hydra overrides (space-separated, on top of BASE). A setting whose rows are already in
the CSV is skipped, so a sweep can be split over processes and sittings. The 05_tokenizer notebook plots the CSV.
"""
import fcntl, json, sys, time
from pathlib import Path
import pandas as pd
import torch
from wartok.config import compose_config
from wartok.data import BatchLoader, load_cifar10, train_heldout_split
from wartok.metrics import tokenizer_metrics
from wartok.store import git_commit
from wartok.tokenizer import build_tokenizer
from wartok.train import TokenizerTrainer
from codes_per_position import distinct_per_position  # this folder is on sys.path when run as a script

BASE = ["tokenizer=titok", "tokenizer.width=128", "tokenizer.enc_depth=2", "tokenizer.dec_depth=2", "tokenizer.heads=4",
        "tokenizer.dead_code_threshold=0", "train.batch_size=32", "train.tokenizer_steps=600"]
EVERY = 150

def curve(name: str, overrides: list[str]) -> list[dict]:
    "Train one setting; its held-out rMSE, code usage, token entropy and distinct codes per position over steps."
    cfg = compose_config("cpu_studies", BASE + overrides)
    full = load_cifar10(split="train", download=False)
    train, held = train_heldout_split(full, 10000, 1000)
    torch.manual_seed(0)
    tok = build_tokenizer(None, cfg.tokenizer)
    tr = TokenizerTrainer(tok, "two_stage", cfg.train, cfg.tokenizer, cfg.dpd)
    batches, rows, t0 = BatchLoader(train, cfg.train.batch_size, seed=0, hflip=True).forever(), [], time.time()
    for s in range(cfg.train.tokenizer_steps + 1):
        if s % EVERY == 0:
            m = tokenizer_metrics(tok, held, 250)
            per_pos = distinct_per_position(m["tokens"]).mean().item()
            rows.append(dict(setting=name, overrides=" ".join(overrides), step=s, rmse=m["mse"], usage=m["usage"],
                             token_entropy=m["token_entropy"], codes_per_position=per_pos,
                             wall_s=round(time.time() - t0, 1), commit=git_commit()))
            print(json.dumps({k: rows[-1][k] for k in ("setting", "step", "rmse", "usage", "wall_s")}), flush=True)
            tok.train()
        if s < cfg.train.tokenizer_steps: tr.step(*next(batches))
    return rows

def main(out_csv: str, *args: str):
    out = Path(out_csv)
    out.parent.mkdir(parents=True, exist_ok=True)
    for name, ov in zip(args[::2], args[1::2]):
        if out.exists() and name in set(pd.read_csv(out)["setting"]): continue
        rows = curve(name, ov.split())
        with open(out.with_suffix(".lock"), "w") as lock:  # two processes may finish at once
            fcntl.flock(lock, fcntl.LOCK_EX)
            pd.DataFrame(rows).to_csv(out, mode="a", header=not out.exists(), index=False)

if __name__ == "__main__":
    main(*sys.argv[1:])
