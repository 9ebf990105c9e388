// SPDX-License-Identifier: MIT
/*
 * SIGTERM stops the daemon whatever it is doing: idle in its read of
 * /dev/fuse, or serving clients, and whenever the signal comes (one or
 * several, at random moments, from its first instants on).  Each round
 * must end within STOP_LIMIT_S and cleanly (fx_stop(): exit 0, unmounted,
 * no sanitizer report, no object left).
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "fixture.h"

#define STOP_LIMIT_S 5
#define CLIENTS 2

static void usleep_rand(unsigned int max_us)
{
	struct timespec ts = { 0, 0 };
	unsigned int us = max_us ? (unsigned int)rand() % max_us : 0;

	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (long)(us % 1000000) * 1000L;
	nanosleep(&ts, NULL);
}

/* A client that runs commands until the daemon goes. */
static void client(struct fx *fx)
{
	struct ib_uverbs_query_port_resp port;
	int fd = fx_open(fx, "uverbs0", O_RDWR);
	u32 pd;

	if (fd < 0 || cl_get_context(fd))
		_exit(0);
	for (;;) {
		if (cl_query_port(fd, 1, &port) || cl_pd_alloc(fd, &pd) ||
		    cl_pd_dealloc(fd, pd))
			_exit(0);
	}
}

/* Sends 1 to 3 SIGTERMs at random moments; then it must be gone soon. */
static void terminate(struct fx *fx, int round, bool busy)
{
	int i, n = 1 + rand() % 3;
	double end;

	for (i = 0; i < n; i++) {
		ASSERT_OK(kill(fx->pid, SIGTERM) ? -errno : 0);
		usleep_rand(20000);
	}
	end = now_s() + STOP_LIMIT_S;
	while (!fx_proc_gone(fx->pid)) {
		if (now_s() > end)
			harness_fail(__FILE__, __LINE__,
				     "round %d (%s): the daemon did not stop "
				     "in %d s after %d SIGTERM(s)",
				     round, busy ? "busy" : "idle",
				     STOP_LIMIT_S, n);
		usleep_rand(5000);
	}
}

static void rounds(int n, bool busy)
{
	pid_t clients[CLIENTS];
	struct fx fx;
	int r, i;

	srand((unsigned int)getpid());
	for (r = 0; r < n; r++) {
		fx_start(&fx, "--mode=0666", NULL);
		for (i = 0; busy && i < CLIENTS; i++) {
			fflush(stdout);
			fflush(stderr);
			clients[i] = fork();
			ASSERT_TRUE(clients[i] >= 0);
			if (clients[i] == 0)
				client(&fx);
		}
		/* Idle: within its first 200 ms; busy: while it serves. */
		usleep_rand(busy ? 300000 : 200000);
		terminate(&fx, r, busy);
		for (i = 0; busy && i < CLIENTS; i++) {
			kill(clients[i], SIGKILL);
			waitpid(clients[i], NULL, 0);
		}
		fx_stop(&fx);
	}
}

TEST_TIMEOUT(daemon_sigterm_idle_stops, 300)
{
	rounds(25, false);
}

TEST_TIMEOUT(daemon_sigterm_busy_stops, 300)
{
	rounds(15, true);
}
