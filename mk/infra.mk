# Infrastructure checks (bicep/, azure.yaml): checkov and pycep-parser live in their
# own virtualenv, .venv-infra, because checkov pins many packages that must not
# constrain the project's .venv. The tests in tests/infra run from .venv and call
# .venv-infra/bin/checkov and .venv-infra/bin/python (pycep, jsonschema) as tools.
INFRA_VENV := .venv-infra
INFRA_STAMP := $(INFRA_VENV)/.installed
# checkov pins the pycep-parser release it understands; pip picks that one.
CHECKOV_VERSION := 3.3.30

.PHONY: infra-deps infra-check

$(INFRA_STAMP): mk/infra.mk
	@echo "==> installing checkov and pycep-parser into $(INFRA_VENV)"
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install -q --upgrade pip
	$(INFRA_VENV)/bin/python -m pip install -q "checkov==$(CHECKOV_VERSION)" pycep-parser
	@touch $@

infra-deps: $(INFRA_STAMP) ## checkov + pycep-parser in .venv-infra (idempotent)

infra-check: infra-deps python-deps ## parse the Bicep, run checkov, test azure.yaml, hooks and settings drift
	$(VENV)/bin/pytest tests/infra -q

DEPS += infra-deps
