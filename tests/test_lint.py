"""ruff (lint and format) over everything: the kit, the DAGs (including its AIR rules), tests, benchmarks."""

from __future__ import annotations

import subprocess
import sys

from .conftest import PROJECT


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=PROJECT, capture_output=True, text=True)


def test_ruff_check_passes():
    result = ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
