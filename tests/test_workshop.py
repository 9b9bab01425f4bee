"""The workshop kit: `airflow-lab doctor` says whether a laptop is ready, `images --save/--load` carries the images."""

from __future__ import annotations

import json
import subprocess

import pytest
from airflow_lab import settings as s
from airflow_lab import workshop
from airflow_lab.cli import main
from airflow_lab.docker import docker_client


def test_doctor_blocks_on_a_no_docker_engine_and_says_how_to_start_one(no_docker_engine, capsys):
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL docker engine" in out and "start the Docker engine" in out


def test_doctor_json_names_every_check_and_whether_the_machine_is_ready(no_docker_engine, capsys):
    assert main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ready"] is False
    assert [c["name"] for c in report["checks"]] == ["docker engine", "CPUs", "memory", "ports", "CA bundle"]


@pytest.mark.docker
def test_doctor_on_a_running_engine_with_the_images_built_is_ready(capsys):
    # `make test` builds the images first, so every image must be present and current here
    assert main(["doctor", "--json"]) == 0
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["docker engine"]["ok"] and checks["images"]["ok"], checks
    assert set(checks) == {"docker engine", "CPUs", "memory", "disk", "ports", "CA bundle", "images"}


def test_memory_below_what_the_environment_needs_blocks():
    check = workshop._memory({"MemTotal": 2 * 1024**3}, s.WORKSHOP_MEMORY_MB["celery"])
    assert not check.ok and check.blocking and "GB" in check.fix


def test_loading_a_file_that_is_not_there_exits_2_naming_the_fix(capsys, tmp_path):
    assert main(["images", "--load", str(tmp_path / "images.tar")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "--save" in err


@pytest.mark.docker
def test_a_saved_image_loads_back_under_its_name(tmp_path):
    # the round trip on the smallest lab image: the full bundle is measured by hand (README), not in the suite
    client = docker_client()
    copy = f"{s.IMAGE_PREFIX}/save-load-test:{tmp_path.name[-8:]}"
    client.images.get(s.redis_image()).tag(copy)
    archive = tmp_path / "one.tar.gz"
    try:
        saved = workshop.write_archive([copy], archive)
        assert saved["bytes"] == archive.stat().st_size > 0
        client.images.remove(copy)
        loaded = workshop.load_images(archive)
        assert loaded["images"] == [copy]
        assert client.images.get(copy).id == client.images.get(s.redis_image()).id
    finally:
        subprocess.run(["docker", "rmi", copy], capture_output=True, check=False)
