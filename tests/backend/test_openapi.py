from __future__ import annotations

from io import StringIO

import yaml
from django.core.management import call_command


def test_it_documents_every_endpoint_with_responses(db):
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert "/api/v1/keywords/bulk_create/" in schema["paths"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("responses"), f"{method.upper()} {path} has no documented response"


def test_it_serves_the_schema_and_swagger_ui(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
