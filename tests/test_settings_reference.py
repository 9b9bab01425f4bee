"""The settings reference (book/reference/settings.md) lists every setting the chapters cite, with the defaults that
each Airflow version itself prints: regenerate with `python -m airflow_lab.config_reference` when this fails."""

from __future__ import annotations

import json

import pytest
from airflow_lab import config_reference as cr
from airflow_lab import settings as s

FIX = "regenerate it: .venv/bin/python -m airflow_lab.config_reference"


def test_every_setting_a_chapter_cites_is_in_the_reference():
    reference = json.loads(cr.REFERENCE.read_text())
    missing = sorted(set(cr.cited_settings()) - set(reference))
    assert not missing, f"book/reference/settings.json lacks {missing}: {FIX}"


def test_the_parser_reads_an_option_block_as_airflow_prints_it():
    printed = "[core]\n# The executor.\n#\n# Variable: AIRFLOW__CORE__PARALLELISM\n#\n# parallelism = 32\n"
    assert cr.parse_defaults(printed) == {"[core] parallelism": "32"}


@pytest.mark.docker
@pytest.mark.parametrize("version", s.SUPPORTED_AIRFLOW_VERSIONS)
def test_the_reference_holds_the_defaults_airflow_itself_prints(version):
    reference = json.loads(cr.REFERENCE.read_text())
    printed = cr.stable_defaults(version)
    assert len(printed) > 300, "airflow config list --defaults printed too few options to be parsed right"
    # Airflow 3 prints option names without values unless asked (--show-values): the defaults must be values
    assert printed["[core] parallelism"] == "32" and printed["[core] default_task_retries"] == "0", printed
    stale = {
        key: (row[version], printed.get(key)) for key, row in reference.items() if row[version] != printed.get(key)
    }
    assert not stale, f"Airflow {version} prints other defaults (reference, Airflow): {stale}; {FIX}"
