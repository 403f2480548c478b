"The fit-regime notebook end to end at smoke size: selection, frontier, report; a rerun skips; bad input."
import time
import pandas as pd
import pytest
from conftest import run_papermill

SMOKE = ["preset=smoke", "train_images=64", "val_images=32", "eval_limit=32", "seeds=0,1", "codebook_sizes=32,64",
         "lambdas=0.1,1", "ar_weights=0.03", "candidates=dpd.target_temperature=0.5;dpd.target_temperature=0.7",
         "extra=eval.curve_every=2", "wait_timeout_s=300"]
COLUMNS = ["method", "knob", "value", "seed", "rmse_train", "rmse", "gloss_train", "gloss", "gloss_heldout_best",
           "copy_rate", "floor", "steps_to_4x", "nn_samples", "nn_test"]

@pytest.fixture(scope="module")
def fit(tmp_path_factory, cifar_root):
    tmp = tmp_path_factory.mktemp("fit")
    params = [*SMOKE, f"data_root={cifar_root[0]}", f"run_dir={tmp / 'runs'}", f"report_dir={tmp / 'report'}"]
    res = run_papermill("run_fit.ipynb", tmp / "nb", *params)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    return tmp, params

def test_fit_report(fit):
    tmp, _ = fit
    report = tmp / "report"
    runs = pd.read_csv(report / "runs.csv")
    assert set(COLUMNS) <= set(runs.columns) and runs.run_id.is_unique
    test_rows, sel_rows = runs[runs.split == "test"], runs[runs.split == "selection"]
    assert len(sel_rows) == 2 + 2 and len(test_rows) == (2 + 2 + 1) * 2
    assert runs[["rmse_train", "rmse", "gloss_train", "gloss", "gloss_heldout_best", "floor"]].notna().all().all()
    assert (runs.gloss_train >= runs.floor - 1e-6).all()  # a cross-entropy is never below the entropy
    assert runs.copy_rate.between(0, 1).all()
    for f in ("fit.png", "curves.png", "neighbours.png", "matched_gloss_train.csv", "selection.csv"):
        assert (report / f).stat().st_size > 0, f
    table = (report / "table.md").read_text()
    assert "## Verdict" in table and ("**met**" in table or "**missed**" in table or "**not measured**" in table)
    assert "gloss_heldout_best at matched training-set reconstruction" in table and "no flips" not in table

def test_rerun_skips_finished_runs(fit):
    tmp, params = fit
    before = (tmp / "report" / "runs.csv").read_text()
    t = time.time()
    res = run_papermill("run_fit.ipynb", tmp / "again", *params)
    assert res.returncode == 0, res.stderr[-3000:]
    assert (tmp / "report" / "runs.csv").read_text() == before and time.time() - t < 120

def test_bad_split_sizes_fail_fast(tmp_path, cifar_root):
    res = run_papermill("run_fit.ipynb", tmp_path, *SMOKE[:1], f"data_root={cifar_root[0]}", "train_images=30000",
                        f"run_dir={tmp_path / 'runs'}", f"report_dir={tmp_path / 'report'}")
    assert res.returncode != 0 and "training images" in res.stderr + res.stdout
    assert not (tmp_path / "report" / "runs.csv").exists()


# One method in the fit regime on 64 training, 32 validation and 32 test images, in one process or under torchrun
FIT_SCRIPT = """
import json, sys
from pathlib import Path
from wartok.config import compose_config
from wartok.data import load_cifar10, subset, train_heldout_split
from wartok.distributed import cleanup, init_distributed, is_main
from wartok.fit import fit_method
out, root = Path(sys.argv[1]), sys.argv[2]
init_distributed("cpu")
head, val = train_heldout_split(load_cifar10(root, "train"), 128, 32)
test = subset(load_cifar10(root, "test"), 0, 32)
rows = {}
for m in ("two_stage", "wartok"):
    cfg = compose_config("smoke", [f"data.root={root}", "eval.curve_every=2", "train.tensorboard=false"])
    rows[m] = fit_method(cfg, m, out, subset(head, 0, 64), val, test)
if is_main():
    (out / "rows.json").write_text(json.dumps(rows))
cleanup()
"""
FIT_COMPARED = ["rmse_train", "rmse", "gloss_train", "gloss", "gloss_heldout_best", "floor", "copy_rate",
                "nn_samples", "usage"]


def test_fit_regime_two_processes_match_one(tmp_path, cifar_root):
    """The fit regime runs under torchrun as every experiment does (one stage-2 pipeline, `train_prior` with
    probes): every rank returns rank 0's row, the curve is logged once, and 2 processes match 1 (test_distributed's
    tolerance, on real images)."""
    import json, subprocess, sys
    from test_distributed import close, NEEDS_REAL
    script = tmp_path / "fit_ddp.py"
    script.write_text(FIT_SCRIPT)
    rows = {}
    for n in (1, 2):
        launch = [sys.executable] + (["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"] * (n == 2))
        p = subprocess.run([*launch, str(script), str(tmp_path / f"p{n}"), cifar_root[0]], capture_output=True,
                           text=True, cwd=tmp_path, timeout=900)
        assert p.returncode == 0, p.stderr[-3000:]
        rows[n] = json.loads((tmp_path / f"p{n}" / "rows.json").read_text())
    for m in ("two_stage", "wartok"):
        assert (rows[1][m]["processes"], rows[2][m]["processes"]) == (1, 2)
        curve = [json.loads(r) for r in (tmp_path / "p2" / m / "prior_log.jsonl").read_text().splitlines()]
        assert [r["step"] for r in curve] == sorted({r["step"] for r in curve}) and "nll_val" in curve[-1]
        if cifar_root[1]:
            for k in FIT_COMPARED:
                assert close(rows[1][m][k], rows[2][m][k]), (m, k, rows[1][m][k], rows[2][m][k])
    if not cifar_root[1]:
        pytest.skip(NEEDS_REAL)
