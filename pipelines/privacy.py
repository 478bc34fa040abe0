"""The key behind author pseudonyms: from the environment, never stored in the database."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_KEY = "VIGIE_AUTHOR_KEY"


def author_key(key_file: Path) -> bytes:
    """VIGIE_AUTHOR_KEY when set; otherwise a random key kept in a private file beside the
    database, so pseudonyms stay stable across runs without a secret in the repo or the DB."""
    from_env = os.environ.get(ENV_KEY)
    if from_env:
        return from_env.encode()
    if key_file.exists():
        return key_file.read_bytes().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
