# The HTTP API's contract: docs/openapi.json is generated from the app and checked by
# tests/api/test_openapi_drift.py.
.PHONY: openapi

openapi: python-deps ## regenerate docs/openapi.json from the API
	$(PY) -m functions.openapi docs/openapi.json
