"""Which target makes wAR-Tok work? Every reading of the paper's target (07_dpd §6) on the toy and in the held-out
selection of both gLoss regimes; `nbs/17_targets.ipynb` writes the report (reports/cifar10/targets/).

    python experiments/targets.py toy                 # 09_train's duplicate-code toy, every reading, 5 seeds (~4 min)
    python experiments/targets.py fit [shard]         # the fit regime's selection (run_fit.ipynb, cpu_fit preset)
    python experiments/targets.py heldout [shard]     # the generalising regime's (run_frontier.ipynb, cpu_studies)
    python experiments/targets.py fit-frontier [shard]  # the fit regime's frontier for the chosen reading
    python experiments/targets.py fit-frontier-warm [shard]  # the same for warm_proxy, first after T4 and it joined
    python experiments/targets.py heldout-frontier [shard]  # the generalising regime's, at the long budget
    python experiments/targets.py heldout-frontier-warm [shard]  # the same for warm_proxy, first after T4 joined
    python experiments/targets.py report              # README.md, targets.png from the CSVs

`heldout-frontier` extends reports/cifar10/frontier_long (the chosen reading of the generalising selection, T1,
at the 1,200-step budget where its mechanism operates) by λ=0.003 so that two-stage K=1024's reconstruction is
bracketed: its runs.csv starts as frontier_long's (same run ids, so those 12 runs are not rerun) and gains 3 runs.

`fit-frontier` ran when T1′ `proxy_init` led the fit selection (into `fit/`); warm_proxy, added to the selection
later with T4, now leads it, so `fit-frontier-warm` runs its frontier into `fit_warm_proxy/`: its runs.csv starts as
`fit/`'s (the selection and two-stage K=1024's seeds are carried by run id, their run folders shared).

`heldout-frontier-warm` does the same for warm_proxy (T1″), which leads the generalising selection since T4 joined:
its runs.csv starts as `heldout_frontier/`'s (two-stage K=256 and 1024 at three seeds carried by run id), and it
gains warm_proxy at λ=0.003 and 0.01 (T1's two smallest, the pair that brackets two-stage K=1024 there), 3 seeds.

`fit` and `heldout` take a shard `i/n` (2 cores: run 0/2 and 1/2 side by side with OMP_NUM_THREADS=1); shard 0
waits for the others and writes `selection*.csv`. Runs already in a regime's runs.csv are skipped, and run folders
under runs/cifar10/targets_<regime> resume a half-finished run.
"""
import json, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "reports" / "cifar10" / "targets"

# One candidate per reading: the target's sharpness stated as its entropy (0.7 log K, 07_dpd §7); the readings built
# from the proxy solve T after a 100-step warm start (07_dpd §6 refuses step 0) and start from the proxy's default init
READ = "dpd.target_entropy=0.7"
WARM = "dpd.start_step=100"
# T4 (pretrained): half of the 400 tokenizer steps two-stage, a prior of the proxy's shape fitted to their tokens,
# then the other half toward it (11_experiment's `pretrain_target`)
PRE = "dpd.pretrain_steps=200"
CANDIDATES = {
    "fit": [  # on cpu_fit, which draws the random target N(0, 1) (dpd.target_init_std=1.0)
        READ,
        f"dpd.target_mode=proxy_init dpd.target_init_std=null {READ}",
        f"dpd.target_mode=sharpened_proxy dpd.target_init_std=null {WARM} {READ}",
        f"dpd.target_mode=ema dpd.target_init_std=null {WARM} {READ}",
        f"dpd.target_mode=joint {READ}",
        f"dpd.target_mode=warm_proxy dpd.target_init_std=null {WARM} {READ}",
        f"dpd.target_mode=pretrained dpd.target_init_std=null {PRE} {READ}",
    ],
    "heldout": [  # on cpu_studies, whose target keeps the default init unless told
        f"dpd.target_init_std=1.0 {READ}",
        f"dpd.target_mode=proxy_init {READ}",
        f"dpd.target_mode=sharpened_proxy {WARM} {READ}",
        f"dpd.target_mode=ema {WARM} {READ}",
        f"dpd.target_mode=joint dpd.target_init_std=1.0 {READ}",
        f"dpd.target_mode=warm_proxy {WARM} {READ}",
        f"dpd.target_mode=pretrained {PRE} {READ}",
    ],
}
# the restart rule of every heldout run (two-stage too): codes unused for 10 steps (reports/cifar10/mechanism)
HELDOUT_EXTRA = "tokenizer.dead_code_threshold=0;tokenizer.dead_code_window=10"
NOTEBOOK = {"fit": "run_fit.ipynb", "heldout": "run_frontier.ipynb"}
PARAMS = {
    "fit": ["-p", "selection_lambda", "0.1"],
    # the chosen reading at λ reaching down to two-stage K=1024's reconstruction (bracketed), 3 seeds, against
    # two-stage at K=1024 (the main matched level) on the reported images
    "fit-frontier": ["-p", "selection_lambda", "0.1", "-p", "codebook_sizes", "1024",
                     "-p", "selection_codebook_sizes", "256,512,1024",
                     "-p", "lambdas", "0.003,0.01,0.03", "-p", "ar_weights", "", "-p", "seeds", "0,1,2"],
    "heldout": ["-p", "selection_lambda", "0.1", "-p", "extra", HELDOUT_EXTRA],
}
LONG = ROOT / "reports" / "cifar10" / "frontier_long"
# frontier_long's budget and setting (experiments/frontier_long.sh): T1 as the mechanism report chose it
LONG_SETTING = ("dpd.target_mode=frozen_random dpd.target_init_std=1.0 dpd.target_entropy=0.7"
                " tokenizer.dead_code_threshold=0 tokenizer.dead_code_window=10")
PARAMS["fit-frontier-warm"] = PARAMS["fit-frontier"]
# frontier_long's budget (conf/budget/long.yaml) and points: two-stage at K=256 and 1024; no backprop-AR, 2x priors
# or tracking runs
LONG_PARAMS = ["-p", "budget_name", "long", "-p", "ar_weights", "",
               "-p", "prior2x_seeds", "", "-p", "tracking_every", "0", "-p", "codebook_sizes", "256,1024",
               "-p", "seeds", "0,1,2"]
PARAMS["heldout-frontier"] = ["-p", "setting", LONG_SETTING, *LONG_PARAMS, "-p", "lambdas", "0.003,0.01,0.03"]
# T1″ as the generalising selection chose it (its candidate, with the restart rule every heldout run has)
WARM_LONG_SETTING = ("dpd.target_mode=warm_proxy dpd.start_step=100 dpd.target_entropy=0.7"
                     " tokenizer.dead_code_threshold=0 tokenizer.dead_code_window=10")
PARAMS["heldout-frontier-warm"] = ["-p", "setting", WARM_LONG_SETTING, *LONG_PARAMS, "-p", "lambdas", "0.003,0.01"]
OUT = {"heldout-frontier": "heldout_frontier", "heldout-frontier-warm": "heldout_frontier_warm",
       "fit-frontier-warm": "fit_warm_proxy"}
CARRIED = {"heldout-frontier": LONG, "heldout-frontier-warm": REPORT / "heldout_frontier",
           "fit-frontier-warm": REPORT / "fit"}


def select(mode: str, shard: str = "0/1"):
    "The regime's selection notebook in `phases=selection` (`fit-frontier`: and the frontier), into REPORT/<regime>."
    regime = mode.split("-")[0]
    phases = "selection,frontier" if "frontier" in mode else "selection"
    long = mode.startswith("heldout-frontier")
    out = REPORT / OUT.get(mode, regime)
    out.mkdir(parents=True, exist_ok=True)
    carried = CARRIED.get(mode)
    if carried and not (out / "runs.csv").exists():  # runs of another report, carried by run id: not rerun
        (out / "runs.csv").write_text((carried / "runs.csv").read_text())
    nb = ROOT / "nbs" / NOTEBOOK[regime]
    run_dir = ROOT / "runs" / "cifar10" / ("targets_heldout_frontier" if long else f"targets_{regime}")
    args = ["-p", "phases", phases, "-p", "shard", shard, "-p", "candidates", ";".join(CANDIDATES[regime]),
            "-p", "report_dir", str(out), "-p", "run_dir", str(run_dir), *PARAMS[mode]]
    executed = Path("/tmp") / f"targets_{mode}_{shard.replace('/', 'of')}.ipynb"
    subprocess.run([sys.executable, "-m", "papermill", "--log-output", str(nb), str(executed), *args], check=True)


def toy():
    "09_train's duplicate-code task for every reading, 5 seeds: toy.csv (a row per run) and toy.json (provenance)."
    from wartok.store import git_commit
    from wartok.train import over_seeds, TOY_SETTINGS
    t0 = time.time()
    df = over_seeds(TOY_SETTINGS)
    df.insert(1, "reading", [kw.get("target_mode", "sharpened_proxy") if kw["method"] == "wartok" else "two_stage"
                             for kw in (TOY_SETTINGS[s] for s in df.setting)])
    REPORT.mkdir(parents=True, exist_ok=True)
    df.to_csv(REPORT / "toy.csv", index=False)
    facts = {"commit": git_commit(), "wall_time_s": round(time.time() - t0, 1),
             "threads": os.environ.get("OMP_NUM_THREADS")}
    (REPORT / "toy.json").write_text(json.dumps(facts, indent=1))
    print(f"{len(df)} toy runs in {facts['wall_time_s']} s")


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode in PARAMS:
        select(mode, *rest)
    elif mode == "toy":
        toy()
    elif mode == "report":
        from wartok.targets import write_targets_report
        print(write_targets_report(REPORT))
    else:
        modes = " | ".join(["toy", *PARAMS, "report"])
        raise SystemExit(f"unknown mode {mode!r}: expected {modes}")
