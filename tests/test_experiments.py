"End to end: the papermill experiment notebooks on the smoke presets write complete, finite reports."
import math
import pandas as pd
from conftest import run_papermill

COLUMNS = ["rmse", "psnr", "gloss", "gloss_train", "usage", "perplexity", "token_entropy", "wall_time_s"]

def check_report(report, methods):
    for f in ["results.csv", "table.md", "ar_loss.png", "recon_vs_gloss.png", "samples.png", "codebook_usage.png"]:
        assert (report / f).is_file() and (report / f).stat().st_size > 0, f
    df = pd.read_csv(report / "results.csv")
    assert df["method"].tolist() == methods
    for c in COLUMNS: assert all(math.isfinite(v) for v in df[c]), (c, df[c].tolist())
    # FID off in smoke: missing, not a number
    assert df["rfid"].isna().all() and df["fid_note"].str.contains("FID off").all()
    table = (report / "table.md").read_text()
    assert "commit" in table and "wall time" in table and "Sizes" in table
    return df

def test_run_cifar_smoke(tmp_path, cifar_root):
    root, real = cifar_root
    res = run_papermill("run_cifar.ipynb", tmp_path, "preset=smoke", f"data_root={root}",
                        f"out_dir={tmp_path / 'report'}", f"run_dir={tmp_path / 'runs'}")
    assert res.returncode == 0, res.stderr[-3000:]
    df = check_report(tmp_path / "report", ["two_stage", "wartok", "backprop_ar"])
    assert (df["train_images"] == 512).all()
    assert (tmp_path / "run_cifar.ipynb").exists()  # the executed notebook
    print("real CIFAR-10" if real else "generated CIFAR-layout archive")

def test_run_imagenet_smoke(tmp_path):
    res = run_papermill("run_imagenet.ipynb", tmp_path, "preset=imagenet_smoke", f"out_dir={tmp_path / 'report'}",
                        f"run_dir={tmp_path / 'runs'}", env_extra={"WARTOK_IMAGENET": ""})
    assert res.returncode == 0, res.stderr[-3000:]
    check_report(tmp_path / "report", ["two_stage", "wartok"])
    assert (tmp_path / "runs" / "synthetic_imagenet" / "train").is_dir()

def test_failing_cell_fails_papermill(tmp_path):
    "A missing dataset offline stops the notebook with the data error, and papermill exits non-zero."
    res = run_papermill("run_cifar.ipynb", tmp_path, "preset=smoke", f"data_root={tmp_path / 'nothing'}",
                        f"out_dir={tmp_path / 'report'}", f"run_dir={tmp_path / 'runs'}",
                        "overrides=data.download=false")
    assert res.returncode != 0
    assert "CIFAR-10 not found" in res.stderr + res.stdout
    assert not (tmp_path / "report" / "results.csv").exists()
