// SPDX-License-Identifier: MIT
/*
 * Completion channels through the daemon: the client creates an event
 * file (MOUNT/events/NAME), COMP_CHANNEL_CREATE binds the channel to it,
 * and completion events are read() from it and poll() on it, blocking or
 * not, as from a kernel's channel descriptor.  Async events: POLLPRI on
 * the device file.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioverbs/verbs.h>
#include <rdma/soft_device.h>

#include "fixture.h"

static long channel_create(struct ioverbs_client *v, int bind, int *ch)
{
	return ioverbs_comp_channel_create(v, bind, ch);
}

static long cq_on_channel(struct ioverbs_client *v, int ch, u32 *cq)
{
	struct ib_uverbs_cq_create_cmd cmd = { .user_handle = 0xcafe,
					       .cqe = 16 };

	return ioverbs_cq_create_ex(v, &cmd, ch, cq, NULL);
}

static long arm(struct ioverbs_client *v, u32 cq)
{
	return ioverbs_cq_req_notify(v, cq, 0);
}

TEST(daemon_events_bind_read_poll)
{
	struct ib_uverbs_comp_event_desc d[4];
	struct pollfd p;
	struct fx_loop l;
	struct fx fx;
	struct ioverbs_client v;
	int fd, ev, ev2, ch = -1, pfd[2];
	u32 cq;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_client_open(&fx, "uverbs0", &v);
	/* Not an event file: a pipe, a device file, no fd at all. */
	ASSERT_OK(pipe(pfd));
	ASSERT_ERRNO(-EBADF, channel_create(&v, pfd[0], &ch));
	ASSERT_ERRNO(-EBADF, channel_create(&v, fd, &ch));
	ASSERT_ERRNO(-EBADF, channel_create(&v, 4000, &ch));
	ASSERT_ERRNO(-EBADF, channel_create(&v, -1, &ch));
	close(pfd[0]);
	close(pfd[1]);

	ev = fx_event_file(&fx, "ch-a", O_NONBLOCK);
	ASSERT_TRUE(ev >= 0);
	ASSERT_ERRNO(-EEXIST, fx_event_file(&fx, "ch-a", 0));
	/* Unbound: nothing to read. */
	ASSERT_TRUE(read(ev, d, sizeof(d)) < 0 && errno == EINVAL);
	ASSERT_OK(channel_create(&v, ev, &ch));
	ASSERT_EQ(ch, ev);
	/* One channel per event file. */
	ASSERT_ERRNO(-EBUSY, channel_create(&v, ev, &ch));
	ch = ev;

	ASSERT_OK(cq_on_channel(&v, ch, &cq));
	fx_loop_open(&l, &v, cq);
	/* Nothing yet: EAGAIN (O_NONBLOCK), poll says nothing. */
	ASSERT_TRUE(read(ev, d, sizeof(d)) < 0 && errno == EAGAIN);
	p = (struct pollfd){ .fd = ev, .events = POLLIN };
	ASSERT_EQ(poll(&p, 1, 0), 0);
	/* Too small a buffer. */
	{
		ssize_t got = read(ev, d, 4);

		if (!(got < 0 && errno == EINVAL))
			harness_fail(__FILE__, __LINE__, "read 4: %zd errno %d",
				     got, errno);
	}

	ASSERT_OK(arm(&v, cq));
	fx_loop_send(&l, 1);
	p.revents = 0;
	ASSERT_EQ(poll(&p, 1, 10000), 1);
	ASSERT_TRUE(p.revents & POLLIN);
	/*
	 * Rule 22: a read into memory the reader may not write fails before
	 * the daemon takes an event off the channel (the kernel pins a
	 * direct_io read's buffer before it asks the daemon): it stays.
	 */
	{
		long pg = sysconf(_SC_PAGESIZE);
		void *ro = mmap(NULL, pg, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_TRUE(ro != MAP_FAILED);
		ASSERT_TRUE(read(ev, ro, sizeof(d)) < 0 && errno == EFAULT);
		munmap(ro, pg);
	}
	ASSERT_EQ(read(ev, d, sizeof(d)), (ssize_t)sizeof(d[0]));
	ASSERT_EQ(d[0].cq_handle, 0xcafe);
	ASSERT_TRUE(read(ev, d, sizeof(d)) < 0 && errno == EAGAIN);

	/* A second event file is another channel; closing one unbinds. */
	ev2 = fx_event_file(&fx, "ch-b", 0);
	ASSERT_TRUE(ev2 >= 0);
	ASSERT_OK(channel_create(&v, ev2, &ch));
	close(ev2);

	ASSERT_OK(ioverbs_qp_destroy(&v, l.qp, NULL));
	ASSERT_OK(ioverbs_cq_destroy(&v, cq, NULL));
	/* DESTROY of the channel ends the binding. */
	ASSERT_OK(ioverbs_comp_channel_destroy(&v, ev));
	ASSERT_TRUE(read(ev, d, sizeof(d)) < 0 && errno == EINVAL);
	close(ev);
	close(fd);
	fx_stop(&fx);
}

struct reader {
	int fd;
	ssize_t got;
	int err;
	struct ib_uverbs_comp_event_desc d;
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;

	r->got = read(r->fd, &r->d, sizeof(r->d));
	r->err = r->got < 0 ? errno : 0;
	return NULL;
}

/* A blocking read waits for the event; removal wakes a reader with EIO. */
TEST(daemon_events_blocking_read_and_removal)
{
	struct reader r = { 0 };
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	char out[4096];
	struct fx_loop l;
	struct fx fx;
	struct ioverbs_client v;
	pthread_t th;
	int fd, ev, ch;
	u32 cq;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_client_open(&fx, "uverbs1", &v);
	ev = fx_event_file(&fx, "blocking", 0);
	ASSERT_TRUE(ev >= 0);
	ASSERT_OK(channel_create(&v, ev, &ch));
	ASSERT_OK(cq_on_channel(&v, ch, &cq));
	fx_loop_open(&l, &v, cq);
	ASSERT_OK(arm(&v, cq));

	/* The reader blocks; the daemon keeps serving meanwhile. */
	r.fd = ev;
	ASSERT_OK(-pthread_create(&th, NULL, reader_fn, &r));
	nanosleep(&ts, NULL);
	ASSERT_TRUE(fx_alive(&fx));
	fx_loop_send(&l, 2);
	ASSERT_OK(-pthread_join(th, NULL));
	ASSERT_EQ(r.got, (ssize_t)sizeof(r.d));
	ASSERT_EQ(r.d.cq_handle, 0xcafe);

	/* Blocked again, then the device goes: EIO. */
	ASSERT_OK(-pthread_create(&th, NULL, reader_fn, &r));
	nanosleep(&ts, NULL);
	ASSERT_OK(fx_ctl(&fx, "remove uverbs1", out, sizeof(out)));
	ASSERT_OK(-pthread_join(th, NULL));
	ASSERT_EQ(r.got, -1);
	ASSERT_EQ(r.err, EIO);
	close(ev);
	close(fd);
	fx_stop(&fx);
}

/*
 * A channel's fd number that the client closed (after a dup) and got
 * back for a new event file: the number is still the channel's, so the
 * new file cannot be bound under it (EBUSY), and nothing is left pointing
 * at a half-made channel.
 */
TEST(daemon_events_reused_fd_number)
{
	struct ib_uverbs_comp_event_desc d;
	struct pollfd p;
	struct fx fx;
	struct ioverbs_client v;
	int fd, a, a2, b, ch, ch2;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_client_open(&fx, "uverbs0", &v);
	a = fx_event_file(&fx, "first", O_NONBLOCK);
	ASSERT_TRUE(a >= 0);
	ASSERT_OK(channel_create(&v, a, &ch));
	a2 = dup(a);
	ASSERT_TRUE(a2 >= 0);
	close(a);
	b = fx_event_file(&fx, "second", O_NONBLOCK);
	ASSERT_EQ(b, a);	/* the lowest free number */
	ASSERT_ERRNO(-EBUSY, channel_create(&v, b, &ch2));
	/* b is unbound and harmless; the channel still answers on a2. */
	ASSERT_TRUE(read(b, &d, sizeof(d)) < 0 && errno == EINVAL);
	p = (struct pollfd){ .fd = b, .events = POLLIN };
	ASSERT_EQ(poll(&p, 1, 0), 0);
	ASSERT_TRUE(read(a2, &d, sizeof(d)) < 0 && errno == EAGAIN);
	close(b);
	close(a2);
	close(fd);
	fx_stop(&fx);
}

/*
 * A completion that answers a read in the moment after the daemon parked
 * it.  The reader's request is freed by that answer (libfuse frees a
 * request when it is replied to), so ivd_event_read() must not touch it
 * once it has dropped events_lock with the request parked; it once did,
 * registering the interrupt callback there.  --test-hooks makes that
 * moment last (IVD_EVENT_TEST_PARK_MS, for event files named
 * "ivd-test-park..."): the daemon's only FUSE thread waits there, so the
 * completion must come from elsewhere, a NIC thread serving shared rings.
 * The answer reaches the reader while the hook still waits, and the
 * daemon's freed memory is filled (ASAN_OPTIONS) so that a use of the
 * request in libfuse, which ASan does not instrument, crashes.
 */
TEST(daemon_events_completion_answers_a_read_being_parked)
{
	struct ib_uverbs_cq_create_cmd cmd = { .user_handle = 0xcafe,
					       .cqe = 16 };
	struct ib_uverbs_qp_cap cap = { .max_send_wr = 8, .max_recv_wr = 8,
					.max_send_sge = 1, .max_recv_sge = 1 };
	struct ib_uverbs_send_wr wr = {
		.wr_id = 7, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_cq_create_resp resp;
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct reader r = { 0 };
	struct ioverbs_ep s;
	struct fx fx;
	pthread_t th;
	bool hook_over;
	int fd, ev, ch, i;

	setenv("ASAN_OPTIONS",
	       "allow_user_segv_handler=1:detect_leaks=1:abort_on_error=0:"
	       "max_free_fill_size=65536:free_fill_byte=255", 1);
	fx_start(&fx, "--mode=0666", "--test-hooks", NULL);
	unsetenv("ASAN_OPTIONS");
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	memset(&s, 0, sizeof(s));
	ioverbs_client_init_fd(&s.v, fd);
	s.rings = true;
	s.len = 4096;
	s.buf = calloc(1, s.len);
	ASSERT_TRUE(s.buf != NULL);
	s.rctx.fd = s.rctx.kick = s.rcq.fd = s.rqp.fd = -1;
	ASSERT_OK(ioverbs_context_get(&s.v));
	ev = fx_event_file(&fx, "ivd-test-park-1", 0);
	ASSERT_TRUE(ev >= 0);
	ASSERT_OK(channel_create(&s.v, ev, &ch));
	/* The CQ on the channel, with a shared ring like its QP's. */
	ASSERT_OK(ioverbs_cq_create_ex(&s.v, &cmd, ch, &s.cq, &resp));
	s.cqe = resp.cqe;
	ASSERT_OK(ioverbs_port_query_lid(&s.v, &s.lid));
	ASSERT_OK(ioverbs_pd_alloc(&s.v, &s.pd));
	ASSERT_OK(ioverbs_mr_reg(&s.v, s.pd, s.buf, s.len,
				 IB_UVERBS_ACCESS_LOCAL_WRITE, &s.mr, &s.lkey,
				 &s.rkey));
	ASSERT_OK(ioverbs_qp_create(&s.v, IB_UVERBS_QPT_RC, s.pd, s.cq, &cap,
				    &s.qp, &s.qpn, &s.cap));
	ASSERT_OK(ioverbs_sring_ctx_attach(&s.rctx, s.v.fn, s.v.ctx));
	ASSERT_OK(ioverbs_sring_cq_attach(&s.rcq, s.cq, s.cqe, s.v.fn,
					  s.v.ctx));
	ASSERT_OK(ioverbs_sring_qp_attach(&s.rqp, &s.rctx, s.qp, &s.cap,
					  s.v.fn, s.v.ctx));
	ASSERT_OK(ioverbs_ep_connect(&s, &s, 7));
	ASSERT_OK(ioverbs_ep_post_recv(&s, 8, 1024, 64));
	ASSERT_OK(arm(&s.v, s.cq));

	/* The read parks; the hook holds the daemon's thread after it. */
	r.fd = ev;
	ASSERT_OK(-pthread_create(&th, NULL, reader_fn, &r));
	for (i = 0; i < 500 && !fx_log_says(&fx, "read parked"); i++)
		msleep(10);
	ASSERT_TRUE(fx_log_says(&fx, "test hook: event file ivd-test-park-1: read parked"));
	/* A SEND through the rings: a NIC thread completes it. */
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)s.buf, .length = 4,
				      .lkey = s.lkey };
	ASSERT_OK(ioverbs_ep_post_send(&s, &wr, &sge));
	ASSERT_OK(-pthread_join(th, NULL));
	hook_over = fx_log_says(&fx, "read returns");
	ASSERT_EQ(r.got, (ssize_t)sizeof(r.d));
	ASSERT_EQ(r.d.cq_handle, 0xcafe);
	/* Answered inside the moment, not after it. */
	ASSERT_TRUE(!hook_over);
	for (i = 0; i < 500 && !fx_log_says(&fx, "read returns"); i++)
		msleep(10);
	ASSERT_TRUE(fx_log_says(&fx, "test hook: event file ivd-test-park-1: read returns"));
	ASSERT_TRUE(fx_alive(&fx));
	for (i = 0; i < 2; i++) {
		ASSERT_OK(ioverbs_ep_poll(&s, &wc, 5000));
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	}
	ioverbs_ep_close(&s);
	ASSERT_OK(ioverbs_comp_channel_destroy(&s.v, ev));
	close(ev);
	close(fd);
	fx_stop(&fx);
}

struct injector {
	struct ioverbs_client *v;
	u32 what;
	long ret;
};

static void *inject_later(void *arg)
{
	struct injector *in = arg;

	msleep(200);
	in->ret = ioverbs_soft_inject(in->v, in->what, IOVERBS_NONE, 1);
	return NULL;
}

/* The next async event of @v: its type, or -1 (with @element checked). */
static int next_async(struct ioverbs_client *v, u64 element)
{
	struct ib_uverbs_async_event_desc d;

	if (ioverbs_async_event_get(v, &d) || d.element != element)
		return -1;
	return (int)d.event_type;
}

/*
 * Async events wake a client that sleeps for them: poll() on the device
 * file says POLLPRI while one is queued (POLLIN and POLLOUT always: read()
 * and write() never wait), a poll() asleep before the event wakes when
 * it comes (a port down injected by another file: port events reach
 * every file), and device removal's DEVICE_FATAL does the same.
 */
TEST(daemon_async_event_wakes_pollpri)
{
	struct ioverbs_client v, w;
	struct injector in = { .v = &w, .what = SOFT_INJECT_PORT_DOWN };
	struct pollfd p;
	char out[4096];
	struct fx fx;
	pthread_t th;
	int fd, fd2;

	fx_start(&fx, "--mode=0666", "--test-hooks", NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	fd2 = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0 && fd2 >= 0);
	ioverbs_client_init_fd(&v, fd);
	ioverbs_client_init_fd(&w, fd2);
	ASSERT_OK(ioverbs_context_get(&v));
	ASSERT_OK(ioverbs_context_get(&w));

	/* Nothing queued: no POLLPRI; POLLIN and POLLOUT at once. */
	p = (struct pollfd){ .fd = fd, .events = POLLPRI };
	ASSERT_EQ(poll(&p, 1, 0), 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_EQ(p.revents, POLLIN | POLLOUT);

	/* Asleep before the event, woken by it. */
	ASSERT_OK(-pthread_create(&th, NULL, inject_later, &in));
	p = (struct pollfd){ .fd = fd, .events = POLLPRI };
	ASSERT_EQ(poll(&p, 1, 20000), 1);
	ASSERT_EQ(p.revents, POLLPRI);
	ASSERT_OK(-pthread_join(th, NULL));
	ASSERT_OK(in.ret);
	ASSERT_EQ(next_async(&v, 1), IB_UVERBS_EVENT_PORT_ERR);
	/* Taken: no POLLPRI any more; the other file still has its own. */
	ASSERT_EQ(poll(&p, 1, 0), 0);
	p.fd = fd2;
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_EQ(p.revents, POLLPRI);
	ASSERT_EQ(next_async(&w, 1), IB_UVERBS_EVENT_PORT_ERR);
	ASSERT_EQ(poll(&p, 1, 0), 0);

	/* Queued while nobody polls: the next poll() says so at once. */
	ASSERT_OK(ioverbs_soft_inject(&w, SOFT_INJECT_PORT_UP, IOVERBS_NONE,
				      1));
	p.fd = fd;
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_EQ(p.revents, POLLPRI);
	ASSERT_EQ(next_async(&v, 1), IB_UVERBS_EVENT_PORT_ACTIVE);
	ASSERT_EQ(next_async(&w, 1), IB_UVERBS_EVENT_PORT_ACTIVE);

	/* Removal: DEVICE_FATAL wakes the sleeper too. */
	ASSERT_EQ(poll(&p, 1, 0), 0);
	ASSERT_OK(fx_ctl(&fx, "remove uverbs0", out, sizeof(out)));
	ASSERT_EQ(poll(&p, 1, 20000), 1);
	ASSERT_EQ(p.revents, POLLPRI);
	ASSERT_EQ(next_async(&v, 0), IB_UVERBS_EVENT_DEVICE_FATAL);
	{
		struct ib_uverbs_async_event_desc d;

		ASSERT_ERRNO(-EAGAIN, ioverbs_async_event_get(&v, &d));
	}
	close(fd2);
	close(fd);
	fx_stop(&fx);
}

/* What a forked reader saw: read()'s result, its errno, its handler. */
struct child_read {
	ssize_t got;
	int err;
	int handled;
	u64 cq_handle;
};

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled = 1;
}

/*
 * A child blocked in a read of @ev, with a SIGUSR1 handler when @handler
 * (@flags its sa_flags): its pid; what it saw comes on @res.
 */
static pid_t fork_reader(int ev, bool handler, int flags, int *res)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = flags };
	struct child_read c = { 0 };
	struct ib_uverbs_comp_event_desc d = { 0 };
	int pfd[2];
	pid_t p;

	ASSERT_OK(pipe(pfd));
	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (!p) {
		close(pfd[0]);
		sigemptyset(&sa.sa_mask);
		if (handler && sigaction(SIGUSR1, &sa, NULL))
			_exit(2);
		c.got = read(ev, &d, sizeof(d));
		c.err = c.got < 0 ? errno : 0;
		c.handled = handled;
		c.cq_handle = d.cq_handle;
		_exit(write(pfd[1], &c, sizeof(c)) == sizeof(c) ? 0 : 3);
	}
	close(pfd[1]);
	*res = pfd[0];
	return p;
}

/* Waits up to 5 s for @pid to sit in read() (syscall 0), and a bit more. */
static void wait_in_read(pid_t pid)
{
	char path[64], buf[64] = "";
	int i, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	for (i = 0; i < 500; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_TRUE(fd >= 0);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (!strncmp(buf, "0 ", 2))
			break;
		msleep(10);
	}
	ASSERT_TRUE(!strncmp(buf, "0 ", 2));
	/* In the daemon: parked. */
	msleep(100);
}

/* The child's report, and its exit 0. */
static void reap_reader(pid_t pid, int res, struct child_read *c)
{
	int status;

	ASSERT_EQ(read(res, c, sizeof(*c)), (ssize_t)sizeof(*c));
	close(res);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Nothing came on @res within @ms: the read still waits. */
static bool still_reading(int res, int ms)
{
	struct pollfd p = { .fd = res, .events = POLLIN };

	return poll(&p, 1, ms) == 0;
}

/*
 * A blocking read of an event file interrupted by what must not end it,
 * as a kernel char device's interruptible wait restarts: a stop and a
 * continue, a tracer's attach (PTRACE_SEIZE and PTRACE_INTERRUPT, as
 * strace -p and `ioverbs trace -p`) — the read goes on and gets its
 * event.  A handler without SA_RESTART ends it with EINTR; so does a
 * SIGKILL that comes after a stop (the daemon kept the read: the kernel
 * sends no second interrupt, and the killed reader would wait for the
 * daemon's answer).
 */
TEST_TIMEOUT(daemon_events_read_interrupted_like_a_char_device, 120)
{
	struct child_read c;
	struct fx_loop l;
	struct fx fx;
	struct ioverbs_client v;
	int fd, ev, ch, res, status, i;
	pid_t p;
	u32 cq;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_client_open(&fx, "uverbs0", &v);
	ev = fx_event_file(&fx, "interrupted", 0);
	ASSERT_TRUE(ev >= 0);
	ASSERT_OK(channel_create(&v, ev, &ch));
	ASSERT_OK(cq_on_channel(&v, ch, &cq));
	fx_loop_open(&l, &v, cq);

	/* SIGSTOP, SIGCONT: still reading, then the event. */
	ASSERT_OK(arm(&v, cq));
	p = fork_reader(ev, false, 0, &res);
	wait_in_read(p);
	ASSERT_OK(kill(p, SIGSTOP));
	msleep(200);
	ASSERT_OK(kill(p, SIGCONT));
	ASSERT_TRUE(still_reading(res, 300));
	fx_loop_send(&l, 1);
	reap_reader(p, res, &c);
	ASSERT_EQ(c.got, (ssize_t)sizeof(struct ib_uverbs_comp_event_desc));
	ASSERT_EQ(c.cq_handle, 0xcafe);

	/* A tracer attaches: the read goes on; it stops once it returns. */
	ASSERT_OK(arm(&v, cq));
	p = fork_reader(ev, false, 0, &res);
	wait_in_read(p);
	ASSERT_OK(ptrace(PTRACE_SEIZE, p, NULL, NULL));
	ASSERT_OK(ptrace(PTRACE_INTERRUPT, p, NULL, NULL));
	ASSERT_TRUE(still_reading(res, 300));
	fx_loop_send(&l, 2);
	ASSERT_EQ(waitpid(p, &status, __WALL), p);
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_OK(ptrace(PTRACE_DETACH, p, NULL, NULL));
	reap_reader(p, res, &c);
	ASSERT_EQ(c.got, (ssize_t)sizeof(struct ib_uverbs_comp_event_desc));
	ASSERT_EQ(c.cq_handle, 0xcafe);

	/* A handler without SA_RESTART: EINTR, the handler ran. */
	ASSERT_OK(arm(&v, cq));
	p = fork_reader(ev, true, 0, &res);
	wait_in_read(p);
	ASSERT_OK(kill(p, SIGUSR1));
	reap_reader(p, res, &c);
	ASSERT_EQ(c.got, -1);
	ASSERT_EQ(c.err, EINTR);
	ASSERT_EQ(c.handled, 1);

	/* Stopped (the read kept), then killed: it dies at once. */
	p = fork_reader(ev, false, 0, &res);
	wait_in_read(p);
	ASSERT_OK(kill(p, SIGSTOP));
	msleep(200);
	ASSERT_OK(kill(p, SIGKILL));
	for (i = 0; i < 200 && !waitpid(p, &status, WNOHANG); i++)
		msleep(10);
	ASSERT_TRUE(i < 200);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(res);
	/* The arm of the handler's case still waits: a new reader gets it. */
	fx_loop_send(&l, 3);
	p = fork_reader(ev, false, 0, &res);
	reap_reader(p, res, &c);
	ASSERT_EQ(c.got, (ssize_t)sizeof(struct ib_uverbs_comp_event_desc));

	fx_loop_close(&l);
	ASSERT_OK(ioverbs_cq_destroy(&v, cq, NULL));
	ASSERT_OK(ioverbs_comp_channel_destroy(&v, ev));
	close(ev);
	close(fd);
	fx_stop(&fx);
}
