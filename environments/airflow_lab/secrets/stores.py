"""Where an environment's Connections and Variables live: Airflow's own sources or a real secrets backend.

    >>> env = local(dags="dags/secrets").with_secrets("vault", "labs/secrets/secrets.json")

``STORES`` is the registry: each store class names the ``[secrets] backend`` class Airflow is configured with
(``airflow_class``), the server it needs (``service``: started through the lab, ``services.ServiceHost``) and
when it is seeded (``seeded``: before Airflow starts, or once the metadata database is migrated):

* ``metastore``: Airflow's database (``airflow connections import`` / ``airflow variables import``);
* ``env``: ``AIRFLOW_CONN_<ID>`` / ``AIRFLOW_VAR_<KEY>`` environment variables of every Airflow container;
* ``file``: ``LocalFilesystemBackend`` reading JSON files mounted read-only;
* ``vault``: ``VaultBackend`` against an OpenBao server (the Vault HTTP API; KV v2 at the provider's
  default paths ``secret/connections/<id>``, ``secret/variables/<key>``), read with a least-privilege token;
  ``AIRFLOW_LAB_VAULT_IMAGE`` starts another image (HashiCorp Vault's), ``AIRFLOW_LAB_VAULT_ADDR``/``_TOKEN`` use
  a server of the reader's instead of starting one;
* ``aws``: ``SecretsManagerBackend`` against a moto server (an emulator of the AWS API, not AWS), secrets
  ``airflow/connections/<id>`` and ``airflow/variables/<key>``;
* ``ssm``: ``SystemsManagerParameterStoreBackend`` against the same moto server, ``SecureString`` parameters
  ``/airflow/connections/<id>`` and ``/airflow/variables/<key>``.

Secret values never appear in errors or progress output: errors name the entry and the cause.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

import requests

from .. import settings as s
from ..errors import LabError
from ..services import Moto, ServiceHost, VaultServer
from ..types import SecretsBackend, secrets_backend
from .entries import SecretEntries, connection_json, import_fields, load_secrets

FILE_MOUNT = f"{s.AIRFLOW_HOME}/secrets"
AWS_REGION = "us-east-1"
#: moto accepts any credentials; these are its documented placeholders, not keys of a real account.
AWS_PLACEHOLDER_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
OPENBAO_POLICY = s.IMAGES_DIR / "openbao" / "airflow-policy.hcl"
#: The use limit of Airflow's Vault token: far above what a lab makes, so the count of uses left measures its requests.
TOKEN_USES = 1_000_000


class SecretsBackendError(LabError):
    """A backend that did not start or rejected an entry."""


class StoreHost(ServiceHost, Protocol):
    """The running lab a store works in (``lab.Lab``): it starts the store's server and runs Airflow's CLI (the
    metastore store writes with ``airflow connections import`` in the scheduler's container)."""

    def exec_result(self, component: str, command: list[str]) -> tuple[int, str]: ...

    def put_files(self, component: str, folder: str, files: dict[str, bytes]) -> None: ...


class Store:
    """One place that holds connections and variables. ``put_*``/``delete_*`` change it while Airflow runs."""

    backend: ClassVar[str] = ""
    #: The ``[secrets] backend`` class Airflow is configured with; None: one of Airflow's own sources.
    airflow_class: ClassVar[str | None] = None
    #: The server the store needs in the lab (``services``), if any: its images are built before a start.
    service: ClassVar[str | None] = None
    #: When the kit writes the entries: ``before`` Airflow starts, or once the database is ``migrated``.
    seeded: ClassVar[str] = "before"
    live: ClassVar[bool] = True  # whether entries can change after start

    def __init__(self, entries: SecretEntries) -> None:
        self.entries = entries

    def airflow_env(self) -> dict[str, str]:
        return {}

    def seed(self) -> None:
        for conn_id, value in self.entries.connections.items():
            self.put_connection(conn_id, value)
        for key, value in self.entries.variables.items():
            self.put_variable(key, value)

    def put_connection(self, conn_id: str, value: str | Mapping[str, Any]) -> None:
        raise NotImplementedError

    def put_variable(self, key: str, value: str) -> None:
        raise NotImplementedError

    def delete_connection(self, conn_id: str) -> None:
        raise NotImplementedError

    def delete_variable(self, key: str) -> None:
        raise NotImplementedError

    def describe(self) -> list[str]:
        """Lines for ``airflow-lab up`` (addresses and credentials of the store itself)."""
        return []

    def close(self) -> None:
        """At stop: remove what the store keeps outside the lab's containers (a temporary folder, server entries)."""

    def _rejected(self, kind: str, key: str, cause: str) -> SecretsBackendError:
        return SecretsBackendError(f"The {self.backend} backend rejected {kind} {key!r}: {self.entries.redact(cause)}")


class _BackendConfig(Store):
    """A ``[secrets] backend``: Airflow is configured with its class and kwargs."""

    def backend_kwargs(self) -> dict[str, Any]:
        return {}

    def airflow_env(self) -> dict[str, str]:
        return {
            "AIRFLOW__SECRETS__BACKEND": str(self.airflow_class),
            "AIRFLOW__SECRETS__BACKEND_KWARGS": json.dumps(self.backend_kwargs()),
        }


class EnvStore(Store):
    """``AIRFLOW_CONN_<ID>`` and ``AIRFLOW_VAR_<KEY>`` on every Airflow container (fixed at start)."""

    backend = "env"
    seeded = "at start (container environment)"
    live = False

    def airflow_env(self) -> dict[str, str]:
        env = {f"AIRFLOW_CONN_{k.upper()}": connection_json(v) for k, v in self.entries.connections.items()}
        env |= {f"AIRFLOW_VAR_{k.upper()}": v for k, v in self.entries.variables.items()}
        return env

    def seed(self) -> None:  # nothing to write: the containers start with them
        pass

    def _fixed(self) -> LabError:
        return LabError("Environment variables are fixed when the containers start: start a new environment.")

    def put_connection(self, conn_id: str, value: str | Mapping[str, Any]) -> None:
        raise self._fixed()

    def put_variable(self, key: str, value: str) -> None:
        raise self._fixed()

    def delete_connection(self, conn_id: str) -> None:
        raise self._fixed()

    def delete_variable(self, key: str) -> None:
        raise self._fixed()


class FileStore(_BackendConfig):
    """``LocalFilesystemBackend``: ``connections.json`` and ``variables.json`` in a folder mounted read-only."""

    backend = "file"
    airflow_class = "airflow.secrets.local_filesystem.LocalFilesystemBackend"

    def __init__(self, entries: SecretEntries) -> None:
        super().__init__(entries)
        self.folder = Path(tempfile.mkdtemp(prefix="airflow-lab-secrets-"))
        self.folder.chmod(0o755)  # the containers' airflow user (uid 50000) reads it
        self._connections: dict[str, Any] = {}
        self._variables: dict[str, str] = {}

    def backend_kwargs(self) -> dict[str, Any]:
        return {
            "connections_file_path": f"{FILE_MOUNT}/connections.json",
            "variables_file_path": f"{FILE_MOUNT}/variables.json",
        }

    def seed(self) -> None:
        self._connections = {k: import_fields(v) for k, v in self.entries.connections.items()}
        self._variables = dict(self.entries.variables)
        self._write()

    def _write(self) -> None:
        for name, data in (("connections.json", self._connections), ("variables.json", self._variables)):
            tmp = self.folder / f".{name}.tmp"
            tmp.write_text(json.dumps(data, indent=2))
            tmp.chmod(0o644)
            tmp.replace(self.folder / name)  # atomic: a task never reads half a file

    def put_connection(self, conn_id: str, value: str | Mapping[str, Any]) -> None:
        self._connections[conn_id] = import_fields(value)
        self._write()

    def put_variable(self, key: str, value: str) -> None:
        self._variables[key] = value
        self._write()

    def delete_connection(self, conn_id: str) -> None:
        self._connections.pop(conn_id, None)
        self._write()

    def delete_variable(self, key: str) -> None:
        self._variables.pop(key, None)
        self._write()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class MetastoreStore(Store):
    """Airflow's database, written with Airflow's own CLI inside the scheduler's container."""

    backend = "metastore"
    seeded = "migrated"

    def __init__(self, entries: SecretEntries, lab: StoreHost) -> None:
        super().__init__(entries)
        self.lab = lab

    def seed(self) -> None:
        self._import({k: import_fields(v) for k, v in self.entries.connections.items()}, dict(self.entries.variables))

    def put_connection(self, conn_id: str, value: str | Mapping[str, Any]) -> None:
        self._import({conn_id: import_fields(value)}, {})

    def put_variable(self, key: str, value: str) -> None:
        self._import({}, {key: value})

    def delete_connection(self, conn_id: str) -> None:
        self._airflow(["airflow", "connections", "delete", conn_id], "connection", conn_id)

    def delete_variable(self, key: str) -> None:
        self._airflow(["airflow", "variables", "delete", key], "variable", key)

    def _import(self, connections: dict[str, Any], variables: dict[str, str]) -> None:
        folder = f"/tmp/airflow-lab-seed-{secrets.token_hex(4)}"
        files = {"connections.json": connections, "variables.json": variables}
        self.lab.put_files("scheduler", folder, {n: json.dumps(d).encode() for n, d in files.items()})
        try:
            if connections:
                out = self._airflow(
                    ["airflow", "connections", "import", f"{folder}/connections.json", "--overwrite"],
                    "connection",
                    ", ".join(connections),
                )
                for conn_id in connections:
                    if f"Imported connection {conn_id}" not in out:
                        raise self._rejected("connection", conn_id, _last_lines(out))
            if variables:
                out = self._airflow(
                    ["airflow", "variables", "import", f"{folder}/variables.json"], "variable", ", ".join(variables)
                )
                if f"{len(variables)} of {len(variables)} variables successfully updated" not in out:
                    raise self._rejected("variable", ", ".join(variables), _last_lines(out))
        finally:
            self.lab.exec_result("scheduler", ["rm", "-rf", folder])

    def _airflow(self, command: list[str], kind: str, key: str) -> str:
        exit_code, output = self.lab.exec_result("scheduler", command)
        if exit_code != 0:
            raise self._rejected(kind, key, f"`{' '.join(command[:3])}` exited with {exit_code}: " + output)
        return output


def external_vault() -> tuple[str, str] | None:
    """``(address, token)`` of a reader's own Vault server (``AIRFLOW_LAB_VAULT_ADDR``/``_TOKEN``), else None."""
    settings = s.settings()
    if not settings.vault_addr:
        return None
    if not settings.vault_token:
        raise LabError(
            f"AIRFLOW_LAB_VAULT_ADDR is set ({settings.vault_addr}) but AIRFLOW_LAB_VAULT_TOKEN is not: give a token "
            "that may write secret/connections/*, secret/variables/*, ACL policies and tokens on that server "
            "(or unset AIRFLOW_LAB_VAULT_ADDR to let the kit start OpenBao)."
        )
    parts = urlsplit(settings.vault_addr)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LabError(
            "AIRFLOW_LAB_VAULT_ADDR must be an http(s) URL such as http://vault.internal:8200, "
            f"got {settings.vault_addr!r}."
        )
    return settings.vault_addr.rstrip("/"), settings.vault_token


class VaultStore(_BackendConfig):
    """A Vault-API server (OpenBao by default) in its own container, or a reader's own server
    (``AIRFLOW_LAB_VAULT_ADDR``); Airflow reads with a token limited to its paths."""

    backend = "vault"
    airflow_class = "airflow.providers.hashicorp.secrets.vault.VaultBackend"
    service = "openbao"
    mount_point = "secret"  # KV v2, mounted by the dev server; the provider's default mount_point
    connections_path = "connections"
    variables_path = "variables"

    def __init__(self, entries: SecretEntries, lab: StoreHost | None) -> None:
        super().__init__(entries)
        self.lab = lab
        self.airflow_token = ""
        self.external = external_vault()
        if self.external:  # the reader's server: its address is the same from the host and from the containers
            self.url, self.root_token = self.external
            self.internal_url = self.url
            self.policy = f"airflow-lab-{lab.id}" if lab is not None else "airflow-lab"
        else:
            self.root_token = secrets.token_urlsafe(18)
            self.url = ""  # from the host (published port)
            self.internal_url = f"http://openbao:{s.OPENBAO_PORT}"
            self.policy = "airflow"
        self._written: set[tuple[str, str]] = set()  # (kind, key) written on an external server, removed at close

    def start(self) -> None:
        if self.external:
            self._check_external()
        else:
            self._start_container()
        # least privilege: Airflow's token may read connections and variables, nothing else
        self._call("PUT", f"sys/policies/acl/{self.policy}", {"policy": OPENBAO_POLICY.read_text()}, "policy", "")
        # a use limit no lab reaches: the server counts down every request made with the token (requests_by_airflow)
        body = {"policies": [self.policy], "display_name": "airflow", "num_uses": TOKEN_USES}
        token = self._call("POST", "auth/token/create", body, "", "")
        self.airflow_token = token["auth"]["client_token"]

    def requests_by_airflow(self) -> int:
        """How many requests the server has served with Airflow's token so far (its own count of the token's uses)."""
        answer = self._call("POST", "auth/token/lookup", {"token": self.airflow_token}, "token", "airflow")
        return TOKEN_USES - int(answer["data"]["num_uses"])

    def _start_container(self) -> None:
        if self.lab is None:
            raise LabError("A Vault store starts its server in a running lab.")
        server = self.lab.start_service(VaultServer(self.root_token), "Starting openbao")
        self.url = server.url(s.OPENBAO_PORT)

    @property
    def server(self) -> str:
        """Which Vault-API server this lab used: the image the kit started, or the reader's address."""
        if self.external:
            return f"your Vault server at {self.url} (AIRFLOW_LAB_VAULT_ADDR)"
        return f"{s.vault_image()}, started by the kit"

    def _check_external(self) -> None:
        who = self._call("GET", "auth/token/lookup-self", None, "token", "AIRFLOW_LAB_VAULT_TOKEN")
        if who is None or "data" not in who:
            raise SecretsBackendError(f"The Vault server at {self.url} did not answer a token lookup.")

    def close(self) -> None:
        """On a reader's own server: remove the entries, the token and the policy this lab wrote there."""
        if not self.external or not self.airflow_token:
            return
        left: list[str] = []
        steps: list[tuple[str, str, str, dict[str, str] | None]] = [
            (f"{kind} {key}", "DELETE", f"{self.mount_point}/metadata/{self._path(kind)}/{key}", None)
            for kind, key in sorted(self._written)
        ]
        steps.append(("Airflow's token", "POST", "auth/token/revoke", {"token": self.airflow_token}))
        steps.append((f"policy {self.policy}", "DELETE", f"sys/policies/acl/{self.policy}", None))
        for what, method, path, body in steps:
            try:
                self._call(method, path, body, "cleanup", what)
            except SecretsBackendError:  # a stop never fails half-way: say what is left on the server
                left.append(what)
        self._written.clear()
        self.airflow_token = ""
        if left:
            warnings.warn(f"Could not remove from the Vault server at {self.url}: {', '.join(left)}", stacklevel=2)

    def _path(self, kind: str) -> str:
        return self.connections_path if kind == "connection" else self.variables_path

    def keys(self, kind: str) -> list[str]:
        """The keys under the connections (``connection``) or variables path, as ``bao kv list`` shows them."""
        answer = self._call("LIST", f"{self.mount_point}/metadata/{self._path(kind)}", None, kind, "*")
        return sorted(answer["data"]["keys"])

    def backend_kwargs(self) -> dict[str, Any]:
        return {
            "url": self.internal_url,
            "token": self.airflow_token,
            "mount_point": self.mount_point,
            "connections_path": self.connections_path,
            "variables_path": self.variables_path,
        }

    def put_connection(self, conn_id: str, value: str | Mapping[str, Any]) -> None:
        data = {"conn_uri": value} if isinstance(value, str) else dict(value)
        self._written.add(("connection", conn_id))
        self._call(
            "POST", f"{self.mount_point}/data/{self.connections_path}/{conn_id}", {"data": data}, "connection", conn_id
        )

    def put_variable(self, key: str, value: str) -> None:
        data = {"data": {"value": value}}
        self._written.add(("variable", key))
        self._call("POST", f"{self.mount_point}/data/{self.variables_path}/{key}", data, "variable", key)

    def delete_connection(self, conn_id: str) -> None:
        self._call(
            "DELETE", f"{self.mount_point}/metadata/{self.connections_path}/{conn_id}", None, "connection", conn_id
        )

    def delete_variable(self, key: str) -> None:
        self._call("DELETE", f"{self.mount_point}/metadata/{self.variables_path}/{key}", None, "variable", key)

    def versions(self, kind: str, key: str) -> int:
        """The current version number of a KV v2 entry (``connection`` or ``variable``): 2 after one rotation."""
        meta = self._call("GET", f"{self.mount_point}/metadata/{self._path(kind)}/{key}", None, kind, key)
        return int(meta["data"]["current_version"])

    def _call(self, method: str, path: str, body: Any, kind: str, key: str) -> Any:
        try:
            response = requests.request(
                method, f"{self.url}/v1/{path}", json=body, headers={"X-Vault-Token": self.root_token}, timeout=10
            )
        except requests.RequestException as exc:
            raise self._rejected(
                kind or "request", key or path, f"the Vault server did not answer ({type(exc).__name__})"
            ) from None
        if response.status_code >= 400:
            raise self._rejected(kind or "request", key or path, f"HTTP {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def describe(self) -> list[str]:
        if self.external:  # the reader's own token is not printed
            return [f"Vault (your server, AIRFLOW_LAB_VAULT_ADDR): {self.url}; policy and token {self.policy}"]
        return [f"Vault API ({s.vault_image()}): {self.url}", f"  root token: {self.root_token}"]


class _MotoStore(_BackendConfig):
    """A moto server (an emulator of the AWS API, not AWS) in its own container; subclasses speak one service."""

    service = "moto"

    scope = ""  # the credential scope's service name
    target = ""  # the X-Amz-Target prefix of the service's JSON protocol
    connections_prefix = variables_prefix = ""

    def __init__(self, entries: SecretEntries, lab: StoreHost | None) -> None:
        super().__init__(entries)
        self.lab = lab
        self.url = ""
        self.internal_url = f"http://moto:{s.MOTO_PORT}"

    def start(self) -> None:
        if self.lab is None:
            raise LabError("A moto store starts its server in a running lab.")
        self.url = self.lab.start_service(Moto(), "Starting moto").url(s.MOTO_PORT)

    def airflow_env(self) -> dict[str, str]:
        return super().airflow_env() | AWS_PLACEHOLDER_CREDENTIALS | {"AWS_DEFAULT_REGION": AWS_REGION}

    def backend_kwargs(self) -> dict[str, Any]:
        return {
            "endpoint_url": self.internal_url,
            "region_name": AWS_REGION,
            "connections_prefix": self.connections_prefix,
            "variables_prefix": self.variables_prefix,
        }

    def put_connection(self, conn_id: str, value: str | Mapping[str, Any]) -> None:
        self._put(f"{self.connections_prefix}/{conn_id}", connection_json(value), "connection", conn_id)

    def put_variable(self, key: str, value: str) -> None:
        self._put(f"{self.variables_prefix}/{key}", value, "variable", key)

    def delete_connection(self, conn_id: str) -> None:
        self._delete(f"{self.connections_prefix}/{conn_id}", "connection", conn_id)

    def delete_variable(self, key: str) -> None:
        self._delete(f"{self.variables_prefix}/{key}", "variable", key)

    def _put(self, name: str, value: str, kind: str, key: str) -> None:
        raise NotImplementedError

    def _delete(self, name: str, kind: str, key: str) -> None:
        raise NotImplementedError

    def _call(self, action: str, body: dict, kind: str, key: str, ok_errors: tuple[str, ...] = ()) -> Any:
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"{self.target}.{action}",
            # moto reads the region and the service from the credential scope; it does not check signatures
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential=testing/20250101/{AWS_REGION}/{self.scope}/aws4_request, "
                "SignedHeaders=host, Signature=0"
            ),
        }
        try:
            response = requests.post(self.url + "/", data=json.dumps(body), headers=headers, timeout=10)
        except requests.RequestException as exc:
            raise self._rejected(kind, key, f"moto did not answer ({type(exc).__name__})") from None
        if response.status_code >= 400:
            if any(word in response.text for word in ok_errors):
                return None
            raise self._rejected(kind, key, f"{action}: HTTP {response.status_code} {response.text[:300]}")
        return response.json() if response.content else {}

    def describe(self) -> list[str]:
        return [f"moto (an emulator of the AWS API, not AWS): {self.url} (any credentials, region {AWS_REGION})"]


class AwsStore(_MotoStore):
    """AWS Secrets Manager, served by moto: secrets ``airflow/connections/<id>``, ``airflow/variables/<key>``."""

    backend = "aws"
    airflow_class = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
    scope, target = "secretsmanager", "secretsmanager"
    connections_prefix = "airflow/connections"
    variables_prefix = "airflow/variables"

    def _put(self, name: str, value: str, kind: str, key: str) -> None:
        answer = self._call("CreateSecret", {"Name": name, "SecretString": value}, kind, key, ok_errors=("Exists",))
        if answer is None:  # it exists: a new version
            self._call("PutSecretValue", {"SecretId": name, "SecretString": value}, kind, key)

    def _delete(self, name: str, kind: str, key: str) -> None:
        self._call("DeleteSecret", {"SecretId": name, "ForceDeleteWithoutRecovery": True}, kind, key)


class SsmStore(_MotoStore):
    """AWS Systems Manager Parameter Store, served by moto: ``SecureString`` parameters under the provider's
    default prefixes ``/airflow/connections/<id>`` and ``/airflow/variables/<key>``."""

    backend = "ssm"
    airflow_class = "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend"
    scope, target = "ssm", "AmazonSSM"
    connections_prefix = "/airflow/connections"
    variables_prefix = "/airflow/variables"

    def _put(self, name: str, value: str, kind: str, key: str) -> None:
        # SecureString: stored encrypted (moto: with its default key alias/aws/ssm); the backend asks
        # GetParameter(WithDecryption=True). Overwrite: a rotation is a new version of the same parameter.
        body = {"Name": name, "Value": value, "Type": "SecureString", "Overwrite": True}
        self._call("PutParameter", body, kind, key)

    def _delete(self, name: str, kind: str, key: str) -> None:
        self._call("DeleteParameter", {"Name": name}, kind, key)

    def parameters(self) -> list[dict[str, Any]]:
        """Name, type and version of every parameter, as moto's DescribeParameters answers (no values)."""
        found: list[dict[str, Any]] = []
        body: dict[str, Any] = {}
        while True:
            answer = self._call("DescribeParameters", body, "request", "DescribeParameters")
            found += [{k: p.get(k) for k in ("Name", "Type", "Version")} for p in answer.get("Parameters", [])]
            if not answer.get("NextToken"):
                return sorted(found, key=lambda p: p["Name"])
            body = {"NextToken": answer["NextToken"]}


def _last_lines(text: str, n: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-n:])


# -- the registry --------------------------------------------------------------------------------------------

#: Every store the kit can seed, by backend name: each class names its Airflow class, its server and its seeding.
STORES: dict[SecretsBackend, type[Store]] = {
    SecretsBackend(store.backend): store
    for store in (MetastoreStore, EnvStore, FileStore, VaultStore, AwsStore, SsmStore)
}
BACKENDS = tuple(backend.value for backend in SecretsBackend)
#: The ``[secrets] backend`` Airflow is configured with, for the stores that are one.
BACKEND_CLASSES = {b.value: store.airflow_class for b, store in STORES.items() if store.airflow_class}
#: The backends served by the environment's moto server (which also holds a bucket deploy's DAGs).
MOTO_BACKENDS = tuple(b.value for b, store in STORES.items() if store.service == "moto")
#: The backends whose server the kit starts in a container (their images are built before a start).
SERVER_BACKENDS = tuple(b.value for b, store in STORES.items() if store.service)


# -- what the Environment holds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretStore:
    """Part of an ``Environment``: a backend and the entries the kit writes into it."""

    backend: SecretsBackend
    entries: SecretEntries

    def __repr__(self) -> str:
        return str(self.backend)


def secret_store(
    backend: str | SecretsBackend, secrets_: str | Path | Mapping[str, Any] | SecretEntries | None
) -> SecretStore:
    name = secrets_backend(backend)
    if name is SecretsBackend.VAULT:
        external_vault()  # a half-configured external server fails here, before anything starts
    return SecretStore(name, load_secrets(secrets_))


def check_stores(stores: tuple[SecretStore, ...]) -> None:
    names = [str(st.backend) for st in stores]
    if len(set(names)) != len(names):
        raise LabError(f"Each secrets backend can be given once (got {names}); merge the entries into one file.")
    configured = [n for n in names if n in BACKEND_CLASSES]
    if len(configured) > 1:
        raise LabError(
            f"Airflow reads one [secrets] backend at a time; got {configured}. Combine env and metastore with one."
        )


def needs_servers(stores: tuple[SecretStore, ...]) -> bool:
    """Whether any store starts a server (OpenBao, moto), whose image must then be built."""
    return any(STORES[st.backend].service for st in stores)


# -- what a running lab holds --------------------------------------------------------------------------------


class SecretStores:
    """The started stores of a lab, by backend name: ``lab.secret_stores["vault"].put_connection(...)``."""

    def __init__(self, specs: tuple[SecretStore, ...], lab: StoreHost) -> None:
        self.lab = lab
        self.stores: dict[str, Store] = {}
        for spec in specs:
            self.stores[str(spec.backend)] = _make(spec, lab)

    def __getitem__(self, backend: str) -> Any:
        try:
            return self.stores[backend]
        except KeyError:
            raise LabError(f"This lab has no {backend!r} secrets backend (it has: {sorted(self.stores)}).") from None

    def __contains__(self, backend: str) -> bool:
        return backend in self.stores

    def start(self) -> None:
        """Before Airflow starts: start the servers the stores need and write the entries seeded ``before``."""
        for store in self.stores.values():
            starter: Callable[[], None] | None = getattr(store, "start", None)
            if starter is not None:
                starter()
            if store.seeded == "before":
                with self.lab.progress(f"Writing {_count(store.entries)} into the {store.backend} backend"):
                    store.seed()

    def airflow_env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for store in self.stores.values():
            env |= store.airflow_env()
        return env

    def volumes(self) -> list[tuple[str, str]]:
        return [(str(st.folder), FILE_MOUNT) for st in self.stores.values() if isinstance(st, FileStore)]

    def after_migration(self) -> None:
        """Once the database is migrated and Airflow is up: write the entries seeded then (the metastore's)."""
        for store in self.stores.values():
            if store.seeded == "migrated":
                with self.lab.progress(f"Writing {_count(store.entries)} into the {store.backend}"):
                    store.seed()

    def moto_url(self) -> str | None:
        """The host address of the lab's moto server, if a store started one."""
        return next((st.url for st in self.stores.values() if isinstance(st, _MotoStore)), None)

    def describe(self) -> list[str]:
        return [line for store in self.stores.values() for line in store.describe()]

    def close(self) -> None:
        for store in self.stores.values():
            store.close()


def _make(spec: SecretStore, lab: StoreHost) -> Store:
    store = STORES[spec.backend]
    if store.service or store.seeded == "migrated":  # a server to start, or Airflow's CLI to run: the lab's
        return store(spec.entries, lab)  # type: ignore[call-arg]
    return store(spec.entries)


def _count(entries: SecretEntries) -> str:
    return f"{len(entries.connections)} connection(s) and {len(entries.variables)} variable(s)"
