"""A secrets file: the connections and variables an environment starts with, validated once (no I/O beyond reading
the file, no Docker).

A *secrets file* (JSON or YAML) lists the entries::

    {"connections": {"<conn_id>": "<URI>" | {"conn_type", "host", "login", "password", "port", "schema", "extra"}},
     "variables": {"<key>": "<value>"}}

Secret values never appear in errors or reprs: errors name the entry and the cause.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import LabError

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


class SecretsFileError(LabError):
    """A secrets file (or mapping) that the kit cannot use; the message names the entry and the fix."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(
            f"Secrets file {source}: {problem}\n"
            'Expected: {"connections": {"<conn_id>": "<URI>" or {"conn_type": ..., "host": ..., "login": ..., '
            '"password": ..., "port": ..., "schema": ..., "extra": {...}}}, "variables": {"<key>": "<value>"}} '
            "(JSON or YAML)."
        )


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
            return unquote(password) if password else None
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
    # PyYAML is not a dependency of the kit (JSON files need none); YAML files need it installed
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


def import_fields(value: str | Mapping[str, Any]) -> str | dict[str, Any]:
    """``airflow connections import`` and ``LocalFilesystemBackend`` want ``extra`` as a JSON string."""
    if isinstance(value, str):
        return value
    fields = dict(value)
    if isinstance(fields.get("extra"), Mapping):
        fields["extra"] = json.dumps(fields["extra"])
    return fields
