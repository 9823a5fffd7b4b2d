.PHONY: run test lint
run:  ## set up and run Reach on the embedded default
	bash scripts/run.sh
test: ## set up and run the whole test suite
	bash scripts/test.sh
lint: ## ruff, import contracts and mypy on the domain
	. scripts/setup.sh && ruff check reach_app tasks tests && lint-imports && mypy --strict reach_app/domain
