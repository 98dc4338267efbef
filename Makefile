# regiokompas: two commands do everything on a fresh machine.
#   make serve   install (first time), build the store from ../shared/data, serve API + maps
#   make test    install (first time), run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test install check bench lint clean messages

$(STAMP): pyproject.toml
	@$(BIN)/python -c "import sys" 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/regio data build
	$(BIN)/regio serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/regio data check

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Translations (docs/i18n.md): extract the msgids into messages.pot and merge them into the nl
# and en catalogs (.po, in the repo). The app compiles the .po files in memory when it starts.
I18N := maps/i18n/locales
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o $(I18N)/messages.pot .
	for locale in nl en; do $(BIN)/pybabel -q update -l $$locale -i $(I18N)/messages.pot -d $(I18N) \
		--no-fuzzy-matching --ignore-obsolete --omit-header --init-missing || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
