// SPDX-License-Identifier: MIT
/*
 * Stopping on a signal, reliably.  libfuse's own handlers only set the
 * session's exit flag, and its loop checks that flag before each blocking
 * read of /dev/fuse: a signal that lands between the check and the read
 * leaves the loop asleep until some client sends a request, however long
 * that is.  So here:
 *
 *  - SIGTERM, SIGINT and SIGHUP are blocked in every thread (ivd_stop_init()
 *    runs before any thread exists; threads inherit the mask), and a
 *    stopper thread takes them from a signalfd: whichever thread the
 *    kernel would have picked, the signal reaches the stopper.
 *  - The stopper calls fuse_session_exit(), then kicks the loop's thread
 *    with IVD_STOP_KICK (an empty handler installed without SA_RESTART, so
 *    a blocking read() returns EINTR and the loop looks at the flag again)
 *    every IVD_STOP_KICK_MS until that thread says it has left the loop.
 *    A kick that lands in the window before the read is followed by the
 *    next one, which finds the thread asleep in the read.
 *  - libfuse's multi-threaded loop waits in its first thread for a
 *    semaphore (sem_wait() returns on EINTR) while its workers read; that
 *    thread, told the flag is set, cancels the workers.  So kicking the
 *    thread that called the loop serves both loops.
 *
 * Kicks happen only while the loop's thread is inside the loop
 * (ivd_stop_loop_enter/leave()); on leaving, that thread blocks
 * IVD_STOP_KICK first, so no kick interrupts the clean-up's system calls.
 * A signal before the loop starts sets the flag, and the loop returns at
 * once.  Signals after the loop are left pending: the clean-up finishes.
 *
 * Locking: stop_lock protects @in_loop, @left and @loop_thread; it is
 * taken alone.
 */
#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "daemon.h"
#include "stop.h"

#define IVD_STOP_KICK SIGUSR2
#define IVD_STOP_KICK_MS 10

static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t loop_thread;
static bool in_loop;
static bool left;

static pthread_t stopper;
static bool stopper_running;
static int sig_fd = -1;
static int done_fd = -1;
static struct fuse_session *stop_se;
/* The signal that stopped us, 0 if none (written by the stopper). */
static int stop_signo;

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/* The kick only interrupts: the stopper already set the flag. */
static void kick_handler(int sig)
{
	(void)sig;
}

/**
 * ivd_stop_init() - block the stop signals, before any thread is created
 *
 * Also ignores SIGPIPE (a reply to a client that went away) and installs
 * the kick's handler.
 * Return: 0 or a negative errno.
 */
int ivd_stop_init(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL))
		return -errno;
	sa.sa_handler = kick_handler;
	sa.sa_flags = 0;	/* no SA_RESTART: read() returns EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(IVD_STOP_KICK, &sa, NULL))
		return -errno;
	stop_signals(&set);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void kick_loop(void)
{
	pthread_mutex_lock(&stop_lock);
	if (in_loop && !left)
		pthread_kill(loop_thread, IVD_STOP_KICK);
	pthread_mutex_unlock(&stop_lock);
}

static void *stopper_fn(void *arg)
{
	struct pollfd pfd[2] = { { .fd = sig_fd, .events = POLLIN },
				 { .fd = done_fd, .events = POLLIN } };
	struct signalfd_siginfo si;
	bool stopping = false;

	(void)arg;
	for (;;) {
		if (poll(pfd, 2, stopping ? IVD_STOP_KICK_MS : -1) < 0 &&
		    errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if ((pfd[0].revents & POLLIN) &&
		    read(sig_fd, &si, sizeof(si)) == sizeof(si) && !stopping) {
			stopping = true;
			__atomic_store_n(&stop_signo, (int)si.ssi_signo,
					 __ATOMIC_RELAXED);
			log_info("signal %d from pid %u: stopping",
				 (int)si.ssi_signo, si.ssi_pid);
			fuse_session_exit(stop_se);
		}
		if (stopping)
			kick_loop();
	}
	return NULL;
}

/**
 * ivd_stop_start() - start the stopper thread for @se
 * @se: the session whose loop a signal ends
 *
 * After fuse_daemonize() (a fork keeps no thread).  Signals that came
 * before are pending and are taken now.
 * Return: 0 or a negative errno.
 */
int ivd_stop_start(struct fuse_session *se)
{
	sigset_t set;
	int ret;

	stop_se = se;
	stop_signals(&set);
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sig_fd < 0)
		return -errno;
	done_fd = eventfd(0, EFD_CLOEXEC);
	if (done_fd < 0) {
		ret = -errno;
		goto err_close;
	}
	ret = -pthread_create(&stopper, NULL, stopper_fn, NULL);
	if (ret)
		goto err_close;
	stopper_running = true;
	return 0;

err_close:
	if (done_fd >= 0)
		close(done_fd);
	close(sig_fd);
	sig_fd = done_fd = -1;
	return ret;
}

/* On the thread that runs the loop, right before it. */
void ivd_stop_loop_enter(void)
{
	pthread_mutex_lock(&stop_lock);
	loop_thread = pthread_self();
	in_loop = true;
	pthread_mutex_unlock(&stop_lock);
}

/* On the same thread, right after the loop returned. */
void ivd_stop_loop_leave(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, IVD_STOP_KICK);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_mutex_lock(&stop_lock);
	left = true;
	pthread_mutex_unlock(&stop_lock);
}

/* The signal that ended the loop, or 0. */
int ivd_stop_signal(void)
{
	return __atomic_load_n(&stop_signo, __ATOMIC_RELAXED);
}

/**
 * ivd_stop_exit() - stop the stopper thread
 *
 * After ivd_stop_loop_leave(), or when the loop never ran.  Signals that
 * come later stay pending (blocked) and change nothing.
 */
void ivd_stop_exit(void)
{
	u64 one = 1;

	if (stopper_running) {
		if (write(done_fd, &one, sizeof(one)) != sizeof(one))
			log_warn("cannot stop the signal thread: %s",
				 ivd_errname(errno));
		else
			pthread_join(stopper, NULL);
		stopper_running = false;
	}
	if (done_fd >= 0)
		close(done_fd);
	if (sig_fd >= 0)
		close(sig_fd);
	done_fd = sig_fd = -1;
}
