# SPDX-License-Identifier: GPL-2.0
#
#   make                  the module, for the running kernel or KDIR=...
#   make tools            the userspace programs (STATIC=1 for guests/Android)
#   make check            build + boot every target kernel, run the selftests
#   make demo             boot the default VM and show vmalens at work

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

.PHONY: all module clean tools selftests check demo
