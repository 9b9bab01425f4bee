"""The book's compose files and the lab kit describe the same ``local`` and ``celery`` environments.

The chapters quote the compose files; the labs that prove what the chapters say run the kit. If the two
drift (a setting added to one, a host renamed in the other), the book shows one installation and tests
another. So, for Airflow 3.3.2 (the version the compose files' default image holds), this compares what
``docker-compose config`` resolves (``local.yml``, and ``local.yml`` with the ``celery.yml`` overlay) with
``Environment.airflow_config`` and ``Environment.components`` of the kit's ``local`` and ``celery``:

- every ``AIRFLOW__*`` variable of every Airflow container, key and value;
- the services that start, and each component's host name and command.

Which values may differ: the per-run secrets would be the candidates (Fernet key, JWT secret,
``[api] secret_key``, the database password inside the two database URLs, the admin user). Compose reads
them from variables, so the test sets those variables from the same ``Secrets`` value it gives the kit;
then their values must match too, which also proves each secret lands in the setting it belongs to. The one
exception, with its reason and the rule it must still meet, is in ``MAY_DIFFER``. A key that one side needs
and the other must not have would go into ``ONE_SIDED``, with the reason; there is none.

Outside the comparison (not ``AIRFLOW__`` options): the kit's ``AIRFLOW_CONN_LAB_DB`` (a scratch database
the labs query; a compose installation has none) and the variables that carry the admin login to where
SimpleAuthManager reads it (compose: ``AIRFLOW_ADMIN_*`` and the API server's command; kit: its image's
entrypoint).

No Docker engine needed: ``docker-compose config`` only reads and merges the files.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from airflow_lab.environment import Environment, Secrets, celery, local

from .test_compose import COMPOSE_DIR, ComposeProject, project_env

AIRFLOW_VERSION = "3.3.2"
LOCAL, CELERY = COMPOSE_DIR / "local.yml", COMPOSE_DIR / "celery.yml"

#: The kit's environment each compose invocation describes. celery.yml's workers are those of the
#: celery_queues lab (one also consumes `high_io`), at the kit's default concurrency.
CASES: dict[str, tuple[Environment, tuple[Path, ...]]] = {
    "local": (local(airflow_version=AIRFLOW_VERSION), (LOCAL,)),
    "celery": (
        celery(airflow_version=AIRFLOW_VERSION, workers=["high_io,default", "default"]),
        (LOCAL, CELERY),
    ),
}

#: AIRFLOW__ keys only one side may hold, each with why. Empty: every setting is in both.
ONE_SIDED: dict[str, str] = {}

#: AIRFLOW__ keys whose values may differ: why, and what must still hold (compose value, kit value).
MAY_DIFFER: dict[str, tuple[str, Callable[[str, str], bool]]] = {
    "AIRFLOW__CORE__FERNET_KEY": (
        "Airflow reads a comma-separated list of keys and encrypts with the first. The kit copies a database "
        "migrated in advance, so after the per-run key its list also holds the key that copy was made with; a "
        "compose installation migrates its own database and needs only the per-run key.",
        lambda compose, kit: kit.split(",")[0] == compose,
    ),
}

#: The migration container: compose names its service `airflow-init`; the kit runs it under the role `init`.
#: Nothing connects to it, so only its settings matter (compared like every Airflow container's).
INIT_SERVICE = "airflow-init"

#: The per-run values, distinct from every default, so that a setting holding the wrong one shows.
SECRETS = Secrets(username="reader")


def compose_variables(secrets: Secrets) -> dict[str, str]:
    """The variables the compose files read their secrets from (see local.yml's header), set from ``secrets``."""
    return {
        "POSTGRES_PASSWORD": secrets.db_password,
        "AIRFLOW_FERNET_KEY": secrets.fernet_key,
        "AIRFLOW_JWT_SECRET": secrets.jwt_secret,
        "AIRFLOW_API_SECRET_KEY": secrets.secret_key,
        "AIRFLOW_ADMIN_USER": secrets.username,
        "AIRFLOW_ADMIN_PASSWORD": secrets.password,
    }


def compose_services(files: tuple[Path, ...], env_file: Path) -> dict[str, Any]:
    """The services that start, as `docker-compose config` merges them (a `scale: 0` service is only a base)."""
    project = ComposeProject(
        name="airflowlab-compose-kit",
        env=project_env() | compose_variables(SECRETS),
        env_file=env_file,
        compose_files=files,
    )
    services = yaml.safe_load(project.run("config", check=True).stdout)["services"]
    return {name: service for name, service in services.items() if service.get("scale", 1) != 0}


def host(component_name: str) -> str:
    """The kit's host name for a component (the container's hostname and network alias)."""
    return f"airflow-{component_name}"


def airflow_settings(variables: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in variables.items() if k.startswith("AIRFLOW__") and k not in ONE_SIDED}


def setting_differences(compose: Mapping[str, Any], kit: Mapping[str, Any]) -> list[str]:
    """Every AIRFLOW__ key one side lacks or holds with another value; empty when they agree."""
    ours, theirs = airflow_settings(compose), airflow_settings(kit)
    return (
        [f"{key}: only in the compose file" for key in sorted(ours.keys() - theirs.keys())]
        + [f"{key}: only in the kit" for key in sorted(theirs.keys() - ours.keys())]
        + [
            f"{key}: compose file {ours[key]!r}, kit {theirs[key]!r}"
            for key in sorted(ours.keys() & theirs.keys())
            if ours[key] != theirs[key] and not (key in MAY_DIFFER and MAY_DIFFER[key][1](ours[key], theirs[key]))
        ]
    )


def airflow_command(service: Mapping[str, Any]) -> list[str]:
    """The Airflow command a compose service runs; the API server's comes last in a script that writes its login."""
    command = list(service["command"])
    if command[:2] == ["bash", "-c"]:
        last = command[2].strip().splitlines()[-1]
        assert last.startswith("exec "), f"the script should end by exec-ing Airflow: {last!r}"
        return shlex.split(last.removeprefix("exec "))
    return command


@pytest.fixture(scope="module")
def empty_env_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stands in for a reader's `.env`, so only the variables set here count."""
    path = tmp_path_factory.mktemp("compose") / "empty.env"
    path.touch()
    return path


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request: pytest.FixtureRequest, empty_env_file: Path) -> tuple[Environment, dict[str, Any]]:
    env, files = CASES[request.param]
    return env, compose_services(files, empty_env_file)


def test_compose_starts_the_services_the_kit_starts(case: tuple[Environment, dict[str, Any]]):
    env, services = case
    kit_config = env.airflow_config(SECRETS)
    # the database and the broker: every host the kit's settings point at must be a service of the file
    hosts = {urlsplit(value).hostname for value in airflow_settings(kit_config).values() if "://" in value}
    assert host(env.components()[0].name) in hosts, "the kit's Execution API URL should name its API server's host"
    expected = hosts | {host(c.name) for c in env.components()} | {INIT_SERVICE}
    assert set(services) == expected


def test_every_airflow_container_has_the_kits_airflow_settings(case: tuple[Environment, dict[str, Any]]):
    env, services = case
    kit_config = env.airflow_config(SECRETS)
    differences = {
        name: diff
        for name in (INIT_SERVICE, *(host(c.name) for c in env.components()))
        if (diff := setting_differences(services[name].get("environment", {}), kit_config))
    }
    assert not differences, "\n".join(f"{name}:\n  " + "\n  ".join(diff) for name, diff in differences.items())


def test_each_component_has_the_kits_host_name_and_command(case: tuple[Environment, dict[str, Any]]):
    env, services = case
    for component in env.components():
        service = services[host(component.name)]
        assert service.get("hostname") == host(component.name), component.name
        assert airflow_command(service) == list(component.command), component.name


def test_a_setting_added_to_one_side_only_is_reported(tmp_path: Path, empty_env_file: Path):
    """The comparison above can fail: one key more in the compose file, or one more in the kit, each shows."""
    env, files = CASES["local"]
    extra = tmp_path / "extra.yml"  # one more overlay, as a reader might add to tune the scheduler
    overlay = {"services": {"airflow-scheduler": {"environment": {"AIRFLOW__CORE__PARALLELISM": "8"}}}}
    extra.write_text(yaml.safe_dump(overlay))
    services = compose_services((*files, extra), empty_env_file)
    assert setting_differences(services["airflow-scheduler"]["environment"], env.airflow_config(SECRETS)) == [
        "AIRFLOW__CORE__PARALLELISM: only in the compose file"
    ]
    tuned = env.with_config(core__parallelism=8)
    assert setting_differences(services["airflow-api-server"]["environment"], tuned.airflow_config(SECRETS)) == [
        "AIRFLOW__CORE__PARALLELISM: only in the kit"
    ]
