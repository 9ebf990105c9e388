// SPDX-License-Identifier: MIT
/*
 * The ioverbs command: devinfo's output, golden (from a soft device in
 * the tool's own process, and through a daemon), stat's counts after a
 * known run (commands of which some failed, bytes moved by kind), and
 * the exit codes and error lines of what goes wrong (no such subcommand,
 * no daemon, no such device, a removed one, bad options).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fixture.h"

#include <rdma/ib_verbs_ops.h>


/* Runs the tool with up to 8 arguments: its exit status, output in @out. */
static int run_tool(char *out, size_t size, ...)
{
	char *argv[10] = { (char *)fx_tool_path() };
	va_list ap;
	int i = 1;

	if (access(argv[0], X_OK))
		harness_fail(__FILE__, __LINE__, "no tool at %s", argv[0]);
	va_start(ap, size);
	while (i < 9 && (argv[i] = va_arg(ap, char *)))
		i++;
	va_end(ap);
	argv[i] = NULL;
	return fx_run(argv, out, size);
}

/* Golden: @got must be @want, line for line; the first difference fails. */
static void expect_text(const char *file, int line, const char *got,
			const char *want)
{
	unsigned int n = 1;

	while (*got || *want) {
		size_t lg = strcspn(got, "\n"), lw = strcspn(want, "\n");

		if (lg != lw || memcmp(got, want, lg))
			harness_fail(file, line,
				     "line %u differs:\n-%.*s\n+%.*s", n,
				     (int)lw, want, (int)lg, got);
		got += lg + (got[lg] == '\n');
		want += lw + (want[lw] == '\n');
		n++;
	}
}

#define EXPECT_TEXT(got, want) expect_text(__FILE__, __LINE__, got, want)

static const char devinfo_embedded_v[] =
	"hca_id:\tsoft0\n"
	"\ttransport:\t\t\tInfiniBand (0)\n"
	"\tfw_ver:\t\t\t\t0.0.1\n"
	"\tnode_guid:\t\t\t0250:f700:0000:0000\n"
	"\tsys_image_guid:\t\t\t0250:f700:0000:0000\n"
	"\tvendor_id:\t\t\t0x250f7\n"
	"\tvendor_part_id:\t\t\t20727\n"
	"\thw_ver:\t\t\t\t0x1\n"
	"\tphys_port_cnt:\t\t\t1\n"
	"\tmax_mr_size:\t\t\t0xffffffffffffffff\n"
	"\tpage_size_cap:\t\t\t0x1000\n"
	"\tmax_qp:\t\t\t\t4096\n"
	"\tmax_qp_wr:\t\t\t16384\n"
	"\tdevice_cap_flags:\t\t0x0000b406\n"
	"\tmax_sge:\t\t\t32\n"
	"\tmax_sge_rd:\t\t\t32\n"
	"\tmax_cq:\t\t\t\t16384\n"
	"\tmax_cqe:\t\t\t65536\n"
	"\tmax_mr:\t\t\t\t65536\n"
	"\tmax_pd:\t\t\t\t4096\n"
	"\tmax_qp_rd_atom:\t\t\t128\n"
	"\tmax_res_rd_atom:\t\t524288\n"
	"\tmax_qp_init_rd_atom:\t\t128\n"
	"\tatomic_cap:\t\t\tATOMIC_GLOB (2)\n"
	"\tmax_ah:\t\t\t\t65536\n"
	"\tmax_srq:\t\t\t1024\n"
	"\tmax_srq_wr:\t\t\t16384\n"
	"\tmax_srq_sge:\t\t\t32\n"
	"\tmax_inline_data:\t\t256\n"
	"\tmax_pkeys:\t\t\t1\n"
	"\tlocal_ca_ack_delay:\t\t15\n"
	"\t\tport:\t1\n"
	"\t\t\tstate:\t\t\tPORT_ACTIVE (4)\n"
	"\t\t\tmax_mtu:\t\t4096 (5)\n"
	"\t\t\tactive_mtu:\t\t4096 (5)\n"
	"\t\t\tsm_lid:\t\t\t1\n"
	"\t\t\tport_lid:\t\t1\n"
	"\t\t\tport_lmc:\t\t0x00\n"
	"\t\t\tlink_layer:\t\tInfiniBand\n"
	"\t\t\tmax_msg_sz:\t\t0x80000000\n"
	"\t\t\tport_cap_flags:\t\t0x00000000\n"
	"\t\t\tmax_vl_num:\t\t1\n"
	"\t\t\tbad_pkey_cntr:\t\t0x0\n"
	"\t\t\tqkey_viol_cntr:\t\t0x0\n"
	"\t\t\tsm_sl:\t\t\t0\n"
	"\t\t\tpkey_tbl_len:\t\t1\n"
	"\t\t\tgid_tbl_len:\t\t1\n"
	"\t\t\tsubnet_timeout:\t\t0\n"
	"\t\t\tinit_type_reply:\t0\n"
	"\t\t\tactive_width:\t\t1X (1)\n"
	"\t\t\tactive_speed:\t\t2.5 Gbps (1)\n"
	"\t\t\tphys_state:\t\tLINK_UP (5)\n"
	"\t\t\tGID[  0]:\t\tfe80:0000:0000:0000:0250:f700:0000:0001\n"
	"\t\t\tPKEY[  0]:\t\t0xffff\n"
	"\n";

/* Needs no daemon: the tool makes its own soft device. */
TEST(tool_devinfo_embedded_golden)
{
	static char out[16384];

	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "--embedded", "-v",
			   NULL),
		  0);
	EXPECT_TEXT(out, devinfo_embedded_v);
}

/* One device's short form through the daemon (uverbsN is soft device N). */
static void devinfo_short(char *buf, size_t size, unsigned int n)
{
	snprintf(buf, size,
		 "hca_id:\tuverbs%u\n"
		 "\ttransport:\t\t\tInfiniBand (0)\n"
		 "\tfw_ver:\t\t\t\t0.0.1\n"
		 "\tnode_guid:\t\t\t0250:f700:0000:%02x00\n"
		 "\tsys_image_guid:\t\t\t0250:f700:0000:%02x00\n"
		 "\tvendor_id:\t\t\t0x250f7\n"
		 "\tvendor_part_id:\t\t\t20727\n"
		 "\thw_ver:\t\t\t\t0x1\n"
		 "\tphys_port_cnt:\t\t\t1\n"
		 "\t\tport:\t1\n"
		 "\t\t\tstate:\t\t\tPORT_ACTIVE (4)\n"
		 "\t\t\tmax_mtu:\t\t4096 (5)\n"
		 "\t\t\tactive_mtu:\t\t4096 (5)\n"
		 "\t\t\tsm_lid:\t\t\t%u\n"
		 "\t\t\tport_lid:\t\t%u\n"
		 "\t\t\tport_lmc:\t\t0x00\n"
		 "\t\t\tlink_layer:\t\tInfiniBand\n"
		 "\n",
		 n, n, n, n + 1, n + 1);
}

TEST(tool_devinfo_daemon_golden)
{
	static char out[16384], want[16384], one[2048];
	struct fx fx;

	fx_start(&fx, NULL);
	/* Every device file, in order. */
	devinfo_short(want, sizeof(want), 0);
	devinfo_short(one, sizeof(one), 1);
	strcat(want, one);
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "-m", fx.mnt, NULL), 0);
	EXPECT_TEXT(out, want);

	/* -d, -i, -l. */
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "-m", fx.mnt, "-d",
			   "uverbs1", "-i", "1", NULL),
		  0);
	EXPECT_TEXT(out, one);
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "-m", fx.mnt, "-l",
			   NULL),
		  0);
	EXPECT_TEXT(out, "2 HCAs found:\n\tuverbs0\n\tuverbs1\n\n");

	/*
	 * -v of the daemon's first device is the embedded one's but for
	 * its name: the same soft device, the first of its process.
	 */
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "-m", fx.mnt, "-v",
			   "-d", "uverbs0", NULL),
		  0);
	ASSERT_TRUE(!strncmp(out, "hca_id:\tuverbs0\n", 16));
	EXPECT_TEXT(out + 16, devinfo_embedded_v + strlen("hca_id:\tsoft0\n"));
	fx_stop(&fx);
}

/* What "stat" says of the file of @serial, from its lines. */
struct file_stat {
	unsigned long long cmds, errors;
	unsigned long long msgs[5], bytes[5], wc_errors;
};

static const char *const kinds[5] = { "send", "recv", "rdma_write", "rdma_read",
				      "atomic" };

static unsigned long file_serial(const char *text, pid_t pid)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " pid %d ", (int)pid);
	for (p = text; (p = strstr(p, "file ")); p++)
		if ((p == text || p[-1] == '\n') &&
		    strstr(p, pat) < strchr(p, '\n') && strstr(p, pat))
			return strtoul(p + 5, NULL, 10);
	harness_fail(__FILE__, __LINE__, "no file of pid %d in:\n%s", (int)pid,
		     text);
	return 0;
}

static void parse_file_stat(const char *text, unsigned long serial,
			    struct file_stat *st)
{
	char pat[64];
	const char *p;
	unsigned int k;

	memset(st, 0, sizeof(*st));
	snprintf(pat, sizeof(pat), "file %lu ", serial);
	p = strstr(text, pat);
	ASSERT_TRUE(p);
	p = strstr(p, " cmds ");
	ASSERT_TRUE(p);
	ASSERT_EQ(sscanf(p, " cmds %llu errors %llu", &st->cmds, &st->errors),
		  2);
	snprintf(pat, sizeof(pat), "\ntraffic %lu ", serial);
	p = strstr(text, pat);
	ASSERT_TRUE(p);
	p += strlen(pat);
	for (k = 0; k < 5; k++) {
		char name[16];
		int n = 0;

		ASSERT_EQ(sscanf(p, "%15s %llu %llu %n", name, &st->msgs[k],
				 &st->bytes[k], &n),
			  3);
		ASSERT_EQ(strcmp(name, kinds[k]), 0);
		p += n;
	}
	ASSERT_EQ(sscanf(p, "wc_errors %llu", &st->wc_errors), 1);
}

/* The calls and errors of action @name on file @serial (0 0: no line). */
static void cmd_count(const char *text, unsigned long serial, const char *name,
		      unsigned long long *calls, unsigned long long *errors)
{
	char pat[128];
	const char *p;

	*calls = *errors = 0;
	snprintf(pat, sizeof(pat), "cmd %lu ", serial);
	for (p = text; (p = strstr(p, pat)); p++) {
		char t[16], a[16], n[64];
		unsigned long long c, e;

		if (p != text && p[-1] != '\n')
			continue;
		if (sscanf(p + strlen(pat),
			   "%15s %15s %63s calls %llu errors %llu", t, a, n, &c,
			   &e) == 5 &&
		    !strcmp(n, name)) {
			*calls = c;
			*errors = e;
			return;
		}
	}
}

/* The name stat gives an action: the spec table's, else numbers. */
static void action_name(char *buf, size_t size, u16 type, u16 action)
{
	const struct uverbs_type *t = uverbs_std_types.types[type];
	const struct uverbs_action *a = &t->actions[action];

	if (a->name)
		snprintf(buf, size, "%s", a->name);
	else if (t->name)
		snprintf(buf, size, "%s:%u", t->name, action);
	else
		snprintf(buf, size, "%u:%u", type, action);
}

static struct ib_uverbs_sge sge_at(struct ioverbs_ep *s, u64 off, u32 len)
{
	return (struct ib_uverbs_sge){ .addr = (uintptr_t)(s->buf + off),
				       .length = len,
				       .lkey = s->lkey };
}

/* One signaled send WR of @op through the ring and its completion(s). */
static void ep_op(struct ioverbs_ep *s, u32 op, u64 off, u32 len,
		  u64 remote_off)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = op,
		.num_sge = 1,
		.opcode = op,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = sge_at(s, off, len);
	struct ib_uverbs_wc wc;
	int want = op == IB_UVERBS_WR_SEND ? 2 : 1, got;

	if (op == IB_UVERBS_WR_SEND)
		ASSERT_OK(ioverbs_ep_post_recv(s, 7, 32768, 4096));
	wr.wr.rdma.remote_addr = (uintptr_t)(s->buf + remote_off);
	wr.wr.rdma.rkey = s->rkey;
	ASSERT_OK(ioverbs_ep_post_send(s, &wr, &sge));
	for (got = 0; got < want; got++) {
		ASSERT_OK(ioverbs_ep_poll(s, &wc, 20000));
		ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	}
}

/*
 * A known run: commands of which some fail, and traffic through the
 * shared rings (no commands); stat counts exactly those.
 */
TEST(tool_stat_counts_known_run)
{
	static char before[1 << 16], after[1 << 16], out[1 << 16];
	struct ib_uverbs_query_port_resp port;
	unsigned long long c0, e0, c1, e1;
	struct file_stat s0, s1;
	struct ioverbs_cmd cmd;
	struct ioverbs_ep ep;
	unsigned long serial;
	char qp_name[64], line[256];
	unsigned int i;
	struct fx fx;

	fx_start(&fx, NULL);
	ASSERT_OK(fx_ep_up(&fx, &ep, 65536));
	ASSERT_OK(fx_ctl(&fx, "stat", before, sizeof(before)));
	serial = file_serial(before, getpid());
	parse_file_stat(before, serial, &s0);
	action_name(qp_name, sizeof(qp_name), UVERBS_TYPE_DEVICE,
		    UVERBS_ACTION_DEVICE_QUERY_PORT);
	cmd_count(before, serial, qp_name, &c0, &e0);
	/* ep_open queried its port once. */
	ASSERT_EQ(c0, 1);
	ASSERT_EQ(e0, 0);
	ASSERT_EQ(s0.errors, 0);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(s0.msgs[i] + s0.bytes[i], 0);

	/* 5 QUERY_PORTs, 2 of them refused; 1 command of no action. */
	for (i = 0; i < 3; i++)
		ASSERT_OK(ioverbs_port_query(&ep.v, 1, &port));
	ASSERT_ERRNO(-EINVAL, ioverbs_port_query(&ep.v, 9, &port));
	ASSERT_ERRNO(-EINVAL, ioverbs_port_query(&ep.v, 0, &port));
	ioverbs_cmd_init(&cmd, NULL, SOFT_DRIVER_ID, 200, 0);
	ASSERT_ERRNO(-EINVAL, ioverbs_client_exec(&ep.v, &cmd));

	/* 10 SENDs of 100 bytes to itself, a WRITE of 4096, a READ of 512. */
	for (i = 0; i < 10; i++)
		ep_op(&ep, IB_UVERBS_WR_SEND, 0, 100, 0);
	ep_op(&ep, IB_UVERBS_WR_RDMA_WRITE, 0, 4096, 8192);
	ep_op(&ep, IB_UVERBS_WR_RDMA_READ, 16384, 512, 0);

	ASSERT_OK(fx_ctl(&fx, "stat", after, sizeof(after)));
	parse_file_stat(after, serial, &s1);
	cmd_count(after, serial, qp_name, &c1, &e1);
	ASSERT_EQ(c1 - c0, 5);
	ASSERT_EQ(e1 - e0, 2);
	cmd_count(after, serial, "???", &c1, &e1);
	ASSERT_EQ(c1, 1);
	ASSERT_EQ(e1, 1);
	ASSERT_EQ(s1.cmds - s0.cmds, 6);
	ASSERT_EQ(s1.errors, 3);
	ASSERT_EQ(s1.msgs[0], 10); /* send */
	ASSERT_EQ(s1.bytes[0], 1000);
	ASSERT_EQ(s1.msgs[1], 10); /* recv */
	ASSERT_EQ(s1.bytes[1], 1000);
	ASSERT_EQ(s1.msgs[2], 1); /* rdma_write */
	ASSERT_EQ(s1.bytes[2], 4096);
	ASSERT_EQ(s1.msgs[3], 1); /* rdma_read */
	ASSERT_EQ(s1.bytes[3], 512);
	ASSERT_EQ(s1.msgs[4], 0);
	ASSERT_EQ(s1.wc_errors, 0);

	/* The tool shows the same. */
	ASSERT_EQ(run_tool(out, sizeof(out), "stat", "-m", fx.mnt, NULL), 0);
	snprintf(line, sizeof(line), "      %-24s %10llu  2 failed\n", qp_name,
		 c0 + 5);
	ASSERT_TRUE(strstr(out, line));
	ASSERT_TRUE(strstr(
		out, "      ???                               1  1 failed\n"));
	snprintf(line, sizeof(line),
		 "uverbs0: registered, 1 open file\n"
		 "  total: %llu commands, 3 failed; 22 completions, 6608 bytes\n",
		 s1.cmds);
	ASSERT_TRUE(strstr(out, line));
	snprintf(line, sizeof(line), "    commands  %llu, 3 failed\n", s1.cmds);
	ASSERT_TRUE(strstr(out, line));
	ASSERT_TRUE(strstr(
		out,
		"      send                             10           1000\n"));
	ASSERT_TRUE(strstr(
		out,
		"      rdma_write                        1           4096\n"));
	ASSERT_TRUE(strstr(
		out,
		"      rdma_read                         1            512\n"));
	ASSERT_TRUE(strstr(out, "uverbs1: registered, 0 open files\n"));

	/* -w: a header, then one line per file per report. */
	ASSERT_EQ(run_tool(out, sizeof(out), "stat", "-m", fx.mnt, "-w", "0.2",
			   "-c", "2", NULL),
		  0);
	ASSERT_TRUE(!strncmp(out, "device ", 7));
	snprintf(line, sizeof(line), "\nuverbs0    %6lu %7d ", serial,
		 (int)getpid());
	ASSERT_TRUE(strstr(out, line));
	ASSERT_TRUE(strstr(strstr(out, line) + 1, line));

	fx_ep_down(&ep);
	fx_stop(&fx);
}

TEST(tool_exit_codes_and_error_lines)
{
	static char out[16384], line[512];
	struct fx fx;
	double t;
	int fd;

	/* Usage errors: 2, one line. */
	ASSERT_EQ(run_tool(out, sizeof(out), "nosuch", NULL), 2);
	EXPECT_TEXT(
		out,
		"ioverbs: nosuch: no such subcommand (ioverbs --help lists them)\n");
	ASSERT_EQ(run_tool(out, sizeof(out), NULL), 2);
	ASSERT_TRUE(strstr(out, "\nioverbs: no subcommand\n"));
	ASSERT_EQ(run_tool(out, sizeof(out), "stat", "-w", "0", NULL), 2);
	EXPECT_TEXT(
		out,
		"ioverbs stat: -w 0: not a number of seconds (0.01..86400)\n");
	ASSERT_EQ(run_tool(out, sizeof(out), "stat", "-c", "3", NULL), 2);
	EXPECT_TEXT(out, "ioverbs stat: -c needs -w\n");
	ASSERT_EQ(run_tool(out, sizeof(out), "ctl", "frob", NULL), 2);
	ASSERT_TRUE(strstr(
		out,
		"\nioverbs ctl: expected list, stat, remove DEV or add DEV\n"));
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "-i", "0", NULL), 2);
	EXPECT_TEXT(out, "ioverbs devinfo: -i 0: not a port number (1..255)\n");
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "--embedded", "-d",
			   "uverbs0", NULL),
		  2);
	EXPECT_TEXT(out, "ioverbs devinfo: --embedded takes no -d, -m or -l\n");

	/* --help and --version: 0, on stdout. */
	ASSERT_EQ(run_tool(out, sizeof(out), "--version", NULL), 0);
	ASSERT_TRUE(!strncmp(out, "ioverbs ", 8));
	ASSERT_EQ(run_tool(out, sizeof(out), "--help", NULL), 0);
	ASSERT_TRUE(strstr(out, "  devinfo "));
	ASSERT_TRUE(strstr(out, "  stat "));
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "--help", NULL), 0);
	ASSERT_TRUE(!strncmp(out, "Usage: ioverbs devinfo", 22));
	ASSERT_EQ(run_tool(out, sizeof(out), "stat", "--help", NULL), 0);
	ASSERT_TRUE(!strncmp(out, "Usage: ioverbs stat", 19));

	/* No daemon: 2. */
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "-m",
			   "/nonexistent-ioverbs", NULL),
		  2);
	EXPECT_TEXT(
		out,
		"ioverbs devinfo: /nonexistent-ioverbs: No such file or directory (is ioverbsd running there?)\n");
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "-m",
			   "/nonexistent-ioverbs", "-d", "uverbs0", NULL),
		  2);
	EXPECT_TEXT(
		out,
		"ioverbs devinfo: /nonexistent-ioverbs: no daemon there (no /nonexistent-ioverbs/ctl)\n");
	ASSERT_EQ(run_tool(out, sizeof(out), "stat", "-m",
			   "/nonexistent-ioverbs", NULL),
		  2);
	EXPECT_TEXT(
		out,
		"ioverbs stat: /nonexistent-ioverbs/ctl: No such file or directory (is ioverbsd running there?)\n");

	/* A bad device: 1. */
	fx_start(&fx, NULL);
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "-m", fx.mnt, "-d",
			   "uverbs9", NULL),
		  1);
	snprintf(
		line, sizeof(line),
		"ioverbs devinfo: %s/uverbs9: no such device file (ENOENT; ioverbs devinfo -l lists them)\n",
		fx.mnt);
	EXPECT_TEXT(out, line);
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "-m", fx.mnt, "-d",
			   "uverbs0", "-i", "2", NULL),
		  1);
	EXPECT_TEXT(out, "ioverbs devinfo: uverbs0: no port 2 (it has 1)\n");
	fd = fx_open(&fx, "uverbs1", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(fx_ctl(&fx, "remove uverbs1", out, sizeof(out)));
	ASSERT_EQ(run_tool(out, sizeof(out), "devinfo", "-m", fx.mnt, "-d",
			   "uverbs1", NULL),
		  1);
	snprintf(line, sizeof(line),
		 "ioverbs devinfo: %s/uverbs1: open: ENODEV (No such device)\n",
		 fx.mnt);
	EXPECT_TEXT(out, line);
	/* A file that outlived its device's removal is still shown. */
	ASSERT_EQ(run_tool(out, sizeof(out), "stat", "-m", fx.mnt, NULL), 0);
	ASSERT_TRUE(strstr(out, "uverbs1: removed, 1 open file\n"));
	snprintf(line, sizeof(line), "  pid %d  uid 0  context no  open ",
		 (int)getpid());
	ASSERT_TRUE(strstr(out, line));
	ASSERT_TRUE(strstr(out, "  (device removed)\n"));
	/* Its RELEASE comes after close() returns. */
	ASSERT_OK(close(fd));
	for (t = now_s(); fx_files_of(&fx, NULL, getpid()) && now_s() - t < 10;)
		msleep(20);
	ASSERT_EQ(fx_files_of(&fx, NULL, getpid()), 0);
	ASSERT_EQ(run_tool(out, sizeof(out), "ctl", "-m", fx.mnt, "stat", NULL),
		  0);
	EXPECT_TEXT(out, "device uverbs0 registered files 0\n"
			 "device uverbs1 removed files 0\n");
	fx_stop(&fx);
}
