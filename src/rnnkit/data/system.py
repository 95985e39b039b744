"""Programs from Debian packages that some tasks call (diatheke, apertium, espeak-ng, flite,
sox, pocketsphinx): find them, or say in one line which apt-get command installs them.

`install.sh` installs these packages where it runs as root with apt-get; everywhere else the
command that needs one stops with the exact line to run.
"""

from __future__ import annotations

import shutil

# program -> the Debian package that ships it
DEBIAN_PACKAGE = {
    "diatheke": "diatheke",
    "apertium": "apertium-eng-spa",
    "espeak-ng": "espeak-ng",
    "flite": "flite",
    "sox": "sox",
    "pocketsphinx_continuous": "pocketsphinx",
}


class MissingProgramError(FileNotFoundError):
    """A program rnnkit calls is not installed; the message holds the apt-get line."""


def require_programs(*programs: str, purpose: str, extra_packages: tuple[str, ...] = ()) -> dict[str, str]:
    """Paths of `programs`, or a MissingProgramError naming the apt-get line that installs them.

    `purpose` says what needs them ("rnnkit translate make-data bible"); `extra_packages`
    are data packages that come with no program of their own (sword-text-web, …).
    """
    found = {p: shutil.which(p) for p in programs}
    missing = [p for p, path in found.items() if path is None]
    if missing:
        packages = sorted({DEBIAN_PACKAGE.get(p, p) for p in missing} | set(extra_packages))
        raise MissingProgramError(
            f"{purpose} needs {', '.join(missing)}, which is not installed: "
            f"run `apt-get install -y {' '.join(packages)}` (as root), or ./install.sh as root")
    return {p: str(path) for p, path in found.items()}
