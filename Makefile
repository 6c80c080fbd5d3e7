# cyqemu — set-up, run, test, benchmark.
#
#   make install   venv + editable install, Debian packages (as root),
#                  QEMU's source into .cache/qemu-src, Cython extensions
#   make run       boot the default guest (OpenSBI + U-Boot) on the virt board
#   make test      the default test suite
#   make bench     the benchmarks (they print figures, never fail on speed)
#
# Re-running `make install` when nothing changed is quick: each step leaves a
# stamp (.stamp-*) or checks for its own result.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
CACHE  := .cache
QEMU_SRC := $(CACHE)/qemu-src
SCHEMA := schema/qapi-schema.json
RUN_OUT := build/qapi-out

IS_DEBIAN_ROOT := $(shell [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && echo yes)

.PHONY: install build run test bench lint clean

install: .stamp-venv .stamp-system $(QEMU_SRC)/scripts/qapi-gen.py build

# System packages and the deb-src source (root on Debian only; a no-op
# elsewhere). The script itself also skips work that is already done.
.stamp-system: tools/setup-system.sh
ifeq ($(IS_DEBIAN_ROOT),yes)
	PYTHON=$(PYTHON) bash tools/setup-system.sh
	@touch $@
else
	@echo "make: not root on Debian; skipping system packages (see tools/setup-system.sh)"
endif

# The venv is made after the system step, which may install python3-venv.
$(VPY): | .stamp-system
	$(PYTHON) -m venv $(VENV)

.stamp-venv: pyproject.toml $(VPY)
	$(VPY) -m pip install --quiet -e '.[test]'
	@touch $@

# QEMU's source tree (the oracle of the compat tests and benchmarks).
# Order-only: the tree's file dates come from the tarball.
$(QEMU_SRC)/scripts/qapi-gen.py: | .stamp-system
	bash tools/fetch-qemu-source.sh $(CACHE)

# Cython extension modules, and the modules generated from schema/ (the
# generator skips both when its inputs have not changed).
build: .stamp-venv
	@if [ -f setup.py ]; then $(VPY) setup.py build_ext --inplace; fi
	$(VPY) -m emulator.generated

# The default guest: Debian's OpenSBI and U-Boot on the virt board when
# they are installed, else the project's console guest (tests/riscv/guest).
run: install
	@opensbi=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin; \
	uboot=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin; \
	echo "== cyqemu-system-riscv64 -M virt: Ctrl-A x quits, Ctrl-A c switches to the monitor"; \
	if [ -f "$$opensbi" ] && [ -f "$$uboot" ]; then \
		exec $(VENV)/bin/cyqemu-system-riscv64 -M virt -nographic \
			-bios "$$opensbi" -kernel "$$uboot"; \
	else \
		guest=$$($(VPY) -c 'import tests.riscv.harness as h; print(h.build_guest("console"))'); \
		exec $(VENV)/bin/cyqemu-system-riscv64 -M virt -nographic -bios none \
			-kernel "$$guest"; \
	fi

test: install
	$(VPY) -m pytest tests

# Benchmarks are pytest functions named bench_* in tests/bench/bench_*.py.
bench: install
	$(VPY) -m pytest tests/bench -s -q \
		-o python_files='bench_*.py' -o python_functions='bench_*'

lint: .stamp-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
	find . \( -path ./$(VENV) -o -path ./$(CACHE) -o -path ./.git \) -prune -o \
		\( -name __pycache__ -o -name '*.so' \) -print0 | xargs -0 rm -rf
	find . \( -path ./$(VENV) -o -path ./$(CACHE) -o -path ./.git \) -prune -o \
		-name '*.pyx' -print | while read -r f; do rm -f "$${f%.pyx}.c"; done
	rm -f .stamp-*
