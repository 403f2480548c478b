"Reliability: a SIGKILLed run resumes to exactly the uninterrupted result; bad input fails clearly and early."
import json, signal, subprocess, sys, time
import pytest
import torch
from wartok.store import load_checkpoint

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
        if ckpt.exists() and load_checkpoint(ckpt)["step"] >= 15: break
        time.sleep(0.2)
    p.send_signal(signal.SIGKILL)
    p.wait()
    step = load_checkpoint(ckpt)["step"]
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
    from wartok.config import ConfigError
    with pytest.raises(ConfigError, match="tokenizer.widht"):  # refused before hydra runs, naming the nearest
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


@pytest.mark.parametrize("args, near", [(["--preset", "cpu_fitt"], "'cpu_fit'"),
                                        (["tokenizer=titokk"], "'titok'"),
                                        (["train.tokenizer_step=5"], "'train.tokenizer_steps'"),
                                        (["+train.tokenizer_step=5"], "'train.tokenizer_steps'")])
def test_mistyped_name_is_one_line(tmp_path, capsys, args, near):
    "A mistyped preset, group option, key or +key: refused before anything runs, in at most 3 lines, nearest name."
    from wartok.cli import main
    assert main([*args, "--run-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert f"did you mean {near}" in err and len(err.strip().splitlines()) <= 3, err
    assert not (tmp_path / "r").exists()


def test_mistyped_preset_from_the_shell(tmp_path):
    "The same from `python -m wartok`: exit status 2 and the one line, no traceback."
    p = subprocess.run([sys.executable, "-m", "wartok", "--preset", "smok"], capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.strip() == "python -m wartok: unknown preset 'smok': did you mean 'smoke'?"
