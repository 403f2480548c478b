"""What a wAR-Tok step costs, against the alternatives, measured in one run.

    python benchmarks/run.py                 # cpu preset sizes (and paper sizes where a GPU exists)
    python benchmarks/run.py --reps 20       # more repetitions per measurement
    python benchmarks/run.py --rounds 5      # every case 5 times, interleaved: ratios as median and range

Times, after warm-up, the median of several repetitions of: a two-stage tokenizer step (reconstruction only),
a wAR-Tok step (reconstruction + WGF-DPD: contrast forwards, proxy MLE step), a backprop-through-AR step, the
parts a wAR-Tok step adds to a two-stage one (a proxy MLE step and a target forward, on the same token shapes:
the cost model — wAR-Tok over the sum of its parts is the DPD plumbing's overhead),
AR sampling of a batch with the KV cache vs full recompute, and data loading vs the tokenizer step.
Each case runs in its own subprocess so that its peak memory (RSS on CPU, allocated on GPU) is its own.
Prints ratios measured in this run and writes reports/benchmarks/<host>.csv, plus a torch.profiler table of
the wAR-Tok step. Absolute times depend on the machine; the ratios are the point. On a shared or throttling machine
one round can be off by 20% (measured: wAR-Tok / two-stage 1.53 and 1.36 in two rounds minutes apart), so `--rounds`
repeats every case, round after round, and reports each ratio's median over rounds with its range.
"""
import argparse, json, resource, socket, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ["two_stage", "wartok", "backprop_ar", "proxy_step", "target_forward", "sample_cached", "sample_naive",
         "data_loading"]

def build(preset: str, device: str):
    from wartok.config import compose_config
    cfg = compose_config(preset, [f"device={device}"])
    return cfg, cfg.tokenizer

def timed(fn, reps: int, warmup: int, sync):
    for _ in range(warmup):
        fn()
        sync()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        sync()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)

def run_case(case: str, preset: str, device: str, reps: int, profile: bool = False) -> dict:
    "One measurement, in this (fresh) process."
    import torch
    from wartok.ar import build_ar, build_proxy, sample
    from wartok.tokenizer import build_tokenizer
    from wartok.train import TokenizerTrainer
    torch.manual_seed(0)
    cfg, tok_kw = build(preset, device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    B = cfg.train.batch_size
    x = torch.rand(B, 3, cfg.data.image_size, cfg.data.image_size, device=device) * 2 - 1
    y = torch.zeros(B, dtype=torch.long, device=device)
    dp = cfg.dpd
    if case in ("two_stage", "wartok", "backprop_ar"):
        tok = build_tokenizer(None, tok_kw)
        mk = lambda: build_proxy(dp, cfg.ar, tok.codebook_size, tok.num_tokens)
        tr = TokenizerTrainer(tok, case, cfg.train, cfg.tokenizer, dp, proxy=mk(), fresh_target=mk(), device=device)
        sec = timed(lambda: tr.step(x, y), reps, 3, sync)
        if case == "wartok" and profile:  # where the time goes
            from torch.profiler import profile, ProfilerActivity
            acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.startswith("cuda") else [])
            with profile(activities=acts) as prof:
                for _ in range(3): tr.step(x, y)
            sort = "cuda_time_total" if device.startswith("cuda") else "cpu_time_total"
            out = ROOT / "reports" / "benchmarks" / f"{socket.gethostname()}_{preset}_profile_wartok.txt"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(prof.key_averages().table(sort_by=sort, row_limit=25))
    elif case in ("proxy_step", "target_forward"):  # wAR-Tok's parts beyond a two-stage step, on its token shapes
        from wartok.ar import ar_train_step
        L = build_tokenizer(None, tok_kw).num_tokens
        ar = build_proxy(dp, cfg.ar, cfg.tokenizer.codebook_size, L).to(device)
        z = torch.randint(0, cfg.tokenizer.codebook_size, (B, L), device=device)
        if case == "proxy_step":
            opt = torch.optim.AdamW(ar.parameters(), dp.proxy_lr, betas=(0.9, 0.99))
            sec = timed(lambda: ar_train_step(ar, opt, z), reps, 3, sync)
        else:
            ar.eval().requires_grad_(False)
            sec = timed(lambda: torch.no_grad()(ar)(z), reps, 3, sync)
    elif case.startswith("sample"):
        tok_tokens = build_tokenizer(None, tok_kw).num_tokens
        prior = build_ar(cfg.ar, cfg.tokenizer.codebook_size, tok_tokens).to(device)
        sec = timed(lambda: sample(prior, B, use_cache=case == "sample_cached", device=device), max(3, reps // 3), 1,
                    sync)
    elif case == "data_loading":
        from wartok.data import BatchLoader, build_split
        d = cfg.data
        ds = build_split(d, "train")
        it = BatchLoader(ds, B, seed=0, hflip=d.hflip, num_workers=d.num_workers).forever()
        sec = timed(lambda: next(it)[0].to(device), reps * 5, 3, sync)
    peak = (torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda")
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {"case": case, "preset": preset, "device": device, "batch": B, "seconds": sec, "peak_mib": round(peak, 1)}

def ratios(s: dict) -> dict:
    "The benchmark's ratios from one round's median seconds per case."
    parts = s["two_stage"] + s["proxy_step"] + s["target_forward"]  # the rest is the DPD plumbing's overhead
    return {"wartok / two_stage (target <= 1.5)": s["wartok"] / s["two_stage"],
            "wartok / parts (target <= 1.05)": s["wartok"] / parts,
            "backprop_ar / wartok (target >= 1.5)": s["backprop_ar"] / s["wartok"],
            "naive / cached sampling (target >= 5)": s["sample_naive"] / s["sample_cached"],
            "data batch / two_stage step": s["data_loading"] / s["two_stage"]}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1, help="measure every case this many times, interleaved")
    ap.add_argument("--case", help=f"run one case in this process: one of {CASES}")
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--profile", action="store_true", help="with --case wartok: also write the profiler table")
    a = ap.parse_args()
    if a.case:  # child process
        print(json.dumps(run_case(a.case, a.preset, a.device, a.reps, a.profile)))
        return
    import torch
    from wartok.store import git_commit, hardware
    commit = git_commit()  # before this run rewrites its own tracked report files
    setups = [("cpu", "cpu")] + ([("paper", "cuda")] if torch.cuda.is_available() else [])
    rows = []
    for rnd in range(a.rounds):
        for preset, device in setups:
            for case in CASES:
                p = subprocess.run([sys.executable, __file__, "--case", case, "--preset", preset, "--device", device,
                                    "--reps", str(a.reps)] + (["--profile"] if rnd == 0 else []),
                                   capture_output=True, text=True)  # the profiler table once, in round 0
                if p.returncode: sys.exit(f"{case} failed:\n{p.stderr[-3000:]}")
                rows.append({**json.loads(p.stdout.strip().splitlines()[-1]), "round": rnd})
                print(f"round {rnd} {preset:6s} {case:14s} {rows[-1]['seconds'] * 1000:9.1f} ms  "
                      f"peak {rows[-1]['peak_mib']:8.1f} MiB", flush=True)
    if not torch.cuda.is_available(): print("paper sizes skipped: no GPU here")
    import pandas as pd
    df = pd.DataFrame(rows)
    for preset, g in df.groupby("preset", sort=False):
        per_round = pd.DataFrame([ratios(dict(zip(r["case"], r["seconds"]))) for _, r in g.groupby("round")])
        print(f"\n{preset} ({a.rounds} round(s); median [min, max] over rounds):")
        for k in per_round:
            col = per_round[k]
            print(f"  {k}: {col.median():.2f} [{col.min():.2f}, {col.max():.2f}]")
            name = k.split(" (")[0]
            df.loc[df.preset == preset, name] = round(col.median(), 3)
            if a.rounds > 1: df.loc[df.preset == preset, f"{name} range"] = f"{col.min():.3f}-{col.max():.3f}"
    df["commit"], df["hardware"] = commit, hardware(setups[-1][1])
    out = ROOT / "reports" / "benchmarks" / f"{socket.gethostname()}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    from wartok.index import benchmark_markdown
    (out.parent / "table.md").write_text(benchmark_markdown(out.parent))  # every machine's CSV, from the folder
    print(f"\nwrote {out} and {out.parent / 'table.md'}")

if __name__ == "__main__":
    main()
