# SPDX-License-Identifier: MIT
# ioverbs: plain GNU make.
#
#   make                    libraries, daemon, tool, examples, benchmarks (-O2)
#   make install            PREFIX (/usr/local), DESTDIR, BINDIR, SBINDIR,
#                           LIBDIR, INCLUDEDIR, MANDIR: see
#                           scripts/install_tree.sh
#   make check              every stage of CHECK_STAGES, then one
#                           "N passed, N failed"
#   make STAGE              one of them (check-asan, check-errnos, ...)
#   make demo               examples/embedded_demo, then the daemon demo
#   make bench              measure
#   make fuzz FUZZ_SECONDS=N    fuzz/fuzz.mk has the fuzzers' targets
#
# Everything goes under $(O) (default build/); test logs under
# $(O)/results/STAGE/.  `make check` uses $(JOBS) parallel jobs unless -j
# is given.

.DEFAULT_GOAL := all

ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
O ?= build
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes
INC := -Iinclude -Iinclude/uapi -Icompat
BASE_CFLAGS := -std=gnu11 -g -D_GNU_SOURCE $(WARN) $(INC) -pthread
LIBS := -lurcu-memb -pthread

SAN_ASAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_TSAN := -fsanitize=thread

CORE_SRCS := $(wildcard core/*.c core/*/*.c drivers/*/*.c) $(wildcard compat/*.c)
LIB_SRCS := $(wildcard lib/*.c)
TD_SRCS := tests/test_driver.c tests/harness.c tests/td_helpers.c
TEST_SRCS := $(filter-out $(TD_SRCS),$(sort $(wildcard tests/test_*.c)))
TESTS := $(patsubst tests/%.c,%,$(TEST_SRCS))
# Every test runs under TSan too: the rule and seed-bug tests race threads
# as well, and the whole suite takes seconds.
TSAN_TESTS := $(TESTS)
EXAMPLE_SRCS := $(wildcard examples/*.c)
BENCH_SRCS := $(wildcard bench/bench_*.c)
HEADERS := $(wildcard include/*/*.h include/uapi/rdma/*.h compat/*.h \
	core/*.h core/*/*.h drivers/*/*.h lib/*.h tests/*.h fuzz/*.h)

# $(call variant,NAME,COMPILER,FLAGS): objects, libraries and programs
# of one build variant under $(O)/NAME/.  libioverbs-core.a is core/ +
# compat/ (the "kernel side"); libioverbs.a is lib/ (the user library).
define variant
$(O)/$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(Q)$(2) $$(BASE_CFLAGS) $(3) -MMD -MP -c $$< -o $$@

$(O)/$(1)/libioverbs-core.a: $$(patsubst %.c,$(O)/$(1)/%.o,$$(CORE_SRCS))
	$$(Q)rm -f $$@ && ar rcs $$@ $$^

$(O)/$(1)/libioverbs.a: $$(patsubst %.c,$(O)/$(1)/%.o,$$(LIB_SRCS))
	$$(Q)rm -f $$@ && ar rcs $$@ $$^

$(O)/$(1)/tests/%: $(O)/$(1)/tests/%.o $$(patsubst %.c,$(O)/$(1)/%.o,$$(TD_SRCS)) \
		$(O)/$(1)/libioverbs.a $(O)/$(1)/libioverbs-core.a
	$$(Q)$(2) $(3) -o $$@ $$^ $$(LIBS)

$(O)/$(1)/examples/%: $(O)/$(1)/examples/%.o \
		$(O)/$(1)/libioverbs.a $(O)/$(1)/libioverbs-core.a
	$$(Q)$(2) $(3) -o $$@ $$^ $$(LIBS)

$(O)/$(1)/bench/%: $(O)/$(1)/bench/%.o $(O)/$(1)/tests/test_driver.o \
		$(O)/$(1)/libioverbs.a $(O)/$(1)/libioverbs-core.a
	$$(Q)$(2) $(3) -o $$@ $$^ $$(LIBS)
endef

$(eval $(call variant,rel,$(CC),-O2))
$(eval $(call variant,asan,$(CC),-O1 $(SAN_ASAN)))
$(eval $(call variant,tsan,$(CC),-O1 $(SAN_TSAN)))
$(eval $(call variant,clang,$(CLANG),-O1 $(SAN_ASAN)))

# Header dependencies, as the compiler found them (-MMD).
-include $(wildcard $(O)/*/*/*.d $(O)/*/*/*/*.d)

.SECONDARY:
.DELETE_ON_ERROR:

# --- the library -------------------------------------------------------
#
# libioverbs (lib/*.c: commands, verbs, shared queues over any transport)
# is shared and static; it needs nothing but libc, so a client of the
# daemon links no core.  Embedded mode (<ioverbs/embedded.h>) adds
# libioverbs-core.a, static only: the core's kernel names (kmalloc,
# mutex_lock, ...) stay inside the program that owns the device.

VERSION := 0.1.0
SOVERSION := $(firstword $(subst ., ,$(VERSION)))
SO := $(O)/rel/libioverbs.so
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man

$(O)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BASE_CFLAGS) -O2 -fPIC -MMD -MP -c $< -o $@

$(SO).$(VERSION): $(patsubst %.c,$(O)/pic/%.o,$(LIB_SRCS)) lib/libioverbs.map
	$(Q)$(CC) -shared -Wl,-soname,libioverbs.so.$(SOVERSION) \
		-Wl,--version-script=lib/libioverbs.map -Wl,-z,defs \
		-o $@ $(filter %.o,$^)
$(SO).$(SOVERSION): $(SO).$(VERSION)
	$(Q)ln -sf $(notdir $<) $@
$(SO): $(SO).$(SOVERSION)
	$(Q)ln -sf $(notdir $<) $@

REL_LIBS := $(O)/rel/libioverbs-core.a $(O)/rel/libioverbs.a $(SO)
REL_PROGS := $(patsubst %.c,$(O)/rel/%,$(EXAMPLE_SRCS) $(BENCH_SRCS)) \
	$(O)/rel/daemon/ioverbsd $(O)/rel/tools/ioverbs $(O)/rel/tools/ioverbs-ctl \
	$(O)/rel/provider/libioverbs-rdmav34.so
INSTALLED := $(REL_LIBS) $(O)/rel/daemon/ioverbsd $(O)/rel/tools/ioverbs \
	$(O)/rel/provider/libioverbs-rdmav34.so

all: $(REL_LIBS) $(REL_PROGS)

install: $(INSTALLED)
	$(Q)DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BINDIR="$(BINDIR)" \
		SBINDIR="$(SBINDIR)" LIBDIR="$(LIBDIR)" INCLUDEDIR="$(INCLUDEDIR)" \
		MANDIR="$(MANDIR)" VERSION=$(VERSION) SOVERSION=$(SOVERSION) \
		sh scripts/install_tree.sh $(O)/rel $(O)/man

# --- make check --------------------------------------------------------
#
# Each stage writes its logs (NAME.log, whose last "N passed, N failed"
# line counts) and verdicts (NAME.sum: build failures, crashes, skips)
# under $(R)/STAGE/; tests/summary.sh adds them up.  `check` runs every
# stage even after a failure (tests/check_all.sh); inside it a stage exits
# non-zero only when the stage itself broke.

CHECK_STAGES := \
	check-boundary \
	check-headers \
	check-errnos \
	check-man \
	check-build \
	check-install \
	check-asan \
	check-clang \
	check-tsan \
	check-daemon \
	check-daemon-tsan \
	check-conformance-daemon \
	fuzz-regress \
	fuzz-short \
	fuzz-soft-regress \
	fuzz-soft-short \
	fuzz-schema-short \
	fuzz-roce-regress \
	fuzz-roce-short \
	fuzz-roce-rx-regress \
	fuzz-roce-rx-short \
	check-provider \
	check-kernel \
	check-roce

.PHONY: all install check $(CHECK_STAGES) bench fuzz demo clean format

R := $(O)/results
# Sub-makes: quiet, and parallel even when `make check` was not given -j.
SUBMAKE_FLAGS = --no-print-directory $(if $(Q),-s) \
	$(if $(filter -j% --jobserver%,$(MAKEFLAGS)),,-j$(JOBS))
# A stage's verdict: its own summary line; its exit status too when run
# alone, not inside `check`.
STAGE_END = sh tests/summary.sh $(R)/$(1) $(1) $(if $(IN_CHECK),|| true)

check:
	@rm -rf $(R) && mkdir -p $(R)
	+@SUBMAKE="$(MAKE) $(SUBMAKE_FLAGS)" sh tests/check_all.sh $(R) $(CHECK_STAGES)

# $(call build_progs,STAGE,PROGRAMS): build what builds (make -k), then
# list in $(R)/STAGE/build-failed every program still out of date: the
# stage's script reports those as failures instead of running them.
define build_progs
	@rm -rf $(R)/$(1) && mkdir -p $(R)/$(1)
	$(if $(strip $(2)),-+$(Q)$(MAKE) $(SUBMAKE_FLAGS) -k $(2))
	@for p in $(2); do \
		$(MAKE) --no-print-directory -q $$p 2>/dev/null || echo $$p; \
	done >$(R)/$(1)/build-failed
endef

# $(call test_stage,STAGE,PROGRAMS)
define test_stage
	$(call build_progs,$(1),$(2))
	$(Q)sh tests/run.sh $(R)/$(1) $(2) || true
	$(Q)$(call STAGE_END,$(1))
endef

# core/ and drivers/ include nothing outside include/ and compat/.
check-boundary:
	@rm -rf $(R)/boundary
	$(Q)sh tests/check_boundary.sh $(R)/boundary || true
	$(Q)$(call STAGE_END,boundary)

# Every public header compiles on its own.
check-headers:
	@rm -rf $(R)/headers
	$(Q)sh tests/check_headers.sh $(R)/headers "$(CC) $(BASE_CFLAGS)" \
		"$(CLANG) $(BASE_CFLAGS)" || true
	$(Q)$(call STAGE_END,headers)

# One errno contract: each rule's errnos in docs/design.md, in the
# uapi header's DOC block and in ioverbs-abi(7) (made of it) are the same.
check-errnos:
	@rm -rf $(R)/errnos
	$(Q)sh scripts/check_errnos.sh $(R)/errnos || true
	$(Q)$(call STAGE_END,errnos)

# The -O2 build, and a run of every example.
check-build:
	$(call build_progs,build,$(REL_LIBS) $(REL_PROGS))
	$(Q)sh tests/check_build.sh $(R)/build $(O)/rel $(REL_LIBS) $(REL_PROGS)
	$(Q)$(call STAGE_END,build)

# `make install` into a scratch DESTDIR, and programs built against it
# with pkg-config alone.
check-install:
	$(call build_progs,install,$(INSTALLED))
	$(Q)CC="$(CC)" CLANG="$(CLANG)" sh tests/check_install.sh $(R)/install \
		"$(MAKE) --no-print-directory -s" || true
	$(Q)$(call STAGE_END,install)

check-asan:
	$(call test_stage,asan,$(addprefix $(O)/asan/tests/,$(TESTS)))

check-clang:
	$(call test_stage,clang,$(addprefix $(O)/clang/tests/,$(TESTS)))

check-tsan:
	$(call test_stage,tsan,$(addprefix $(O)/tsan/tests/,$(TSAN_TESTS)))

# --- other targets -----------------------------------------------------

# Every benchmark, its lines also in $(R)/bench/bench.txt, then the plots
# (scripts/bench_plot.sh: latency.png, bandwidth.png there), drawn even
# when a run failed (its figure is missing); then a failure fails.
bench: $(patsubst %.c,$(O)/rel/%,$(BENCH_SRCS))
	@mkdir -p $(R)/bench
	$(Q){ for b in $^; do $$b || echo "bench FAILED: $$b"; done; \
		IOVERBS_BUILD=$(abspath $(O))/rel sh scripts/roce_bench.sh || \
			echo "bench FAILED: scripts/roce_bench.sh"; } | \
		tee $(R)/bench/bench.txt
	$(Q)sh scripts/bench_plot.sh $(R)/bench/bench.txt $(R)/bench
	$(Q)! grep -q '^bench FAILED' $(R)/bench/bench.txt

# scripts/roce_bench.sh runs two daemons with --roce, perftest through
# the tool and the provider.
bench: | $(O)/rel/daemon/ioverbsd $(O)/rel/tools/ioverbs \
	$(O)/rel/provider/libioverbs-rdmav34.so

# bench_ring starts the daemon it measures; bench_perftest too, and runs
# perftest through the tool and the provider.
$(O)/rel/bench/bench_ring: | $(O)/rel/daemon/ioverbsd
$(O)/rel/bench/bench_perftest: | $(O)/rel/daemon/ioverbsd \
	$(O)/rel/tools/ioverbs $(O)/rel/provider/libioverbs-rdmav34.so

demo: $(O)/rel/examples/embedded_demo $(O)/rel/examples/daemon_pingpong \
		$(O)/rel/examples/rdma_rw $(O)/rel/daemon/ioverbsd \
		$(O)/rel/tools/ioverbs-ctl $(O)/rel/tools/ioverbs $(PROVIDER_SO)
	$(Q)$<
	$(Q)sh scripts/daemon_demo.sh $(O)/rel

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(O)

# The daemon, its control tool and its tests.
include daemon/daemon.mk
# The libibverbs provider and check-provider.
include provider/provider.mk
# The fuzz targets and their stages.
include fuzz/fuzz.mk
# The man pages and check-man.
include man/man.mk
# The kernel module, check-kernel and bench-kernel.
include kmod/kmod.mk
# check-roce (after kmod.mk: its KVER).
include tests/roce/roce.mk
