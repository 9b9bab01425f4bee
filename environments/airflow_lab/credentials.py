"""The credentials of one start: generated anew each time, never printed, and the SQL that gives them to the
pre-migrated metadata database (whose template passwords are public: see ``images.metadata_db_template``)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass, field

from . import settings as s


@dataclass(frozen=True)
class Secrets:
    """Generated per start; never reused between environments."""

    username: str = "admin"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    db_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    broker_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    fernet_key: str = field(default_factory=lambda: base64.urlsafe_b64encode(os.urandom(32)).decode())
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(64))  # HS512 wants >= 64 bytes
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(64))

    def __repr__(self) -> str:  # keep secrets out of tracebacks and notebook outputs
        return f"Secrets(username={self.username!r}, password='***')"


def credentials_sql(major: int, secrets_: Secrets) -> str:
    """SQL that gives the migrated template this start's passwords (the template's own are public)."""
    sql = f"ALTER USER airflow PASSWORD {_quote(secrets_.db_password)};"
    if major < 3:  # FAB's API user, created in the template; werkzeug's scrypt format, as `airflow users create`
        sql += (
            f"UPDATE ab_user SET password = {_quote(werkzeug_scrypt(secrets_.password))},"
            f" username = {_quote(secrets_.username)} WHERE username = {_quote(s.TEMPLATE_API_USER)};"
        )
    return sql


def werkzeug_scrypt(password: str, n: int = 2**15, r: int = 8, p: int = 1) -> str:
    """The hash ``werkzeug.security.generate_password_hash`` makes by default (werkzeug 3), which FAB checks."""
    salt = secrets.token_hex(8)
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64)
    return f"scrypt:{n}:{r}:{p}${salt}${digest.hex()}"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
