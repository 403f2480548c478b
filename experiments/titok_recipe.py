"""The TiTok recipe at CPU scale: learning curves of the 1D tokenizer under candidate settings.

Held-out *training* images only: it trains on the first 10,000 training images and measures every `--every` steps on
the last 1,000 (never the test split), so the `cpu_titok` preset's settings are chosen without seeing the images its
report evaluates on. Two-stage tokenizer training only (no prior). Usage, about 5 minutes per setting at 600 steps on
one core:

    OMP_NUM_THREADS=1 python experiments/titok_recipe.py reports/cifar10/titok_recipe/curves.csv NAME "OVERRIDES" ...

Each NAME is followed by its hydra overrides (space-separated, on top of BASE). A setting whose rows are already in
the CSV is skipped, so a sweep can be split over processes and sittings; each setting trains through the library's
`train_tokenizer` (checkpoints every 150 steps in runs/titok_recipe/NAME, so a killed setting resumes where it
stopped). The 05_tokenizer notebook plots the CSV. The committed curves.csv ran with this script's earlier loop
(its own steps, the same data, seed and measurements), before the library's trainer took it over.
"""
import fcntl, json, sys, time
from pathlib import Path
import pandas as pd
from wartok.config import compose_config
from wartok.data import load_cifar10, train_heldout_split
from wartok.experiment import train_tokenizer
from wartok.metrics import tokenizer_metrics
from wartok.store import git_commit
from codes_per_position import distinct_per_position  # this folder is on sys.path when run as a script

BASE = ["tokenizer=titok", "tokenizer.width=128", "tokenizer.enc_depth=2", "tokenizer.dec_depth=2", "tokenizer.heads=4",
        "tokenizer.dead_code_threshold=0", "train.batch_size=32", "train.tokenizer_steps=600"]
EVERY = 150

def curve(name: str, overrides: list[str], runs: Path = Path("runs/titok_recipe")) -> list[dict]:
    """Train one setting (`train_tokenizer` in chunks of EVERY steps, checkpointed: a killed setting resumes); after
    each chunk its held-out rMSE, code usage, token entropy and distinct codes per position, also in its folder."""
    cfg = compose_config("cpu_studies", BASE + overrides + [f"train.ckpt_every={EVERY}", "train.tensorboard=false"])
    train, held = train_heldout_split(load_cifar10(split="train", download=False), 10000, 1000)
    out, t0 = runs / name, time.time()
    done = out / "curve.csv"
    rows = pd.read_csv(done, keep_default_na=False).to_dict("records") if done.exists() else []
    if rows and rows[0]["overrides"] != " ".join(overrides):  # the run folder also refuses another config
        sys.exit(f"{out} holds setting {name!r} with overrides {rows[0]['overrides']!r}: use another NAME")
    step = rows[-1]["step"] if rows else -1
    while step < cfg.train.tokenizer_steps:
        chunk = 0 if step < 0 else min(EVERY, cfg.train.tokenizer_steps - step)  # step 0 first: the initial codes
        tr = train_tokenizer(cfg, "two_stage", out, train, resume=True, progress=False, stop_after=chunk)
        step = tr.step_count
        m = tokenizer_metrics(tr.tok, held, 250)
        per_pos = distinct_per_position(m["tokens"]).mean().item()
        rows.append(dict(setting=name, overrides=" ".join(overrides), step=step, rmse=m["mse"], usage=m["usage"],
                         token_entropy=m["token_entropy"], codes_per_position=per_pos,
                         wall_s=round(time.time() - t0, 1), commit=git_commit()))
        pd.DataFrame(rows).to_csv(done, index=False)
        print(json.dumps({k: rows[-1][k] for k in ("setting", "step", "rmse", "usage", "wall_s")}), flush=True)
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
