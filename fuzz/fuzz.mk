# SPDX-License-Identifier: MIT
# The libFuzzer targets, included at the end of the Makefile:
#
#   fuzz/fuzz_ioctl.c  any command into the core, with the test driver
#   fuzz/fuzz_soft.c   standard actions on the soft device, built with lib/
#   fuzz/fuzz_schema.c any bytes into lib/'s QUERY_SCHEMA blob parser
#   fuzz/fuzz_roce_wire.c any bytes as a RoCEv2 packet into the wire codec
#                      (drivers/soft/roce_wire.c)
#   fuzz/fuzz_roce_rx.c   packets from a made-up peer into a RoCEv2 port
#                      (drivers/soft/roce.c's receive path)
#
#   make fuzz FUZZ_SECONDS=N        fuzz_ioctl from fuzz/corpus
#   make fuzz-soft FUZZ_SECONDS=N   fuzz_soft from fuzz/corpus-soft
#   make fuzz-schema FUZZ_SECONDS=N fuzz_schema from fuzz/corpus-schema
#   make fuzz-roce FUZZ_SECONDS=N   fuzz_roce_wire from fuzz/corpus-roce
#   make fuzz-roce-rx FUZZ_SECONDS=N fuzz_roce_rx (the RoCEv2 port's
#                                   receive path) from fuzz/corpus-roce-rx
#   make fuzz-corpus                rewrite fuzz/corpus (fuzz/mkcorpus.c)
#   make fuzz-soft-corpus           rewrite fuzz/corpus-soft and
#                                   fuzz/crashes-soft (fuzz/mkcorpus_soft.c)
#   make fuzz-roce-corpus           rewrite fuzz/corpus-roce/seed-*
#                                   (fuzz/mkcorpus_roce.c); its rxe-*
#                                   are rdma_rxe's packets, one per opcode,
#                                   from tests/golden/roce/
#
# Their check stages (fuzz-regress, fuzz-short, fuzz-soft-regress,
# fuzz-soft-short, fuzz-schema-short, fuzz-roce-regress, fuzz-roce-short)
# replay the checked-in corpus and crash inputs, and fuzz
# for CHECK_FUZZ_SECONDS from the seeds: tests/fuzz_stage.sh.

FUZZ_SECONDS ?= 60
CHECK_FUZZ_SECONDS ?= 30
# Known soft-device bugs fuzz_soft may step around (see FUZZ_SOFT_MASK in
# fuzz/fuzz_soft.c), each with its reproducer in fuzz/crashes-soft/:
# none now (inline-stride, send_wqe_stride_misaligned, is fixed).
FUZZ_SOFT_MASK ?=
FUZZ_ENV := ASAN_OPTIONS=allow_user_segv_handler=1:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	FUZZ_SOFT_MASK=$(FUZZ_SOFT_MASK)

# The objects and libraries under $(O)/fuzz/, instrumented for libFuzzer;
# the corpus writers under $(O)/clang/.
SAN_FUZZ := -fsanitize=fuzzer-no-link,address,undefined
$(eval $(call variant,fuzz,$(CLANG),-O1 $(SAN_FUZZ)))
FUZZ_LINK = $(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)
CORPUS_LINK = $(CLANG) -O1 $(SAN_ASAN) -o $@ $^ $(LIBS)

$(O)/fuzz/fuzz_ioctl: $(O)/fuzz/fuzz/fuzz_ioctl.o $(O)/fuzz/tests/test_driver.o \
		$(O)/fuzz/libioverbs-core.a
	$(Q)$(FUZZ_LINK)
$(O)/fuzz/fuzz_soft: $(O)/fuzz/fuzz/fuzz_soft.o $(O)/fuzz/libioverbs.a \
		$(O)/fuzz/libioverbs-core.a
	$(Q)$(FUZZ_LINK)
$(O)/fuzz/fuzz_schema: $(O)/fuzz/fuzz/fuzz_schema.o $(O)/fuzz/libioverbs.a
	$(Q)$(FUZZ_LINK)
$(O)/fuzz/fuzz_roce_wire: $(O)/fuzz/fuzz/fuzz_roce_wire.o \
		$(O)/fuzz/libioverbs-core.a
	$(Q)$(FUZZ_LINK)
$(O)/fuzz/fuzz_roce_rx: $(O)/fuzz/fuzz/fuzz_roce_rx.o $(O)/fuzz/libioverbs.a \
		$(O)/fuzz/libioverbs-core.a
	$(Q)$(FUZZ_LINK)
$(O)/fuzz/mkcorpus_roce: $(O)/clang/fuzz/mkcorpus_roce.o \
		$(O)/clang/libioverbs-core.a
	$(Q)$(CORPUS_LINK)
$(O)/fuzz/mkcorpus: $(O)/clang/fuzz/mkcorpus.o $(O)/clang/tests/test_driver.o \
		$(O)/clang/libioverbs-core.a
	$(Q)$(CORPUS_LINK)
$(O)/fuzz/mkcorpus_soft: $(O)/clang/fuzz/mkcorpus_soft.o \
		$(O)/clang/libioverbs.a $(O)/clang/libioverbs-core.a
	$(Q)$(CORPUS_LINK)

.PHONY: fuzz fuzz-soft fuzz-schema fuzz-roce fuzz-corpus fuzz-soft-corpus \
	fuzz-roce-corpus

# $(call fuzz_run,FUZZER,SEED_DIR)
fuzz_run = @mkdir -p $(O)/fuzz/$(notdir $(2)) && $(FUZZ_ENV) $(1) \
	-max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	$(O)/fuzz/$(notdir $(2)) $(2)

fuzz: $(O)/fuzz/fuzz_ioctl
	$(call fuzz_run,$<,fuzz/corpus)

fuzz-soft: $(O)/fuzz/fuzz_soft
	$(call fuzz_run,$<,fuzz/corpus-soft)

fuzz-schema: $(O)/fuzz/fuzz_schema
	$(call fuzz_run,$<,fuzz/corpus-schema)

fuzz-roce: $(O)/fuzz/fuzz_roce_wire
	$(call fuzz_run,$<,fuzz/corpus-roce)

fuzz-roce-rx: $(O)/fuzz/fuzz_roce_rx
	$(call fuzz_run,$<,fuzz/corpus-roce-rx)

fuzz-corpus: $(O)/fuzz/mkcorpus
	$(Q)rm -f fuzz/corpus/seed-* && $(FUZZ_ENV) $< fuzz/corpus

fuzz-soft-corpus: $(O)/fuzz/mkcorpus_soft
	$(Q)$(FUZZ_ENV) $< fuzz/corpus-soft fuzz/crashes-soft

fuzz-roce-corpus: $(O)/fuzz/mkcorpus_roce
	$(Q)mkdir -p fuzz/corpus-roce && rm -f fuzz/corpus-roce/seed-* && \
		$(FUZZ_ENV) $< fuzz/corpus-roce

# $(call fuzz_stage,STAGE,regress|short,FUZZER,DIRS)
define fuzz_stage
	$(call build_progs,$(1),$(3))
	$(Q)$(FUZZ_ENV) CHECK_FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) \
		sh tests/fuzz_stage.sh $(2) $(R)/$(1) $(3) $(4) || true
	$(Q)$(call STAGE_END,$(1))
endef

fuzz-regress:
	$(call fuzz_stage,fuzz-regress,regress,$(O)/fuzz/fuzz_ioctl,fuzz/corpus fuzz/crashes)

fuzz-short:
	$(call fuzz_stage,fuzz-short,short,$(O)/fuzz/fuzz_ioctl,fuzz/corpus)

fuzz-soft-regress:
	$(call fuzz_stage,fuzz-soft-regress,regress,$(O)/fuzz/fuzz_soft,fuzz/corpus-soft fuzz/crashes-soft)

fuzz-soft-short:
	$(call fuzz_stage,fuzz-soft-short,short,$(O)/fuzz/fuzz_soft,fuzz/corpus-soft)

fuzz-schema-short:
	$(call fuzz_stage,fuzz-schema-short,short,$(O)/fuzz/fuzz_schema,fuzz/corpus-schema)

fuzz-roce-regress:
	$(call fuzz_stage,fuzz-roce-regress,regress,$(O)/fuzz/fuzz_roce_wire,fuzz/corpus-roce)

fuzz-roce-short:
	$(call fuzz_stage,fuzz-roce-short,short,$(O)/fuzz/fuzz_roce_wire,fuzz/corpus-roce)

fuzz-roce-rx-regress:
	$(call fuzz_stage,fuzz-roce-rx-regress,regress,$(O)/fuzz/fuzz_roce_rx,fuzz/corpus-roce-rx)

fuzz-roce-rx-short:
	$(call fuzz_stage,fuzz-roce-rx-short,short,$(O)/fuzz/fuzz_roce_rx,fuzz/corpus-roce-rx)
