"""schemathesis drives the API over HTTP from its own OpenAPI document: no 5xx, and every answer (status, content
type, headers, body) matches the document."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from tests.helpers import auth

pytestmark = pytest.mark.slow  # schemathesis fuzzes the API over HTTP

# Everything schemathesis checks except "positive_data_acceptance": a schema cannot say which strings are real
# time zones, phone numbers or cursors, so schema-valid nonsense is rightly refused with a 422.
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance,negative_data_rejection,unsupported_method,missing_required_header,"
          "ignored_auth,use_after_free,ensure_resource_availability")


@pytest.fixture()
def served_api(env):
    app = create_app({**env, "API_RATE_PER_NUMBER": "10000/minute", "API_RATE_PER_TOKEN": "10000/minute"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_api_matches_its_openapi_document(served_api, tmp_path):
    st = Path(sys.executable).with_name("st")
    run = subprocess.run(
        [str(st), "run", f"{served_api}/openapi.json", "--header", f"Authorization: {auth()['Authorization']}",
         "--checks", CHECKS, "--max-examples", "30", "--seed", "1", "--phases", "examples,coverage,fuzzing,stateful",
         "--include-path-regex", "^/api/"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
