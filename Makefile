# SPDX-License-Identifier: MIT
# ioverbs: plain GNU make.
#
#   make                    the library, examples and benchmarks (-O2)
#   make check              every test stage, then one "N passed, N failed"
#   make check-STAGE        one stage: boundary headers build asan clang tsan
#                           daemon daemon-tsan conformance-daemon
#   make fuzz-regress       replay the fuzz corpus (a stage of check)
#   make demo               run examples/embedded_demo, then the daemon demo
#   make bench              measure
#   make fuzz FUZZ_SECONDS=N
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
.PHONY: fuzz-short all check check-asan check-clang check-tsan check-boundary \
	check-headers check-build bench fuzz fuzz-regress demo clean format

REL_LIBS := $(O)/rel/libioverbs-core.a $(O)/rel/libioverbs.a
REL_PROGS := $(patsubst %.c,$(O)/rel/%,$(EXAMPLE_SRCS) $(BENCH_SRCS)) \
	$(O)/rel/daemon/ioverbsd $(O)/rel/tools/ioverbs-ctl

all: $(REL_LIBS) $(REL_PROGS)

# --- make check --------------------------------------------------------
#
# Every stage runs even when an earlier one failed; each writes logs
# (NAME.log, whose last "N passed, N failed" line counts) and verdicts
# (NAME.sum: build failures, crashes, skipped stages) under
# $(O)/results/STAGE/, and tests/summary.sh adds them all up.  Inside
# `check` a stage exits non-zero only when the stage itself broke, which
# counts as one more failure.

CHECK_STAGES := check-boundary check-headers check-build check-asan \
	check-clang check-tsan check-daemon check-daemon-tsan \
	check-conformance-daemon fuzz-regress \
	fuzz-short fuzz-soft-regress fuzz-soft-short
R := $(O)/results
# Sub-makes: quiet, and parallel even when `make check` was not given -j.
SUBMAKE_FLAGS = --no-print-directory $(if $(Q),-s) \
	$(if $(filter -j% --jobserver%,$(MAKEFLAGS)),,-j$(JOBS))
# A stage's verdict: its own summary line; its exit status too when run
# alone, not inside `check`.
STAGE_END = sh tests/summary.sh $(R)/$(1) $(1) $(if $(IN_CHECK),|| true)

check:
	@rm -rf $(R) && mkdir -p $(R)
	@for s in $(CHECK_STAGES); do \
		echo "== $$s"; \
		$(MAKE) $(SUBMAKE_FLAGS) IN_CHECK=1 $$s; rc=$$?; \
		if [ $$rc -ne 0 ]; then \
			echo "not ok $$s: the stage itself failed (exit $$rc)" | \
				tee $(R)/$$s.sum; \
			echo "0 passed, 1 failed" >>$(R)/$$s.sum; \
		fi; \
	done; \
	echo "== summary"; \
	sh tests/summary.sh $(R)

# $(call build_progs,STAGE,PROGRAMS): build what builds (make -k), then
# list in $(R)/STAGE/build-failed every program that is still out of
# date: tests/run.sh reports those as failures instead of running them.
define build_progs
	@rm -rf $(R)/$(1) && mkdir -p $(R)/$(1)
	$(if $(strip $(2)),-+$(Q)$(MAKE) $(SUBMAKE_FLAGS) -k $(2))
	@for p in $(2); do \
		$(MAKE) --no-print-directory -q $$p 2>/dev/null || echo $$p; \
	done >$(R)/$(1)/build-failed
endef

# $(call test_stage,STAGE,PROGRAMS,WHY-EMPTY)
define test_stage
	$(call build_progs,$(1),$(2))
	$(Q)RUN_EMPTY_REASON="$(3)" sh tests/run.sh $(R)/$(1) $(2) || true
	$(Q)$(call STAGE_END,$(1))
endef

check-asan:
	$(call test_stage,asan,$(addprefix $(O)/asan/tests/,$(TESTS)),no tests/test_*.c)

check-clang:
	$(call test_stage,clang,$(addprefix $(O)/clang/tests/,$(TESTS)),no tests/test_*.c)

check-tsan:
	$(call test_stage,tsan,$(addprefix $(O)/tsan/tests/,$(TSAN_TESTS)),no tests/test_*.c)

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

# The -O2 build (library, examples, benchmarks) and a run of every example.
check-build:
	$(call build_progs,build,$(REL_LIBS) $(REL_PROGS))
	@for p in $(REL_LIBS) $(REL_PROGS); do \
		n=$$(basename $$p); \
		if grep -qxF $$p $(R)/build/build-failed; then \
			printf 'not ok build/%s: build failed\n0 passed, 1 failed\n' $$n; \
		else \
			printf 'ok build/%s\n1 passed, 0 failed\n' $$n; \
		fi >$(R)/build/$$n.sum; head -n1 $(R)/build/$$n.sum; \
	done
	@for p in $(patsubst %.c,$(O)/rel/%,$(EXAMPLE_SRCS)); do \
		n=$$(basename $$p); s=$(R)/build/run-$$n.sum; \
		run=$$p; \
		case $$n in daemon_*) run="sh scripts/daemon_demo.sh $(O)/rel";; esac; \
		if [ -x $$p ] && ! grep -qxF $$p $(R)/build/build-failed; then \
			timeout -k 5 120 $$run >$(R)/build/run-$$n.out 2>&1 </dev/null; rc=$$?; \
			if [ $$rc -eq 0 ]; then \
				printf 'ok build/run-%s\n1 passed, 0 failed\n' $$n >$$s; \
			else \
				cat $(R)/build/run-$$n.out; \
				printf 'not ok build/run-%s: exited %s\n0 passed, 1 failed\n' $$n $$rc >$$s; \
			fi; \
		else \
			printf 'not ok build/run-%s: not built\n0 passed, 1 failed\n' $$n >$$s; \
		fi; head -n1 $$s; \
	done
	$(Q)$(call STAGE_END,build)

# Replays the checked-in corpus and crash inputs: a regression test.
# tests/fuzz_regress.sh RESULTS_DIR FUZZER prints "N passed, N failed" and
# writes RESULTS_DIR/fuzz_regress.log.
fuzz-regress:
	@rm -rf $(R)/fuzz-regress && mkdir -p $(R)/fuzz-regress
ifeq ($(wildcard fuzz/fuzz_ioctl.c tests/fuzz_regress.sh),fuzz/fuzz_ioctl.c tests/fuzz_regress.sh)
	$(call build_progs,fuzz-regress,$(O)/fuzz/fuzz_ioctl)
	@d=$(R)/fuzz-regress; pat='^([A-Za-z0-9_./-]+: )?[0-9]+ passed, [0-9]+ failed'; \
	if [ -s $$d/build-failed ]; then \
		printf 'not ok fuzz-regress: fuzz_ioctl build failed\n0 passed, 1 failed\n' \
			| tee $$d/build.sum | head -n1; \
	else \
		bash tests/fuzz_regress.sh $$d $(O)/fuzz/fuzz_ioctl </dev/null \
			>$$d/stdout 2>&1; rc=$$?; cat $$d/stdout; \
		sum=$$(grep -hE "$$pat" $$d/fuzz_regress.log 2>/dev/null | tail -n1); \
		if [ -z "$$sum" ]; then \
			sum=$$(grep -E "$$pat" $$d/stdout | tail -n1); \
			[ -n "$$sum" ] && echo "$$sum" >$$d/stdout.sum; \
		fi; \
		why=; \
		if [ -z "$$sum" ]; then \
			why="exited $$rc without a summary"; \
		elif [ $$rc -ne 0 ] && echo "$$sum" | grep -qE ' 0 failed'; then \
			why="tests/fuzz_regress.sh exited $$rc"; \
		fi; \
		if [ -n "$$why" ]; then \
			printf 'not ok fuzz-regress: %s\n0 passed, 1 failed\n' "$$why" | \
				tee $$d/verdict.sum | head -n1; \
		fi; \
	fi
else
	@printf 'skip fuzz-regress: %s\n0 passed, 0 failed, 1 skipped\n' \
		"fuzz/fuzz_ioctl.c or tests/fuzz_regress.sh not written yet" | \
		tee $(R)/fuzz-regress/skipped.sum | head -n1
endif
	$(Q)$(call STAGE_END,fuzz-regress)

# A short, bounded fuzz run from the seed corpus: new inputs, not only the
# checked-in ones.  A crash input lands in $(R)/fuzz-short/.
CHECK_FUZZ_SECONDS ?= 30
fuzz-short:
ifneq ($(wildcard fuzz/fuzz_ioctl.c),)
	$(call build_progs,fuzz-short,$(O)/fuzz/fuzz_ioctl)
	@d=$(R)/fuzz-short; mkdir -p $$d/corpus; \
	if [ -s $$d/build-failed ]; then \
		printf 'not ok fuzz-short: fuzz_ioctl build failed\n0 passed, 1 failed\n'; \
	else \
		ASAN_OPTIONS=allow_user_segv_handler=1 \
		timeout -k 10 $$(($(CHECK_FUZZ_SECONDS) + 120)) $(O)/fuzz/fuzz_ioctl \
			-max_total_time=$(CHECK_FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 -artifact_prefix=$$d/ \
			$$d/corpus fuzz/corpus >$$d/fuzz.out 2>&1 </dev/null; rc=$$?; \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$d/fuzz.out); \
		if [ $$rc -eq 0 ]; then \
			printf 'ok fuzz-short: %s execs in %s s, no findings\n1 passed, 0 failed\n' \
				"$$execs" $(CHECK_FUZZ_SECONDS); \
		else \
			tail -n 40 $$d/fuzz.out >&2; \
			printf 'not ok fuzz-short: the fuzzer exited %s (see %s)\n0 passed, 1 failed\n' \
				$$rc $$d/fuzz.out; \
		fi; \
	fi >$$d/fuzz.sum; head -n1 $$d/fuzz.sum
else
	@mkdir -p $(R)/fuzz-short
	@printf 'skip fuzz-short: no fuzz/fuzz_ioctl.c\n0 passed, 0 failed, 1 skipped\n' | \
		tee $(R)/fuzz-short/skipped.sum | head -n1
endif
	$(Q)$(call STAGE_END,fuzz-short)

# --- other targets -----------------------------------------------------

bench: $(patsubst %.c,$(O)/rel/%,$(BENCH_SRCS))
	$(Q)for b in $^; do $$b || exit 1; done

# bench_ring starts the daemon it measures.
$(O)/rel/bench/bench_ring: | $(O)/rel/daemon/ioverbsd

FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined $(BASE_CFLAGS)
$(O)/fuzz/fuzz_ioctl: fuzz/fuzz_ioctl.c tests/test_driver.c $(CORE_SRCS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(LIBS)

fuzz: $(O)/fuzz/fuzz_ioctl
	@mkdir -p $(O)/fuzz/corpus
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
		$(O)/fuzz/corpus $(wildcard fuzz/corpus)

demo: $(O)/rel/examples/embedded_demo $(O)/rel/examples/daemon_pingpong \
		$(O)/rel/daemon/ioverbsd $(O)/rel/tools/ioverbs-ctl
	$(Q)$<
	$(Q)sh scripts/daemon_demo.sh $(O)/rel

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(O)

# The daemon, its control tool and its tests.
include daemon/daemon.mk
# The second fuzz target: standard actions on the soft device.
include fuzz/soft.mk
