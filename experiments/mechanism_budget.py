"""Does churn fall with a longer budget? The mechanism dashboard's best wAR-Tok setting and two-stage, 1,200 steps.

The best setting of reports/cifar10/mechanism (window restarts W=10, target init std 1 with T solved for 0.7 log K,
λ=0.1) and two-stage under the same window rule, each trained for 1,200 steps (3x the dashboard's 400; the cosine
schedule then decays over 1,200) at the cpu preset's sizes and batch 64 on the first 10,000 CIFAR-10 training
images, measured every 100 steps on the last 2,000 (`frontier.tracking_curve`, as experiments/mechanism.py; never the
test split). One seed (0). ~30 min per run at 1 thread. A third setting, the same at λ=0.03 (the sharp target's
contrast is ~10x the near-uniform one's, so a smaller λ may let the tokens settle), runs when named.

    python experiments/mechanism_budget.py [out_csv] [setting ...]   # default: long_budget.csv, the first two
    # (rows of the settings run replace theirs in out_csv; the others stay)
    python experiments/mechanism_budget.py --plot   # long_budget.png from long_budget.csv (every setting in it)
"""
import sys, time
from pathlib import Path

import pandas as pd

from wartok.config import budget_overrides

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mechanism as m  # noqa: E402  (the dashboard's splits)

WINDOW = ["tokenizer.dead_code_threshold=0", "tokenizer.dead_code_window=10"]
SHARP = ["dpd.target_init_std=1.0", "dpd.target_entropy=0.7"]
SETTINGS = {"wartok_l0.1": ("wartok", WINDOW + SHARP + ["dpd.weight=0.1"]),
            "two_stage_window": ("two_stage", WINDOW),
            "wartok_l0.03": ("wartok", WINDOW + SHARP + ["dpd.weight=0.03"])}
BUDGET = budget_overrides("mechanism_long")  # conf/budget/mechanism_long.yaml
RUNS = Path("runs/cifar10/mechanism_budget")

def plot(csv=Path("reports/cifar10/mechanism/long_budget.csv")):
    import math
    from wartok.frontier import plot_tracking
    df = pd.read_csv(csv)
    curves = dict(tuple(df.groupby("setting", sort=False)))  # two-stage rows: no proxy (plot_tracking skips it)
    plot_tracking(curves, csv.with_suffix(".png"), log_k=math.log(1024))


if __name__ == "__main__" and sys.argv[1:] == ["--plot"]:
    plot()
elif __name__ == "__main__":
    from wartok.config import compose_config
    from wartok.frontier import tracking_curve
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/cifar10/mechanism/long_budget.csv")
    labels = sys.argv[2:] or list(SETTINGS)[:2]
    train, held = m.splits()
    rows = []
    for label in labels:
        method, overrides = SETTINGS[label]
        cfg = compose_config("cpu_studies", [*BUDGET, *overrides])
        t0 = time.time()
        c = tracking_curve(cfg, method, RUNS / label, train, held, every=100, ref_steps=200)
        rows.append(c.assign(setting=label, wall_s=time.time() - t0))
        kept = [pd.read_csv(out)] if out.exists() else []
        kept = [k[~k.setting.isin(labels)] for k in kept]  # other settings' rows stay (the third ran later)
        pd.concat([*kept, *rows]).to_csv(out, index=False)
        print(label, f"{time.time() - t0:.0f} s", flush=True)
