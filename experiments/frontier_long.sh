#!/usr/bin/env bash
# The frontier at the budget where the DPD's mechanism operates (reports/cifar10/frontier_long): one seed's runs,
# in two passes so that the most informative points finish first (two-stage K=256/1024 and wAR-Tok λ=0.03, then
# λ=0.01). A third pass "256,512,1024 0.01,0.03" would add K=512 between them: not run for the committed report.
# Every finished run is a row of the seed's runs.csv; a pass skips the rows already there.
#   usage: bash experiments/frontier_long.sh SEED OUT    (one process per seed, one thread each; then merge the
#   OUT/s*/runs.csv into reports/cifar10/frontier_long/runs.csv and run the report pass, see its README)
set -uo pipefail
seed=$1 out=$2
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1 PYTHONUNBUFFERED=1
# chosen on held-out training images by reports/cifar10/mechanism (all four targets met at λ=0.03, 1,200 steps)
S="dpd.target_mode=frozen_random dpd.target_init_std=1.0 dpd.target_entropy=0.7"
S="$S tokenizer.dead_code_threshold=0 tokenizer.dead_code_window=10"
mkdir -p "$out"
for pass in "256,1024 0.03" "256,1024 0.01,0.03"; do
  set -- $pass
  echo "== pass K=$1 lambdas=$2 $(date -u +%H:%M:%S)"
  papermill --log-output nbs/run_frontier.ipynb "$out/s$seed.ipynb" -p tokenizer_steps 1200 -p batch_size 64 \
    -p seeds "$seed" -p ar_weights "" -p setting "$S" -p prior2x_seeds "" -p tracking_every 0 \
    -p codebook_sizes "$1" -p lambdas "$2" -p run_dir runs/cifar10/frontier_long -p report_dir "$out/s$seed"
done
echo "== done $(date -u +%H:%M:%S)"
