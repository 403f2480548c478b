import os, sys, subprocess
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

@pytest.fixture(scope="session")
def cifar_root(tmp_path_factory) -> tuple[str, bool]:
    """(data root, is_real): the real CIFAR-10 where this machine has it ($WARTOK_DATA, or the shared folder
    of the development machines), else a small generated archive in the official layout."""
    from wartok.data import find_cifar10, make_fake_cifar10, resolve_root
    for cand in (os.environ.get("WARTOK_DATA"), str(SHARED_DATA)):
        if cand and Path(cand).exists() and find_cifar10(resolve_root(cand)) is not None: return cand, True
    d = tmp_path_factory.mktemp("fake_cifar")
    make_fake_cifar10(d / "cifar-10-python.tar.gz", per_batch=200)
    return str(d), False

def run_papermill(nb: str, out_dir: Path, *params: str, cwd: Path | None = None, env_extra: dict | None = None,
                  flags: tuple = ()):
    "Run an experiment notebook with papermill in a subprocess; returns the CompletedProcess."
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "papermill", str(ROOT / "nbs" / nb), str(out_dir / nb), "--cwd", str(cwd or out_dir),
            *flags]
    for p in params: args += ["-p", *p.split("=", 1)]
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)
