# SPDX-License-Identifier: MIT
# The libibverbs provider; included by the top Makefile.
#
#   $(O)/rel/provider/libioverbs-rdmav34.so   the provider (-O2, PIC, lib/
#                               linked in: it needs libc and libibverbs)
#   make check-provider         its ABI check and smoke test, results in
#                               $(R)/provider/
#
# provider.c includes <infiniband/verbs.h>, whose uapi headers share names
# with ours: it is compiled without include/uapi, and only ivp_cmd.c,
# ivp_data.c and direct.c talk to lib/ (provider/ivp.h is what the two
# halves share).

PROVIDER_SO := $(O)/rel/provider/libioverbs-rdmav34.so
PROVIDER_OBJS := $(O)/pic/provider/provider.o $(O)/pic/provider/ivp_cmd.o \
	$(O)/pic/provider/ivp_data.o $(O)/pic/provider/direct.o \
	$(O)/pic/provider/direct_srq.o \
	$(O)/pic/provider/mr.o \
	$(O)/pic/provider/cq.o $(O)/pic/provider/qp.o \
	$(O)/pic/provider/srq.o $(O)/pic/provider/ah.o

# The libibverbs half (ivp_cmd.c and ivp_data.c build as lib/ does).
$(O)/pic/provider/provider.o $(O)/pic/provider/mr.o $(O)/pic/provider/cq.o \
$(O)/pic/provider/qp.o $(O)/pic/provider/srq.o $(O)/pic/provider/ah.o: \
	$(O)/pic/provider/%.o: provider/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -D_GNU_SOURCE $(WARN) -pthread -O2 -fPIC \
		-MMD -MP -c $< -o $@

$(PROVIDER_SO): $(PROVIDER_OBJS) $(patsubst %.c,$(O)/pic/%.o,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	$(Q)$(CC) -shared -Wl,-z,defs -Wl,--version-script=provider/provider.map \
		-o $@ $^ -libverbs -pthread

# A program that asks libibverbs for devices (tests/provider/smoke.c).
PROVIDER_SMOKE := $(O)/rel/tests/provider/smoke
$(PROVIDER_SMOKE): tests/provider/smoke.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -D_GNU_SOURCE $(WARN) -O2 -o $@ $< -libverbs

# What the clients below share (tests/provider/client.h).
PROVIDER_CLIENT := tests/provider/client.c tests/provider/client.h

# The verbs past the PD through libibverbs alone (tests/provider/verbs.c).
PROVIDER_VERBS := $(O)/rel/tests/provider/verbs
$(PROVIDER_VERBS): tests/provider/verbs.c $(PROVIDER_CLIENT)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -D_GNU_SOURCE $(WARN) -O2 -o $@ \
		$(filter %.c,$^) -libverbs -pthread

# The data path's semantics on either path (tests/provider/direct.c).
PROVIDER_DIRECT := $(O)/rel/tests/provider/direct
$(PROVIDER_DIRECT): tests/provider/direct.c include/uapi/rdma/soft_direct.h \
	$(PROVIDER_CLIENT)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -D_GNU_SOURCE $(WARN) -O2 -o $@ \
		$(filter %.c,$^) -libverbs

# SRQs on either path (tests/provider/srq.c).
PROVIDER_SRQ := $(O)/rel/tests/provider/srq
$(PROVIDER_SRQ): tests/provider/srq.c include/uapi/rdma/soft_direct.h \
	$(PROVIDER_CLIENT)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -D_GNU_SOURCE $(WARN) -O2 -o $@ \
		$(filter %.c,$^) -libverbs -pthread

# Async events through libibverbs alone (tests/provider/async.c).
PROVIDER_ASYNC := $(O)/rel/tests/provider/async
$(PROVIDER_ASYNC): tests/provider/async.c $(PROVIDER_CLIENT)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -D_GNU_SOURCE $(WARN) -O2 -o $@ \
		$(filter %.c,$^) -libverbs

# A client that connects QPs to a peer and sleeps (tests/provider/idle.c).
PROVIDER_IDLE := $(O)/rel/tests/provider/idle
$(PROVIDER_IDLE): tests/provider/idle.c $(PROVIDER_CLIENT)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -D_GNU_SOURCE $(WARN) -O2 -o $@ \
		$(filter %.c,$^) -libverbs -pthread

# tests/test_direct.c drives provider/direct.c without a device (lib/
# again after it: it calls lib/).
$(foreach v,rel asan tsan clang,$(eval \
	$(O)/$(v)/tests/test_direct: $(O)/$(v)/provider/direct.o)$(eval \
	$(O)/$(v)/tests/test_direct: LIBS += $(O)/$(v)/libioverbs.a))

# The same provider and client built with TSan ($(O)/tsan-pic/: PIC and
# -fsanitize=thread), for the threaded part of tests/provider/verbs.c;
# tests/daemon/test_pingpong.c runs them when they are built.
PROVIDER_TSAN_SO := $(O)/tsan/provider/libioverbs-rdmav34.so
PROVIDER_TSAN_VERBS := $(O)/tsan/tests/provider/verbs
PROVIDER_TSAN_LIBVERBS_SRCS := provider/provider.c provider/mr.c \
	provider/cq.c provider/qp.c provider/srq.c provider/ah.c
PROVIDER_TSAN_LIB_SRCS := provider/ivp_cmd.c provider/ivp_data.c \
	provider/direct.c provider/direct_srq.c $(LIB_SRCS)

$(patsubst %.c,$(O)/tsan-pic/%.o,$(PROVIDER_TSAN_LIBVERBS_SRCS)): \
	$(O)/tsan-pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -D_GNU_SOURCE $(WARN) -pthread -O1 -fPIC \
		$(SAN_TSAN) -MMD -MP -c $< -o $@

$(patsubst %.c,$(O)/tsan-pic/%.o,$(PROVIDER_TSAN_LIB_SRCS)): \
	$(O)/tsan-pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BASE_CFLAGS) -O1 -fPIC $(SAN_TSAN) -MMD -MP -c $< -o $@

$(PROVIDER_TSAN_SO): $(patsubst %.c,$(O)/tsan-pic/%.o,\
	$(PROVIDER_TSAN_LIBVERBS_SRCS) $(PROVIDER_TSAN_LIB_SRCS))
	@mkdir -p $(dir $@)
	$(Q)$(CC) -shared $(SAN_TSAN) -Wl,--version-script=provider/provider.map \
		-o $@ $^ -libverbs -pthread

PROVIDER_TSAN_SRQ := $(O)/tsan/tests/provider/srq
$(PROVIDER_TSAN_SRQ): tests/provider/srq.c include/uapi/rdma/soft_direct.h \
	$(PROVIDER_CLIENT)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -D_GNU_SOURCE $(WARN) -O1 $(SAN_TSAN) -o $@ \
		$(filter %.c,$^) -libverbs -pthread

$(PROVIDER_TSAN_VERBS): tests/provider/verbs.c $(PROVIDER_CLIENT)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -g -D_GNU_SOURCE $(WARN) -O1 $(SAN_TSAN) -o $@ \
		$(filter %.c,$^) -libverbs -pthread

.PHONY: check-provider
check-provider:
	$(call build_progs,provider,$(PROVIDER_SO) $(PROVIDER_SMOKE))
	$(Q)sh tests/provider/check.sh $(R)/provider $(PROVIDER_SO) \
		$(PROVIDER_SMOKE) || true
	$(Q)$(call STAGE_END,provider)

# tests/daemon/test_run.c runs ibv_devices, ibv_devinfo and the smoke
# client through `ioverbs run` with the -O2 provider: an ASan one could
# not be preloaded into programs built without ASan.
$(O)/asan/tests/daemon/test_run: | $(PROVIDER_SO) $(PROVIDER_SMOKE) \
	$(O)/asan/tools/ioverbs
# tests/daemon/test_pingpong.c: ibv_rc_pingpong through `ioverbs run`.
$(O)/asan/tests/daemon/test_pingpong: | $(PROVIDER_SO) $(PROVIDER_VERBS) \
	$(PROVIDER_ASYNC) $(PROVIDER_IDLE) $(PROVIDER_DIRECT) $(PROVIDER_SRQ) \
	$(PROVIDER_TSAN_SO) $(PROVIDER_TSAN_VERBS) $(PROVIDER_TSAN_SRQ) \
	$(O)/asan/tools/ioverbs
# tests/daemon/test_pyverbs.c: rdma-core's pyverbs tests through `ioverbs run`.
$(O)/asan/tests/daemon/test_pyverbs: | $(PROVIDER_SO) $(O)/asan/tools/ioverbs

# Where `make install` puts the provider: `ioverbs run`'s default.
$(O)/rel/tools/run.o $(O)/asan/tools/run.o $(O)/tsan/tools/run.o: \
	BASE_CFLAGS += -DIOVERBS_PROVIDER_PATH='"$(LIBDIR)/libibverbs/libioverbs-rdmav34.so"'

# bench/bench_idle.c runs tests/provider/idle.c through `ioverbs run`.
$(O)/rel/bench/bench_idle: | $(PROVIDER_SO) $(PROVIDER_IDLE) \
	$(O)/rel/tools/ioverbs $(O)/rel/daemon/ioverbsd

# bench/bench_perftest.c runs perftest through `ioverbs run` with these.
$(O)/rel/bench/bench_perftest: | $(PROVIDER_SO) $(O)/rel/tools/ioverbs \
	$(O)/rel/daemon/ioverbsd
