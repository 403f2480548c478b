"""Does the gLoss ranking of two tokenizers survive a longer or a larger final prior?

    python experiments/prior_budget.py runs/cifar10/cpu reports/cifar10/prior_budget

Takes the tokenizers a `cpu`-preset run left in RUN_DIR/<method>/tokenizer.ckpt, trains fresh final priors on their
training tokens with other budgets (the config stored in the checkpoint, with `ar.*` / `train.ar_steps` changed) and
writes gLoss (eval split, as in the report) per method and budget to OUT/results.csv and OUT/table.md. The report's
own prior (2x128, 800 steps) is in the report; here: a 2x wider and deeper prior, and 2x the steps.
"""
import json, sys, time
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from wartok.experiment import build_datasets, load_tokenizer, train_prior
from wartok.frontier import prior_budget_markdown

from wartok.store import git_commit
from wartok.metrics import tokenizer_metrics
from wartok.train import TokenArrays, evaluate_nll

BUDGETS = {"2x width and depth (4x256, 800 steps)": {"ar.width": 256, "ar.depth": 4},
           "2x the steps (2x128, 1600 steps)": {"train.ar_steps": 1600}}

def main(run_dir: str, out_dir: str, methods=("two_stage", "wartok")):
    out, rows = Path(out_dir), []
    out.mkdir(parents=True, exist_ok=True)
    for m in methods:
        tok, base = load_tokenizer(Path(run_dir) / m)
        train_ds, eval_ds = build_datasets(base.data)
        tm = tokenizer_metrics(tok, eval_ds, batch_size=base.eval.batch_size)
        eval_tokens = TokenArrays(tm["tokens"], tm["labels"])
        for name, over in BUDGETS.items():
            cfg = base.copy()
            for k, v in over.items(): OmegaConf.update(cfg, k, v)
            t0 = time.time()
            run = Path("runs") / "prior_budget" / m / name.split(" (")[0].replace(" ", "_")  # outside reports/
            prior, _ = train_prior(cfg, tok, run, train_ds,
                                   progress="lines")
            gloss = evaluate_nll(prior, eval_tokens, base.eval.batch_size)
            rows.append({"method": m, "prior": name, "gloss": gloss, "rmse": tm["mse"],
                         "minutes": round((time.time() - t0) / 60, 1)})
            print(rows[-1], flush=True)
            pd.DataFrame(rows).to_csv(out / "results.csv", index=False)  # what is done survives an interruption
    df = pd.DataFrame(rows)
    df.to_csv(out / "results.csv", index=False)
    source = (f"`python experiments/prior_budget.py {run_dir} {out_dir}` at commit `{git_commit()}`, from the "
              f"tokenizers of the run in `{run_dir}` (one seed); gLoss on the test split, as in that run's report.")
    (out / "facts.json").write_text(json.dumps({"report": "prior_budget", "source": source}, indent=1) + "\n")
    (out / "table.md").write_text(prior_budget_markdown(out))  # 15_frontier: from results.csv and facts.json
    print((out / "table.md").read_text(), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
