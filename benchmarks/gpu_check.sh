#!/usr/bin/env bash
# The prepared GPU check: at most ~8 minutes on one CUDA GPU; writes reports/benchmarks/<gpu>.csv.
# Dry run on CPU (what the tests run): bash benchmarks/gpu_check.sh --dry-run
set -euo pipefail
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || true
PYTHONUNBUFFERED=1 exec python benchmarks/gpu_check.py "$@"
