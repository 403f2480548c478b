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
