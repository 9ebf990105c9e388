# SPDX-License-Identifier: MIT
# The soft-device fuzz target (fuzz/fuzz_soft.c): included at the end of
# the Makefile (it uses CLANG, FUZZ_FLAGS, CORE_SRCS, LIB_SRCS, HEADERS,
# LIBS, R, Q, STAGE_END, build_progs, FUZZ_SECONDS, CHECK_FUZZ_SECONDS).
#
#   make fuzz-soft FUZZ_SECONDS=N   fuzz from fuzz/corpus-soft
#   make fuzz-soft-corpus           rewrite the seeds (fuzz/mkcorpus_soft.c)
#   make fuzz-soft-regress          replay fuzz/corpus-soft + crashes-soft
#   make fuzz-soft-short            a bounded run (CHECK_FUZZ_SECONDS)

FUZZ_SOFT := $(O)/fuzz/fuzz_soft
# Known bugs the target may step around (see FUZZ_SOFT_MASK in
# fuzz/fuzz_soft.c), each with its reproducer in fuzz/crashes-soft/:
# none now (inline-stride, send_wqe_stride_misaligned, is fixed).
FUZZ_SOFT_MASK ?=
FUZZ_SOFT_ENV := ASAN_OPTIONS=allow_user_segv_handler=1:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	FUZZ_SOFT_MASK=$(FUZZ_SOFT_MASK)

.PHONY: fuzz-soft fuzz-soft-corpus fuzz-soft-regress fuzz-soft-short

$(FUZZ_SOFT): fuzz/fuzz_soft.c $(CORE_SRCS) $(LIB_SRCS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(LIBS)

# Rewrites fuzz/corpus-soft and fuzz/crashes-soft, replaying each seed.
$(O)/fuzz/mkcorpus_soft: fuzz/mkcorpus_soft.c fuzz/fuzz_soft.c $(CORE_SRCS) \
		$(LIB_SRCS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) -O1 -g -fsanitize=address,undefined $(BASE_CFLAGS) -o $@ \
		$(filter-out fuzz/fuzz_soft.c,$(filter %.c,$^)) $(LIBS)

fuzz-soft-corpus: $(O)/fuzz/mkcorpus_soft
	$(Q)$(FUZZ_SOFT_ENV) $< fuzz/corpus-soft fuzz/crashes-soft

fuzz-soft: $(FUZZ_SOFT)
	@mkdir -p $(O)/fuzz/corpus-soft
	$(Q)$(FUZZ_SOFT_ENV) $< -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		-print_final_stats=1 $(O)/fuzz/corpus-soft \
		$(wildcard fuzz/corpus-soft)

# Every checked-in input once, one process each (tests/fuzz_regress.sh
# knows only fuzz/corpus and fuzz/crashes): "N passed, N failed".
fuzz-soft-regress:
	$(call build_progs,fuzz-soft-regress,$(FUZZ_SOFT))
	@d=$(R)/fuzz-soft-regress; log=$$d/fuzz_soft_regress.log; : >$$log; \
	if [ -s $$d/build-failed ]; then \
		printf 'not ok fuzz-soft-regress: fuzz_soft build failed\n0 passed, 1 failed\n' \
			| tee $$d/build.sum | head -n1; \
	else \
		p=0; f=0; n=0; \
		for i in $(wildcard fuzz/corpus-soft/* fuzz/crashes-soft/*); do \
			n=$$((n + 1)); \
			if $(FUZZ_SOFT_ENV) timeout -k 5 60 $(FUZZ_SOFT) $$i \
				>$$d/out 2>&1 </dev/null; then \
				p=$$((p + 1)); \
			else \
				f=$$((f + 1)); \
				echo "not ok fuzz-soft-regress/$$i" | tee -a $$log; \
				grep -E 'fuzz_soft:|ERROR|WARNING|runtime error|SUMMARY|^ +#[0-9]+ ' \
					$$d/out | head -40 >>$$log; \
			fi; \
		done; \
		if [ $$n -eq 0 ]; then \
			echo "not ok fuzz-soft-regress: no inputs in fuzz/corpus-soft" | tee -a $$log; \
			f=1; \
		elif [ $$f -eq 0 ]; then \
			echo "ok fuzz-soft-regress" | tee -a $$log; \
		fi; \
		echo "$$p passed, $$f failed" | tee -a $$log; \
	fi
	$(Q)$(call STAGE_END,fuzz-soft-regress)

fuzz-soft-short:
	$(call build_progs,fuzz-soft-short,$(FUZZ_SOFT))
	@d=$(R)/fuzz-soft-short; mkdir -p $$d/corpus; \
	if [ -s $$d/build-failed ]; then \
		printf 'not ok fuzz-soft-short: fuzz_soft build failed\n0 passed, 1 failed\n'; \
	else \
		$(FUZZ_SOFT_ENV) \
		timeout -k 10 $$(($(CHECK_FUZZ_SECONDS) + 120)) $(FUZZ_SOFT) \
			-max_total_time=$(CHECK_FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 -artifact_prefix=$$d/ \
			$$d/corpus fuzz/corpus-soft >$$d/fuzz.out 2>&1 </dev/null; rc=$$?; \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$d/fuzz.out); \
		if [ $$rc -eq 0 ]; then \
			printf 'ok fuzz-soft-short: %s execs in %s s, no findings\n1 passed, 0 failed\n' \
				"$$execs" $(CHECK_FUZZ_SECONDS); \
		else \
			tail -n 40 $$d/fuzz.out >&2; \
			printf 'not ok fuzz-soft-short: the fuzzer exited %s (see %s)\n0 passed, 1 failed\n' \
				$$rc $$d/fuzz.out; \
		fi; \
	fi >$$d/fuzz.sum; head -n1 $$d/fuzz.sum
	$(Q)$(call STAGE_END,fuzz-soft-short)
