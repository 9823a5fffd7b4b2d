SHELL := /bin/bash
.PHONY: run test lint
run:  ## set up and run Reach on the embedded default
	bash scripts/run.sh
test: ## set up and run the whole test suite
	bash scripts/test.sh
lint: ## ruff, import contracts, mypy (strict on the domain; services, channels, db)
	. scripts/setup.sh && ruff check reach_app tasks tests && lint-imports && mypy --strict reach_app/domain \
	  && mypy reach_app/services reach_app/channels reach_app/db
