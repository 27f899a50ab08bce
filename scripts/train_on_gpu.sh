#!/usr/bin/env bash
# Train on one lent GPU for a fixed number of minutes: the shipped pyramid (the pyramid-aff
# preset) and, for the same-budget table, gated and aff, side by side on the same GPU for
# the same minutes (configs/pyramid-gpu.yaml, or $CONFIG), then export each generator as
# fp16 safetensors.
#
#   bash scripts/train_on_gpu.sh MINUTES [DEST] [DATA_ROOT]
#
# MODELS (default "pyramid-aff aff gated") picks the runs, e.g. MODELS=pyramid-aff to give
# the pyramid the whole GPU after a same-budget stint.
# INIT (optional) starts the *first* model's run, when its folder holds no checkpoint, from a
# weights file with fresh optimizers, e.g. INIT=src/inpaintkit/pretrained/pyramid.safetensors
# to go on training the shipped weights in a later session, or from a portable checkpoint
# folder that an earlier run of this script brought back (DEST/<model>-portable): then the
# discriminators go on too, not only the generator.
# CONFIG (optional) trains another recipe, e.g. CONFIG=configs/pyramid-gan-finetune.yaml with
# INIT= for the adversarial fine-tune behind the shipped pyramid (its card).
# SET (optional) changes config keys for every run, space-separated SECTION.KEY=VALUE items
# passed as --set, e.g. SET="train.gan=hinge train.gan_weight=0.02 train.betas=[0.5,0.999]".
# DEST (default runs/shipped) receives <model>.safetensors (fp16), the first model's portable
# checkpoint <model>-portable/ (generator in float32, discriminators in float16, in parts
# of at most 15 MiB: INIT= for a later session; the exact checkpoint, with Adam's state, is
# too large to carry off a lent machine; `inpaintkit export DEST/<model>-portable --fp32 -o
# FILE` gives its float32 weights file) and logs.tar.gz (each run's train.log and
# TensorBoard logs): 3 models fit the 8 files a lent machine returns. Run folders are
# runs/gpu-<model>; rerunning with them present resumes them.
# Last, benchmarks/stage_corrections.py prints for each exported model whether every stage
# and the contextual attention learnt (docs/experiments/2026-11-26-dead-stages.md and
# …-dead-attention.md), on the photos in CHECK_PHOTOS (default DATA_ROOT, else ../shared/data/photos;
# skipped when the folder is missing), so a lent session sees it in its output at once.
# PYTHON (optional) is the interpreter with inpaintkit installed: by default the set-up's
# .venv/bin/python when there is one, else python3 from PATH.
set -uo pipefail
minutes=${1:?usage: train_on_gpu.sh MINUTES [DEST] [DATA_ROOT]}
dest=${2:-runs/shipped}
data_root=${3:-}
read -ra models <<<"${MODELS:-pyramid-aff aff gated}"
read -ra overrides <<<"${SET:-}"
default_python=python3
[ -x .venv/bin/python ] && default_python=.venv/bin/python
python=${PYTHON:-$default_python}
config=${CONFIG:-configs/pyramid-gpu.yaml}
mkdir -p "$dest"

declare -A pid
for model in "${models[@]}"; do
    run="runs/gpu-$model"
    args=("$config" --model "$model" --out "$run" --max-minutes "$minutes")
    for item in "${overrides[@]}"; do args+=(--set "$item"); done
    if [[ -f $run/checkpoint.pt ]]; then
        args+=(--resume)
    elif [[ -n ${INIT:-} && $model == "${models[0]}" ]]; then
        args+=(--init "$INIT")
    fi
    [[ -n $data_root ]] && args+=(--data-root "$data_root")
    mkdir -p "$run"
    "$python" -m inpaintkit.cli train "${args[@]}" >>"$run/train.log" 2>&1 &
    pid[$model]=$!
done

failed=0
for model in "${models[@]}"; do
    if wait "${pid[$model]}"; then
        echo "$model: trained"
    else
        echo "$model: training FAILED, see runs/gpu-$model/train.log"; tail -n 20 "runs/gpu-$model/train.log"; failed=1
    fi
    # A failed or time-limited run still exports whatever checkpoint it saved.
    if [[ -f runs/gpu-$model/checkpoint.pt ]]; then
        "$python" -m inpaintkit.cli export "runs/gpu-$model" -o "$dest/$model.safetensors" || failed=1
    fi
done
lead=${models[0]}
if [[ -f runs/gpu-$lead/checkpoint.pt ]]; then
    "$python" -m inpaintkit.cli export "runs/gpu-$lead" --portable -o "$dest/$lead-portable" || failed=1
fi
tar czf "$dest/logs.tar.gz" runs/gpu-*/train.log runs/gpu-*/tensorboard 2>/dev/null || true
ls -lR "$dest"
check_photos=${CHECK_PHOTOS:-${data_root:-../shared/data/photos}}
exported=()
for model in "${models[@]}"; do
    [[ -f $dest/$model.safetensors ]] && exported+=("$dest/$model.safetensors")
done
if [[ -d $check_photos && ${#exported[@]} -gt 0 ]]; then
    # A diagnosis, not a gate: its failure does not fail the run.
    "$python" "$(dirname "$0")/../benchmarks/stage_corrections.py" "${exported[@]}" --photos "$check_photos" \
        || echo "stage_corrections.py failed; the weights are in $dest all the same"
fi
exit $failed
