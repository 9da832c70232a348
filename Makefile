# Top-level entry points for a fresh Debian 12 machine (run as root, or with
# sudo available). `make demo` installs, builds and runs the melflow case;
# `make check` installs, builds and runs every test; `make install` builds
# and installs parity under PREFIX (default /usr/local), staged under
# DESTDIR when given (docs/install.md).
BUILD   ?= build
DEFECT  ?= attn-scale
JOBS    ?= 2
PREFIX  ?= /usr/local
DESTDIR ?=

# Debian packages parity needs to build and to run its tests.
DEB_BUILD = build-essential cmake pkg-config libcjson-dev zlib1g-dev libspng-dev
DEB_TEST  = python3 python3-numpy python3-torch python3-pil valgrind clang \
            libclang-rt-14-dev chromium bc \
            python3-venv python3-pip python3-setuptools python3-wheel \
            man-db slurm-wlm munge
# slurm-wlm and munge: tests/slurm starts a one-node cluster and runs a
# diff as a job array (docs/scale-out.md).
# Node.js and npm drive the browser test; any installation that provides the
# npm command will do (some images ship Node.js with its own npm, which
# Debian's npm package conflicts with).
DEB_NODE  = nodejs npm
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps deps-test build demo check install clean

deps:
	@missing=$$(for p in $(DEB_BUILD); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

deps-test: deps
	@missing=$$(for p in $(DEB_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	command -v npm >/dev/null || missing="$$missing $(DEB_NODE)"; \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@tests/browser/setup.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	@examples/melflow/demo.sh $(BUILD) $(DEFECT)

check: deps-test build
	ctest --test-dir $(BUILD) -j$(JOBS) --output-on-failure

# The library, the command and what goes with them, built in Release and
# installed for PREFIX (the installed parity.pc and Python directory follow
# it); DESTDIR stages the files for packaging.
install: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$(PREFIX)" >/dev/null
	cmake --build $(BUILD) -j$(JOBS) --target parity_cli parity parity_shared
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD)

clean:
	rm -rf $(BUILD)
