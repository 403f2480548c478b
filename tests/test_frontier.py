"The frontier notebook end to end at smoke size: two shards at once, then the report; a rerun skips; bad input."
import os, subprocess, sys, time
import pandas as pd
import pytest
from conftest import ROOT, run_papermill

SMOKE = ["preset=smoke", "train_images=256", "heldout_images=128", "eval_limit=128", "tokenizer_steps=6",
         "ar_steps=6", "batch_size=16", "seeds=0,1", "codebook_sizes=16,32,64", "lambdas=0.5,2", "ar_weights=0.1",
         "selection_codebook_sizes=32,64", "prior2x_seeds=0", "prior2x_lambdas=0.5,2", "tracking_every=3",
         "tracking_ref_steps=5",
         "candidates=dpd.target_mode=frozen_random;dpd.target_mode=warm_proxy dpd.start_step=2 "
         "tokenizer.restart_until=2", "wait_timeout_s=300"]

def papermill_args(out, *params):
    args = [sys.executable, "-m", "papermill", str(ROOT / "nbs" / "run_frontier.ipynb"), str(out), "--cwd", str(ROOT)]
    for p in params: args += ["-p", *p.split("=", 1)]
    return args

@pytest.fixture(scope="module")
def frontier(tmp_path_factory, cifar_root):
    "Two shards of the smoke frontier at once (one thread each), as the committed report was made."
    tmp, (root, _) = tmp_path_factory.mktemp("frontier"), cifar_root
    params = [*SMOKE, f"data_root={root}", f"run_dir={tmp / 'runs'}", f"report_dir={tmp / 'report'}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen(papermill_args(tmp / f"shard{i}.ipynb", *params, f"shard={i}/2"), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in range(2)]
    outs = [p.communicate(timeout=900)[0] for p in procs]
    for p, out in zip(procs, outs): assert p.returncode == 0, out[-3000:]
    return tmp, params

def test_frontier_report(frontier):
    tmp, _ = frontier
    report = tmp / "report"
    runs = pd.read_csv(report / "runs.csv")
    test_rows, held_rows = runs[runs.split == "test"], runs[runs.split == "heldout"]
    assert len(held_rows) == 2 + 2 and len(test_rows) == (3 + 2 + 1) * 2 and runs.run_id.is_unique
    assert sorted(test_rows.groupby("method").seed.nunique().unique()) == [2]
    assert runs[["rmse", "gloss", "usage"]].notna().all().all()
    assert len(pd.read_csv(report / "prior2x.csv")) == (1 + 2) * 1
    for f in ("frontier.png", "tracking.png", "tracking_first.csv", "matched.csv"):
        assert (report / f).stat().st_size > 0, f
    table = (report / "table.md").read_text()
    assert "## Verdict against the frontier's targets" in table and ("**met**" in table or "**missed**" in table)
    assert "Selection on held-out training images" in table
    matched = pd.read_csv(report / "matched.csv")
    assert set(matched.level) == {"two-stage K=64", "two-stage K=32", "two-stage K=16"}
    tracking = pd.read_csv(report / "tracking_first.csv")  # the first candidate (and the chosen one if another)
    assert list(tracking.step) == [3, 6] and tracking.proxy_nll.notna().all() and tracking.ref_nll.notna().all()

def test_rerun_skips_finished_runs(frontier):
    "The same sweep again runs nothing: every run is in runs.csv; the report is written again from it."
    tmp, params = frontier
    before = (tmp / "report" / "runs.csv").read_text()
    t = time.time()
    res = subprocess.run(papermill_args(tmp / "again.ipynb", *params), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert (tmp / "report" / "runs.csv").read_text() == before
    assert time.time() - t < 120

def test_bad_split_sizes_fail_fast(tmp_path, cifar_root):
    res = run_papermill("run_frontier.ipynb", tmp_path, *SMOKE[:1], f"data_root={cifar_root[0]}",
                        "train_images=60000", f"run_dir={tmp_path / 'runs'}", f"report_dir={tmp_path / 'report'}")
    assert res.returncode != 0 and "training images" in res.stderr + res.stdout
    assert not (tmp_path / "report" / "runs.csv").exists()

def test_setting_chosen_beforehand(tmp_path, cifar_root):
    """A wAR-Tok setting chosen elsewhere on held-out images (`setting`): no selection runs, the report names it; the
    2x prior goes to the λ whose rMSE lies nearest two-stage's at the largest K (`prior2x_lambdas=auto`); the report
    has every run's mechanism columns."""
    setting = "dpd.target_mode=frozen_random dpd.target_init_std=1.0"
    mine = {"seeds": "0", "codebook_sizes": "16,64", "lambdas": "0.5,2", "ar_weights": "", "tracking_every": "0",
            "setting": setting, "prior2x_lambdas": "auto", "prior2x_seeds": "0"}
    params = [p for p in SMOKE if p.split("=", 1)[0] not in mine] + [f"{k}={v}" for k, v in mine.items()]
    report = tmp_path / "report"
    res = run_papermill("run_frontier.ipynb", tmp_path, *params, f"data_root={cifar_root[0]}",
                        f"run_dir={tmp_path / 'runs'}", f"report_dir={report}", env_extra={"OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    runs = pd.read_csv(report / "runs.csv")
    assert set(runs.split) == {"test"} and len(runs) == 2 + 2  # no held-out (selection) runs
    assert list(pd.read_csv(report / "selection.csv").setting) == [setting]
    assert f"`{setting}`" in (report / "table.md").read_text()
    two = runs[(runs.method == "two_stage") & (runs.value == 64)]
    wartok = runs[runs.method == "wartok"]
    nearest = wartok.loc[(wartok.rmse - two.rmse.iloc[0]).abs().idxmin()]
    assert set(pd.read_csv(report / "prior2x.csv").run_id) == {two.run_id.iloc[0], nearest.run_id}
    mech = pd.read_csv(report / "mechanism.csv")  # each run's tokenizer at its last log step
    assert set(mech.method) == {"two_stage", "wartok"} and mech[mech.method == "wartok"].target_entropy.notna().all()
    assert "## The mechanism in every run" in (report / "table.md").read_text()
