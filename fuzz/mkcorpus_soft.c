// SPDX-License-Identifier: MIT
/*
 * Writes the seed corpus of fuzz/fuzz_soft.c into DIR (default
 * fuzz/corpus-soft) and the reproducers of bugs found into CRASH_DIR
 * (default fuzz/crashes-soft), and replays every seed through the
 * target once (a reproducer of an open bug only where FUZZ_SOFT_MASK
 * steps around it).
 *
 *   make fuzz-soft-corpus      (fuzz/fuzz.mk: builds and runs it), or
 *   clang -O1 -g -fsanitize=address,undefined <BASE_CFLAGS> \
 *	-o mkcorpus_soft fuzz/mkcorpus_soft.c \
 *	<core, compat, drivers and lib sources> -lurcu-memb -pthread
 *   ./mkcorpus_soft [DIR [CRASH_DIR]]
 *
 * FUZZ_SOFT_TRACE=1 shows each seed's commands and results.  Exits 1 if a
 * seed's data path did not run: the RC and UD loopbacks, the SRQ flow
 * and the RDMA seeds must each complete a receive or an RDMA operation.
 */
#include "fuzz_soft.c"

#include <errno.h>
#include <sys/stat.h>

struct seed {
	u8 b[2048];
	size_t n;
};

static void put(struct seed *s, const u8 *p, size_t n)
{
	if (s->n + n > sizeof(s->b))
		fs_die("seed too long", (long)s->n);
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

/* One record: sel, then its parameter bytes (len computed). */
#define REC(s, sel, ...)                                                  \
	do {                                                              \
		const u8 _p[] = { __VA_ARGS__ };                          \
		u8 _h[2] = { (u8)(sel), (u8)sizeof(_p) };                 \
		put((s), _h, 2);                                          \
		put((s), _p, sizeof(_p));                                 \
	} while (0)
#define REC0(s, sel)                                                      \
	do {                                                              \
		u8 _h[2] = { (u8)(sel), 0 };                              \
		put((s), _h, 2);                                          \
	} while (0)

static void start(struct seed *s, u8 fail_nth, u8 flags)
{
	s->n = 0;
	put(s, (u8[]){ fail_nth, flags }, 2);
}

/* An SGE in MR slot @mr: pick, m (lkey, bounded), off, len. */
#define SGE(mr, off, len) (mr), 0x00, (u8)(off), (u8)((off) >> 8), \
	(u8)(len), (u8)((len) >> 8)

/* A POST_SEND WR (RC/UC): opcode index, flags, 1 SGE, remote MR slot 0 at
 * @roff, then the SGE. */
#define WR1(opi, fl, roff, soff, slen) (opi), (fl), 1, 0x00, 0, \
	(u8)(roff), (u8)((roff) >> 8), SGE(0, soff, slen)

enum { SIG = IB_UVERBS_SEND_SIGNALED, INL = IB_UVERBS_SEND_INLINE,
       SOL = IB_UVERBS_SEND_SOLICITED };

static void seed_rc(struct seed *s, u8 fail_nth)
{
	start(s, fail_nth, 0);
	REC(s, FS_OP_BOOT, 0, 0);			/* RC, by LID */
	REC(s, FS_OP_POST_RECV, 1, 0x00, 1, SGE(0, 4096, 256));
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(0, SIG, 0, 0, 64));
	REC(s, FS_OP_CQ_POLL, 0, 8);
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(2, SIG, 8192, 0, 128));
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(4, SIG, 8192, 12288, 128));
	REC(s, FS_OP_CQ_POLL, 0, 8);
	/* FETCH_ADD 5 at 8200 (aligned), then CMP_SWP there. */
	REC(s, FS_OP_POST_SEND, 0, 0x00, 6, SIG, 1, 0x01, 0, 0x08, 0x20,
	    5, 0, 0, 0, 0, 0, 0, 0, 0, SGE(0, 64, 8));
	REC(s, FS_OP_POST_SEND, 0, 0x00, 5, SIG, 1, 0x01, 0, 0x08, 0x20,
	    5, 0x77, 0, 0, 0, 0, 0, 0, 0, SGE(0, 72, 8));
	/* An inline SEND with immediate, solicited. */
	REC(s, FS_OP_POST_RECV, 1, 0x00, 1, SGE(0, 4096, 256));
	REC(s, FS_OP_CQ_REQ_NOTIFY, 0, 1);
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(1, SIG | INL | SOL, 0, 0, 32));
	REC(s, FS_OP_CQ_POLL, 0, 8);
	REC(s, FS_OP_QP_COUNTERS, 0);
	REC(s, FS_OP_QP_COUNTERS, 1);
	REC(s, FS_OP_QP_QUERY, 0, 0xff, 0xff, 0x1f, 0);
	REC(s, FS_OP_QP_DESTROY, 1);
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(0, SIG, 0, 0, 64));
	REC(s, FS_OP_CQ_POLL, 0, 8);
	REC(s, FS_OP_GET_ASYNC_EVENT);
}

static void seed_ud(struct seed *s)
{
	start(s, 0, 0);
	REC(s, FS_OP_BOOT, 2, 0);			/* UD */
	REC(s, FS_OP_AH_CREATE, 0, 0, 0x00);		/* by LID, port 1 */
	REC(s, FS_OP_QUERY_GID, 1, 0);
	REC(s, FS_OP_AH_CREATE, 1, 0, 0x02);		/* by GID */
	REC(s, FS_OP_POST_RECV, 1, 0x01, 1, SGE(0, 4096, 480),
	    1, SGE(0, 6144, 480));
	/* SEND (UD): op 0x80, km 0: remote MR pick + off, AH 0, QP 1. */
	REC(s, FS_OP_POST_SEND, 0, 0x00, 0x80, SIG, 1, 0x00, 0, 0, 0,
	    0, 1, SGE(0, 0, 32));
	REC(s, FS_OP_POST_SEND, 0, 0x00, 0x81, SIG, 1, 0x00, 0, 0, 0,
	    1, 1, SGE(0, 0, 32));
	REC(s, FS_OP_CQ_POLL, 0, 8);
	/* Wrong Q_Key (km & 8), then a bad AH. */
	REC(s, FS_OP_POST_SEND, 0, 0x00, 0x80, SIG, 1, 0x08, 0, 0, 0,
	    0, 1, 0x22, 0x22, 0x22, 0x22, SGE(0, 0, 32));
	REC(s, FS_OP_POST_SEND, 0, 0x00, 0x80, SIG, 1, 0x00, 0, 0, 0,
	    0xfb, 1, SGE(0, 0, 32));
	REC(s, FS_OP_CQ_POLL, 0, 8);
	REC(s, FS_OP_AH_DESTROY, 0);
	REC(s, FS_OP_AH_DESTROY, 0);
}

static void seed_srq(struct seed *s)
{
	start(s, 0, 0);
	REC0(s, FS_OP_GET_CONTEXT);
	REC(s, FS_OP_PD_ALLOC, 0);
	REC(s, FS_OP_MR_REG, 0, 0x0f, 0x00, 0, 5, 0, 0, 0, 0);
	REC(s, FS_OP_CQ_CREATE, 0, 64, 0);
	REC(s, FS_OP_SRQ_CREATE, 0, 15, 1, 2, 0);
	REC(s, FS_OP_QP_CREATE, 0, 0x00, 0x77, 0, 0, 0, 1, 1, 0);
	REC(s, FS_OP_QP_CREATE, 1, 0x10, 0x77, 0, 0, 0, 0, 1, 1, 0);
	REC(s, FS_OP_QP_CONNECT, 0, 1, 0x00);
	REC(s, FS_OP_QP_CONNECT, 1, 0, 0x00);
	REC(s, FS_OP_SRQ_POST_RECV, 0, 0x02, 1, SGE(0, 4096, 480),
	    1, SGE(0, 5120, 480), 1, SGE(0, 6144, 480));
	REC(s, FS_OP_POST_SEND, 0, 0x01, WR1(0, SIG, 0, 0, 100),
	    WR1(3, SIG, 8192, 0, 16));
	REC(s, FS_OP_CQ_POLL, 0, 8);
	REC(s, FS_OP_SRQ_MODIFY, 0, 0x02, 0, 4);
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(0, SIG, 0, 0, 100));
	REC(s, FS_OP_GET_ASYNC_EVENT);
	REC(s, FS_OP_SRQ_DESTROY, 0);			/* EBUSY: QP 1 */
	REC(s, FS_OP_QP_DESTROY, 1);
	REC(s, FS_OP_SRQ_DESTROY, 0);
	REC(s, FS_OP_CQ_POLL, 0, 8);
}

static void seed_events(struct seed *s)
{
	start(s, 0, 0);
	REC0(s, FS_OP_GET_CONTEXT);
	REC(s, FS_OP_CHANNEL, 0, 0);			/* create */
	REC(s, FS_OP_PD_ALLOC, 0);
	REC(s, FS_OP_MR_REG, 0, 0x0f, 0x00, 0, 5, 0, 0, 0, 0);
	REC(s, FS_OP_CQ_CREATE, 0, 64, 0x40, 0);	/* on channel 0 */
	REC(s, FS_OP_QP_CREATE, 0, 0x00, 0x77, 0, 0, 0, 1, 1, 0);
	REC(s, FS_OP_QP_CREATE, 1, 0x00, 0x77, 0, 0, 0, 1, 1, 0);
	REC(s, FS_OP_QP_CONNECT, 0, 1, 0x00);
	REC(s, FS_OP_QP_CONNECT, 1, 0, 0x00);
	REC(s, FS_OP_CQ_REQ_NOTIFY, 0, 0);
	REC(s, FS_OP_POST_RECV, 1, 0x00, 1, SGE(0, 4096, 256));
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(0, SIG, 0, 0, 64));
	REC(s, FS_OP_CHANNEL, 2, 0, 0);			/* get_event */
	REC(s, FS_OP_CHANNEL, 2, 0, 0);			/* EAGAIN */
	REC(s, FS_OP_CQ_RESIZE, 0, 128);
	REC(s, FS_OP_CQ_POLL, 0, 8);
	REC(s, FS_OP_CQ_RESIZE, 0, 0);			/* EINVAL */
	REC(s, FS_OP_CHANNEL, 1, 0, 0);			/* EBUSY: the CQ */
	REC(s, FS_OP_QP_DESTROY, 0);
	REC(s, FS_OP_QP_DESTROY, 1);
	REC(s, FS_OP_CQ_DESTROY, 0);
	REC(s, FS_OP_CHANNEL, 1, 0, 0);
}

static void seed_rnr(struct seed *s)
{
	start(s, 0, 0);
	REC(s, FS_OP_BOOT, 0, 0x20);			/* rnr_retry 1 */
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(0, SIG, 0, 0, 64));
	REC(s, FS_OP_CQ_POLL, 0, 8);
	REC(s, FS_OP_FILE_REOPEN);
	REC(s, FS_OP_BOOT, 0, 0x60);			/* rnr_retry 7 */
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(0, SIG, 0, 0, 64));
	REC(s, FS_OP_POST_RECV, 1, 0x00, 1, SGE(0, 4096, 256));
	REC(s, FS_OP_CQ_POLL, 0, 8);
}

static void seed_two_files(struct seed *s)
{
	start(s, 0, FS_F_FILE2);
	REC(s, FS_OP_BOOT, 0, 0);
	REC(s, FS_OP_BOOT | FS_SEL_FILE2, 0, 0);
	/* File 0's QP 0 re-aimed at file 1's QP 1 (pick 0xf1). */
	REC(s, FS_OP_QP_MODIFY, 0, 0x01, 0, 0, 0, 0, 6, 0);
	REC(s, FS_OP_QP_CONNECT, 0, 0xf1, 0x00);
	REC(s, FS_OP_POST_RECV | FS_SEL_FILE2, 1, 0x00, 1, SGE(0, 4096, 256));
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(0, SIG, 0, 0, 64));
	REC(s, FS_OP_CQ_POLL | FS_SEL_FILE2, 0, 8);
	REC(s, FS_OP_CQ_POLL, 0, 8);
	/* Hot unplug with both files' objects alive: EIO but DESTROY. */
	REC0(s, FS_OP_DEVICE_REPLUG);
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(0, SIG, 0, 0, 64));
	REC(s, FS_OP_QP_DESTROY | FS_SEL_FILE2, 0);
	REC(s, FS_OP_GET_ASYNC_EVENT);
	REC(s, FS_OP_FILE_REOPEN | FS_SEL_FILE2);
	REC(s, FS_OP_FILE_REOPEN);
	REC(s, FS_OP_BOOT, 1, 0x03);			/* UC, by GID */
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(2, SIG, 8192, 0, 128));
	REC(s, FS_OP_CQ_POLL, 0, 8);
}

static void seed_errors(struct seed *s)
{
	start(s, 0, 0);
	REC(s, FS_OP_PD_ALLOC, 0);			/* no context: EINVAL */
	REC0(s, FS_OP_GET_CONTEXT);
	REC0(s, FS_OP_GET_CONTEXT);			/* twice */
	REC0(s, FS_OP_QUERY_DEVICE);
	REC(s, FS_OP_QUERY_PORT, 3);			/* no port 3 */
	REC(s, FS_OP_QUERY_GID, 1, 0xf1, 1, 0, 0, 0);
	REC(s, FS_OP_PD_ALLOC, 0);
	REC(s, FS_OP_MR_REG, 0, 0xff, 0xff, 0, 7, 0, 0, 0, 0,
	    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	REC(s, FS_OP_MR_REG, 1, 0x10, 0x00, 0, 6, 0, 0, 0, 0x40);
	REC(s, FS_OP_MR_REG, 2, 0x01, 0x00, 0, 0, 0, 0x10, 0, 0x10);
	REC(s, FS_OP_CQ_CREATE, 0, 0xf0, 0, 0, 1, 0, 0);	/* cqe 65536 */
	REC(s, FS_OP_CQ_CREATE, 0, 16, 0xf3);		/* bad vector */
	REC(s, FS_OP_CQ_CREATE, 0, 16, 0);
	REC(s, FS_OP_QP_CREATE, 0, 0xf7, 0x11, 0, 0, 0, 1, 1, 0);
	REC(s, FS_OP_QP_CREATE, 0, 0x00, 0xff, 0, 0, 0, 200, 1, 9, 9, 255,
	    1, 0, 0, 0, 3, 1);
	REC(s, FS_OP_QP_CREATE, 0, 0x00, 0x33, 0, 0, 0, 1, 1, 0);
	/* QP in RESET */
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(0, SIG, 0, 0, 64));
	REC(s, FS_OP_POST_RECV, 0, 0x00, 1, SGE(0, 0, 64));
	REC(s, FS_OP_QP_MODIFY, 0, 0x01, 0xff, 0xff, 0xff, 0xff, 2, 0);
	REC(s, FS_OP_QP_MODIFY, 0, 0x01, 0x00, 0, 0, 0, 6, 0);
	REC(s, FS_OP_POST_SEND, 0, 0x00, WR1(0, SIG, 0, 0, 64));
	REC(s, FS_OP_CQ_POLL, 0xfa, 8);			/* garbage handle */
	REC(s, FS_OP_CQ_POLL, 0xe3, 8);			/* a QP as a CQ */
	REC(s, FS_OP_PD_DEALLOC, 0);			/* in use: EBUSY */
	REC(s, FS_OP_CQ_DESTROY, 0);			/* in use: EBUSY */
	/* Raw: a PD_ALLOC with a mutated attribute id, one with flags. */
	REC(s, FS_OP_PD_ALLOC | FS_SEL_RAW, 1, 0x00, 0, 0, 0x55, 0x55, 0, 0);
	REC(s, FS_OP_QUERY_DEVICE | FS_SEL_RAW, 0x00, 11, 0, 1, 0, 0, 0);
	REC(s, FS_OP_CQ_POLL | FS_SEL_RAW, 0, 8, 0x40, 3, 1, 0xff, 0xff, 0, 0,
	    8, 0, 0, 0, 0, 0);
	REC(s, FS_OP_QP_DESTROY, 0);
	REC(s, FS_OP_QP_DESTROY, 0);			/* stale: ENOENT */
	REC0(s, FS_OP_DEVICE_REPLUG);
	REC(s, FS_OP_PD_ALLOC, 0);			/* removed: EIO */
	REC(s, FS_OP_MR_DEREG, 2);
	REC(s, FS_OP_CQ_DESTROY, 0);
	REC(s, FS_OP_PD_DEALLOC, 0);
	REC(s, FS_OP_FILE_REOPEN);
	REC(s, FS_OP_PD_ALLOC, 0);			/* no context */
}

/*
 * The use-after-free: a command on a file whose device was removed read
 * the freed device's types table (fixed by 6fabb96: the core copies it).
 */
static void seed_removed_uaf(struct seed *s)
{
	start(s, 0, 0);
	REC0(s, FS_OP_GET_CONTEXT);
	REC(s, FS_OP_PD_ALLOC, 0);
	REC0(s, FS_OP_DEVICE_REPLUG);
	REC(s, FS_OP_PD_DEALLOC, 0);
}

static unsigned long seed_completions(const struct seed *s)
{
	unsigned long before = fs_stat_recv_ok + fs_stat_rdma_ok;

	LLVMFuzzerTestOneInput(s->b, s->n);
	return fs_stat_recv_ok + fs_stat_rdma_ok - before;
}

/*
 * Misaligned send WQEs: max_inline_data 33 makes the send queue's stride
 * 96 + 33 bytes, so the second WQE is not 8-byte aligned (UBSan).
 */
static void seed_stride(struct seed *s)
{
	start(s, 0, 0);
	REC0(s, FS_OP_GET_CONTEXT);
	REC(s, FS_OP_PD_ALLOC, 0);
	REC(s, FS_OP_CQ_CREATE, 0, 64, 0);
	REC(s, FS_OP_QP_CREATE, 0, 0x00, 0x11, 0, 0, 0, 0, 0, 33);
	REC(s, FS_OP_QP_CONNECT, 0, 0, 0x00);		/* to itself */
	REC(s, FS_OP_POST_SEND, 0, 0x01,
	    0, SIG, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, SIG, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "fuzz/corpus-soft";
	const char *crash_dir = argc > 2 ? argv[2] : "fuzz/crashes-soft";
	static const struct {
		const char *name;
		void (*fn)(struct seed *s);
		bool data;	/* must move data */
	} seeds[] = {
		{ "rc_loopback", NULL, true },
		{ "rc_loopback_failnth", NULL, false },
		{ "ud_send", seed_ud, true },
		{ "srq_flow", seed_srq, true },
		{ "rnr", seed_rnr, true },
		{ "events", seed_events, true },
		{ "two_files_replug", seed_two_files, true },
		{ "errors", seed_errors, false },
		{ "removed_device_types_uaf", seed_removed_uaf, false },
		{ "send_wqe_stride_misaligned", seed_stride, false },
	};
	static struct seed s;
	unsigned int i;
	int bad = 0;
	char path[512];
	FILE *f;

	LLVMFuzzerInitialize(&argc, &argv);
	mkdir(dir, 0755);
	mkdir(crash_dir, 0755);
	for (i = 0; i < ARRAY_SIZE(seeds); i++) {
		unsigned long moved;

		if (i == 0)
			seed_rc(&s, 0);
		else if (i == 1)
			seed_rc(&s, 0xc0 + 20);
		else
			seeds[i].fn(&s);
		snprintf(path, sizeof(path), "%s/%s",
			 seeds[i].fn == seed_removed_uaf ||
			 seeds[i].fn == seed_stride ? crash_dir : dir,
			 seeds[i].name);
		f = fopen(path, "wb");
		if (!f || fwrite(s.b, 1, s.n, f) != s.n || fclose(f)) {
			perror(path);
			return 1;
		}
		/* A reproducer runs only where its bug is masked. */
		moved = 0;
		if (seeds[i].fn != seed_stride || fs_mask_stride)
			moved = seed_completions(&s);
		printf("%-22s %4zu bytes, %lu successful receives/RDMA ops\n",
		       seeds[i].name, s.n, moved);
		if (seeds[i].data && !moved)
			bad = 1;
	}
	return bad;
}
