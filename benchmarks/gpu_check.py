"""The GPU check: one prepared run, at most ~8 minutes on one CUDA GPU, whose CSV is the evidence.

    bash benchmarks/gpu_check.sh                  # on a machine with one CUDA GPU
    python benchmarks/gpu_check.py --dry-run      # the same code paths on CPU at smoke sizes (the tests run this)

1. CUDA-specific checks: a bf16-autocast wAR-Tok step at the `paper` preset's sizes, the same step under
   `train.compile=true`, and NCCL in a one-process group (an all-reduce).
2. Step benchmark at the paper's sizes: two-stage, wAR-Tok, backprop-AR and wAR-Tok's parts (proxy MLE step,
   target forward), with and without `torch.compile`; peak memory per case.
3. 300 steps of the `paper` preset's tokenizer (two-stage, bf16) on CIFAR-10 if `--data-root` has it, else on a
   generated archive in the CIFAR layout (the CSV says which): the loss at the start and at the end.
4. Sampling throughput of the paper-size final prior with the KV cache: 1,000 samples.

Everything goes to reports/benchmarks/<gpu name>.csv (or --out). The dry run swaps CUDA for CPU, NCCL for gloo,
the paper sizes for the smoke preset's, inductor for the eager backend, and 300 steps for 5.
"""
import argparse, functools, os, socket, statistics, sys, time
from pathlib import Path

import pandas as pd
import torch

from run import timed  # benchmarks/run.py, beside this file

ROOT = Path(__file__).resolve().parents[1]

def setup(dry: bool):
    "preset, device, sync and peak-memory functions for a real or a dry run."
    from wartok.config import compose_config
    if dry:
        cfg = compose_config("smoke", ["device=cpu"])
        torch.compile = functools.partial(torch.compile, backend="eager")  # the compile path, without a compiler
        return cfg, "cpu", (lambda: None), (lambda: float("nan")), (lambda: None)
    if not torch.cuda.is_available(): sys.exit("no CUDA GPU here: run with --dry-run on CPU")
    cfg = compose_config("paper", ["device=cuda"])
    reset = torch.cuda.reset_peak_memory_stats
    return cfg, "cuda", torch.cuda.synchronize, (lambda: torch.cuda.max_memory_allocated() / 2**20), reset

def trainer(cfg, method: str, device: str, **train_over):
    from wartok.ar import build_proxy
    from wartok.tokenizer import build_tokenizer
    from wartok.train import TokenizerTrainer
    torch.manual_seed(0)
    tok = build_tokenizer(None, cfg.tokenizer)
    dp = cfg.dpd
    mk = lambda: build_proxy(dp, cfg.ar, tok.codebook_size, tok.num_tokens)
    train = cfg.train.copy()
    for k, v in train_over.items(): train[k] = v
    return TokenizerTrainer(tok, method, train, cfg.tokenizer, dp, proxy=mk(), fresh_target=mk(), device=device)

def batch(cfg, device: str, n: int):
    x = torch.rand(n, 3, cfg.data.image_size, cfg.data.image_size, device=device) * 2 - 1
    return x, torch.zeros(n, dtype=torch.long, device=device)

def checks(cfg, device: str, B: int) -> list[dict]:
    "bf16 step, compiled step, NCCL (gloo in the dry run) in a one-process group."
    import torch.distributed as dist
    rows, (x, y) = [], batch(cfg, device, B)
    for name, over in (("bf16 wAR-Tok step", {"amp": True}), ("compiled wAR-Tok step", {"amp": True, "compile": True})):
        tr = trainer(cfg, "wartok", device, **over)
        t0 = time.perf_counter()
        logs = [tr.logged(tr.step(x, y)) for _ in range(2)]
        tr.check_finite()
        rows.append({"kind": "check", "case": name, "ok": all(torch.isfinite(torch.tensor(v)) for v in
                                                              (logs[-1]["loss"], logs[-1]["l_dpd"])),
                     "seconds": time.perf_counter() - t0, "value": logs[-1]["loss"]})
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29533")
    backend = "nccl" if device == "cuda" else "gloo"
    dist.init_process_group(backend, rank=0, world_size=1)
    t = torch.ones(4, device=device)
    dist.all_reduce(t)
    rows.append({"kind": "check", "case": f"{backend} all-reduce, one process", "ok": bool((t == 1).all()),
                 "seconds": 0.0, "value": float(t.sum())})
    dist.destroy_process_group()
    return rows

def step_costs(cfg, device: str, B: int, reps: int, sync, peak, reset) -> list[dict]:
    "Median step times and peak memory of each method and of wAR-Tok's parts, without and with torch.compile."
    from wartok.ar import ar_train_step, build_proxy
    rows, (x, y) = [], batch(cfg, device, B)
    for compiled in (False, True):
        for method in ("two_stage", "wartok", "backprop_ar"):
            reset()
            tr = trainer(cfg, method, device, amp=device == "cuda", compile=compiled)
            sec = timed(lambda: tr.step(x, y), reps, 3, sync)
            rows.append({"kind": "step", "case": method, "compile": compiled, "seconds": sec, "peak_mib": peak()})
        dp, tok = cfg.dpd, tr.tok
        ar = build_proxy(dp, cfg.ar, tok.codebook_size, tok.num_tokens).to(device)
        ar_c = torch.compile(ar) if compiled else ar
        z = torch.randint(0, tok.codebook_size, (B, tok.num_tokens), device=device)
        opt = torch.optim.AdamW(ar.parameters(), dp.proxy_lr)
        amp = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else torch.autocast("cpu", enabled=False)
        def proxy_step():
            with amp: ar_train_step(ar_c, opt, z)
        def target_forward():
            with amp, torch.no_grad(): ar_c(z)
        for name, fn in (("proxy_step", proxy_step), ("target_forward", target_forward)):
            reset()
            rows.append({"kind": "step", "case": name, "compile": compiled, "seconds": timed(fn, reps, 3, sync),
                         "peak_mib": peak()})
    return rows

def tokenizer_run(cfg, device: str, steps: int, data_root: str | None) -> list[dict]:
    "The paper preset's tokenizer, two-stage, for `steps` steps: loss at the start and at the end."
    from wartok.data import BatchLoader, build_dataset, find_cifar10, make_fake_cifar10, resolve_root
    root, what = data_root, "CIFAR-10"
    if root is None or find_cifar10(resolve_root(root)) is None:
        root = str(make_fake_cifar10(ROOT / "runs" / "gpu_check" / "cifar-10-python.tar.gz", per_batch=500))
        what = "a generated archive in the CIFAR-10 layout (random images)"
    ds = build_dataset("cifar10", "train", root, cfg.data.image_size, False, None)
    tr = trainer(cfg, "two_stage", device, amp=device == "cuda")
    it = BatchLoader(ds, cfg.train.batch_size, seed=0, hflip=True).forever()
    t0, losses = time.perf_counter(), []
    for _ in range(steps): losses.append(tr.logged(tr.step(*next(it)))["l_rec"])
    tr.check_finite()
    k = max(1, steps // 10)
    start, end = statistics.mean(losses[:k]), statistics.mean(losses[-k:])
    return [{"kind": "train", "case": f"{cfg.preset} tokenizer, {steps} steps on {what}",
             "seconds": time.perf_counter() - t0, "value": end, "start": start, "ok": end < start}]

def sampling(cfg, device: str, n: int, sync) -> list[dict]:
    "Samples per second of the paper-size final prior with the KV cache."
    from wartok.ar import build_ar, sample
    from wartok.tokenizer import build_tokenizer
    L = build_tokenizer(None, cfg.tokenizer).num_tokens
    prior = build_ar(cfg.ar, cfg.tokenizer.codebook_size, L, cfg.data.num_classes).to(device)
    bs = min(n, cfg.eval.batch_size)
    sync()
    t0 = time.perf_counter()
    for i in range(0, n, bs): sample(prior, min(bs, n - i), device=device)
    sync()
    sec = time.perf_counter() - t0
    return [{"kind": "sampling", "case": f"{n} samples, KV cache", "seconds": sec, "value": n / sec}]

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="CPU, smoke sizes: checks the script itself")
    ap.add_argument("--data-root", default=os.environ.get("WARTOK_DATA"), help="CIFAR-10 for the tokenizer run")
    ap.add_argument("--out", default=None, help="CSV path (default reports/benchmarks/<gpu name>.csv)")
    a = ap.parse_args()
    cfg, device, sync, peak, reset = setup(a.dry_run)
    B = cfg.train.batch_size
    reps, steps, n = (2, 5, 16) if a.dry_run else (5, 300, 1000)
    name = torch.cuda.get_device_name(0) if device == "cuda" else f"{socket.gethostname()}-cpu-dry-run"
    rows = []
    for part in (lambda: checks(cfg, device, B), lambda: step_costs(cfg, device, B, reps, sync, peak, reset),
                 lambda: tokenizer_run(cfg, device, steps, a.data_root), lambda: sampling(cfg, device, n, sync)):
        new = part()
        rows += new
        for r in new: print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}, flush=True)
    from wartok.store import git_commit
    df = pd.DataFrame(rows).assign(device=name, preset=cfg.preset, batch=B, commit=git_commit(),
                                   torch=torch.__version__)
    s = df[df.kind == "step"].set_index(["compile", "case"]).seconds
    for c in (False, True):
        parts = s[(c, "two_stage")] + s[(c, "proxy_step")] + s[(c, "target_forward")]
        print(f"compile={c}: wartok / two_stage {s[(c, 'wartok')] / s[(c, 'two_stage')]:.2f}, "
              f"wartok / parts {s[(c, 'wartok')] / parts:.2f}, backprop_ar / wartok "
              f"{s[(c, 'backprop_ar')] / s[(c, 'wartok')]:.2f}")
    out = Path(a.out or ROOT / "reports" / "benchmarks" / f"{name.replace(' ', '_')}.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    print(f"wrote {out}")
    if not df[df.ok.notna()].ok.astype(bool).all(): sys.exit("a check failed: see the 'ok' column")

if __name__ == "__main__":
    main()
