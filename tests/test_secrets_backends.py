"""The secrets file loader and the backends' Airflow configuration (no Docker): good files load, bad ones
fail with one message naming the entry and the fix, and no secret value ever appears in an error or a repr."""

from __future__ import annotations

import json

import pytest
from airflow_lab import cli
from airflow_lab.environment import local
from airflow_lab.errors import LabError
from airflow_lab.secrets import (
    EnvStore,
    FileStore,
    SecretEntries,
    SecretsFileError,
    is_sensitive,
    load_secrets,
)

from .conftest import PROJECT

GOOD = {
    "connections": {
        "shop_db": "postgresql://shop_reader:s3cr%40t-pass@postgres:5432/shop",
        "shop_api": {
            "conn_type": "http",
            "host": "api.example.invalid",
            "login": "svc",
            "password": "field-form-pass",
            "port": "443",
            "extra": {"timeout": 5},
        },
    },
    "variables": {"shop_bucket": "lab-bucket", "shop_api_token": "tok-123456", "limits": {"rows": 10}},
}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_json_file_loads_uris_field_objects_and_variables(tmp_path):
    entries = load_secrets(write(tmp_path, "s.json", json.dumps(GOOD)))
    assert entries.connections["shop_db"] == GOOD["connections"]["shop_db"]
    api = entries.connections["shop_api"]
    assert api["port"] == 443 and api["extra"] == {"timeout": 5} and api["conn_type"] == "http"
    assert entries.variables == {"shop_bucket": "lab-bucket", "shop_api_token": "tok-123456", "limits": '{"rows": 10}'}


def test_a_yaml_file_loads_the_same_entries(tmp_path):
    yaml = pytest.importorskip("yaml")
    assert load_secrets(write(tmp_path, "s.yaml", yaml.safe_dump(GOOD))) == load_secrets(GOOD)


def test_sensitive_values_are_passwords_and_sensitive_variables():
    entries = load_secrets(GOOD)
    # the URI's password is URL-decoded: that is the value Airflow sees and would mask
    assert sorted(entries.sensitive_values()) == ["field-form-pass", "s3cr@t-pass", "tok-123456"]
    assert is_sensitive("shop_api_token") and is_sensitive("DB_PASSWORD") and not is_sensitive("shop_bucket")


def test_repr_and_environment_repr_never_show_values():
    entries = load_secrets(GOOD)
    env = local().with_secrets("vault", GOOD)
    for text in (repr(entries), repr(env)):
        assert not any(value in text for value in entries.sensitive_values()), text
    assert repr(env) == "Environment('local', executor=LocalExecutor, airflow=3.3.2, secrets=vault)"


@pytest.mark.parametrize(
    ("text", "suffix", "expected"),
    [
        ('{"connections": {', ".json", "not valid JSON at line 1"),
        ("connections: [a, b", ".yaml", "not valid YAML"),
        ("[1, 2]", ".json", "the top level must be an object"),
        ('{"conections": {}}', ".json", "unknown top-level key(s) ['conections']"),
        ('{"connections": ["a"]}', ".json", "'connections' must be an object"),
        ('{"connections": {"bad id": "postgresql://h/db"}}', ".json", "connection 'bad id': ids may contain only"),
        ('{"connections": {"pg": "just-a-host"}}', ".json", "connection 'pg': a URI needs a scheme"),
        ('{"connections": {"pg": {"host": "h"}}}', ".json", "connection 'pg': 'conn_type' is required"),
        ('{"connections": {"pg": {"conn_type": "postgres", "pwd": "x"}}}', ".json", "unknown field(s) ['pwd']"),
        ('{"connections": {"pg": {"conn_type": "postgres", "port": "x1"}}}', ".json", "'port' must be a number"),
        ('{"connections": {"pg": {"conn_type": "postgres", "extra": "{no"}}}', ".json", "'extra' is a string but"),
        ('{"connections": {"pg": 5}}', ".json", "expected a URI string or an object"),
        ('{"variables": {"flag": true}}', ".json", "variable 'flag': expected a string"),
        ("{}", ".txt", "unknown file type '.txt'"),
    ],
)
def test_a_malformed_file_names_the_entry_and_the_cause(tmp_path, text, suffix, expected):
    with pytest.raises(SecretsFileError) as error:
        load_secrets(write(tmp_path, f"s{suffix}", text))
    assert expected in str(error.value)
    assert "Expected: {" in str(error.value)  # and shows the format


def test_a_password_with_unencoded_special_characters_is_rejected_without_showing_it(tmp_path):
    text = json.dumps({"connections": {"pg": "postgresql://reader:p@ss:w0rd/x@postgres:5432/shop"}})
    with pytest.raises(SecretsFileError) as error:
        load_secrets(write(tmp_path, "s.json", text))
    message = str(error.value)
    assert "connection 'pg'" in message and "URL-encoded" in message
    assert "p@ss" not in message and "w0rd" not in message


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(SecretsFileError, match="does not exist"):
        load_secrets(tmp_path / "nope.json")


def test_unknown_backends_and_two_configured_backends_are_refused():
    with pytest.raises(LabError, match="Unknown secrets backend 'consul'"):
        local().with_secrets("consul", GOOD)
    with pytest.raises(LabError, match="one \\[secrets\\] backend at a time"):
        local().with_secrets("vault", GOOD).with_secrets("aws", GOOD)
    with pytest.raises(LabError, match="can be given once"):
        local().with_secrets("env", GOOD).with_secrets("env", GOOD)
    env = local().with_secrets("vault", GOOD).with_secrets("env", GOOD).with_secrets("metastore", GOOD)
    assert [st.backend for st in env.secret_stores] == ["vault", "env", "metastore"]


def test_the_env_backend_sets_airflow_conn_and_var_variables():
    env = EnvStore(load_secrets(GOOD)).airflow_env()
    assert env["AIRFLOW_CONN_SHOP_DB"] == GOOD["connections"]["shop_db"]
    assert json.loads(env["AIRFLOW_CONN_SHOP_API"])["extra"] == {"timeout": 5}  # JSON form (Airflow >= 2.3)
    assert env["AIRFLOW_VAR_SHOP_BUCKET"] == "lab-bucket" and env["AIRFLOW_VAR_LIMITS"] == '{"rows": 10}'


def test_the_file_backend_writes_files_airflow_can_read_and_removes_them(tmp_path):
    store = FileStore(load_secrets(GOOD))
    try:
        store.seed()
        conf = store.airflow_env()
        assert conf["AIRFLOW__SECRETS__BACKEND"] == "airflow.secrets.local_filesystem.LocalFilesystemBackend"
        assert json.loads(conf["AIRFLOW__SECRETS__BACKEND_KWARGS"])["variables_file_path"].endswith("variables.json")
        connections = json.loads((store.folder / "connections.json").read_text())
        assert connections["shop_api"]["extra"] == '{"timeout": 5}'  # a JSON string, as `connections import` wants
        store.put_variable("shop_bucket", "rotated")
        assert json.loads((store.folder / "variables.json").read_text())["shop_bucket"] == "rotated"
        assert oct(store.folder.stat().st_mode)[-3:] == "755"  # readable by the containers' airflow user
    finally:
        store.close()
    assert not store.folder.exists()


def test_redact_hides_every_value_in_error_text():
    entries = load_secrets(GOOD)
    text = f"failed: {GOOD['connections']['shop_db']} token tok-123456"
    assert entries.redact(text) == "failed: *** token ***"


def test_cli_bad_secrets_file_exits_2_naming_the_cause(tmp_path, capsys):
    bad = write(tmp_path, "s.json", '{"variables": {"flag": true}}')
    code = cli.main(["run", "local", "--dags", str(tmp_path), "--dag-id", "x", "--secrets", str(bad)])
    assert code == 2
    assert "variable 'flag'" in capsys.readouterr().err


def test_cli_unknown_backend_is_an_argument_error(tmp_path):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "local", "--dags", str(tmp_path), "--dag-id", "x", "--secrets-backend", "consul"])
    assert exit_.value.code == 2


def test_cli_secrets_without_backend_use_the_metastore(tmp_path):
    good = write(tmp_path, "s.json", json.dumps(GOOD))
    args = cli.parser().parse_args(["up", "local", "--secrets", str(good)])
    env = cli._environment(args)
    assert [st.backend for st in env.secret_stores] == ["metastore"]
    assert env.secret_stores[0].entries == SecretEntries(**{k: v for k, v in load_secrets(GOOD).__dict__.items()})


def env_file(path):
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_the_books_vault_configuration_is_the_one_the_labs_run():
    from airflow_lab.secrets import BACKEND_CLASSES, VaultStore

    book = env_file(PROJECT / "environments" / "secrets" / "vault.env")
    assert book["AIRFLOW__SECRETS__BACKEND"] == BACKEND_CLASSES["vault"]
    kit = VaultStore(load_secrets(None), lab=None).backend_kwargs()
    book_kwargs = json.loads(book["AIRFLOW__SECRETS__BACKEND_KWARGS"])
    # the same paths; the book delivers the token as a file, the labs pass the one they create
    assert {k: book_kwargs[k] for k in ("url", "mount_point", "connections_path", "variables_path")} == {
        k: kit[k] for k in ("url", "mount_point", "connections_path", "variables_path")
    }
    source = env_file(PROJECT / "environments" / "secrets" / "vault-as-in-source.env")
    assert "AIRFLOW__SECRETS__BACKEND" not in source and source["AIRFLOW__SECRETS__BACKENDS"].endswith(".VaultSecrets")


def test_the_custom_directory_backend_reads_one_file_per_secret(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(PROJECT / "environments" / "secrets"))
    from directory_backend import DirectorySecretsBackend

    (tmp_path / "connections").mkdir()
    (tmp_path / "variables").mkdir()
    (tmp_path / "connections" / "shop_db").write_text("postgresql://shop_reader:pa%23ss@postgres:5432/shop\n")
    (tmp_path / "variables" / "shop_bucket").write_text("s3://shop-exports-lab\n")
    backend = DirectorySecretsBackend(root=str(tmp_path))
    conn = backend.deserialize_connection("shop_db", backend.get_conn_value("shop_db"))
    assert (conn.host, conn.login, conn.password, conn.schema) == ("postgres", "shop_reader", "pa#ss", "shop")
    assert backend.get_variable("shop_bucket") == "s3://shop-exports-lab"
    # unknown ids fall through (None), and an id cannot read outside its folder
    assert backend.get_conn_value("missing") is None and backend.get_variable("../connections/shop_db") is None


def test_a_rejected_write_names_the_entry_and_hides_the_value(monkeypatch):
    from airflow_lab.secrets import stores

    class Answer:
        status_code, content = 400, b"x"
        text = '{"errors": ["cannot store tok-123456 here"]}'

    monkeypatch.setattr(stores.requests, "request", lambda *a, **k: Answer())
    store = stores.VaultStore(load_secrets(GOOD), lab=None)
    with pytest.raises(stores.SecretsBackendError) as error:
        store.put_variable("shop_api_token", "tok-123456")
    assert "The vault backend rejected variable 'shop_api_token': HTTP 400" in str(error.value)
    assert "tok-123456" not in str(error.value)


def test_the_ssm_backend_reads_securestring_parameters_under_the_providers_default_prefixes():
    from airflow_lab.secrets import BACKEND_CLASSES, BACKENDS, SsmStore

    store = SsmStore(load_secrets(GOOD), lab=None)
    conf = store.airflow_env()
    assert "ssm" in BACKENDS  # the CLI's --secrets-backend choices
    assert conf["AIRFLOW__SECRETS__BACKEND"] == BACKEND_CLASSES["ssm"]
    assert BACKEND_CLASSES["ssm"].endswith(".systems_manager.SystemsManagerParameterStoreBackend")
    # endpoint_url and region_name reach the boto3 client through the provider's AwsConnectionWrapper
    assert json.loads(conf["AIRFLOW__SECRETS__BACKEND_KWARGS"]) == {
        "endpoint_url": "http://moto:5000",
        "region_name": "us-east-1",
        "connections_prefix": "/airflow/connections",
        "variables_prefix": "/airflow/variables",
    }
    assert conf["AWS_ACCESS_KEY_ID"] == "testing" and conf["AWS_DEFAULT_REGION"] == "us-east-1"


@pytest.fixture
def moto_requests(monkeypatch):
    """What a moto store sends, as (X-Amz-Target, Authorization, JSON body); every call answers ``{}``."""
    from airflow_lab.secrets import stores

    sent = []

    class Answer:
        status_code, content, text = 200, b"{}", "{}"

        def json(self):
            return {}

    def post(url, data, headers, timeout):
        sent.append((headers["X-Amz-Target"], headers["Authorization"], json.loads(data)))
        return Answer()

    monkeypatch.setattr(stores.requests, "post", post)
    return sent


def test_the_ssm_store_writes_securestring_parameters_through_the_ssm_json_api(moto_requests):
    from airflow_lab.secrets import stores

    sent = moto_requests
    store = stores.SsmStore(load_secrets(GOOD), lab=None)
    store.url = "http://127.0.0.1:1"
    store.seed()
    store.delete_variable("shop_bucket")
    targets = [target for target, _, _ in sent]
    assert targets == ["AmazonSSM.PutParameter"] * 5 + ["AmazonSSM.DeleteParameter"]
    assert all("/us-east-1/ssm/aws4_request" in auth for _, auth, _ in sent)
    put = {body["Name"]: body for _, _, body in sent[:5]}
    assert put["/airflow/connections/shop_db"] == {
        "Name": "/airflow/connections/shop_db",
        "Value": GOOD["connections"]["shop_db"],
        "Type": "SecureString",
        "Overwrite": True,
    }
    assert json.loads(put["/airflow/connections/shop_api"]["Value"])["extra"] == {"timeout": 5}
    assert put["/airflow/variables/limits"]["Value"] == '{"rows": 10}'
    assert sent[-1][2] == {"Name": "/airflow/variables/shop_bucket"}


def test_the_aws_store_still_speaks_secrets_manager(moto_requests):
    from airflow_lab.secrets import stores

    store = stores.AwsStore(load_secrets({"variables": {"k": "v"}}), lab=None)
    store.url = "http://127.0.0.1:1"
    store.seed()
    assert [target for target, _, _ in moto_requests] == ["secretsmanager.CreateSecret"]
    assert "/us-east-1/secretsmanager/aws4_request" in moto_requests[0][1]


def test_the_books_ssm_configuration_is_the_one_the_labs_run_without_the_emulators_endpoint():
    from airflow_lab.secrets import BACKEND_CLASSES, SsmStore

    book = env_file(PROJECT / "environments" / "secrets" / "ssm.env")
    assert book["AIRFLOW__SECRETS__BACKEND"] == BACKEND_CLASSES["ssm"]
    kit = SsmStore(load_secrets(None), lab=None).backend_kwargs()
    assert kit.pop("endpoint_url") == "http://moto:5000"
    assert json.loads(book["AIRFLOW__SECRETS__BACKEND_KWARGS"]) == kit


def test_the_vault_server_image_is_openbao_unless_overridden(monkeypatch):
    from airflow_lab import settings as s

    monkeypatch.delenv("AIRFLOW_LAB_VAULT_IMAGE", raising=False)
    assert s.vault_image() == s.openbao_image()
    monkeypatch.setenv("AIRFLOW_LAB_VAULT_IMAGE", "hashicorp/vault:1.18")
    assert s.vault_image() == "hashicorp/vault:1.18"


def test_the_vault_container_gets_arguments_both_openbao_and_hashicorp_images_take(monkeypatch):
    from airflow_lab.secrets import stores

    monkeypatch.setenv("AIRFLOW_LAB_VAULT_IMAGE", "hashicorp/vault:1.18")
    monkeypatch.delenv("AIRFLOW_LAB_VAULT_ADDR", raising=False)
    started = []

    class FakeLab:
        id = "t1"

        def start_service(self, service, title=None):
            started.append(service)
            raise RuntimeError("stop here: the container is configured")

    store = stores.VaultStore(load_secrets(GOOD), lab=FakeLab())
    with pytest.raises(RuntimeError, match="stop here"):
        store.start()
    [container] = started
    token = store.root_token
    assert container.image == "hashicorp/vault:1.18"
    # OpenBao's entrypoint is `tini -- bao`; HashiCorp's docker-entrypoint.sh turns `server ...` into
    # `vault server -config=... -dev-root-token-id=$VAULT_DEV_ROOT_TOKEN_ID ... "$@"`: the same values either way
    assert container.command == ["server", "-dev", f"-dev-root-token-id={token}", "-dev-listen-address=0.0.0.0:8200"]
    assert container.env["VAULT_DEV_ROOT_TOKEN_ID"] == token == container.env["BAO_TOKEN"]
    assert container.env["VAULT_DEV_LISTEN_ADDRESS"] == "0.0.0.0:8200" and container.env["SKIP_SETCAP"] == "true"
    assert store.internal_url == "http://openbao:8200"


def test_an_external_vault_address_without_a_token_fails_before_anything_starts(monkeypatch):
    monkeypatch.setenv("AIRFLOW_LAB_VAULT_ADDR", "http://vault.internal:8200")
    monkeypatch.delenv("AIRFLOW_LAB_VAULT_TOKEN", raising=False)
    with pytest.raises(LabError, match="AIRFLOW_LAB_VAULT_TOKEN is not"):
        local().with_secrets("vault", GOOD)
    monkeypatch.setenv("AIRFLOW_LAB_VAULT_ADDR", "vault.internal:8200")
    monkeypatch.setenv("AIRFLOW_LAB_VAULT_TOKEN", "hvs.reader-token-123")
    with pytest.raises(LabError, match="must be an http\\(s\\) URL") as error:
        local().with_secrets("vault", GOOD)
    assert "hvs.reader-token-123" not in str(error.value)
    # the other backends do not care
    assert local().with_secrets("ssm", GOOD).secret_stores[0].backend == "ssm"


def test_an_external_vault_starts_no_container_and_airflow_reads_that_address(monkeypatch):
    from airflow_lab import settings as s
    from airflow_lab.secrets import stores

    monkeypatch.setenv("AIRFLOW_LAB_VAULT_ADDR", "https://vault.internal:8200/")
    monkeypatch.setenv("AIRFLOW_LAB_VAULT_TOKEN", "hvs.reader-token-123")
    calls = []

    class Answer:
        status_code, content, text = 200, b"{}", "{}"

        def __init__(self, path):
            self.path = path

        def json(self):
            if self.path.endswith("auth/token/create"):
                return {"auth": {"client_token": "hvs.airflow-read-only"}}
            return {"data": {"id": "x"}}

    def request(method, url, json, headers, timeout):
        calls.append((method, url, headers["X-Vault-Token"]))
        return Answer(url)

    monkeypatch.setattr(stores.requests, "request", request)

    class NoContainers:
        id = "t2"

        def start_service(self, *_):
            raise AssertionError("no container may start for an external Vault")

    store = stores.VaultStore(load_secrets(GOOD), lab=NoContainers())
    store.start()
    store.seed()
    kwargs = json.loads(store.airflow_env()["AIRFLOW__SECRETS__BACKEND_KWARGS"])
    assert kwargs["url"] == "https://vault.internal:8200" and kwargs["token"] == "hvs.airflow-read-only"
    assert store.policy == "airflow-lab-t2"  # a policy of its own, not one the server may already have
    assert {token for _, _, token in calls} == {"hvs.reader-token-123"}  # the kit writes with the reader's token
    assert [c[:2] for c in calls[:3]] == [
        ("GET", "https://vault.internal:8200/v1/auth/token/lookup-self"),
        ("PUT", "https://vault.internal:8200/v1/sys/policies/acl/airflow-lab-t2"),
        ("POST", "https://vault.internal:8200/v1/auth/token/create"),
    ]
    text = "\n".join(store.describe()) + repr(s.settings())
    assert "hvs.reader-token-123" not in text and "https://vault.internal:8200" in text
    # at the end of the lab: what it wrote, its token and its policy are removed from the reader's server
    calls.clear()
    store.close()
    assert sorted(c[:2] for c in calls) == sorted(
        [("DELETE", f"https://vault.internal:8200/v1/secret/metadata/connections/{k}") for k in ("shop_api", "shop_db")]
        + [
            ("DELETE", f"https://vault.internal:8200/v1/secret/metadata/variables/{k}")
            for k in ("limits", "shop_api_token", "shop_bucket")
        ]
        + [
            ("POST", "https://vault.internal:8200/v1/auth/token/revoke"),
            ("DELETE", "https://vault.internal:8200/v1/sys/policies/acl/airflow-lab-t2"),
        ]
    )


def test_with_env_adds_container_variables_and_prints_only_their_names():
    env = local().with_env(PYTHONPATH="/opt/airflow/plugins").with_env(SOME_TOKEN="tok-secret-987")
    assert dict(env.env_vars) == {"PYTHONPATH": "/opt/airflow/plugins", "SOME_TOKEN": "tok-secret-987"}
    assert repr(env) == "Environment('local', executor=LocalExecutor, airflow=3.3.2, env=PYTHONPATH+SOME_TOKEN)"
    assert "env=" not in repr(local())


def test_airflows_vault_token_counts_its_requests(monkeypatch):
    from airflow_lab.secrets import stores

    monkeypatch.delenv("AIRFLOW_LAB_VAULT_ADDR", raising=False)
    bodies = {}

    class Answer:
        status_code, content, text = 200, b"{}", "{}"

        def __init__(self, url):
            self.url = url

        def json(self):
            if self.url.endswith("auth/token/create"):
                return {"auth": {"client_token": "hvs.airflow"}}
            return {"data": {"num_uses": stores.TOKEN_USES - 12}}

    def request(method, url, json, headers, timeout):
        bodies[url.split("/v1/")[1]] = json
        return Answer(url)

    monkeypatch.setattr(stores.requests, "request", request)
    store = stores.VaultStore(load_secrets(None), lab=None)
    store.url = "http://127.0.0.1:1"
    store._start_container = lambda: None
    store.start()
    assert bodies["auth/token/create"]["num_uses"] == stores.TOKEN_USES == 1_000_000
    assert store.requests_by_airflow() == 12
    assert bodies["auth/token/lookup"] == {"token": "hvs.airflow"}
