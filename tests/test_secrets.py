"""Connector tokens: an environment variable, or an Airflow Connection of the same name."""

import json

import pytest

from connectors.base import secret_from_env
from pipelines.errors import ConfigError


def test_the_environment_variable_comes_first(monkeypatch):
    monkeypatch.setenv("VIGIE_TEST_TOKEN", " from-env ")
    monkeypatch.setenv(
        "AIRFLOW_CONN_VIGIE_TEST_TOKEN", json.dumps({"conn_type": "generic", "password": "conn"})
    )
    assert secret_from_env("VIGIE_TEST_TOKEN", "test token") == "from-env"


def test_an_airflow_connection_serves_when_the_variable_is_unset(monkeypatch):
    monkeypatch.delenv("VIGIE_TEST_TOKEN", raising=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_VIGIE_TEST_TOKEN",
        json.dumps({"conn_type": "generic", "password": "token-in-airflow"}),
    )
    assert secret_from_env("VIGIE_TEST_TOKEN", "test token") == "token-in-airflow"


def test_neither_is_one_clear_error(monkeypatch):
    monkeypatch.delenv("VIGIE_TEST_TOKEN", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_VIGIE_TEST_TOKEN", raising=False)
    with pytest.raises(ConfigError, match=r"VIGIE_TEST_TOKEN .*connection 'vigie_test_token'"):
        secret_from_env("VIGIE_TEST_TOKEN", "test token")
