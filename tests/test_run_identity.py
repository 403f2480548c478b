"""A resumed run is the run it says it is: config- and data-checked resume, one writer per folder, writes that
fail without losing anything."""
import json, socket, subprocess, sys, time
from unittest import mock

import pytest
import torch

from wartok.config import compose_config
from wartok.data import make_fake_cifar10
from wartok.experiment import run_method
from wartok.store import RunLocked, RunMismatch, WriteError, load_checkpoint

QUICK = ["train.tokenizer_steps=6", "train.ar_steps=4", "train.ckpt_every=2", "eval.num_samples=4", "eval.batch_size=4",
         "data.train_limit=64", "data.eval_limit=32"]
DROP = {"wall_time_s", "tokenizer_time_s", "prior_time_s", "eval_time_s", "run_dir"}  # run_dir: where it ran

@pytest.fixture
def data(tmp_path):
    "A small archive in the official layout (its own folder, so a test can replace it)."
    root = tmp_path / "data"
    make_fake_cifar10(root / "cifar-10-python.tar.gz", per_batch=40, seed=0)
    return root

def cfg_for(root, *extra):
    return compose_config("smoke", [f"data.root={root}", *QUICK, *extra])

def test_resume_with_a_changed_key_is_refused_and_names_it(tmp_path, data):
    "The scenario: resume into a finished folder with other settings; refused, nothing reused."
    run_method(cfg_for(data), "wartok", tmp_path / "run", progress=False)
    changed = cfg_for(data, "dpd.weight=5.0", "tokenizer.codebook_size=32")
    with pytest.raises(RunMismatch) as e: run_method(changed, "wartok", tmp_path / "run", resume=True, progress=False)
    msg = str(e.value)
    assert "dpd.weight: 0.1 (stored) vs 5.0 (now)" in msg and "tokenizer.codebook_size: 64 (stored) vs 32 (now)" in msg
    assert "--run-dir" in msg  # says how to start a fresh run

def test_resume_after_a_kill_with_a_changed_key_is_refused_before_any_work(tmp_path, data):
    with mock.patch("wartok.experiment.evaluate_method", side_effect=KeyboardInterrupt):  # dies after training
        with pytest.raises(KeyboardInterrupt): run_method(cfg_for(data), "two_stage", tmp_path, progress=False)
    snapshot = lambda: {p: p.read_bytes() for p in (tmp_path / "two_stage").rglob("*") if p.is_file()}
    files = snapshot()
    with pytest.raises(RunMismatch, match="train.tokenizer_lr"):
        run_method(cfg_for(data, "train.tokenizer_lr=0.01"), "two_stage", tmp_path, resume=True, progress=False)
    assert snapshot() == files  # nothing touched

def test_resume_with_a_changed_data_archive_is_refused(tmp_path, data):
    run_method(cfg_for(data), "two_stage", tmp_path, progress=False)
    make_fake_cifar10(data / "cifar-10-python.tar.gz", per_batch=40, seed=1)  # same layout, other images
    with pytest.raises(RunMismatch, match="train data: fingerprint"):
        run_method(cfg_for(data), "two_stage", tmp_path, resume=True, progress=False)

def test_harmless_keys_may_differ_and_results_are_reused(tmp_path, data):
    row = run_method(cfg_for(data), "two_stage", tmp_path, progress=False)
    again = run_method(cfg_for(data, "train.log_every=3", "train.ckpt_every=5", "data.num_workers=1"), "two_stage",
                       tmp_path, resume=True, progress=False)
    assert again == row and len(row["config_hash"]) == 8 and row["started_at_commit"] == row["commit"]

def test_metrics_are_reused_only_for_the_same_config(tmp_path, data):
    row = run_method(cfg_for(data), "two_stage", tmp_path, progress=False)
    with pytest.raises(RunMismatch, match="seed"):
        run_method(cfg_for(data, "seed=1"), "two_stage", tmp_path, resume=True, progress=False)
    assert run_method(cfg_for(data), "two_stage", tmp_path, resume=True, progress=False) == row

SLOW_RUN = """
import sys
from wartok.config import compose_config
from wartok.experiment import run_method
cfg = compose_config("smoke", ["data.root={root}", "train.tokenizer_steps=100000", "data.train_limit=64"])
run_method(cfg, "two_stage", sys.argv[1], progress=False)
"""

def test_a_second_writer_is_refused(tmp_path, data):
    p = subprocess.Popen([sys.executable, "-c", SLOW_RUN.format(root=data), str(tmp_path)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lock, deadline = tmp_path / "two_stage" / ".lock", time.time() + 120
        while not lock.exists() and time.time() < deadline and p.poll() is None: time.sleep(0.1)
        assert lock.exists(), p.stderr.read() if p.poll() is not None else "no lock"
        with pytest.raises(RunLocked, match=f"being written by process {p.pid}"):
            run_method(cfg_for(data), "two_stage", tmp_path, resume=True, progress=False)
    finally:
        p.kill()
        p.wait()

def test_a_stale_lock_is_taken_over(tmp_path, data):
    (tmp_path / "two_stage").mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "two_stage" / ".lock").write_text(json.dumps({"host": socket.gethostname(),
                                                              "pid": int(dead.stdout)}))
    with pytest.warns(UserWarning, match="stale lock"):
        row = run_method(cfg_for(data), "two_stage", tmp_path, resume=True, progress=False)
    assert row["method"] == "two_stage" and not (tmp_path / "two_stage" / ".lock").exists()

def test_a_failing_checkpoint_write_loses_nothing(tmp_path, data):
    "Disk full on the second tokenizer checkpoint: a clear error, the first checkpoint intact, resume is exact."
    cfg = cfg_for(data)
    ref = run_method(cfg, "wartok", tmp_path / "ref", progress=False)
    real_save, calls = torch.save, {"n": 0}
    def full_disk(obj, f, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2: raise OSError(28, "No space left on device")
        return real_save(obj, f, *a, **k)
    with mock.patch("torch.save", side_effect=full_disk):
        with pytest.raises(WriteError, match="tokenizer.ckpt: No space left on device"):
            run_method(cfg, "wartok", tmp_path / "cut", progress=False)
    assert load_checkpoint(tmp_path / "cut" / "wartok" / "tokenizer.ckpt")["step"] == 2
    assert not list((tmp_path / "cut" / "wartok").glob("*.tmp"))
    row = run_method(cfg, "wartok", tmp_path / "cut", resume=True, progress=False)
    assert {k: v for k, v in row.items() if k not in DROP} == {k: v for k, v in ref.items() if k not in DROP}

def test_a_failing_log_write_names_the_file(tmp_path, data):
    real_open = open
    def no_log(path, mode="r", *a, **k):
        if str(path).endswith("tokenizer_log.jsonl") and mode == "a": raise PermissionError(13, "Permission denied")
        return real_open(path, mode, *a, **k)
    with mock.patch("builtins.open", side_effect=no_log):
        with pytest.raises(WriteError, match="training log .*tokenizer_log.jsonl: Permission denied"):
            run_method(cfg_for(data), "two_stage", tmp_path, progress=False)

def test_provenance_ignores_outputs_under_reports(tmp_path):
    "The report a run writes under reports/ does not make its own commit '+dirty'."
    from wartok.store import git_commit
    repo = tmp_path / "repo"
    (repo / "reports").mkdir(parents=True)
    (repo / "code.py").write_text("x = 1\n")
    (repo / "reports" / "table.md").write_text("old\n")
    git = lambda *a: subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *a], cwd=repo, check=True,
                                    capture_output=True)
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "x")
    (repo / "reports" / "table.md").write_text("new\n")
    assert not git_commit(repo).endswith("+dirty")
    (repo / "code.py").write_text("x = 2  # changed\n")
    assert git_commit(repo).endswith("+dirty")
