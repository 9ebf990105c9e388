# SPDX-License-Identifier: MIT
# The kernel module and its tests; included at the end of the top Makefile.
#
#   make kmod           $(O)/kmod/ioverbs_core.ko and ioverbs_soft.ko (the
#                       soft device and the test driver) against the
#                       installed headers
#   make check-kernel   the conformance suite and tests/kernel/ inside a
#                       qemu guest running Debian's kernel with the module
#                       (scripts/kernel_guest.sh)
#   make bench-kernel   a control command through our module and through
#                       upstream's ib_uverbs on rdma_rxe, in one guest boot
#
# KVER: the kernel release the metapackage linux-headers-amd64 depends
# on (Debian 12: 6.1.0-N-amd64), else the newest
# /usr/src/linux-headers-*-amd64; never a fixed version.  KDIR: its
# build tree.  The guest boots /boot/vmlinuz-KVER (linux-image-amd64
# resolves to the same release).

ifndef KVER
KVER := $(or $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 \
		2>/dev/null | sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p'), \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		sed 's|.*/linux-headers-||' | sort -V | tail -n 1))
endif
KDIR ?= $(if $(KVER),/usr/src/linux-headers-$(KVER))
KMOD_DIR := $(O)/kmod
# The core module; the driver module ioverbs_soft.ko is made beside it
# (scripts/kernel_guest.sh finds it there).
KMOD := $(KMOD_DIR)/ioverbs_core.ko
KMOD_INPUTS := $(wildcard core/*.c core/*/*.c core/*.h core/*/*.h drivers/*/*.c \
	drivers/*/*.h compat/kernel/*.c compat/kernel/*.h compat/kernel/*/*.h \
	include/rdma/*.h include/uapi/rdma/*.h kmod/*.c kmod/*.h kmod/Kbuild) \
	tests/test_driver.c tests/test_driver.h

.PHONY: kmod check-kernel bench-kernel

kmod: $(KMOD)

# Kbuild writes objects beside their sources: it builds a copy.  No BTF:
# the headers package has no vmlinux to base it on (kbuild says so, and
# skips it, on every build).  Kbuild leaves the module alone when no
# copied source changed: touched, it is newer than what it was made of.
$(KMOD): $(KMOD_INPUTS)
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "kmod: no kernel headers (install linux-headers-amd64, or set KDIR)" >&2; \
		exit 1; fi
	@mkdir -p $(KMOD_DIR)
	$(Q)for f in $(KMOD_INPUTS); do \
		mkdir -p $(KMOD_DIR)/$$(dirname $$f) && \
		cmp -s $$f $(KMOD_DIR)/$$f || cp $$f $(KMOD_DIR)/$$f; done
	$(Q)cp kmod/Kbuild $(KMOD_DIR)/Kbuild
	$(Q)$(MAKE) --no-print-directory -C $(KDIR) M=$(abspath $(KMOD_DIR)) \
		KMOD_SRC=$(abspath $(KMOD_DIR)) CONFIG_DEBUG_INFO_BTF_MODULES= \
		$(if $(Q),-s) modules
	$(Q)awk '{ print $$2 }' $(KDIR)/Module.symvers | sort > $(KMOD_DIR)/kernel.syms
	$(Q)awk '{ print $$2 }' $(KMOD_DIR)/Module.symvers | sort > $(KMOD_DIR)/ours.syms
	$(Q)clash=$$(comm -12 $(KMOD_DIR)/kernel.syms $(KMOD_DIR)/ours.syms); \
	if [ -n "$$clash" ]; then \
		echo "kmod: the kernel exports these too (rename them in compat/kernel/compat.h):" $$clash >&2; \
		exit 1; fi
	@touch $@

# --- check-kernel ------------------------------------------------------
#
# The conformance suite built static for the guest (no sanitizers: the
# guest has no libraries), the same program as check-asan's with
# IOVERBS_TRANSPORT=kernel (tests/transport.h).

$(eval $(call variant,static,$(CC),-O1 -static))
$(eval $(call conformance_link,static))
# tests/kernel/: what only the module's guest runs (fail-nth through the
# control node).
KERNEL_PROGS := $(O)/static/tests/test_rules \
	$(patsubst %.c,$(O)/static/%,$(wildcard tests/kernel/test_*.c))

# Why the kernel stages cannot run here, or nothing.
KERNEL_SKIP = $(strip \
	$(if $(shell command -v qemu-system-x86_64),,no qemu-system-x86_64 (package qemu-system-x86);) \
	$(if $(wildcard $(KDIR)/Makefile),,no kernel headers in "$(KDIR)" (package linux-headers-amd64);) \
	$(if $(wildcard /boot/vmlinuz-$(KVER)),,no /boot/vmlinuz-$(KVER) (package linux-image-amd64);) \
	$(if $(wildcard /bin/busybox),,no /bin/busybox (package busybox-static);) \
	$(if $(shell command -v cpio),,no cpio;))

check-kernel:
	@rm -rf $(R)/kernel && mkdir -p $(R)/kernel
ifneq ($(KERNEL_SKIP),)
	@printf 'skip kernel: %s\n0 passed, 0 failed, 1 skipped\n' "$(KERNEL_SKIP)" \
		| tee $(R)/kernel/kernel.sum | head -n1
else
	$(call build_progs,kernel,$(KMOD) $(KERNEL_PROGS))
	@if [ -s $(R)/kernel/build-failed ]; then \
		sed 's/^/not ok build: /;$$a0 passed, 1 failed' \
			$(R)/kernel/build-failed >$(R)/kernel/build.sum; \
	else \
		sh scripts/kernel_guest.sh check $(R)/kernel $(KVER) $(KMOD) \
			$(KERNEL_PROGS) || true; \
	fi
endif
	$(Q)$(call STAGE_END,kernel)

# --- bench-kernel ------------------------------------------------------
#
# bench/kernel/: QUERY_PORT through the module against upstream's
# ib_uverbs on rdma_rxe, in one guest boot.  upstream.c is compiled
# against the system's <rdma/> headers alone (ours have the same names).

BENCH_KERNEL := $(O)/static/bench/kernel/bench_kernel

$(O)/static/bench/kernel/upstream.o: bench/kernel/upstream.c bench/kernel/upstream.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -O2 $(WARN) -c $< -o $@

$(BENCH_KERNEL): $(O)/static/bench/kernel/bench_kernel.o \
		$(O)/static/bench/kernel/upstream.o $(O)/static/libioverbs.a
	$(Q)$(CC) -O1 -static -o $@ $^ -pthread

ifneq ($(KERNEL_SKIP),)
bench-kernel:
	@echo "bench-kernel: skipped: $(KERNEL_SKIP)"
else
bench-kernel: $(KMOD) $(BENCH_KERNEL)
	$(Q)sh scripts/kernel_guest.sh bench $(R)/bench-kernel $(KVER) $(KMOD) \
		$(BENCH_KERNEL)
endif
