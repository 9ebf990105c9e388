// SPDX-License-Identifier: MIT
/*
 * The program tests/daemon/test_trace.c traces: known verbs commands
 * through the library against MOUNT/uverbs0, and the kinds of garbage a
 * tracer must survive.
 *
 *	trace_target golden MOUNT	known calls, failing ones included
 *	trace_target garbage MOUNT	bad headers, unmapped pointers; exit 3
 *	trace_target fork MOUNT		a child makes calls too
 *	trace_target threads MOUNT	a thread makes calls too, failing ones
 *	trace_target loop MOUNT N	N times PD_ALLOC + PD_DEALLOC
 *	trace_target wait MOUNT		"ready" on stdout, waits for a line
 *					on stdin, then PD_ALLOC, PD_DEALLOC
 *	trace_target held MOUNT BLOB	"ready PID" on stdout, then QUERY_PORT
 *					into a page of BLOB (a file whose
 *					reads the test holds): the command
 *					stays in the daemon until released
 *
 * Exits 0 (3 for garbage), or 1 with a line on stderr when a call does
 * not give what the test expects.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

static int fail(const char *what, long got, long want)
{
	fprintf(stderr, "trace_target: %s: got %ld, want %ld\n", what, got,
		want);
	exit(1);
}

#define EXPECT(call, want)                                  \
	do {                                                \
		long _r = (call);                           \
		if (_r != (want))                           \
			fail(#call, _r, (want));            \
	} while (0)

static int open_dev(const char *mnt, struct ioverbs_client *v)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/uverbs0", mnt);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	ioverbs_client_init_fd(v, fd);
	EXPECT(ioverbs_context_get(v), 0);
	return fd;
}

/*
 * What libibverbs sends on its own: upstream's ioctl (its 24-byte header:
 * DEVICE QUERY_CONTEXT with one attribute) and a legacy write() command
 * (QUERY_DEVICE), both refused by the daemon as an old kernel would.
 */
static void upstream(int fd)
{
	struct {
		__u16 length, object_id, method_id, num_attrs;
		__u64 reserved1;
		__u32 driver_id, reserved2;
		struct {
			__u16 attr_id, len, flags, attr_data;
			__u64 data;
		} attr;
	} up = {
		.length = 40, .object_id = 0, .method_id = 4, .num_attrs = 1,
		.attr = { .attr_id = 0, .len = 4, .flags = 1, .data = 0 },
	};
	struct {
		__u32 command;
		__u16 in_words, out_words;
		__u64 response;
	} legacy = { .command = 1, .in_words = 4, .out_words = 0 };

	EXPECT(ioctl(fd, 0xc0181b01, &up) ? -errno : 0, -ENOTTY);
	EXPECT(write(fd, &legacy, sizeof(legacy)) < 0, 1);
}

static int golden(const char *mnt)
{
	struct ioverbs_client v;
	struct ioverbs_cmd c;
	u32 pd, cq, cqe;
	int fd;

	fd = open_dev(mnt, &v);
	EXPECT(ioverbs_pd_alloc(&v, &pd), 0);
	EXPECT(ioverbs_cq_create(&v, 16, &cq, &cqe), 0);
	EXPECT(ioverbs_cq_create(&v, 1u << 30, &cq, NULL), -EINVAL);
	EXPECT(ioverbs_pd_dealloc(&v, 99), -ENOENT);
	/* An object the device does not have. */
	ioverbs_client_cmd_init(&v, &c, 77, 0);
	EXPECT(ioverbs_client_exec(&v, &c), -EINVAL);
	EXPECT(ioverbs_pd_dealloc(&v, pd), 0);
	upstream(fd);
	return 0;
}

/* One raw command: header and attributes in @buf. */
static long raw(int fd, void *arg)
{
	return ioctl(fd, RDMA_VERBS_IOCTL, arg) ? -errno : 0;
}

/* A header followed by its attributes: see <ioverbs/cmd.h>. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
#endif

static int garbage(const char *mnt)
{
	struct ioverbs_client v;
	struct {
		struct ib_uverbs_ioctl_hdr h;
		struct ib_uverbs_attr a[3];
	} cmd;
	u64 resp;
	struct ib_uverbs_ioctl_hdr *edge;
	long page = sysconf(_SC_PAGESIZE);
	char *map;
	int fd;

	fd = open_dev(mnt, &v);
	/* length disagrees with num_attrs */
	memset(&cmd, 0, sizeof(cmd));
	cmd.h.length = 200;
	cmd.h.driver_id = SOFT_DRIVER_ID;
	cmd.h.object_type = UVERBS_TYPE_PD;
	cmd.h.num_attrs = 1;
	EXPECT(raw(fd, &cmd), -EINVAL);
	/* num_attrs far beyond what a command holds */
	cmd.h.num_attrs = 60000;
	EXPECT(raw(fd, &cmd), -EINVAL);
	/* flags, reserved, an unknown driver and action */
	cmd.h.length = sizeof(cmd.h) + sizeof(cmd.a[0]);
	cmd.h.num_attrs = 1;
	cmd.h.flags = 1;
	EXPECT(raw(fd, &cmd), -EOPNOTSUPP);
	cmd.h.flags = 0;
	cmd.h.driver_id = 0x1234;
	cmd.h.action = 9;
	cmd.h.reserved = 5;
	EXPECT(raw(fd, &cmd), -EINVAL);
	/* an unknown attribute id and a vendor one */
	cmd.h.driver_id = SOFT_DRIVER_ID;
	cmd.h.reserved = 0;
	cmd.h.action = UVERBS_ACTION_PD_ALLOC;
	cmd.h.length = sizeof(cmd.h) + 2 * sizeof(cmd.a[0]);
	cmd.h.num_attrs = 2;
	cmd.a[0].attr_id = 40;
	cmd.a[1].attr_id = UVERBS_VENDOR_FLAG | 7;
	cmd.a[1].len = 8;
	cmd.a[1].ptr_idr = 0x10;
	EXPECT(raw(fd, &cmd), -EINVAL);
	/* the header itself unmapped */
	EXPECT(raw(fd, (void *)0x10), -EFAULT);
	/* a header at the end of a page, its attributes on an unmapped one */
	map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return 1;
	munmap(map + page, (size_t)page);
	edge = (void *)(map + page - sizeof(*edge));
	memset(edge, 0, sizeof(*edge));
	edge->length = sizeof(*edge) + 16;
	edge->num_attrs = 1;
	edge->driver_id = SOFT_DRIVER_ID;
	edge->object_type = UVERBS_TYPE_PD;
	EXPECT(raw(fd, edge), -EFAULT);
	/* a PTR_IN into unmapped memory: CQ_CREATE's command */
	memset(&cmd, 0, sizeof(cmd));
	cmd.h.length = sizeof(cmd);
	cmd.h.num_attrs = 3;
	cmd.h.driver_id = SOFT_DRIVER_ID;
	cmd.h.object_type = UVERBS_TYPE_CQ;
	cmd.h.action = UVERBS_ACTION_CQ_CREATE;
	cmd.a[0].attr_id = UVERBS_CQ_CREATE_HANDLE;
	cmd.a[1].attr_id = UVERBS_CQ_CREATE_CMD;
	cmd.a[1].len = sizeof(struct ib_uverbs_cq_create_cmd);
	cmd.a[1].ptr_idr = (u64)(uintptr_t)(map + page);
	cmd.a[2].attr_id = UVERBS_CQ_CREATE_RESP;
	cmd.a[2].len = sizeof(struct ib_uverbs_cq_create_resp);
	cmd.a[2].ptr_idr = (u64)(uintptr_t)&resp;
	EXPECT(raw(fd, &cmd), -EFAULT);
	/* not this ABI at all: an unknown request number on the same file */
	EXPECT(ioctl(fd, 0xc0101bff, &cmd) ? -errno : 0, -ENOTTY);
	munmap(map, (size_t)page);
	return 3;
}

static int pd_pair(struct ioverbs_client *v)
{
	u32 pd;

	EXPECT(ioverbs_pd_alloc(v, &pd), 0);
	EXPECT(ioverbs_pd_dealloc(v, pd), 0);
	return 0;
}

static int forked(const char *mnt)
{
	struct ioverbs_client v;
	int st;
	pid_t pid;

	open_dev(mnt, &v);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		struct ioverbs_client w;

		open_dev(mnt, &w);
		_exit(pd_pair(&w));
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	return pd_pair(&v);
}

static void *thread_main(void *arg)
{
	struct ioverbs_client *v = arg;

	EXPECT(ioverbs_pd_dealloc(v, 7), -ENOENT);
	pd_pair(v);
	return NULL;
}

/* Two threads on one file, each with its own failure and reason. */
static int threads(const char *mnt)
{
	struct ioverbs_client v;
	pthread_t t;

	open_dev(mnt, &v);
	EXPECT(ioverbs_pd_dealloc(&v, 8), -ENOENT);
	if (pthread_create(&t, NULL, thread_main, &v))
		return 1;
	pthread_join(t, NULL);
	EXPECT(ioverbs_pd_dealloc(&v, 9), -ENOENT);
	return 0;
}

static int loop(const char *mnt, long n)
{
	struct ioverbs_client v;

	open_dev(mnt, &v);
	while (n-- > 0)
		pd_pair(&v);
	return 0;
}

static int wait_go(const char *mnt)
{
	struct ioverbs_client v;
	char line[16];

	open_dev(mnt, &v);
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	return pd_pair(&v);
}

static int held(const char *mnt, const char *blob)
{
	struct ib_uverbs_query_port_resp *resp;
	struct ioverbs_client v;
	struct ioverbs_cmd c;
	u8 port = 1;
	int fd, bfd;

	fd = open_dev(mnt, &v);
	(void)fd;
	bfd = open(blob, O_RDONLY);
	if (bfd < 0)
		return 1;
	/* Writing the response faults the page in: a held read. */
	resp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, bfd, 0);
	if (resp == MAP_FAILED)
		return 1;
	ioverbs_port_query_prep(&v, &c, &port, resp);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	ioverbs_client_exec(&v, &c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	if (!strcmp(argv[1], "golden"))
		return golden(argv[2]);
	if (!strcmp(argv[1], "garbage"))
		return garbage(argv[2]);
	if (!strcmp(argv[1], "fork"))
		return forked(argv[2]);
	if (!strcmp(argv[1], "threads"))
		return threads(argv[2]);
	if (!strcmp(argv[1], "loop") && argc == 4)
		return loop(argv[2], atol(argv[3]));
	if (!strcmp(argv[1], "wait"))
		return wait_go(argv[2]);
	if (!strcmp(argv[1], "held") && argc == 4)
		return held(argv[2], argv[3]);
	return 2;
}
