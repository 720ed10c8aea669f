"""Validate emulator responses against Atlassian's OpenAPI descriptions (resolving ``$ref``s)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "bitbucket"
CLOUD_SPEC = REFERENCE / "bitbucket-cloud-swagger.v3.json"
DC_SPEC = REFERENCE / "bitbucket-dc-9.2-swagger.v3.json"
PAYLOADS = REFERENCE / "payloads" / "api"

FORMATS = FormatChecker()
SCP_LIKE = re.compile(r"git@[\w.-]+:[\w./~-]+\.git")


@FORMATS.checks("uri")
def _absolute_uri(value: object) -> bool:
    # Links must be absolute, or a client following them goes nowhere.
    if not isinstance(value, str):
        return True
    if SCP_LIKE.fullmatch(value):
        return True  # Bitbucket's real ssh clone link ("git@bitbucket.org:ws/repo.git") is scp-style
    parts = urlsplit(value)
    return bool(parts.scheme in ("http", "https", "ssh") and parts.netloc)


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


class Spec:
    def __init__(self, path: Path, uri: str) -> None:
        self.document = json.loads(path.read_text())
        self.uri = uri
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        self.registry = Registry().with_resource(uri, resource)

    def response_schema_pointer(self, method: str, template: str, status: int) -> str:
        operation = self.document["paths"][template][method.lower()]
        response = operation["responses"][str(status)]
        media = next(iter(response["content"]))
        escaped = template.replace("~", "~0").replace("/", "~1")
        media_escaped = media.replace("~", "~0").replace("/", "~1")
        return f"{self.uri}#/paths/{escaped}/{method.lower()}/responses/{status}/content/{media_escaped}/schema"

    def errors(self, schema: dict[str, Any], body: Any) -> list[str]:
        validator = OAS30Validator(schema, registry=self.registry, format_checker=FORMATS)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]

    def validate_response(self, method: str, template: str, status: int, body: Any) -> None:
        schema = {"$ref": self.response_schema_pointer(method, template, status)}
        problems = self.errors(schema, body)
        assert not problems, f"{method} {template} ({status}) does not match the spec:\n" + "\n".join(problems[:20])

    def validate_component(self, name: str, body: Any) -> None:
        problems = self.errors({"$ref": f"{self.uri}#/components/schemas/{name}"}, body)
        assert not problems, f"{name} does not match the spec:\n" + "\n".join(problems[:20])
