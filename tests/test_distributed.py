"""Two gloo processes under torchrun against one process: same global batch, same results (CPU)."""
import json, os, subprocess, sys
from pathlib import Path
from wartok.store import load_checkpoint

import pandas as pd
import pytest
import torch

from conftest import run_papermill

# The smoke preset (dead-code restarts on) with the tokenizer EMA on, every method.
OVERRIDES = ["train.methods=[two_stage,wartok,backprop_ar]", "train.ema_half_life=2"]
# Relative tolerance. The two runs do the same arithmetic except for summation order: DDP averages two half-batch
# gradients where one process takes one full-batch mean, and float32 sums in another order differ in the last
# bits. Measured on this machine: metrics agree to ~5e-6 relative; 1e-3 leaves room and still catches real
# differences (a wrong batch split, an unsynchronised proxy or codebook shows up at the 1e-2 level or more).
# With the GAN on *and* dead-code restarts, the last-bit differences flip near-tied argmins (a restarted code is a
# copy of an encoder output) and runs drift apart by ~5e-4 in 6 steps, so the GAN case runs without restarts.
RTOL = 1e-3

def close(a: float, b: float) -> bool: return abs(a - b) <= RTOL * max(abs(a), abs(b), 1e-8)

def run_cli(tmp: Path, name: str, root: str, overrides: list[str], nproc: int = 1):
    "python -m wartok in one process, or under torchrun with `nproc` gloo processes."
    launcher = [sys.executable] if nproc == 1 else [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                                    f"--nproc_per_node={nproc}"]
    p = subprocess.run([*launcher, "-m", "wartok", "--preset", "smoke", "--run-dir", str(tmp / f"runs_{name}"),
                        "--report-dir", str(tmp / f"rep_{name}"), "--no-progress", f"data.root={root}", *overrides],
                       capture_output=True, text=True, cwd=tmp, timeout=600)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
    return pd.read_csv(tmp / f"rep_{name}" / "results.csv").set_index("method")

# The 1-vs-2 agreement is a property of real images, where its noise floor was measured (~5e-6). On the generated
# fallback archive (random-noise images, when CIFAR-10 is not on the machine) many encoder outputs lie almost
# equidistant from two codes, and the last-bit differences flip them: measured on an AVX2 machine, backprop-AR's
# runs part from step 2 (gLoss 4.134 vs 4.111), and even without restarts the rows differ by up to 5e-4. So without
# the real data the runs still go through DDP and every structural check holds, but the numbers are not compared.
NEEDS_REAL = "1-vs-2 numbers are compared on real CIFAR-10 only (generated noise images put codes near ties)"


@pytest.fixture(scope="module")
def runs(tmp_path_factory, cifar_root):
    root, _ = cifar_root
    tmp = tmp_path_factory.mktemp("ddp")
    run_cli(tmp, "1", root, OVERRIDES)
    # the two-process run goes through the papermill notebook, which launches torchrun itself
    two = run_papermill("run_cifar.ipynb", tmp / "nb2", "preset=smoke", "nproc_per_node=2", f"data_root={root}",
                        f"out_dir={tmp / 'rep_2'}", f"run_dir={tmp / 'runs_2'}", f"overrides={OVERRIDES!r}")
    assert two.returncode == 0, two.stderr[-3000:]
    return tmp

def test_two_processes_match_one_process(runs, cifar_root):
    r1 = pd.read_csv(runs / "rep_1" / "results.csv").set_index("method")
    r2 = pd.read_csv(runs / "rep_2" / "results.csv").set_index("method")
    assert list(r1.index) == list(r2.index) == ["two_stage", "wartok", "backprop_ar"]
    assert (r1.processes == 1).all() and (r2.processes == 2).all()
    for m in ("wartok", "backprop_ar"):  # one writer: no duplicated rows
        l1 = (runs / "runs_1" / m / "tokenizer_log.jsonl").read_text().splitlines()
        l2 = (runs / "runs_2" / m / "tokenizer_log.jsonl").read_text().splitlines()
        assert [json.loads(r)["step"] for r in l1] == [json.loads(r)["step"] for r in l2]
    if not cifar_root[1]: pytest.skip(NEEDS_REAL)
    for m in r1.index:
        for col in ("rmse", "psnr", "gloss", "gloss_train", "usage", "token_entropy"):
            assert close(r1.loc[m, col], r2.loc[m, col]), (m, col, r1.loc[m, col], r2.loc[m, col])
    # step by step: rank 0's log holds global-batch averages, the same numbers one process logs
    for m in ("wartok", "backprop_ar"):
        l1 = [json.loads(l) for l in (runs / "runs_1" / m / "tokenizer_log.jsonl").read_text().splitlines()]
        l2 = [json.loads(l) for l in (runs / "runs_2" / m / "tokenizer_log.jsonl").read_text().splitlines()]
        assert [r["step"] for r in l1] == [r["step"] for r in l2]  # one writer: no duplicated rows
        keys = ["l_rec", "l_vq", "mse", "usage", "perplexity"] + (["l_dpd", "proxy_nll", "target_nll",
                                                                   "proxy_train_nll"] if m == "wartok" else ["l_ar"])
        for a, b in zip(l1, l2):
            for k in keys: assert close(a[k], b[k]), (m, a["step"], k, a[k], b[k])

def test_two_process_checkpoints_and_weights(runs):
    c1 = load_checkpoint(runs / "runs_1" / "wartok" / "tokenizer.ckpt")
    c2 = load_checkpoint(runs / "runs_2" / "wartok" / "tokenizer.ckpt")
    assert c2["world_size"] == 2 and isinstance(c2["rng"], list) and len(c2["rng"]) == 2  # every rank's RNG
    assert c2["commit"] and c2["config"]["preset"] == "smoke"
    # Each weight tensor as a whole: ||w1 - w2|| <= 1e-3 ||w1||. An element-wise tolerance is a knife edge here: where
    # a gradient is ~0, Adam's update m / sqrt(v) has the sign of the float noise, so single weights move by up to the
    # learning rate (1e-3) per step in one run and not the other (an AVX-512 machine failed rtol=1e-3, atol=1e-5 at
    # one element). The tensor norm averages that out. Noise floor measured on one machine, 1 vs 2 processes, worst
    # tensor of the wAR-Tok run: 5.5e-6 (AVX2 kernels) and 1.6e-5 (ATEN_CPU_CAPABILITY=default), of any method
    # <= 2.9e-5, so 1e-3 is over 30x the floor; an unsynchronised proxy or codebook is off by 1e-2 or more.
    weights = lambda c, part: c["trainer"][part]["model"] if part == "target" else c["trainer"][part]
    for part in ("tok", "proxy", "target", "ema"):  # the target's state: its T and model (07_dpd §6)
        for k, v in weights(c1, part).items():
            if not v.is_floating_point(): continue
            gap = (v - weights(c2, part)[k]).norm() / v.norm().clamp_min(1e-8)
            assert gap <= 1e-3, (part, k, gap.item())
    # the report is written once, by rank 0, and says how it was launched
    table = (runs / "rep_2" / "table.md").read_text()
    assert "2 training process(es)" in table and "Launched with 2 process(es) (torchrun)" in table

def test_gan_and_discriminator_under_ddp(tmp_path, cifar_root):
    "The discriminator's DDP step and the generator's term agree too (restarts off: see RTOL)."
    root, _ = cifar_root
    ov = ["train.methods=[wartok]", "tokenizer.gan_weight=0.1", "tokenizer.dead_code_threshold=0"]
    r1, r2 = run_cli(tmp_path, "1", root, ov), run_cli(tmp_path, "2", root, ov, nproc=2)
    assert (r2.processes == 2).all()
    if not cifar_root[1]: pytest.skip(NEEDS_REAL)
    for col in ("rmse", "gloss", "usage"): assert close(r1.loc["wartok", col], r2.loc["wartok", col]), col
    d1 = load_checkpoint(tmp_path / "runs_1" / "wartok" / "tokenizer.ckpt")["trainer"]["disc"]
    d2 = load_checkpoint(tmp_path / "runs_2" / "wartok" / "tokenizer.ckpt")["trainer"]["disc"]
    # Adam divides by sqrt(v): where a discriminator gradient is ~0, last-bit differences move a weight by up to
    # one learning rate (1e-3) per step, so weights are compared to that absolute tolerance (measured: 3.4e-4)
    assert all(torch.allclose(d1[k], d2[k], rtol=1e-3, atol=1e-3) for k in d1)

def test_two_process_sigkill_then_resume_is_exact(tmp_path, cifar_root):
    "Kill every process of a 2-process run mid-training (the whole process group, as a dead machine would), resume it."
    import signal, time
    root, _ = cifar_root
    ov = ["train.methods=[wartok]", "train.tokenizer_steps=40", "train.ar_steps=10", "train.ckpt_every=5",
          "eval.num_samples=8", "eval.batch_size=8"]
    ref = run_cli(tmp_path, "ref", root, ov, nproc=2)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "wartok",
           "--preset", "smoke", "--run-dir", str(tmp_path / "runs_cut"), "--report-dir", str(tmp_path / "rep_cut"),
           "--no-progress", f"data.root={root}", *ov]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
                         start_new_session=True)
    ckpt, deadline = tmp_path / "runs_cut" / "wartok" / "tokenizer.ckpt", time.time() + 300
    while time.time() < deadline:
        try:
            if ckpt.exists() and load_checkpoint(ckpt)["step"] >= 15: break
        except Exception: pass  # caught between write and rename: look again
        time.sleep(0.2)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    step = load_checkpoint(ckpt)["step"]
    assert 15 <= step < 40, step  # killed mid-training
    cut = run_cli(tmp_path, "cut", root, ["--resume", *ov], nproc=2)
    drop = ["wall_time_s", "tokenizer_time_s", "prior_time_s", "eval_time_s", "run_dir"]  # run_dir: where it ran
    assert cut.drop(columns=drop).equals(ref.drop(columns=drop))
    strip = lambda f: [{k: v for k, v in json.loads(l).items() if k != "time"} for l in f.read_text().splitlines()]
    log = "wartok/tokenizer_log.jsonl"
    assert strip(tmp_path / "runs_cut" / log) == strip(tmp_path / "runs_ref" / log)
