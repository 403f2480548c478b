"End to end: the papermill experiment notebooks on the smoke presets write complete, finite reports."
import json, math, subprocess, sys
import pandas as pd
import pytest
from conftest import ROOT, run_papermill

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

@pytest.fixture(scope="module")
def cifar_smoke(tmp_path_factory, cifar_root):
    "The README's main command on the smoke preset, as a user runs it in a terminal (--log-output)."
    root, real = cifar_root
    tmp = tmp_path_factory.mktemp("cifar_smoke")
    res = run_papermill("run_cifar.ipynb", tmp, "preset=smoke", f"data_root={root}", f"out_dir={tmp / 'report'}",
                        f"run_dir={tmp / 'runs'}", flags=("--log-output",))
    assert res.returncode == 0, res.stderr[-3000:]
    print("real CIFAR-10" if real else "generated CIFAR-layout archive")
    return tmp, res

def test_run_cifar_smoke(cifar_smoke):
    tmp, _ = cifar_smoke
    df = check_report(tmp / "report", ["two_stage", "wartok", "backprop_ar"])
    assert (df["train_images"] == 512).all()
    assert df["config_hash"].nunique() == 1 and df["config_hash"].str.len().eq(8).all()
    assert (tmp / "run_cifar.ipynb").exists()  # the executed notebook

def test_progress_reaches_the_terminal_and_the_notebook_stays_compact(cifar_smoke):
    "Which method and stage, the step, losses and an ETA, in the terminal; no progress-bar streams in the notebook."
    tmp, res = cifar_smoke
    terminal = res.stdout + res.stderr
    for m in ("two_stage", "wartok", "backprop_ar"):
        assert f"{m}: stage 1, tokenizer" in terminal and f"{m}: stage 2, final prior" in terminal, m
        assert f"{m}/tokenizer: step 6/6" in terminal and f"{m}/prior: step 6/6" in terminal, m
    assert "ETA 0:00:00" in terminal and "l_dpd" in terminal
    executed = (tmp / "run_cifar.ipynb").read_text()
    assert "it/s]" not in executed and "s/it]" not in executed  # no tqdm streams
    assert (tmp / "run_cifar.ipynb").stat().st_size < 1_000_000

def test_tensorboard_events_hold_the_logged_scalars(cifar_smoke):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    tmp, _ = cifar_smoke
    method = tmp / "runs" / "wartok"
    tok = EventAccumulator(str(method / "tb" / "tokenizer")).Reload()
    logged = [json.loads(line) for line in (method / "tokenizer_log.jsonl").read_text().splitlines()]
    assert {"l_rec", "l_dpd", "proxy_nll", "usage"} <= set(tok.Tags()["scalars"])
    assert [e.step for e in tok.Scalars("l_rec")] == [r["step"] for r in logged]
    assert [e.value for e in tok.Scalars("l_dpd")] == pytest.approx([r["l_dpd"] for r in logged])
    prior = EventAccumulator(str(method / "tb" / "prior")).Reload()
    assert "ar_nll" in prior.Tags()["scalars"]
    images = EventAccumulator(str(method / "tb" / "eval")).Reload()
    assert {"samples", "eval images | reconstructions"} <= set(images.Tags()["images"])

def test_compare_runs_notebook(cifar_smoke, cifar_root):
    "Two smoke reports side by side: merged table, curves and the gLoss-vs-rMSE plot."
    tmp, _ = cifar_smoke
    root, _ = cifar_root
    other = subprocess.run([sys.executable, "-m", "wartok", "--preset", "smoke", "--run-dir", str(tmp / "runs_seed1"),
                            "--report-dir", str(tmp / "report_seed1"), "--no-progress", f"data.root={root}", "seed=1",
                            "train.methods=[two_stage,wartok]"], capture_output=True, text=True, timeout=600)
    assert other.returncode == 0, other.stderr[-3000:]
    res = run_papermill("compare_runs.ipynb", tmp / "compare", f"runs={tmp / 'report'}, {tmp / 'report_seed1'}",
                        f"out_dir={tmp / 'compare' / 'out'}")
    assert res.returncode == 0, res.stderr[-3000:]
    merged = pd.read_csv(tmp / "compare" / "out" / "compare.csv")
    assert merged.run.tolist() == ["report"] * 3 + ["report_seed1"] * 2
    assert merged.seed.tolist() == [0, 0, 0, 1, 1]
    for f in ("curves.png", "gloss_vs_rmse.png"): assert (tmp / "compare" / "out" / f).stat().st_size > 10_000, f

def test_papermill_understands_every_parameter():
    for nb in ("run_cifar.ipynb", "run_imagenet.ipynb", "compare_runs.ipynb", "run_frontier.ipynb", "run_fit.ipynb"):
        p = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(ROOT / "nbs" / nb)],
                           capture_output=True, text=True, timeout=120)
        out = p.stdout + p.stderr
        assert p.returncode == 0 and "Unknown type" not in out and "Unable to parse" not in out, out
    assert "overrides: str" in subprocess.run([sys.executable, "-m", "papermill", "--help-notebook",
                                               str(ROOT / "nbs" / "run_cifar.ipynb")], capture_output=True,
                                              text=True).stdout

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

FLOW_AND_TAIL = ["two_stage", "tail_dropout", "flow", "flow_tail_dropout", "flow_tied_dropout", "wartok"]

def test_every_baseline_on_the_smoke_preset_with_the_1d_tokenizer(tmp_path, cifar_root):
    "Tail dropout and the three flow-matching baselines run end to end (smoke preset, the 1D tokenizer) into a report."
    root, _ = cifar_root
    ov = str(["tokenizer=titok", "tokenizer.width=48", "tokenizer.enc_depth=1", "tokenizer.dec_depth=1",
              "tokenizer.heads=2", "tokenizer.num_tokens=16", "tokenizer.pos_init_std=1.0", "tokenizer.flow_steps=3"])
    res = run_papermill("run_cifar.ipynb", tmp_path, "preset=smoke", f"data_root={root}",
                        f"methods={','.join(FLOW_AND_TAIL)}", f"out_dir={tmp_path / 'report'}",
                        f"run_dir={tmp_path / 'runs'}", f"overrides={ov}")
    assert res.returncode == 0, res.stderr[-3000:]
    check_report(tmp_path / "report", FLOW_AND_TAIL)
    table = (tmp_path / "report" / "table.md").read_text()
    for row in ("One-D-Piece", "FlowMo", "FlexTok", "Selftok"): assert row in table, row
    assert "3 euler steps" in table
    flow_log = [json.loads(line) for line in (tmp_path / "runs" / "flow_tied_dropout" / "tokenizer_log.jsonl")
                .read_text().splitlines()]
    assert all(math.isfinite(r["l_rec"]) for r in flow_log)

def test_cpu_titok_preset_composes_and_trains(tmp_path, cifar_root):
    "The cpu_titok preset as shipped (the 1D tokenizer with its recipe), two steps of each of its methods."
    from wartok.config import compose_config
    from wartok.experiment import run_method
    root, _ = cifar_root
    cfg = compose_config("cpu_titok", [f"data.root={root}", "data.train_limit=128", "data.eval_limit=64",
                                       "train.tokenizer_steps=2", "train.ar_steps=2", "eval.num_samples=8",
                                       "train.tensorboard=false"])
    assert cfg.tokenizer.arch == "titok" and cfg.tokenizer.pos_init_std == 1.0
    for m in cfg.train.methods:
        row = run_method(cfg, m, tmp_path / "runs", progress=False)
        assert math.isfinite(row["rmse"]) and math.isfinite(row["gloss"]), m
