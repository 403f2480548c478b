"""Is WGF-DPD operating? The mechanism dashboard on CIFAR-10, setting by setting (07_dpd §7, 05_tokenizer, 09_train).

Each setting trains the `cpu_studies` preset's tokenizer (the `cpu` preset as this report ran it) on the first
10,000 CIFAR-10 training images (the frontier's
held-out selection data; never the test split) for 400 steps at the preset's batch of 64, and every 50 steps
measures, on the last 2,000 training images (`frontier.tracking_curve`): the proxy's NLL and that of a reference AR of
the proxy's size trained from scratch for 200 steps on the same tokenizer's tokens (does the proxy track the
tokens?), with the training log's mechanism columns at that step: the target's entropy and T, churn (share of the
probe batch's tokens changed in the last 50 steps), dead-code restarts per step, pi(chosen), the top-10 mass of the
soft assignment and mean |s|. Two-stage runs of the same budget give code usage on the 2,000 images under each
restart rule (two-stage is the baseline and must keep its usage).

    python experiments/mechanism.py [out_dir]      # default reports/cifar10/mechanism; ~40 min at 1 thread
    python experiments/mechanism.py --plot [out_dir]   # mechanism.png again from mechanism.csv (seconds)

Writes mechanism.csv, usage.csv and mechanism.png; runs/cifar10/mechanism holds the checkpoints (reused when rerun).
"""
import math, sys, time
from pathlib import Path

import pandas as pd

from wartok.config import budget_overrides

SETTINGS = {  # label -> overrides of the cpu preset
    "cpu preset (usage-EMA restarts, default target init, T=0.7)": [],
    "window restarts (W=10), sharp target (init std 1, 0.7 log K)": [
        "tokenizer.dead_code_threshold=0", "tokenizer.dead_code_window=10", "dpd.target_init_std=1.0",
        "dpd.target_entropy=0.7"],
    "window restarts (W=10), sharp target (init std 1, 0.7 log K), τ=0.1": [
        "tokenizer.dead_code_threshold=0", "tokenizer.dead_code_window=10", "dpd.target_init_std=1.0",
        "dpd.target_entropy=0.7", "dpd.tau=0.1"],
    "window restarts (W=10), sharp target (init std 1, 0.7 log K), λ=0.1": [
        "tokenizer.dead_code_threshold=0", "tokenizer.dead_code_window=10", "dpd.target_init_std=1.0",
        "dpd.target_entropy=0.7", "dpd.weight=0.1"],
}
RESTART_RULES = {"usage EMA at the uniform share (cpu preset)": [],
                 "window, W=10": ["tokenizer.dead_code_threshold=0", "tokenizer.dead_code_window=10"]}
BUDGET = budget_overrides("mechanism")  # conf/budget/mechanism.yaml
RUNS = Path("runs/cifar10/mechanism")
COLUMNS = ["setting", "step", "target_entropy", "target_entropy_frac", "target_T", "proxy_nll", "ref_nll",
           "churn", "restarts_per_step", "pi_chosen", "pi_top10", "mean_abs_s", "proxy_entropy", "mse"]


def splits():
    from wartok.config import compose_config
    from wartok.data import load_cifar10, train_heldout_split
    root = compose_config("cpu_studies").data.root
    full = load_cifar10(root, "train", download=False)
    head, held = train_heldout_split(full, 10000, 2000)
    return head, held


def dashboard(out: Path, train, held) -> pd.DataFrame:
    from wartok.config import compose_config
    from wartok.frontier import tracking_curve
    rows = []
    for i, (label, overrides) in enumerate(SETTINGS.items()):
        cfg = compose_config("cpu_studies", [*BUDGET, *overrides])
        t0 = time.time()
        c = tracking_curve(cfg, "wartok", RUNS / f"wartok_{i}", train, held, every=50, ref_steps=200)
        print(f"{label}: {time.time() - t0:.0f} s", flush=True)
        c = c.rename(columns={"churn_tokens": "churn"}).assign(setting=label)
        c["target_entropy_frac"] = c.target_entropy / math.log(cfg.tokenizer.codebook_size)
        rows.append(c)
    return pd.concat(rows)[COLUMNS]


def usage(out: Path, train, held) -> pd.DataFrame:
    "Two-stage code usage on the held-out images after the same budget, under each restart rule."
    from wartok.config import compose_config
    from wartok.experiment import train_tokenizer
    from wartok.tokenizer import codebook_stats
    from wartok.train import tokenize_dataset
    rows = []
    for i, (label, overrides) in enumerate(RESTART_RULES.items()):
        cfg = compose_config("cpu_studies", [*BUDGET, *overrides])
        t0 = time.time()
        run = RUNS / f"two_stage_{i}"
        tr = train_tokenizer(cfg, "two_stage", run, train, resume=(run / "tokenizer.ckpt").exists(), progress=False)
        toks = tokenize_dataset(tr.tok.eval(), held, batch_size=250)
        st = codebook_stats(toks.tokens, cfg.tokenizer.codebook_size)
        log = pd.read_json(run / "tokenizer_log.jsonl", lines=True)
        rows.append({"restart_rule": label, "usage_heldout": st["usage"], "perplexity": st["perplexity"],
                     "restarts_total": int(tr.tok.quantizer.restarts), "final_mse": log.mse.iloc[-1],
                     "churn_last": log.churn_tokens.iloc[-1], "wall_s": round(time.time() - t0)})
        print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame, path: Path):
    "mechanism.png: every setting's curves of the four targets (15_frontier's `plot_tracking`, the reports' style)."
    import matplotlib
    matplotlib.use("Agg")
    from wartok.frontier import plot_tracking
    plot_tracking(dict(tuple(df.groupby("setting", sort=False))), path, log_k=math.log(1024))


if __name__ == "__main__" and sys.argv[1:2] == ["--plot"]:  # redraw mechanism.png from mechanism.csv (no training)
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "reports/cifar10/mechanism")
    plot(pd.read_csv(out / "mechanism.csv"), out / "mechanism.png")
elif __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/cifar10/mechanism")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    train, held = splits()
    df = dashboard(out, train, held)
    df.to_csv(out / "mechanism.csv", index=False)
    plot(df, out / "mechanism.png")
    usage(out, train, held).to_csv(out / "usage.csv", index=False)
    print(f"wrote {out}/mechanism.csv, usage.csv, mechanism.png in {(time.time() - t0) / 60:.1f} min")
