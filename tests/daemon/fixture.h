/* SPDX-License-Identifier: MIT */
/*
 * The daemon tests' fixture: an ASan ioverbsd on a fresh temporary mount,
 * started and stopped by each test, and the client side's commands.
 *
 *	struct fx fx;
 *
 *	fx_start(&fx, "--mode=0666", NULL);	(-f --devices=2, debug log)
 *	fd = fx_open(&fx, "uverbs0", O_RDWR);
 *	ASSERT_OK(cl_get_context(fd));
 *	...
 *	fx_stop(&fx);	(SIGTERM; exit 0, unmounted, pid file gone, no
 *			 sanitizer report and 0 live objects in its log)
 *
 * If a test dies before fx_stop() (a failed assertion, its time limit), the
 * daemon gets SIGTERM (PR_SET_PDEATHSIG) and a watcher process unmounts
 * (fusermount3 -u -z) and removes the temporary directory all the same.
 *
 * The daemon is $IOVERBSD, else ../../daemon/ioverbsd next to the test
 * program ($(O)/asan/tests/daemon/ -> $(O)/asan/daemon/); the control
 * tool is $IOVERBS_CTL, else ../../tools/ioverbs-ctl.  Without root (or
 * /dev/fuse) every test skips.
 */
#ifndef _TESTS_DAEMON_FIXTURE_H
#define _TESTS_DAEMON_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#include "../harness.h"

#include <ioverbs/verbs.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/soft_device.h>

struct fx {
	char dir[64];
	char mnt[96];
	char log[96];
	char pidfile[96];
	pid_t pid;
	pid_t watcher;
	unsigned int flags;
};

/* Starts the daemon with -f --devices=2 --log-level=debug and the extra
 * arguments (a NULL-terminated list); returns once the files exist. */
void fx_start(struct fx *fx, ...) __attribute__((sentinel));

enum {
	/* Without -f: the daemon forks, logs to --log-file=fx->log, and
	 * fx->pid comes from its pid file. */
	FX_BACKGROUND = 1,
	/* CAP_SYS_PTRACE dropped from the daemon's bounding set. */
	FX_NO_PTRACE = 2,
};
void fx_start_flags(struct fx *fx, unsigned int flags, ...)
	__attribute__((sentinel));
void fx_stop(struct fx *fx);
/* Is the daemon still running (and answering the control file)? */
bool fx_alive(struct fx *fx);
/* Does a line of the daemon's log so far contain @what? */
bool fx_log_says(struct fx *fx, const char *what);

/* open() of MOUNT/NAME: the fd or -errno. */
int fx_open(struct fx *fx, const char *name, int flags);
/*
 * MOUNT/@dev opened read-write as @v's file, its context got (asserts
 * both): the fd.
 */
int fx_client_open(struct fx *fx, const char *dev, struct ioverbs_client *v);
/* One control command; the answer in @out (NUL-terminated): 0 or -errno. */
long fx_ctl(struct fx *fx, const char *cmd, char *out, size_t size);
/* From "list": open files of @pid (0: any) on @dev (any if NULL). */
int fx_files_of(struct fx *fx, const char *dev, pid_t pid);
/* From "list": the objects count of @pid's file on @dev, -1 if none. */
int fx_objects_of(struct fx *fx, const char *dev, pid_t pid);
long fx_live_objects(struct fx *fx);
/*
 * The same once it has not changed for 100 ms (10 s at most): a destroyed
 * object's memory goes after an RCU grace period, not with its file.
 */
long fx_live_objects_settled(struct fx *fx);
/* Waits (60 s at most) until @pid (0: anyone) has no file and live
 * objects are back to @base. */
void fx_wait_released(struct fx *fx, pid_t pid, long base);

/*
 * In a forked child, where the harness's assertions cannot report: a
 * failed check says so on stderr and exits with (the low bits of) its
 * line.
 */
#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr,                                   \
				"child %d (uid %d): %s:%d: %s (errno %d)\n", \
				getpid(), (int)getuid(), __FILE__,        \
				__LINE__, #cond, errno);                  \
			_exit(__LINE__ & 0x7f ? __LINE__ & 0x7f : 1);     \
		}                                                         \
	} while (0)

/*
 * In a forked child: become user and group @id (an unused one: a test
 * user of the test's own), without supplementary groups.  0 or -errno.
 */
int fx_become(uid_t id);

/*
 * Runs @fn(@arg) in a forked child as user and group @uid (fx_become()):
 * its exit status, 100 if it could not become @uid, 200 if it died.
 */
int fx_as_user(uid_t uid, int (*fn)(void *), void *arg);

/* Has @pid exited (a zombie nobody reaped counts)? */
bool fx_proc_gone(pid_t pid);

struct ioverbs_ep;
/*
 * A file of MOUNT/uverbs0 with a context, shared rings (@len bytes of
 * registered buffer) and an RC QP connected to itself: 0 or -errno.
 * fx_ep_down() closes both.
 */
long fx_ep_up(struct fx *fx, struct ioverbs_ep *s, size_t len);
void fx_ep_down(struct ioverbs_ep *s);

/* Sleeps @ms milliseconds; the monotonic clock in seconds. */
void msleep(unsigned int ms);
double now_s(void);

const char *fx_daemon_path(void);
/*
 * Creates MOUNT/events/@name (O_CREAT|O_EXCL, plus @flags): the fd, or
 * -errno.
 */
int fx_event_file(struct fx *fx, const char *name, int flags);

/* A loopback RC QP on a CQ; one SEND to itself completes on that CQ. */
struct fx_loop {
	struct ioverbs_client *v;
	u32 pd, mr, qp, qpn, lkey, rkey;
	u16 lid;
	u8 buf[4096];
};

/* PD, MR over @l's buffer, an RC QP on @cq connected to itself. */
void fx_loop_open(struct fx_loop *l, struct ioverbs_client *v, u32 cq);
/* Posts a 4-byte RECV and a signaled SEND, both with wr_id @id. */
void fx_loop_send(struct fx_loop *l, u64 id);
/* Destroys what fx_loop_open() made. */
void fx_loop_close(struct fx_loop *l);

/*
 * Threads of @pid whose name starts with @prefix; with @switches, their
 * context switches so far (voluntary and not) added up there.
 */
int fx_threads(pid_t pid, const char *prefix, long *switches);
/* Threads of @pid named soft-nic (the NIC pool's, replacements included). */
int fx_nic_threads(pid_t pid);

const char *fx_ctl_tool_path(void);
/* The ioverbs tool, in ioverbs-ctl's directory (ioverbs-ctl links to it). */
const char *fx_tool_path(void);
/* $(O)/@rel, from this program's path ($(O)/VARIANT/tests/daemon/); the
 * answer lives until the next call. */
const char *fx_in_build(const char *rel);
/* Runs @argv (stdout+stderr to @out); the exit status or -1. */
int fx_run(char *const argv[], char *out, size_t size);
/* Does the kernel refuse user namespaces to ordinary users? */
bool fx_userns_off(void);

/* --- client commands: 0 or -errno, as ioverbs_cmd_exec() ------------- */

/* A library client on @fd, checked against the standard spec tables. */
struct ioverbs_client cl_client(int fd);
long cl_exec(int fd, struct ioverbs_cmd *c);
/*
 * A client that only builds (the *_prep() of <ioverbs/verbs.h>), checked
 * against the standard spec tables: for commands placed in memory of the
 * test's choosing and sent with cl_exec().
 */
const struct ioverbs_client *cl_builder(void);
long cl_get_context(int fd);
long cl_query_device(int fd, struct ib_uverbs_query_device_resp *resp);
long cl_query_port(int fd, u8 port, struct ib_uverbs_query_port_resp *resp);
long cl_pd_alloc(int fd, u32 *pd);
long cl_pd_dealloc(int fd, u32 pd);
long cl_mr_reg(int fd, u32 pd, void *buf, size_t len, u32 *mr,
	       struct ib_uverbs_mr_reg_resp *resp);
long cl_mr_dereg(int fd, u32 mr);
long cl_cq_create(int fd, u32 cqe, u32 *cq);
long cl_cq_destroy(int fd, u32 cq);
long cl_qp_create(int fd, u32 pd, u32 cq, u32 *qp, u32 *qpn);
long cl_qp_modify(int fd, u32 qp, const struct ib_uverbs_qp_attr *attr);
long cl_qp_destroy(int fd, u32 qp);
/* RESET -> INIT -> RTR -> RTS towards (@dlid, @dest_qpn), as RC. */
long cl_qp_connect_rc(int fd, u32 qp, u16 dlid, u32 dest_qpn);

#endif /* _TESTS_DAEMON_FIXTURE_H */
