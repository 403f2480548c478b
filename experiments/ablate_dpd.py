"""Small-budget ablation of the WGF-DPD settings on CIFAR-10, evaluated on held-out *training* images.

Not the test split: these runs choose the settings of the `cpu` preset, so they must not see the images the
report evaluates on. Usage (about 2-3 minutes per setting on 2 CPU cores):

    python experiments/ablate_dpd.py OUT.csv "two_stage" "wartok dpd.target_mode=sharpened_proxy dpd.weight=1.0" ...

Each argument is a method followed by hydra overrides applied on top of the ablation's base settings.
"""
import hashlib, json, sys
from pathlib import Path
import pandas as pd
from wartok.config import compose_config
from wartok.data import load_cifar10, train_heldout_split
from wartok.experiment import run_method

BASE = ["train.tokenizer_steps=300", "train.ar_steps=300", "train.batch_size=32", "train.ar_batch_size=64",
        "train.log_every=25", "train.ckpt_every=1000", "eval.num_samples=64", "eval.batch_size=250",
        "data.train_limit=null"]

def main(out_csv: str, *settings: str):
    full = load_cifar10(split="train", download=False)
    # 8,000 training images to train on, the last 2,000 of the training split to evaluate on
    train, held = train_heldout_split(full, 8000, 2000)
    rows = []
    for s in settings:
        method, *ov = s.split()
        cfg = compose_config("cpu_studies", BASE + ov)
        # one run folder per setting, named by the setting itself, so resume=True can never reuse another setting's run
        name = hashlib.sha1(s.encode()).hexdigest()[:10]
        row = run_method(cfg, method, Path(f"runs/ablation/{name}"), resume=True, progress=False, train_ds=train,
                         eval_ds=held)
        row["setting"] = s
        rows.append(row)
        print(json.dumps({k: row[k] for k in ("setting", "rmse", "psnr", "gloss", "gloss_train", "usage",
                                              "token_entropy")}), flush=True)
    pd.DataFrame(rows).to_csv(out_csv, index=False)

if __name__ == "__main__":
    main(*sys.argv[1:])
