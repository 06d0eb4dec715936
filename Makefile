# SPDX-License-Identifier: GPL-2.0
#
#   make                  the module, for the running kernel or KDIR=...
#   make tools            the userspace programs (STATIC=1 for guests/Android)
#   make check            build + boot every target kernel, run the selftests
#   make demo             boot the default VM and show vmalens at work
#   make bench            benchmark in the VMs (BENCH_TARGETS=...); not a test
#   make install          CLI, man page, bash completion and the module
#                         (PREFIX=/usr/local, DESTDIR=, KDIR=); make uninstall
#   make sign KEY=… CERT=…  sign the module for Secure Boot (README)

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
O ?= $(CURDIR)/build/user
TARGETS ?=
DEMO_TARGET ?= x86_64-6.12

# Userspace toolchain: CROSS_COMPILE=aarch64-linux-gnu- or ARCH=arm64.
ifeq ($(ARCH),arm64)
CROSS_COMPILE ?= aarch64-linux-gnu-
endif
USER_CC := $(CROSS_COMPILE)gcc
USER_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -D_GNU_SOURCE -I$(CURDIR)/module/uapi
# arm64 builds are for pushing to a device (adb push): static by default.
STATIC ?= $(if $(filter arm64,$(ARCH)),1)
USER_LDFLAGS := $(if $(STATIC),-static)
export USER_CC USER_CFLAGS USER_LDFLAGS

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# The release KDIR was configured for: where modules_install puts the module.
KREL = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build

tools:
	@mkdir -p $(O)/bin
	if ls tools/vmalens/*.c >/dev/null 2>&1; then $(MAKE) -C tools/vmalens O=$(O)/bin; fi

selftests:
	$(MAKE) -C selftests O=$(O)/selftests KSFT_DIR=$(KSFT_DIR)

check:
	tools/vmtest/vmtest check $(TARGETS)

demo:
	tools/vmtest/demo $(DEMO_TARGET)

# Not part of check: figures never fail it (README, "Benchmarks").
bench:
	tools/bench/bench $(BENCH_TARGETS)
.PHONY: bench

install: module tools
	install -D -m 0755 $(O)/bin/vmalens $(DESTDIR)$(BINDIR)/vmalens
	install -D -m 0644 doc/vmalens.1 $(DESTDIR)$(MANDIR)/man1/vmalens.1
	install -D -m 0644 tools/vmalens/completion/vmalens.bash \
		$(DESTDIR)$(BASHCOMPDIR)/vmalens
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates CONFIG_MODULE_SIG_ALL= modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KREL)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vmalens $(DESTDIR)$(MANDIR)/man1/vmalens.1 \
		$(DESTDIR)$(BASHCOMPDIR)/vmalens
	rm -f $(DESTDIR)/lib/modules/$(KREL)/updates/module/vmalens.ko*
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KREL)

# Secure Boot: sign with a key enrolled as a Machine Owner Key (README),
# using the kernel's own sign-file and hash.
SIG_HASH = $(or $(shell sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"/\1/p' $(KDIR)/.config 2>/dev/null),sha256)
sign: module
	@test -n "$(KEY)" -a -n "$(CERT)" || \
		{ echo "usage: make sign KEY=MOK.priv CERT=MOK.der [KDIR=...]" >&2; exit 2; }
	$(KDIR)/scripts/sign-file $(SIG_HASH) $(KEY) $(CERT) module/vmalens.ko

.PHONY: all module clean tools selftests check demo install uninstall sign
