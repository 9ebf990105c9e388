# SPDX-License-Identifier: MIT
# ioverbsd, the ioverbs tool and their tests; included at the end of the top
# Makefile (it uses $(O), $(Q), $(CC), BASE_CFLAGS, LIBS, SAN_ASAN, R and
# the variant rules and libraries).
#
#   $(O)/rel/daemon/ioverbsd    the daemon (-O2)
#   $(O)/asan/daemon/ioverbsd   the daemon with ASan+UBSan (tests use it)
#   $(O)/rel/tools/ioverbs      the tool (ioverbs-ctl: a link to it)
#   make check-daemon           the daemon tests, results in $(R)/daemon/
#   $(O)/asan/daemon/ioverbsd-test  the ASan daemon plus the test driver,
#                               served as MOUNT/td0 (tests only)
#   make check-conformance-daemon  the conformance suite (test_rules)
#                               through ioverbsd-test, results in
#                               $(R)/conformance-daemon/
#   make bench-daemon           a command through the daemon vs a no-op
#                               FUSE ioctl round trip

FUSE_CFLAGS := $(shell pkg-config --cflags fuse3 2>/dev/null || echo -I/usr/include/fuse3)
FUSE_LIBS := $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3 -lpthread)

DAEMON_SRCS := $(sort $(wildcard daemon/*.c))
TOOL_SRCS := $(sort $(wildcard tools/*.c))
DAEMON_TEST_SRCS := $(sort $(wildcard tests/daemon/test_*.c))
DAEMON_TESTS := $(patsubst tests/daemon/%.c,$(O)/asan/tests/daemon/%,$(DAEMON_TEST_SRCS))

# The variant rules compile daemon/*.c; they need libfuse's headers.
$(O)/rel/daemon/%.o $(O)/asan/daemon/%.o $(O)/tsan/daemon/%.o: \
	BASE_CFLAGS += $(FUSE_CFLAGS)

# `ioverbs --version`.
$(O)/rel/tools/ioverbs.o $(O)/asan/tools/ioverbs.o $(O)/tsan/tools/ioverbs.o: \
	BASE_CFLAGS += -DIOVERBS_VERSION='"$(VERSION)"'

# $(call daemon_variant,NAME,COMPILER,FLAGS)
define daemon_variant
$(O)/$(1)/daemon/ioverbsd: $(patsubst %.c,$(O)/$(1)/%.o,$(DAEMON_SRCS)) \
		$(O)/$(1)/libioverbs-core.a
	$$(Q)$(2) $(3) -o $$@ $$^ $$(FUSE_LIBS) $$(LIBS)

$(O)/$(1)/tools/ioverbs: $(patsubst %.c,$(O)/$(1)/%.o,$(TOOL_SRCS)) \
		$(O)/$(1)/libioverbs.a $(O)/$(1)/libioverbs-core.a
	$$(Q)$(2) $(3) -o $$@ $$^ $$(LIBS)

$(O)/$(1)/tools/ioverbs-ctl: $(O)/$(1)/tools/ioverbs
	$$(Q)ln -sf ioverbs $$@
endef

# ioverbs trace names upstream's commands from the installed kernel
# headers (one source: scripts/gen_upstream_names.sh makes C of them),
# compiled without our include/uapi, whose headers have the same names.
UPSTREAM_HEADERS := /usr/include/rdma/ib_user_ioctl_cmds.h \
	/usr/include/rdma/ib_user_verbs.h
$(O)/gen/upstream_names.c: scripts/gen_upstream_names.sh $(UPSTREAM_HEADERS)
	@mkdir -p $(dir $@)
	$(Q)sh $< $(UPSTREAM_HEADERS) >$@.tmp && mv $@.tmp $@

define upstream_names_variant
$(O)/$(1)/gen/upstream_names.o: $(O)/gen/upstream_names.c tools/trace_upstream.h
	@mkdir -p $$(dir $$@)
	$$(Q)$(2) -std=gnu11 -g $(WARN) $(3) -I. -c $$< -o $$@
$(O)/$(1)/tools/ioverbs: $(O)/$(1)/gen/upstream_names.o
endef
$(eval $(call upstream_names_variant,rel,$(CC),-O2))
$(eval $(call upstream_names_variant,asan,$(CC),-O1 $(SAN_ASAN)))
$(eval $(call upstream_names_variant,tsan,$(CC),-O1 $(SAN_TSAN)))

$(eval $(call daemon_variant,rel,$(CC),-O2))
$(eval $(call daemon_variant,asan,$(CC),-O1 $(SAN_ASAN)))
$(eval $(call daemon_variant,tsan,$(CC),-O1 $(SAN_TSAN)))

$(DAEMON_TESTS): $(O)/asan/tests/daemon/%: $(O)/asan/tests/daemon/%.o \
		$(O)/asan/tests/daemon/fixture.o $(O)/asan/tests/harness.o \
		$(O)/asan/libioverbs.a $(O)/asan/libioverbs-core.a
	$(Q)$(CC) -O1 $(SAN_ASAN) -o $@ $^ $(LIBS)

# The stall and stuck tests put a client's memory on a FUSE file system
# whose reads they hold (tests/daemon/blobfs.c).
BLOBFS_TESTS := $(O)/asan/tests/daemon/test_daemon_stall \
	$(O)/asan/tests/daemon/test_daemon_stuck
$(O)/asan/tests/daemon/blobfs.o: BASE_CFLAGS += $(FUSE_CFLAGS)
$(BLOBFS_TESTS): $(O)/asan/tests/daemon/blobfs.o
$(BLOBFS_TESTS): LIBS += $(FUSE_LIBS)

# test_trace runs the tool (with -f on examples/daemon_pingpong too) on
# tests/daemon/trace_target.c, and holds a traced command with blobfs.
TRACE_TARGET := $(O)/asan/tests/daemon/trace_target
$(TRACE_TARGET): $(O)/asan/tests/daemon/trace_target.o $(O)/asan/libioverbs.a
	$(Q)$(CC) -O1 $(SAN_ASAN) -o $@ $^ $(LIBS)
$(O)/asan/tests/daemon/test_trace: $(O)/asan/tests/daemon/blobfs.o
$(O)/asan/tests/daemon/test_trace: LIBS += $(FUSE_LIBS)
$(O)/asan/tests/daemon/test_trace: | $(TRACE_TARGET) $(O)/asan/tools/ioverbs \
	$(O)/asan/examples/daemon_pingpong

# test_daemon_legacy builds what libibverbs sends by itself from the
# installed kernel headers (tests/daemon/legacy_abi.c), compiled without
# our include/uapi, whose headers have the same names.
$(O)/asan/tests/daemon/legacy_abi.o: tests/daemon/legacy_abi.c \
		tests/daemon/legacy_abi.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g $(WARN) -O1 $(SAN_ASAN) -c $< -o $@
$(O)/asan/tests/daemon/test_daemon_legacy: $(O)/asan/tests/daemon/legacy_abi.o

# The process_vm address spaces, tested alone.
$(O)/asan/tests/daemon/test_daemon_pvm: $(O)/asan/daemon/pvm.o \
	$(O)/asan/daemon/log.o $(O)/asan/daemon/syslog.o

DAEMON_CHECK_PROGS := $(O)/asan/daemon/ioverbsd $(O)/asan/tools/ioverbs $(O)/asan/tools/ioverbs-ctl \
	$(DAEMON_TESTS)

# ioverbsd-test: the daemon's objects, the test driver, and the hook that
# registers it (tests/daemon/td_devices.c overrides the daemon's weak
# ivd_extra_devices()).  ioverbsd itself links no tests/ code.
IVD_TEST := $(O)/asan/daemon/ioverbsd-test
$(IVD_TEST): $(patsubst %.c,$(O)/asan/%.o,$(DAEMON_SRCS)) \
		$(O)/asan/tests/daemon/td_devices.o $(O)/asan/tests/test_driver.o \
		$(O)/asan/libioverbs-core.a
	$(Q)$(CC) -O1 $(SAN_ASAN) -o $@ $^ $(FUSE_LIBS) $(LIBS)

# test_rules runs over either transport (IOVERBS_TRANSPORT, see
# tests/transport.h): every variant of it links the transport and the
# daemon fixture.  They come after the libraries in $^, so the libraries
# are named again after them.
define conformance_link
$(O)/$(1)/tests/test_rules: $(O)/$(1)/tests/transport.o \
	$(O)/$(1)/tests/daemon/fixture.o
$(O)/$(1)/tests/test_rules: LIBS := $(O)/$(1)/libioverbs.a \
	$(O)/$(1)/libioverbs-core.a $(LIBS)
endef
$(foreach v,rel asan tsan clang,$(eval $(call conformance_link,$(v))))

CONFORMANCE_PROGS := $(O)/asan/tests/test_rules

.PHONY: check-daemon check-daemon-tsan check-conformance-daemon bench-daemon

# The tests start $(IOVERBSD) on a fresh mount each; they need root (or
# /dev/fuse and CAP_SYS_ADMIN) and skip otherwise.
check-daemon:
	$(call build_progs,daemon,$(DAEMON_CHECK_PROGS))
	$(Q)IOVERBSD=$(O)/asan/daemon/ioverbsd IOVERBS_CTL=$(O)/asan/tools/ioverbs-ctl \
		sh tests/run.sh $(R)/daemon $(DAEMON_TESTS) || true
	$(Q)$(call STAGE_END,daemon)

# The same tests against a TSan build of the daemon: its FUSE thread, the
# NIC threads of the shared queues, the workqueue and event files meet
# there (a TSan report in its log fails the test, as in fx_stop()).
DAEMON_TSAN_PROGS := $(O)/tsan/daemon/ioverbsd $(O)/asan/tools/ioverbs $(O)/asan/tools/ioverbs-ctl \
	$(DAEMON_TESTS)

check-daemon-tsan:
	$(call build_progs,daemon-tsan,$(DAEMON_TSAN_PROGS))
	$(Q)IOVERBSD=$(O)/tsan/daemon/ioverbsd IOVERBS_CTL=$(O)/asan/tools/ioverbs-ctl \
		TSAN_OPTIONS=halt_on_error=1:atexit_sleep_ms=0 \
		sh tests/run.sh $(R)/daemon-tsan $(DAEMON_TESTS) || true
	$(Q)$(call STAGE_END,daemon-tsan)

# The conformance suite, the same program as check-asan's, with every
# command a real ioctl() on MOUNT/td0 of an ioverbsd-test started per test
# (needs root and /dev/fuse, as check-daemon).  Without the daemon, the
# suite counts as not built.
check-conformance-daemon:
	$(call build_progs,conformance-daemon,$(IVD_TEST) $(CONFORMANCE_PROGS))
	@! grep -qxF $(IVD_TEST) $(R)/conformance-daemon/build-failed || \
		printf '%s\n' $(CONFORMANCE_PROGS) >>$(R)/conformance-daemon/build-failed
	$(Q)IOVERBS_TRANSPORT=daemon IOVERBSD=$(IVD_TEST) \
		sh tests/run.sh $(R)/conformance-daemon $(CONFORMANCE_PROGS) || true
	$(Q)$(call STAGE_END,conformance-daemon)

# bench/bench_daemon.c is also built by `make bench` (it is a bench_*.c);
# it finds the daemon next to itself and says so when it is missing.
$(O)/rel/bench/bench_daemon: | $(O)/rel/daemon/ioverbsd

# bench_trace runs the tool on itself against the daemon.
$(O)/rel/bench/bench_trace: | $(O)/rel/daemon/ioverbsd $(O)/rel/tools/ioverbs

bench-daemon: $(O)/rel/bench/bench_daemon $(O)/rel/daemon/ioverbsd
	$(Q)$< --daemon=$(O)/rel/daemon/ioverbsd
