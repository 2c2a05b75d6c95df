# The two commands: `make demo` and `make test`. Everything else here is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: demo test install install-dev spamassassin lint typecheck lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: re-install only when the dependency files change.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[dev,cloud]'
	touch $@ $(VENV)/.installed

# The Firestore emulator the tests start (tests/gcp): pinned in package-lock.json, `npm ci`.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
# SpamAssassin scores the rendered mails offline (tests/unit/test_spam_score.py): Debian's
# package, installed only when it isn't on PATH (CI runs as root on Debian).
spamassassin:
	@command -v spamassassin >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spamassassin; }

install-dev: $(VENV)/.installed-dev node_modules/.installed spamassassin

demo: install
	$(BIN)/followup demo

test: install-dev
	$(BIN)/ruff check functions tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check functions tests $(wildcard bench)
	$(BIN)/ruff format --check functions tests $(wildcard bench)

typecheck: install-dev
	$(BIN)/mypy

# Regenerate the pins after changing pyproject.toml: `make lock`.
lock:
	rm -rf /tmp/followup-lock && $(PYTHON) -m venv /tmp/followup-lock
	/tmp/followup-lock/bin/pip install -q '.[dev,cloud]'
	/tmp/followup-lock/bin/pip freeze --exclude followup > constraints.txt

clean:
	rm -rf $(VENV) outbox .demo .pytest_cache .mypy_cache .ruff_cache
