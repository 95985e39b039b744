import pytest

from rnnkit.data.system import MissingProgramError, require_programs


def test_a_missing_program_names_the_apt_get_line():
    with pytest.raises(MissingProgramError) as err:
        require_programs("surely-not-a-program-rnnkit", "sh", purpose="rnnkit test",
                         extra_packages=("sword-text-web",))
    msg = str(err.value)
    assert msg.startswith("rnnkit test needs surely-not-a-program-rnnkit, which is not installed")
    assert "apt-get install -y surely-not-a-program-rnnkit sword-text-web" in msg
    assert "\n" not in msg


def test_found_programs_come_back_as_paths():
    paths = require_programs("sh", purpose="rnnkit test")
    assert paths["sh"].endswith("/sh")
