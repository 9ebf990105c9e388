# SPDX-License-Identifier: MIT
# ioverbs: plain GNU make.  `make` builds, `make check` runs every test,
# `make check-tsan` the concurrency tests under TSan, `make bench` measures,
# `make fuzz FUZZ_SECONDS=N` fuzzes for a bounded time.

CC ?= gcc
CLANG ?= clang
O ?= build
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes
INC := -Iinclude -Iinclude/uapi -Icompat
BASE_CFLAGS := -std=gnu11 -g -D_GNU_SOURCE $(WARN) $(INC) -pthread
LIBS := -lurcu-memb -pthread

SAN_ASAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_TSAN := -fsanitize=thread

CORE_SRCS := $(wildcard core/*.c) $(wildcard compat/*.c)
TD_SRCS := tests/test_driver.c tests/harness.c tests/td_helpers.c
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_SRCS := $(filter-out $(TD_SRCS),$(TEST_SRCS))
TESTS := $(patsubst tests/%.c,%,$(TEST_SRCS))
TSAN_TESTS := $(patsubst tests/%.c,%,$(sort $(wildcard tests/test_conc*.c)))
EXAMPLE_SRCS := $(wildcard examples/*.c)
BENCH_SRCS := $(wildcard bench/bench_*.c)

# variant name, compiler, extra flags
define variant
$(O)/$(1)/%.o: %.c $$(wildcard include/*/*.h include/uapi/rdma/*.h compat/*.h core/*.h tests/*.h)
	@mkdir -p $$(dir $$@)
	$$(Q)$(2) $$(BASE_CFLAGS) $(3) -c $$< -o $$@

$(O)/$(1)/libioverbs-core.a: $$(patsubst %.c,$(O)/$(1)/%.o,$$(CORE_SRCS))
	$$(Q)ar rcs $$@ $$^

$(O)/$(1)/tests/%: $(O)/$(1)/tests/%.o $$(patsubst %.c,$(O)/$(1)/%.o,$$(TD_SRCS)) $(O)/$(1)/libioverbs-core.a
	$$(Q)$(2) $(3) -o $$@ $$^ $$(LIBS)

$(O)/$(1)/examples/%: $(O)/$(1)/examples/%.o $$(patsubst %.c,$(O)/$(1)/%.o,tests/test_driver.c) $(O)/$(1)/libioverbs-core.a
	$$(Q)$(2) $(3) -o $$@ $$^ $$(LIBS)

$(O)/$(1)/bench/%: $(O)/$(1)/bench/%.o $$(patsubst %.c,$(O)/$(1)/%.o,tests/test_driver.c) $(O)/$(1)/libioverbs-core.a
	$$(Q)$(2) $(3) -o $$@ $$^ $$(LIBS)
endef

$(eval $(call variant,rel,$(CC),-O2))
$(eval $(call variant,asan,$(CC),-O1 $(SAN_ASAN)))
$(eval $(call variant,tsan,$(CC),-O1 $(SAN_TSAN)))
$(eval $(call variant,clang,$(CLANG),-O1 $(SAN_ASAN)))

.SECONDARY:
.PHONY: all check check-asan check-clang check-tsan check-boundary \
	check-headers bench fuzz fuzz-regress demo clean format

all: $(O)/rel/libioverbs-core.a \
	$(patsubst %.c,$(O)/rel/%,$(EXAMPLE_SRCS)) \
	$(patsubst %.c,$(O)/rel/%,$(BENCH_SRCS))

check: check-boundary check-headers check-asan check-clang check-tsan fuzz-regress
	$(Q)tests/summary.sh $(O)/results

check-asan: $(addprefix $(O)/asan/tests/,$(TESTS))
	$(Q)tests/run.sh $(O)/results/asan $^

check-clang: $(addprefix $(O)/clang/tests/,$(TESTS))
	$(Q)tests/run.sh $(O)/results/clang $^

check-tsan: $(addprefix $(O)/tsan/tests/,$(TSAN_TESTS))
	$(Q)tests/run.sh $(O)/results/tsan $^

# core/ and drivers/ include nothing outside include/ and compat/.
check-boundary:
	$(Q)tests/check_boundary.sh $(O)/results/boundary

# Every public header compiles on its own.
check-headers:
	$(Q)tests/check_headers.sh $(O)/results/headers "$(CC) $(BASE_CFLAGS)"

bench: $(patsubst %.c,$(O)/rel/%,$(BENCH_SRCS))
	$(Q)for b in $^; do $$b || exit 1; done

FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined $(BASE_CFLAGS)
$(O)/fuzz/fuzz_ioctl: fuzz/fuzz_ioctl.c tests/test_driver.c $(CORE_SRCS)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $^ $(LIBS)

fuzz: $(O)/fuzz/fuzz_ioctl
	@mkdir -p $(O)/fuzz/corpus
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
		$(O)/fuzz/corpus fuzz/corpus

# Replays the checked-in corpus and crash inputs: a regression test.
fuzz-regress: $(O)/fuzz/fuzz_ioctl
	$(Q)tests/fuzz_regress.sh $(O)/results/fuzz $<

demo: $(O)/rel/examples/embedded_demo
	$(Q)$<

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(O)
