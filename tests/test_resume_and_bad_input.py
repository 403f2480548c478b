"Reliability: a SIGKILLed run resumes to exactly the uninterrupted result; bad input fails clearly and early."
import json, signal, subprocess, sys, time
import pytest
import torch

SCRIPT = """
import sys, json
from wartok.config import compose_config
from wartok.experiment import run_method
cfg = compose_config("smoke", ["data.root={root}", "train.tokenizer_steps=40", "train.ar_steps=10",
                               "train.ckpt_every=5", "train.batch_size=16", "eval.num_samples=8", "eval.batch_size=8"])
row = run_method(cfg, "wartok", sys.argv[1], resume=len(sys.argv) > 2, progress=False)
print(json.dumps(row))
"""

def _launch(root, run_dir, resume=False):
    code = SCRIPT.format(root=root)
    return subprocess.Popen([sys.executable, "-c", code, str(run_dir)] + (["resume"] if resume else []),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

DROP = {"wall_time_s", "tokenizer_time_s", "prior_time_s", "eval_time_s", "run_dir"}  # run_dir: where it ran

def test_sigkill_then_resume_matches_uninterrupted(tmp_path, cifar_root):
    root, _ = cifar_root
    ref = _launch(root, tmp_path / "ref")
    out, err = ref.communicate(timeout=600)
    assert ref.returncode == 0, err[-2000:]
    ref_row = json.loads(out.strip().splitlines()[-1])
    # start the same run, kill it once a mid-training checkpoint exists
    p = _launch(root, tmp_path / "cut")
    ckpt = tmp_path / "cut" / "wartok" / "tokenizer.ckpt"
    deadline = time.time() + 300
    while time.time() < deadline:
        if ckpt.exists() and torch.load(ckpt, weights_only=False)["step"] >= 15: break
        time.sleep(0.2)
    p.send_signal(signal.SIGKILL)
    p.wait()
    step = torch.load(ckpt, weights_only=False)["step"]
    assert 15 <= step < 40, step  # killed mid-training
    r = _launch(root, tmp_path / "cut", resume=True)
    out, err = r.communicate(timeout=600)
    assert r.returncode == 0, err[-2000:]
    row = json.loads(out.strip().splitlines()[-1])
    assert {k: v for k, v in row.items() if k not in DROP} == {k: v for k, v in ref_row.items() if k not in DROP}
    log = [json.loads(l) for l in (tmp_path / "cut" / "wartok" / "tokenizer_log.jsonl").read_text().splitlines()]
    ref_log = [json.loads(l) for l in (tmp_path / "ref" / "wartok" / "tokenizer_log.jsonl").read_text().splitlines()]
    strip = lambda rows: [{k: v for k, v in r.items() if k != "time"} for r in rows]
    assert strip(log) == strip(ref_log)

def test_truncated_checkpoint_is_a_clear_error(tmp_path):
    from wartok.store import CheckpointError, load_checkpoint, save_checkpoint
    save_checkpoint({"step": 3, "w": torch.randn(1000)}, tmp_path / "t.ckpt")
    raw = (tmp_path / "t.ckpt").read_bytes()
    (tmp_path / "t.ckpt").write_bytes(raw[:100])
    with pytest.raises(CheckpointError, match="corrupt or truncated"): load_checkpoint(tmp_path / "t.ckpt")

def test_unknown_key_and_bad_value_fail_at_compose():
    from hydra.errors import ConfigCompositionException
    from wartok.config import compose_config
    with pytest.raises(ConfigCompositionException, match="tokenizer.widht"):
        compose_config("cpu", ["tokenizer.widht=3"])
    with pytest.raises(ConfigCompositionException): compose_config("cpu", ["train.ar_steps=many"])

def test_missing_dataset_offline(tmp_path):
    from wartok.data import DataError, load_cifar10
    with pytest.raises(DataError, match=str(tmp_path)): load_cifar10(tmp_path, download=False)

def test_output_folder_of_another_run_is_refused(tmp_path, cifar_root):
    root, _ = cifar_root
    from wartok.config import compose_config
    from wartok.experiment import run_method
    cfg = compose_config("smoke", [f"data.root={root}", "train.tokenizer_steps=2", "train.ar_steps=2",
                                   "eval.num_samples=4", "eval.batch_size=4", "train.methods=[two_stage]"])
    run_method(cfg, "two_stage", tmp_path, progress=False)
    before = (tmp_path / "two_stage" / "metrics.json").read_text()
    with pytest.raises(FileExistsError, match="resume=True"): run_method(cfg, "two_stage", tmp_path, progress=False)
    assert (tmp_path / "two_stage" / "metrics.json").read_text() == before  # nothing overwritten


class _Payload:  # a crafted checkpoint's object: unpickling it would call os.system
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return (os.system, (f"touch {self.marker}",))


def test_crafted_checkpoint_in_a_run_folder_is_refused(tmp_path):
    "Every checkpoint load is weights-only: a run folder from elsewhere cannot run code when opened or resumed."
    from wartok.experiment import load_tokenizer
    from wartok.store import CheckpointError, stored_run
    run, marker = tmp_path / "wartok", tmp_path / "pwned"
    run.mkdir()
    torch.save({"step": 1, "config": {}, "trainer": {}, "x": _Payload(marker)}, run / "tokenizer.ckpt")
    for load in (lambda: load_tokenizer(run), lambda: stored_run(run)):
        with pytest.raises(CheckpointError, match="refused"):
            load()
    assert not marker.exists()
