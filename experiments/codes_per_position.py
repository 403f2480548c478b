"""How many distinct codes each token position uses over the first N test images, for finished tokenizer runs.

A 1D tokenizer whose positions each use a few dozen codes carries far fewer bits per token than log2 K, however
many codes it uses in all. Usage (encode only, ~1 min per run on one core):

    python experiments/codes_per_position.py OUT.csv RUN_FOLDER [RUN_FOLDER ...]

Each RUN_FOLDER is a method's folder holding tokenizer.ckpt (the EMA weights when the run kept them).
"""
import math, sys
from pathlib import Path
import pandas as pd
import torch
from wartok.data import load_cifar10
from wartok.experiment import load_tokenizer

def distinct_per_position(tokens: torch.Tensor) -> torch.Tensor:
    "Number of distinct codes at each position of tokens [N, L]: float [L]."
    return torch.tensor([len(tokens[:, i].unique()) for i in range(tokens.shape[1])]).float()

def codes_per_position(run: Path, images: int = 1000) -> dict:
    tok, cfg = load_tokenizer(run)
    x, _ = load_cifar10(split="test", download=False).get_batch(range(images))
    z = torch.cat([tok.encode(x[i:i + 250]) for i in range(0, images, 250)])
    per = distinct_per_position(z)
    return {"run": str(run), "arch": cfg.tokenizer.arch, "K": tok.codebook_size, "images": images,
            "codes_per_position_mean": per.mean().item(), "codes_per_position_min": per.min().item(),
            "codes_per_position_max": per.max().item(), "bits_per_position_max": math.log2(per.mean().item()),
            "codes_used": len(z.unique())}

if __name__ == "__main__":
    rows = [codes_per_position(Path(r)) for r in sys.argv[2:]]
    pd.DataFrame(rows).to_csv(sys.argv[1], index=False)
    print(pd.DataFrame(rows).drop(columns="run").to_string())
