"""Image builds are cached by content: same inputs, same hash; any changed input, a rebuild."""

from __future__ import annotations

import tarfile
from dataclasses import replace

import pytest
from airflow_lab import images
from airflow_lab import settings as s
from airflow_lab.docker import docker_client


def test_context_hash_is_stable_and_tracks_every_input(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_LAB_CA_BUNDLE", "")
    monkeypatch.setenv("PIP_CERT", "")
    monkeypatch.setattr(images, "ca_bundle_path", lambda: None)
    spec = images.airflow_spec(s.AIRFLOW_VERSION, "base")
    h = images._context_hash(spec, "sha256:base")
    assert h == images._context_hash(images.airflow_spec(s.AIRFLOW_VERSION, "base"), "sha256:base")
    assert h != images._context_hash(spec, "sha256:another-base")
    with_ca = replace(spec, extra_files={**spec.extra_files, "ca-bundle.crt": b"-----BEGIN CERTIFICATE-----"})
    assert h != images._context_hash(with_ca, "sha256:base")
    other_version = images.airflow_spec(s.AIRFLOW_2_VERSION, "base")
    assert h != images._context_hash(other_version, "sha256:base")


def test_a_configured_ca_bundle_goes_into_the_build_context(monkeypatch, tmp_path):
    bundle = tmp_path / "corp.pem"
    bundle.write_bytes(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    monkeypatch.setenv("AIRFLOW_LAB_CA_BUNDLE", str(bundle))
    spec = images.airflow_spec(s.AIRFLOW_VERSION, "base")
    assert spec.context_files()["ca-bundle.crt"] == bundle.read_bytes()


def test_a_missing_ca_bundle_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_LAB_CA_BUNDLE", str(tmp_path / "missing.pem"))
    try:
        images.ca_bundle_path()
    except images.LabError as exc:
        assert "missing.pem" in str(exc)
    else:
        raise AssertionError("a missing CA bundle must not be ignored")


def test_every_supported_version_pins_a_provider_for_every_extra():
    # an extra pip does not recognise is skipped silently: the pins show what was really installed
    for version in s.SUPPORTED_AIRFLOW_VERSIONS:
        pins = images.constraints_file(version).read_text().splitlines()
        for extra in s.AIRFLOW_EXTRAS.split(","):
            provider = "apache-airflow-providers-" + extra.replace(".", "-")
            assert any(line.startswith(provider + "==") for line in pins), f"{version}: {provider} is not installed"


@pytest.mark.docker
def test_a_root_file_system_tarball_imports_as_a_labelled_image(tmp_path):
    # the local-base path (debootstrap → docker import) in miniature: a one-file root file system
    (tmp_path / "rootfs").mkdir()
    (tmp_path / "rootfs" / "hello").write_text("hi\n")
    archive = tmp_path / "rootfs.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(tmp_path / "rootfs", arcname=".")
    name = "airflow-lab/import-test:tmp"
    client = docker_client()
    try:
        images.import_rootfs(archive, name)
        image = client.images.get(name)
        assert image.labels.get(s.LABEL) == "image"
        assert image.attrs["Config"]["Cmd"] == ["bash"]
    finally:
        client.images.remove(name, force=True)
