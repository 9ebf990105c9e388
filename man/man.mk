# SPDX-License-Identifier: MIT
# The man pages: man/*.[178] as they are, and ioverbs-abi(7) made of
# man/ioverbs-abi.7.in with the uapi header's errno contract in it
# (scripts/man_errnos.sh), all under $(O)/man/.  `make` builds them,
# `make install` installs them under MANDIR (man1/, man7/, man8/), and
# check-man renders each (scripts/check_man.sh).

MAN_SRCS := $(wildcard man/*.1 man/*.7 man/*.8)
MAN_PAGES := $(patsubst man/%,$(O)/man/%,$(MAN_SRCS)) $(O)/man/ioverbs-abi.7

$(O)/man/%: man/%
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(O)/man/ioverbs-abi.7: man/ioverbs-abi.7.in scripts/man_errnos.sh \
		include/uapi/rdma/rdma_user_ioctl.h
	@mkdir -p $(dir $@)
	$(Q)sh scripts/man_errnos.sh $< include/uapi/rdma/rdma_user_ioctl.h >$@

all: $(MAN_PAGES)
install: $(MAN_PAGES)
# check-install builds what it installs (expanded when its recipe runs).
INSTALLED += $(MAN_PAGES)

# Each page renders without a warning at 80 columns, and the driver
# guide's example compiles.
check-man:
	$(call build_progs,man,$(MAN_PAGES))
	$(Q)CC="$(CC) $(BASE_CFLAGS)" sh scripts/check_man.sh $(R)/man \
		$(MAN_PAGES) || true
	$(Q)$(call STAGE_END,man)
