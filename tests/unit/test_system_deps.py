"""`make system-deps` (scripts/system-deps): the Debian packages a task needs, only the missing.

The step runs against fake ``dpkg``, ``apt-get`` and ``id`` on ``PATH`` that log their calls, so
the tests install nothing and need no network.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from repo import REPO

SCRIPT = REPO / "scripts" / "system-deps"

LIST = """# a test list
[test]
pspp            # why
chromium
[bench]
r-base-core
pspp
"""


def _fake(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/usr/bin/env bash\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    """A folder with the fakes; ``installed`` lists the packages dpkg knows, ``log`` the calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "installed").write_text("", encoding="utf-8")
    log = tmp_path / "log"
    installed = tmp_path / "installed"
    _fake(
        bin_dir,
        "dpkg",
        f'if grep -qx "$2" {installed}; then echo "Status: install ok installed";\n'
        f'elif grep -qx "$2-removed" {installed}; then echo "Status: deinstall ok config-files";\n'
        "else exit 1; fi",
    )
    _fake(bin_dir, "apt-get", f'echo "apt-get $*" >> {log}')
    _fake(bin_dir, "id", 'echo "${FAKE_UID:-0}"')
    (tmp_path / "packages.txt").write_text(LIST, encoding="utf-8")
    return tmp_path


def _run(machine: Path, *tasks: str, uid: int = 0) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{machine / 'bin'}:{os.environ['PATH']}",
        "SYSTEM_PACKAGES": str(machine / "packages.txt"),
        "FAKE_UID": str(uid),
    }
    return subprocess.run(
        ["bash", str(SCRIPT), *tasks], capture_output=True, text=True, env=env, check=False
    )


def _calls(machine: Path) -> list[str]:
    log = machine / "log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_it_installs_exactly_the_missing_packages_of_the_task(machine: Path) -> None:
    (machine / "installed").write_text("pspp\n", encoding="utf-8")
    result = _run(machine, "test")
    assert result.returncode == 0, result.stderr
    assert _calls(machine) == [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends chromium",
    ]


def test_a_package_of_two_tasks_is_installed_once(machine: Path) -> None:
    _run(machine, "test", "bench")
    assert _calls(machine)[-1] == (
        "apt-get install -y -qq --no-install-recommends pspp chromium r-base-core"
    )


def test_a_removed_package_with_config_files_left_counts_as_missing(machine: Path) -> None:
    (machine / "installed").write_text("pspp\nchromium-removed\n", encoding="utf-8")
    _run(machine, "test")
    assert _calls(machine)[-1] == "apt-get install -y -qq --no-install-recommends chromium"


def test_it_does_nothing_when_every_package_is_present(machine: Path) -> None:
    (machine / "installed").write_text("pspp\nchromium\n", encoding="utf-8")
    result = _run(machine, "test")
    assert result.returncode == 0 and result.stderr == "" and _calls(machine) == []


def test_a_package_for_a_command_is_skipped_while_the_command_is_on_path(machine: Path) -> None:
    (machine / "packages.txt").write_text("[test]\npspp\nnpm:npm\n", encoding="utf-8")
    (machine / "installed").write_text("pspp\n", encoding="utf-8")
    _fake(machine / "bin", "npm", "exit 0")
    assert _run(machine, "test").returncode == 0 and _calls(machine) == []


def test_a_package_for_a_missing_command_is_installed(machine: Path) -> None:
    (machine / "packages.txt").write_text("[test]\npspp\nnpm:no-such-command\n", encoding="utf-8")
    (machine / "installed").write_text("pspp\n", encoding="utf-8")
    _run(machine, "test")
    assert _calls(machine)[-1] == "apt-get install -y -qq --no-install-recommends npm"


def test_without_root_it_exits_3_with_the_command_to_run(machine: Path) -> None:
    result = _run(machine, "test", uid=1000)
    assert result.returncode == 3 and _calls(machine) == []
    assert "sudo apt-get install --no-install-recommends pspp chromium" in result.stderr


def test_an_unknown_task_is_an_error(machine: Path) -> None:
    result = _run(machine, "spark")
    assert result.returncode == 3 and "no section [spark]" in result.stderr


def test_the_repository_list_names_the_packages_of_each_make_task() -> None:
    text = (REPO / "system-packages.txt").read_text(encoding="utf-8")
    for section in ("[test]", "[bench]", "[golden]"):
        assert section in text
    assert "pspp" in text and "chromium" in text and "r-cran-survey" in text


def test_ci_runs_the_readmes_test_command_and_nothing_else() -> None:
    lines = [
        line
        for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-1] == "make test"
    assert not any("apt" in line for line in lines)
