# SPDX-License-Identifier: MIT
# make check-roce: the RoCEv2 test bed (tests/roce/check_roce.sh,
# docs/roce.md): two rdma_rxe guests of Debian's kernel (KVER, as
# kmod/kmod.mk resolves it, which is included first) on a bridge in a
# network namespace, and two namespaces on a veth pair.  Needs root.

# Why check-roce cannot run here, or nothing.
ROCE_SKIP = $(strip \
	$(if $(filter 0,$(shell id -u)),,not root (network namespaces);) \
	$(if $(wildcard /dev/net/tun),,no /dev/net/tun;) \
	$(if $(shell command -v qemu-system-x86_64),,no qemu-system-x86_64 (package qemu-system-x86);) \
	$(if $(wildcard /boot/vmlinuz-$(KVER)),,no /boot/vmlinuz-$(KVER) (package linux-image-amd64);) \
	$(if $(wildcard /lib/modules/$(KVER)/modules.dep),,no /lib/modules/$(KVER)/modules.dep (package linux-image-amd64);) \
	$(if $(wildcard /bin/busybox),,no /bin/busybox (package busybox-static);) \
	$(if $(shell command -v cpio),,no cpio;) \
	$(if $(shell command -v rdma),,no rdma (package iproute2);) \
	$(if $(shell command -v ibv_rc_pingpong),,no ibv_rc_pingpong (package ibverbs-utils);) \
	$(if $(shell command -v ib_write_bw),,no ib_write_bw (package perftest);) \
	$(if $(wildcard /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav34.so),,no librxe (package ibverbs-providers);))

# The forwarder that drops and reorders frames between two namespaces
# (scripts/roce_net.sh veth -l/-r).
ROCE_NETIMP := $(O)/roce/netimp

$(ROCE_NETIMP): tests/roce/netimp.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -O2 $(WARN) -o $@ $<

.PHONY: check-roce

# The interop tests (tests/roce/check_interop.sh) run ioverbsd, the tool
# and the provider of the release build against rdma_rxe.
ROCE_PROGS := $(O)/rel/daemon/ioverbsd $(O)/rel/tools/ioverbs \
	$(O)/rel/provider/libioverbs-rdmav34.so

check-roce: $(if $(ROCE_SKIP),,$(ROCE_PROGS))
	@rm -rf $(R)/roce && mkdir -p $(R)/roce
ifneq ($(ROCE_SKIP),)
	@printf 'skip roce: %s\n0 passed, 0 failed, 1 skipped\n' "$(ROCE_SKIP)" \
		| tee $(R)/roce/roce.sum | head -n1
else
	$(call build_progs,roce,$(ROCE_NETIMP))
	$(Q)KVER=$(KVER) ROCE_NETIMP=$$(test -s $(R)/roce/build-failed || \
		echo $(ROCE_NETIMP)) sh tests/roce/check_roce.sh $(R)/roce || true
	$(Q)KVER=$(KVER) IOVERBS_BUILD=$(abspath $(O))/rel \
		sh tests/roce/check_interop.sh $(R)/roce/interop || true
	$(Q)IOVERBS_BUILD=$(abspath $(O))/rel ROCE_NETIMP=$$(test -s $(R)/roce/build-failed || \
		echo $(ROCE_NETIMP)) sh tests/roce/check_hosts.sh $(R)/roce/hosts || true
endif
	$(Q)$(call STAGE_END,roce)
