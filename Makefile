# The two commands: `make demo` and `make test`. Everything else here is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: demo test install install-dev spamassassin poppler dovecot lint typecheck lock clean \
	requirements package checkov

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: re-install only when the dependency files change.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[dev,cloud]'
	touch $@ $(VENV)/.installed

# The npm Firestore emulator, pinned in package-lock.json (`npm ci`): tests/gcp falls back to it
# where the Cloud SDK's own emulator (and java) is missing; the test summary says which ran.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
# SpamAssassin scores the rendered mails offline (tests/unit/test_spam_score.py): Debian's
# package, installed only when it isn't on PATH (CI runs as root on Debian).
spamassassin:
	@command -v spamassassin >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spamassassin; }

# pdftotext reads the sandbox's invoice PDFs back as a PDF reader would (tests/sandbox).
poppler:
	@command -v pdftotext >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; }

# Dovecot (IMAP and LMTP) for the mailbox tests (tests/mailserver start their own throwaway
# instance): Debian's packages, installed only when missing. They also create the `dovecot` and
# `dovenull` users the tests' Dovecot runs as when started by root. No service is started.
dovecot:
	@{ command -v dovecot >/dev/null 2>&1 && test -x /usr/lib/dovecot/lmtp && test -x /usr/lib/dovecot/imap; } || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			dovecot-imapd dovecot-lmtpd; }

# checkov (tests/infra) in a virtualenv of its own: its dependencies clash with the project's
# pins (packaging), see tests/infra/checkov-requirements.txt.
CHECKOV := $(VENV)/checkov/bin/checkov
$(VENV)/checkov/.installed: tests/infra/checkov-requirements.txt | $(BIN)/python
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/pip install --disable-pip-version-check -q -r tests/infra/checkov-requirements.txt
	touch $@

install-dev: $(VENV)/.installed-dev node_modules/.installed spamassassin poppler dovecot \
	$(VENV)/checkov/.installed

demo: install
	$(BIN)/followup demo

test: install-dev
	$(BIN)/ruff check functions tests $(wildcard bench) $(wildcard tools)
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check functions tests $(wildcard bench) $(wildcard tools)
	$(BIN)/ruff format --check functions tests $(wildcard bench) $(wildcard tools)

typecheck: install-dev
	$(BIN)/mypy

# Regenerate the pins after changing pyproject.toml: `make lock`.
lock:
	rm -rf /tmp/followup-lock && $(PYTHON) -m venv /tmp/followup-lock
	/tmp/followup-lock/bin/pip install -q '.[dev,cloud]'
	/tmp/followup-lock/bin/pip freeze --exclude followup > constraints.txt

# The deployed function's pinned dependencies, from pyproject.toml + constraints.txt (after
# `make lock` or any dependency change; tests/deploy fails while it is stale).
requirements: install-dev
	$(BIN)/python tools/pin_requirements.py

# The deployable source archive: build/function-source.zip (infra/ uploads it).
package:
	$(PYTHON) tools/package_function.py

# The Terraform checks without Terraform: checkov on infra/ (tests/infra runs it too).
checkov: $(VENV)/checkov/.installed
	$(CHECKOV) -d infra --framework terraform --skip-download --compact --quiet

clean:
	rm -rf $(VENV) outbox .demo .pytest_cache .mypy_cache .ruff_cache
