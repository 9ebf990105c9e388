// SPDX-License-Identifier: MIT
/*
 * ioverbsd's RoCEv2 port (--roce): two daemons, each with port 1 of
 * uverbs0 on its own loopback address 127.A.B.1 / 127.A.B.2 (A.B from
 * the pid), run Debian's unmodified ibv_rc_pingpong, ibv_ud_pingpong,
 * ib_write_bw, ib_read_lat and ib_atomic_lat between them through
 * `ioverbs run`, the server on one daemon and the client on the other,
 * so that every packet goes through two real UDP sockets; `ioverbs stat`
 * then counts them exactly.  ibv_devinfo -v shows the RoCEv2 GID; a
 * daemon without --roce holds no socket, an idle port's thread sleeps;
 * the command line's mistakes are refused with their reason.  The interop with Linux rdma_rxe is
 * check-roce's (tests/roce/).
 *
 * A test whose program is not installed skips; the provider is
 * $IOVERBS_PROVIDER, else $(O)/rel/provider/.
 */
#include <dirent.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fixture.h"
#include "progs.h"

/* "127.A.B.@host". */
static void roce_addr(char *out, size_t size, unsigned int host)
{
	unsigned int pid = (unsigned int)getpid();

	snprintf(out, size, "127.%u.%u.%u", 1 + pid % 250, pid / 250 % 250,
		 host);
}

/* A daemon whose port 1 of uverbs0 is RoCEv2 on 127.A.B.@host. */
static void roce_start(struct fx *fx, unsigned int host)
{
	char opt[64], addr[32];

	roce_addr(addr, sizeof(addr), host);
	snprintf(opt, sizeof(opt), "--roce=uverbs0:%s", addr);
	fx_start(fx, "--mode=0666", opt, NULL);
}

/*
 * @prog with @opt (NULL-terminated, at most 10) as the server on @a and
 * as the client on @b (to 127.0.0.1, where the server's TCP exchange
 * listens); both must exit 0.  Outputs in @srv and @cli.
 */
static void pair(struct fx *a, struct fx *b, const char *prog,
		 const char *const *opt, char *srv, char *cli, size_t size)
{
	char mnt_a[128], mnt_b[128], port[16], spath[128], cpath[128];
	char *argv[24];
	int argc = 0, base, i, st_srv, st_cli;
	pid_t ps, pc;

	snprintf(port, sizeof(port), "%u", free_port());
	snprintf(mnt_a, sizeof(mnt_a), "--mount=%s", a->mnt);
	snprintf(mnt_b, sizeof(mnt_b), "--mount=%s", b->mnt);
	snprintf(spath, sizeof(spath), "%s/srv.out", a->dir);
	snprintf(cpath, sizeof(cpath), "%s/cli.out", b->dir);
	argv[argc++] = (char *)fx_tool_path();
	argv[argc++] = "run";
	argv[argc++] = mnt_a;
	argv[argc++] = "--";
	argv[argc++] = (char *)prog;
	argv[argc++] = "-p";
	argv[argc++] = port;
	for (i = 0; opt[i] && i < 10; i++)
		argv[argc++] = (char *)opt[i];
	argv[argc] = NULL;
	base = argc;
	ps = spawn(argv, spath, 0);
	for (i = 0; i < 300 && !listening((unsigned int)atoi(port)); i++)
		msleep(50);
	argv[2] = mnt_b;
	argv[base] = "127.0.0.1";
	argv[base + 1] = NULL;
	pc = spawn(argv, cpath, 0);
	st_cli = reap_within(pc, 60);
	st_srv = reap_within(ps, 60);
	slurp(spath, srv, size);
	slurp(cpath, cli, size);
	if (st_srv || st_cli)
		harness_fail(__FILE__, __LINE__,
			     "%s: server status %#x, client %#x\n--- server:\n%s\n--- client:\n%s",
			     prog, st_srv, st_cli, srv, cli);
}

/* `ioverbs stat`'s roce line of @fx (after "roce: ") into @out. */
static void roce_stat(struct fx *fx, char *out, size_t size)
{
	char mnt[128], text[8192];
	char *argv[] = { (char *)fx_tool_path(), "stat", mnt, NULL };
	const char *p, *e;

	snprintf(mnt, sizeof(mnt), "--mount=%s", fx->mnt);
	ASSERT_EQ(fx_run(argv, text, sizeof(text)), 0);
	p = strstr(text, "  roce: ");
	if (!p)
		harness_fail(__FILE__, __LINE__, "no roce line in:\n%s", text);
	p += 8;
	e = strchr(p, '\n');
	snprintf(out, size, "%.*s", e ? (int)(e - p) : (int)strlen(p), p);
}

/* The counter @name of a roce line. */
static unsigned long long stat_field(const char *line, const char *name)
{
	char want[64];
	const char *p;

	snprintf(want, sizeof(want), " %s ", name);
	p = strstr(line, want);
	if (!p)
		harness_fail(__FILE__, __LINE__, "no %s in '%s'", name, line);
	return strtoull(p + strlen(want), NULL, 10);
}

/* Sockets the daemon @pid holds (links "socket:[N]" in its fd dir). */
static int sockets_of(pid_t pid)
{
	char dir[64], path[320], link[64];
	struct dirent *d;
	int n = 0;
	ssize_t len;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	dp = opendir(dir);
	ASSERT_TRUE(dp != NULL);
	while ((d = readdir(dp))) {
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		n += !strncmp(link, "socket:", 7);
	}
	closedir(dp);
	return n;
}

TEST(roce_devinfo_and_sockets)
{
	char out[32768], mnt[128], addr[32], want[128];
	char *argv[] = { (char *)fx_tool_path(), "run", mnt, "--",
			 "/usr/bin/ibv_devinfo", "-v", NULL };
	struct fx fx;

	need_tools("/usr/bin/ibv_devinfo");
	/* No --roce: no socket at all, and the IB port of before. */
	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_EQ(sockets_of(fx.pid), 0);
	snprintf(mnt, sizeof(mnt), "--mount=%s", fx.mnt);
	ASSERT_EQ(fx_run(argv, out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "link_layer:\t\tInfiniBand") != NULL);
	ASSERT_TRUE(strstr(out, "RoCE") == NULL);
	fx_stop(&fx);

	roce_start(&fx, 1);
	/* The UDP socket that sends, the raw one that receives (root). */
	ASSERT_EQ(sockets_of(fx.pid), 2);
	snprintf(mnt, sizeof(mnt), "--mount=%s", fx.mnt);
	ASSERT_EQ(fx_run(argv, out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "link_layer:\t\tEthernet") != NULL);
	ASSERT_TRUE(strstr(out, "port_lid:\t\t0\n") != NULL);
	ASSERT_TRUE(strstr(out, "active_mtu:\t\t4096 (5)") != NULL);
	roce_addr(addr, sizeof(addr), 1);
	snprintf(want, sizeof(want), "GID[  0]:\t\t::ffff:%s, RoCE v2\n", addr);
	if (!strstr(out, want))
		harness_fail(__FILE__, __LINE__, "no '%s' in:\n%s", want, out);
	ASSERT_TRUE(fx_log_says(&fx, "port 1 RoCEv2 on lo"));
	/* The tool's own devinfo says the same. */
	argv[1] = "devinfo";
	argv[3] = "-v";
	argv[4] = NULL;
	ASSERT_EQ(fx_run(argv, out, sizeof(out)), 0);
	if (!strstr(out, want))
		harness_fail(__FILE__, __LINE__, "no '%s' in:\n%s", want, out);
	ASSERT_TRUE(strstr(out, "link_layer:\t\tEthernet") != NULL);
	fx_stop(&fx);
}

/*
 * An idle port's receive thread sleeps until a datagram comes: it is not
 * woken once in a second (it used to look at its stop flag five times a
 * second), and still answers after.
 */
TEST(roce_idle_port_sleeps)
{
	static char srv[8192], cli[8192];
	static const char *const opt[] = { "-g", "0", "-n", "10", NULL };
	struct fx a, b;
	long n0, n1;

	need_tools("/usr/bin/ibv_rc_pingpong");
	roce_start(&a, 1);
	roce_start(&b, 2);
	usleep(200 * 1000);
	ASSERT_EQ(fx_threads(a.pid, "soft-roce", &n0), 1);
	sleep(1);
	ASSERT_EQ(fx_threads(a.pid, "soft-roce", &n1), 1);
	if (n1 != n0)
		harness_fail(__FILE__, __LINE__,
			     "the idle receive thread was woken %ld times in 1 s",
			     n1 - n0);
	pair(&a, &b, "/usr/bin/ibv_rc_pingpong", opt, srv, cli, sizeof(srv));
	ASSERT_TRUE(strstr(cli, "\n10 iters in ") != NULL);
	ASSERT_EQ(fx_threads(a.pid, "soft-roce", &n0), 1);
	ASSERT_TRUE(n0 > n1);
	fx_stop(&b);
	fx_stop(&a);
}

TEST(roce_command_line_refusals)
{
	char out[4096], dir[] = "/tmp/ivd-roce-XXXXXX";
	char *bad_addr[] = { (char *)fx_daemon_path(), "-f",
			     "--roce=192.0.2.77", dir, NULL };
	char *not_v4[] = { (char *)fx_daemon_path(), "-f", "--roce=10.0.0.1.5",
			   dir, NULL };
	char *no_if[] = { (char *)fx_daemon_path(), "-f",
			  "--netdev=ivd-none0", dir, NULL };
	char *faults[] = { (char *)fx_daemon_path(), "-f", "--roce=127.0.0.1",
			   "--roce-faults=1,1", dir, NULL };
	char *dev[] = { (char *)fx_daemon_path(), "-f",
			"--roce=uverbs1:127.0.0.1", dir, NULL };

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	ASSERT_EQ(fx_run(bad_addr, out, sizeof(out)), 1);
	ASSERT_TRUE(strstr(out,
		"--roce=192.0.2.77: no interface has the address 192.0.2.77") != NULL);
	ASSERT_EQ(fx_run(not_v4, out, sizeof(out)), 1);
	ASSERT_TRUE(strstr(out,
		"--roce=10.0.0.1.5: '10.0.0.1.5' is not an IPv4 or IPv6 address") != NULL);
	ASSERT_EQ(fx_run(no_if, out, sizeof(out)), 1);
	ASSERT_TRUE(strstr(out,
		"--netdev=ivd-none0: interface ivd-none0 has no IPv4 address") != NULL);
	ASSERT_EQ(fx_run(faults, out, sizeof(out)), 1);
	ASSERT_TRUE(strstr(out, "--roce-faults needs --test-hooks") != NULL);
	ASSERT_EQ(fx_run(dev, out, sizeof(out)), 1);
	ASSERT_TRUE(strstr(out, "--roce names uverbs1, but there are 1 devices") != NULL);
	ASSERT_OK(rmdir(dir));
}

/* rc_pingpong's counts: 1000 messages of 4 packets each way, one ACK each. */
TEST(roce_rc_pingpong_two_daemons)
{
	static char srv[8192], cli[8192];
	static const char *const opt[] = { "-g", "0", NULL };
	char line[1024], line_b[1024];
	struct fx a, b;
	long base_a, base_b;

	need_tools("/usr/bin/ibv_rc_pingpong");
	roce_start(&a, 1);
	roce_start(&b, 2);
	base_a = fx_live_objects(&a);
	base_b = fx_live_objects(&b);
	pair(&a, &b, "/usr/bin/ibv_rc_pingpong", opt, srv, cli, sizeof(srv));
	ASSERT_TRUE(strstr(srv, "\n8192000 bytes in ") != NULL);
	ASSERT_TRUE(strstr(cli, "\n1000 iters in ") != NULL);
	roce_stat(&a, line, sizeof(line));
	roce_stat(&b, line_b, sizeof(line_b));
	/* lo loses nothing: every packet one sent, the other received. */
	ASSERT_EQ(stat_field(line, "rx"), stat_field(line_b, "tx"));
	ASSERT_EQ(stat_field(line_b, "rx"), stat_field(line, "tx"));
	ASSERT_EQ(stat_field(line, "naks_sent"), stat_field(line_b, "naks_rcvd"));
	ASSERT_EQ(stat_field(line_b, "naks_sent"), stat_field(line, "naks_rcvd"));
	/*
	 * Without a retransmission, exactly the 5000 of each side, no NAK
	 * and no drop.  A slow (TSan, loaded) daemon may let a 67 ms timer
	 * expire: then the copies arrive as duplicates.  And lo may reorder
	 * two packets that two threads sent from two CPUs when one CPU
	 * leaves its backlog to ksoftirqd: then the responder NAKs the gap
	 * (PSN sequence error) and the requester sends again from it.
	 */
	if (!stat_field(line, "retransmits") &&
	    !stat_field(line_b, "retransmits")) {
		ASSERT_EQ(stat_field(line, "naks_sent"), 0);
		ASSERT_EQ(stat_field(line_b, "naks_sent"), 0);
		ASSERT_EQ(stat_field(line, "tx"), 5000);
		ASSERT_EQ(stat_field(line_b, "tx"), 5000);
		ASSERT_TRUE(strstr(line, " drops") && !strstr(line, " drops "));
		ASSERT_TRUE(strstr(line_b, " drops") &&
			    !strstr(line_b, " drops "));
	} else {
		ASSERT_TRUE(stat_field(line, "tx") >= 5000);
		ASSERT_TRUE(stat_field(line_b, "tx") >= 5000);
	}
	ASSERT_EQ(fx_live_objects_settled(&a), base_a);
	ASSERT_EQ(fx_live_objects_settled(&b), base_b);
	fx_stop(&b);
	fx_stop(&a);
}

/*
 * One of the ibv_*_pingpong programs between two daemons: the server
 * must say @srv_says, the client @cli_says.
 */
static void pingpong(const char *prog, const char *const *opt,
		     const char *srv_says, const char *cli_says)
{
	static char srv[8192], cli[8192];
	struct fx a, b;

	need_tools(prog);
	roce_start(&a, 1);
	roce_start(&b, 2);
	pair(&a, &b, prog, opt, srv, cli, sizeof(srv));
	if (!strstr(srv, srv_says) || !strstr(cli, cli_says))
		harness_fail(__FILE__, __LINE__,
			     "want '%s' and '%s' in:\n%s\n---\n%s", srv_says,
			     cli_says, srv, cli);
	fx_stop(&b);
	fx_stop(&a);
}

TEST(roce_rc_pingpong_events_64k)
{
	static const char *const opt[] = { "-g", "0", "-e", "-s", "65536",
					   "-n", "200", NULL };

	pingpong("/usr/bin/ibv_rc_pingpong", opt, "\n26214400 bytes in ",
		 "\n200 iters in ");
}

TEST(roce_ud_pingpong)
{
	static const char *const opt[] = { "-g", "0", "-s", "1024", NULL };

	pingpong("/usr/bin/ibv_ud_pingpong", opt, "\n2048000 bytes in ",
		 "\n1000 iters in ");
}

/*
 * 16 QPs on one SRQ whose receives the provider posts on the SRQ's ring:
 * the port's responder takes them from there.
 */
TEST(roce_srq_pingpong)
{
	static const char *const opt[] = { "-g", "0", "-n", "200", NULL };

	pingpong("/usr/bin/ibv_srq_pingpong", opt, "\n1638400 bytes in ",
		 "\n200 iters in ");
}

/* perftest's result row after "#bytes": its first two numbers. */
static void perftest_row(const char *out, unsigned long long *bytes,
			 unsigned int *iters)
{
	const char *p = strstr(out, "#bytes");

	if (!p)
		harness_fail(__FILE__, __LINE__, "no results in:\n%s", out);
	p = strchr(p, '\n');
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(sscanf(p + 1, "%llu %u", bytes, iters), 2);
}

/* @prog between two daemons, with @more (an option, or NULL). */
static void perftest(const char *prog, const char *more,
		     unsigned long long bytes, unsigned int iters)
{
	static char srv[16384], cli[16384];
	const char *const opt[] = { "-x", "0", "-d", "ioverbs0", "-F", more,
				    NULL };
	unsigned long long b;
	unsigned int n;
	struct fx a, c;

	need_tools(prog);
	roce_start(&a, 1);
	roce_start(&c, 2);
	pair(&a, &c, prog, opt, srv, cli, sizeof(srv));
	perftest_row(cli, &b, &n);
	ASSERT_EQ(b, bytes);
	ASSERT_EQ(n, iters);
	fx_stop(&c);
	fx_stop(&a);
}

TEST(roce_write_bw)
{
	perftest("/usr/bin/ib_write_bw", NULL, 65536, 5000);
}

TEST(roce_read_lat)
{
	perftest("/usr/bin/ib_read_lat", NULL, 2, 1000);
}

TEST(roce_atomic_lat)
{
	perftest("/usr/bin/ib_atomic_lat", NULL, 8, 1000);
}

/*
 * Waiting for events, a side replies as soon as its receive completes:
 * the ACK of the SEND it received must be out before, or the peer's
 * next post finds its one-deep send queue still full.
 */
TEST(roce_send_lat_events)
{
	perftest("/usr/bin/ib_send_lat", "-e", 2, 1000);
}
