"""Where an environment's Connections and Variables live: Airflow's own sources or a real secrets backend.

    >>> env = local(dags="dags/secrets").with_secrets("vault", "labs/secrets/secrets.json")

A *secrets file* (JSON or YAML) lists the entries::

    {"connections": {"<conn_id>": "<URI>" | {"conn_type", "host", "login", "password", "port", "schema", "extra"}},
     "variables": {"<key>": "<value>"}}

and a *backend* says where the kit writes them before the DAG runs:

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

import io
import json
import re
import secrets
import shutil
import tarfile
import tempfile
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from . import settings as s
from .errors import LabError

if TYPE_CHECKING:
    from .environment import Lab

#: Every backend the kit can seed; the last four are the ``[secrets] backend`` Airflow is configured with.
BACKENDS = ("metastore", "env", "file", "vault", "aws", "ssm")
BACKEND_CLASSES = {
    "file": "airflow.secrets.local_filesystem.LocalFilesystemBackend",
    "vault": "airflow.providers.hashicorp.secrets.vault.VaultBackend",
    "aws": "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
    "ssm": "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend",
}
#: The backends served by the environment's moto server (which also holds a bucket deploy's DAGs).
MOTO_BACKENDS = ("aws", "ssm")
#: The backends whose server the kit starts in a container (their images are built before a start).
SERVER_BACKENDS = ("vault", *MOTO_BACKENDS)
CONNECTION_FIELDS = ("conn_type", "host", "login", "password", "port", "schema", "extra", "description")
#: Airflow's key rule for connection ids and variable keys (``airflow.utils.helpers.validate_key``).
KEY_PATTERN = re.compile(r"^[\w.-]+$")
#: Words that make Airflow's secrets masker hide a variable's value (its ``DEFAULT_SENSITIVE_FIELDS``).
SENSITIVE_WORDS = frozenset(
    {
        "access_key",
        "access_token",
        "api_key",
        "apikey",
        "auth_header",
        "authorization",
        "bearer",
        "connection_string",
        "dsn",
        "passphrase",
        "passwd",
        "password",
        "private_key",
        "proxy",
        "proxy_password",
        "proxies",
        "secret",
        "service_account",
        "service_key",
        "token",
        "keyfile_dict",
        "webhook_url",
    }
)
FILE_MOUNT = f"{s.AIRFLOW_HOME}/secrets"
AWS_REGION = "us-east-1"
#: moto accepts any credentials; these are its documented placeholders, not keys of a real account.
AWS_PLACEHOLDER_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
OPENBAO_POLICY = s.IMAGES_DIR / "openbao" / "airflow-policy.hcl"
#: The use limit of Airflow's Vault token: far above what a lab makes, so the count of uses left measures its requests.
TOKEN_USES = 1_000_000


class SecretsFileError(LabError):
    """A secrets file (or mapping) that the kit cannot use; the message names the entry and the fix."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(
            f"Secrets file {source}: {problem}\n"
            'Expected: {"connections": {"<conn_id>": "<URI>" or {"conn_type": ..., "host": ..., "login": ..., '
            '"password": ..., "port": ..., "schema": ..., "extra": {...}}}, "variables": {"<key>": "<value>"}} '
            "(JSON or YAML)."
        )


class SecretsBackendError(LabError):
    """A backend that did not start or rejected an entry."""


@dataclass(frozen=True)
class SecretEntries:
    """The connections and variables of a secrets file, validated. Prints without values."""

    connections: Mapping[str, str | Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    variables: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    source: str = "<mapping>"

    def __post_init__(self) -> None:
        object.__setattr__(self, "connections", MappingProxyType(dict(self.connections)))
        object.__setattr__(self, "variables", MappingProxyType(dict(self.variables)))

    def __repr__(self) -> str:  # ids and keys only: a printed environment never shows a secret
        return f"SecretEntries(connections={sorted(self.connections)}, variables={sorted(self.variables)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretEntries):
            return NotImplemented
        return dict(self.connections) == dict(other.connections) and dict(self.variables) == dict(other.variables)

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.connections)), tuple(sorted(self.variables))))

    def password(self, conn_id: str) -> str | None:
        """The password of a connection as Airflow sees it (URL-decoded from a URI)."""
        value = self.connections[conn_id]
        if isinstance(value, str):
            password = urlsplit(value).password
            return _unquote(password) if password else None
        return value.get("password")

    def sensitive_values(self) -> list[str]:
        """Connection passwords (URI or field form) and values of variables Airflow treats as sensitive."""
        found = [str(p) for conn_id in self.connections if (p := self.password(conn_id))]
        found += [v for k, v in self.variables.items() if is_sensitive(k)]
        return found

    def redact(self, text: str) -> str:
        for value in sorted({*self.sensitive_values(), *self.variables.values(), *_uris(self)}, key=len, reverse=True):
            if len(value) >= 3:
                text = text.replace(value, "***")
        return text


def is_sensitive(key: str) -> bool:
    """Whether Airflow's masker hides a variable named ``key`` (a sensitive word is part of its name)."""
    return any(word in key.lower() for word in SENSITIVE_WORDS)


def _unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)


def _uris(entries: SecretEntries) -> list[str]:
    return [v for v in entries.connections.values() if isinstance(v, str)]


# -- loading -------------------------------------------------------------------------------------------


def load_secrets(source: str | Path | Mapping[str, Any] | SecretEntries | None) -> SecretEntries:
    """Read and validate a secrets file (``.json``, ``.yaml``/``.yml``) or an equivalent mapping."""
    if source is None:
        return SecretEntries(source="<none>")
    if isinstance(source, SecretEntries):
        return source
    if isinstance(source, Mapping):
        return _validate(source, "<mapping>")
    path = Path(source)
    name = str(path)
    if not path.is_file():
        raise SecretsFileError(name, "the file does not exist (or is not a file).")
    text = path.read_text()
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"at line {exc.lineno}, column {exc.colno}"
            raise SecretsFileError(name, f"not valid JSON {where}: {exc.msg}.") from None
    elif path.suffix.lower() in (".yaml", ".yml"):
        data = _yaml(text, name)
    else:
        raise SecretsFileError(name, f"unknown file type {path.suffix!r}: name it .json, .yaml or .yml.")
    return _validate(data, name)


def _yaml(text: str, name: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SecretsFileError(name, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}.") from None


def _validate(data: Any, name: str) -> SecretEntries:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise SecretsFileError(name, f"the top level must be an object, not {type(data).__name__}.")
    unknown = sorted(set(data) - {"connections", "variables"})
    if unknown:
        raise SecretsFileError(name, f"unknown top-level key(s) {unknown}: only 'connections' and 'variables'.")
    connections = data.get("connections") or {}
    variables = data.get("variables") or {}
    for section, value in (("connections", connections), ("variables", variables)):
        if not isinstance(value, Mapping):
            raise SecretsFileError(name, f"'{section}' must be an object mapping ids to values.")
    return SecretEntries(
        {str(k): _connection(name, str(k), v) for k, v in connections.items()},
        {str(k): _variable(name, str(k), v) for k, v in variables.items()},
        source=name,
    )


def _check_key(name: str, kind: str, key: str) -> None:
    if not KEY_PATTERN.match(key) or len(key) > 200:
        raise SecretsFileError(
            name, f"{kind} {key!r}: ids may contain only letters, digits, '_', '-' and '.' (at most 200)."
        )


def _connection(name: str, conn_id: str, value: Any) -> str | Mapping[str, Any]:
    _check_key(name, "connection", conn_id)
    where = f"connection {conn_id!r}"
    if isinstance(value, str):
        parts = urlsplit(value)
        if not parts.scheme or "://" not in value:
            raise SecretsFileError(name, f"{where}: a URI needs a scheme, e.g. postgresql://user:pass@host:5432/db.")
        try:
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError:
            raise SecretsFileError(
                name,
                f"{where}: the URI's host:port cannot be parsed. A login or password containing '@', ':', '/', "
                "'#' or '?' must be URL-encoded, e.g. urllib.parse.quote(password, safe='').",
            ) from None
        if "#" in value:
            raise SecretsFileError(
                name, f"{where}: '#' starts a URI fragment; URL-encode it (%23) in the login or password."
            )
        return value
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(CONNECTION_FIELDS))
        if unknown:
            raise SecretsFileError(name, f"{where}: unknown field(s) {unknown}; allowed: {list(CONNECTION_FIELDS)}.")
        if not isinstance(value.get("conn_type"), str) or not value["conn_type"]:
            raise SecretsFileError(name, f"{where}: 'conn_type' is required (e.g. 'postgres').")
        port = value.get("port")
        if port is not None and not (isinstance(port, int) or (isinstance(port, str) and port.isdigit())):
            raise SecretsFileError(name, f"{where}: 'port' must be a number.")
        extra = value.get("extra")
        if extra is not None and not isinstance(extra, (Mapping, str)):
            raise SecretsFileError(name, f"{where}: 'extra' must be an object or a JSON string.")
        if isinstance(extra, str):
            try:
                json.loads(extra)
            except json.JSONDecodeError:
                raise SecretsFileError(name, f"{where}: 'extra' is a string but not JSON.") from None
        fields = {k: v for k, v in value.items() if v is not None}
        if "port" in fields:
            fields["port"] = int(fields["port"])
        if isinstance(fields.get("extra"), Mapping):
            fields["extra"] = dict(fields["extra"])
        return MappingProxyType(fields)
    raise SecretsFileError(name, f"{where}: expected a URI string or an object, not {type(value).__name__}.")


def _variable(name: str, key: str, value: Any) -> str:
    _check_key(name, "variable", key)
    if isinstance(value, str):
        return value
    if isinstance(value, (Mapping, list)):  # a JSON variable: Variable.get(key, deserialize_json=True)
        return json.dumps(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise SecretsFileError(name, f"variable {key!r}: expected a string (or an object for a JSON variable).")


# -- serialisation per backend -------------------------------------------------------------------------


def connection_json(value: str | Mapping[str, Any]) -> str:
    """The value Airflow accepts in ``AIRFLOW_CONN_*`` or a secret string: the URI, or the fields as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(dict(value))


def _import_fields(value: str | Mapping[str, Any]) -> str | dict[str, Any]:
    """``airflow connections import`` and ``LocalFilesystemBackend`` want ``extra`` as a JSON string."""
    if isinstance(value, str):
        return value
    fields = dict(value)
    if isinstance(fields.get("extra"), Mapping):
        fields["extra"] = json.dumps(fields["extra"])
    return fields


# -- the stores ----------------------------------------------------------------------------------------


class Store:
    """One place that holds connections and variables. ``put_*``/``delete_*`` change it while Airflow runs."""

    backend = ""
    live = True  # whether entries can change after start

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
            "AIRFLOW__SECRETS__BACKEND": BACKEND_CLASSES[self.backend],
            "AIRFLOW__SECRETS__BACKEND_KWARGS": json.dumps(self.backend_kwargs()),
        }


class EnvStore(Store):
    """``AIRFLOW_CONN_<ID>`` and ``AIRFLOW_VAR_<KEY>`` on every Airflow container (fixed at start)."""

    backend = "env"
    live = False

    def airflow_env(self) -> dict[str, str]:
        env = {f"AIRFLOW_CONN_{k.upper()}": connection_json(v) for k, v in self.entries.connections.items()}
        env |= {f"AIRFLOW_VAR_{k.upper()}": v for k, v in self.entries.variables.items()}
        return env

    def seed(self) -> None:  # nothing to write: the containers start with them
        pass

    def _fixed(self, *_: Any) -> None:
        raise LabError("Environment variables are fixed when the containers start: start a new environment.")

    put_connection = put_variable = delete_connection = delete_variable = _fixed


class FileStore(_BackendConfig):
    """``LocalFilesystemBackend``: ``connections.json`` and ``variables.json`` in a folder mounted read-only."""

    backend = "file"

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
        self._connections = {k: _import_fields(v) for k, v in self.entries.connections.items()}
        self._variables = dict(self.entries.variables)
        self._write()

    def _write(self) -> None:
        for name, data in (("connections.json", self._connections), ("variables.json", self._variables)):
            tmp = self.folder / f".{name}.tmp"
            tmp.write_text(json.dumps(data, indent=2))
            tmp.chmod(0o644)
            tmp.replace(self.folder / name)  # atomic: a task never reads half a file

    def put_connection(self, conn_id: str, value: str | Mapping[str, Any]) -> None:
        self._connections[conn_id] = _import_fields(value)
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

    def __init__(self, entries: SecretEntries, lab: Lab) -> None:
        super().__init__(entries)
        self.lab = lab

    def seed(self) -> None:
        self._import({k: _import_fields(v) for k, v in self.entries.connections.items()}, dict(self.entries.variables))

    def put_connection(self, conn_id: str, value: str | Mapping[str, Any]) -> None:
        self._import({conn_id: _import_fields(value)}, {})

    def put_variable(self, key: str, value: str) -> None:
        self._import({}, {key: value})

    def delete_connection(self, conn_id: str) -> None:
        self._airflow(["airflow", "connections", "delete", conn_id], "connection", conn_id)

    def delete_variable(self, key: str) -> None:
        self._airflow(["airflow", "variables", "delete", key], "variable", key)

    def _import(self, connections: dict[str, Any], variables: dict[str, str]) -> None:
        folder = f"/tmp/airflow-lab-seed-{secrets.token_hex(4)}"
        files = {"connections.json": connections, "variables.json": variables}
        container = self.lab.containers["scheduler"].get_wrapped_container()
        container.exec_run(["mkdir", "-p", folder])
        container.put_archive(folder, _tar({n: json.dumps(d).encode() for n, d in files.items()}))
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
            container.exec_run(["rm", "-rf", folder])

    def _airflow(self, command: list[str], kind: str, key: str) -> str:
        result = self.lab.containers["scheduler"].get_wrapped_container().exec_run(command, demux=False)
        output = (result.output or b"").decode(errors="replace")
        if result.exit_code != 0:
            raise self._rejected(kind, key, f"`{' '.join(command[:3])}` exited with {result.exit_code}: " + output)
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
    mount_point = "secret"  # KV v2, mounted by the dev server; the provider's default mount_point
    connections_path = "connections"
    variables_path = "variables"

    def __init__(self, entries: SecretEntries, lab: Lab) -> None:
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
        container = self.lab._container("openbao", s.vault_image())
        listen = f"0.0.0.0:{s.OPENBAO_PORT}"
        local = f"http://127.0.0.1:{s.OPENBAO_PORT}"
        # BAO_*/VAULT_*: `bao kv ...` or `vault kv ...` run inside the container (as a reader would) needs no flags.
        # HashiCorp's image entrypoint adds -dev-root-token-id/-dev-listen-address from VAULT_DEV_* itself (the same
        # values) and, with SKIP_SETCAP, does not try to give the binary IPC_LOCK (a dev server does not mlock).
        container.with_envs(
            BAO_ADDR=local,
            BAO_TOKEN=self.root_token,
            VAULT_ADDR=local,
            VAULT_TOKEN=self.root_token,
            VAULT_DEV_ROOT_TOKEN_ID=self.root_token,
            VAULT_DEV_LISTEN_ADDRESS=listen,
            SKIP_SETCAP="true",
        )
        container.with_command(
            ["server", "-dev", f"-dev-root-token-id={self.root_token}", f"-dev-listen-address={listen}"]
        )
        self.lab._publish(container, s.OPENBAO_PORT)
        container.start()
        self.url = f"http://{s.settings().bind_host}:{container.get_exposed_port(s.OPENBAO_PORT)}"
        _wait_http(self.lab, "openbao", lambda: requests.get(f"{self.url}/v1/sys/health", timeout=2).status_code)

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
        steps = [
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

    service = ""  # the credential scope's service name
    target = ""  # the X-Amz-Target prefix of the service's JSON protocol
    connections_prefix = variables_prefix = ""

    def __init__(self, entries: SecretEntries, lab: Lab) -> None:
        super().__init__(entries)
        self.lab = lab
        self.url = ""
        self.internal_url = f"http://moto:{s.MOTO_PORT}"

    def start(self) -> None:
        container = self.lab._container("moto", s.moto_image())
        self.lab._publish(container, s.MOTO_PORT)
        container.start()
        self.url = f"http://{s.settings().bind_host}:{container.get_exposed_port(s.MOTO_PORT)}"
        _wait_http(self.lab, "moto", lambda: requests.get(f"{self.url}/moto-api/", timeout=2).status_code)

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
                f"AWS4-HMAC-SHA256 Credential=testing/20250101/{AWS_REGION}/{self.service}/aws4_request, "
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
    service, target = "secretsmanager", "secretsmanager"
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
    service, target = "ssm", "AmazonSSM"
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


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _last_lines(text: str, n: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-n:])


def _wait_http(lab: Lab, role: str, status: Any, timeout: float = 60) -> None:
    from .environment import _exited, _tail
    from .errors import ComponentUnhealthy

    deadline = time.monotonic() + timeout
    with lab._progress(f"Starting {role}") as progress:
        while True:
            wrapped = lab.containers[role].get_wrapped_container()
            if _exited(wrapped):
                raise ComponentUnhealthy(role, "its container exited", _tail(lab.containers[role]))
            try:
                if status() < 500:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise ComponentUnhealthy(role, f"not ready after {timeout:.0f} s", _tail(lab.containers[role]))
            progress("waiting")
            time.sleep(s.settings().poll_interval)


# -- what the Lab holds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretStore:
    """Part of an ``Environment``: a backend and the entries the kit writes into it."""

    backend: str
    entries: SecretEntries

    def __repr__(self) -> str:
        return self.backend


def secret_store(backend: str, secrets_: str | Path | Mapping[str, Any] | SecretEntries | None) -> SecretStore:
    if backend not in BACKENDS:
        raise LabError(f"Unknown secrets backend {backend!r}: use one of {', '.join(BACKENDS)}.")
    if backend == "vault":
        external_vault()  # a half-configured external server fails here, before anything starts
    return SecretStore(backend, load_secrets(secrets_))


def check_stores(stores: tuple[SecretStore, ...]) -> None:
    names = [st.backend for st in stores]
    if len(set(names)) != len(names):
        raise LabError(f"Each secrets backend can be given once (got {names}); merge the entries into one file.")
    configured = [n for n in names if n in BACKEND_CLASSES]
    if len(configured) > 1:
        raise LabError(
            f"Airflow reads one [secrets] backend at a time; got {configured}. Combine env and metastore with one."
        )


class SecretStores:
    """The started stores of a lab, by backend name: ``lab.secret_stores["vault"].put_connection(...)``."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.stores: dict[str, Store] = {}
        for spec in lab.env.secret_stores:
            self.stores[spec.backend] = _make(spec, lab)

    def __getitem__(self, backend: str) -> Any:
        try:
            return self.stores[backend]
        except KeyError:
            raise LabError(f"This lab has no {backend!r} secrets backend (it has: {sorted(self.stores)}).") from None

    def __contains__(self, backend: str) -> bool:
        return backend in self.stores

    def start(self) -> None:
        """Before Airflow starts: start the servers a backend needs and write its entries."""
        for store in self.stores.values():
            if hasattr(store, "start"):
                store.start()
            if store.backend != "metastore":
                with self.lab._progress(f"Writing {_count(store.entries)} into the {store.backend} backend"):
                    store.seed()

    def airflow_env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for store in self.stores.values():
            env |= store.airflow_env()
        return env

    def volumes(self) -> list[tuple[str, str]]:
        return [(str(st.folder), FILE_MOUNT) for st in self.stores.values() if isinstance(st, FileStore)]

    def after_healthy(self) -> None:
        """Once the database is migrated: write the metastore's entries."""
        if "metastore" in self.stores:
            store = self.stores["metastore"]
            with self.lab._progress(f"Writing {_count(store.entries)} into the metastore"):
                store.seed()

    def describe(self) -> list[str]:
        return [line for store in self.stores.values() for line in store.describe()]

    def close(self) -> None:
        for store in self.stores.values():
            store.close()


def _make(spec: SecretStore, lab: Lab) -> Store:
    if spec.backend == "env":
        return EnvStore(spec.entries)
    if spec.backend == "file":
        return FileStore(spec.entries)
    if spec.backend == "metastore":
        return MetastoreStore(spec.entries, lab)
    if spec.backend == "vault":
        return VaultStore(spec.entries, lab)
    if spec.backend == "ssm":
        return SsmStore(spec.entries, lab)
    return AwsStore(spec.entries, lab)


def _count(entries: SecretEntries) -> str:
    return f"{len(entries.connections)} connection(s) and {len(entries.variables)} variable(s)"
