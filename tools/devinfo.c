// SPDX-License-Identifier: MIT
/*
 * ioverbs devinfo: what ibv_devinfo prints, straight over the ABI.
 *
 *	ioverbs devinfo [-v] [-m MOUNT] [-d DEV] [-i PORT]
 *	ioverbs devinfo [-v] --embedded [-i PORT]
 *	ioverbs devinfo -l [-m MOUNT]
 *
 * For each device file of the daemon's mount (or DEV alone): open it,
 * GET_CONTEXT, QUERY_DEVICE, QUERY_PORT of each port, and with -v the
 * device's limits, every GID (QUERY_GID) and P_Key (QUERY_PKEY).  The
 * layout is ibv_devinfo's, tabs included, so that what reads one reads
 * the other; hca_id is the device file's name.  --embedded asks a soft
 * device created in this process instead: no daemon needed, and the
 * same answers as a fresh daemon's first device but for its name.
 * Commands go out with the soft device's driver id.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioverbs/embedded.h>
#include <ioverbs/reason.h>
#include <rdma/soft_device.h>

#include "ioverbs.h"

#define SUB "devinfo"

struct devinfo_opts {
	bool verbose;
	unsigned int port; /* 0: every port */
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ioverbs devinfo [-v] [-m MOUNT] [-d DEV] [-i PORT]\n"
		"       ioverbs devinfo [-v] --embedded [-i PORT]\n"
		"       ioverbs devinfo -l [-m MOUNT]\n"
		"  -d, --ib-dev DEV     only the device file DEV (uverbsN)\n"
		"  -i, --ib-port PORT   only port PORT (from 1)\n"
		"  -l, --list           only the device files' names\n"
		"  -v, --verbose        the device's limits, GID and P_Key tables\n"
		"  -m, --mount MOUNT    the ioverbsd mount (default $IOVERBS_MOUNT or " IOVERBS_DEFAULT_MOUNT
		")\n"
		"      --embedded       a soft device in this process, no daemon\n");
}

static const char *port_state_str(unsigned int s)
{
	static const char *const names[] = {
		[IB_UVERBS_PORT_DOWN] = "PORT_DOWN",
		[IB_UVERBS_PORT_INIT] = "PORT_INIT",
		[IB_UVERBS_PORT_ARMED] = "PORT_ARMED",
		[IB_UVERBS_PORT_ACTIVE] = "PORT_ACTIVE",
	};

	return s < ARRAY_SIZE(names) && names[s] ? names[s] : "invalid state";
}

static const char *mtu_str(unsigned int m)
{
	static const char *const names[] = {
		[IB_UVERBS_MTU_256] = "256",   [IB_UVERBS_MTU_512] = "512",
		[IB_UVERBS_MTU_1024] = "1024", [IB_UVERBS_MTU_2048] = "2048",
		[IB_UVERBS_MTU_4096] = "4096",
	};

	return m < ARRAY_SIZE(names) && names[m] ? names[m] : "invalid MTU";
}

/* The IB numbers libibverbs uses; the uapi names none of them. */
static const char *link_layer_str(unsigned int l)
{
	switch (l) {
	case 0:
	case 1:
		return "InfiniBand";
	case 2:
		return "Ethernet";
	default:
		return "Unknown";
	}
}

static const char *atomic_cap_str(unsigned int a)
{
	switch (a) {
	case 0:
		return "ATOMIC_NONE";
	case 1:
		return "ATOMIC_HCA";
	case 2:
		return "ATOMIC_GLOB";
	default:
		return "invalid atomic capability";
	}
}

static const char *phys_state_str(unsigned int s)
{
	static const char *const names[] = {
		[1] = "SLEEP",	  [2] = "POLLING",
		[3] = "DISABLED", [4] = "PORT_CONFIGURATION TRAINNING",
		[5] = "LINK_UP",  [6] = "LINK_ERROR_RECOVERY",
		[7] = "PHY TEST",
	};

	return s < ARRAY_SIZE(names) && names[s] ? names[s] :
						   "invalid physical state";
}

static const char *width_str(unsigned int w)
{
	switch (w) {
	case 1:
		return "1";
	case 2:
		return "4";
	case 4:
		return "8";
	case 8:
		return "12";
	case 16:
		return "2";
	default:
		return "invalid width";
	}
}

static const char *speed_str(unsigned int s)
{
	switch (s) {
	case 1:
		return "2.5 Gbps";
	case 2:
		return "5.0 Gbps";
	case 4:
	case 8:
		return "10.0 Gbps";
	case 16:
		return "14.0 Gbps";
	case 32:
		return "25.0 Gbps";
	case 64:
		return "50.0 Gbps";
	case 128:
		return "100.0 Gbps";
	default:
		return "invalid speed";
	}
}

/* "0250:f700:0000:0100": the GUID's 16-bit groups, most significant first. */
static const char *guid_str(u64 g, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%04x:%04x:%04x", (unsigned int)(g >> 48),
		 (unsigned int)(g >> 32) & 0xffff,
		 (unsigned int)(g >> 16) & 0xffff, (unsigned int)g & 0xffff);
	return buf;
}

/*
 * The one error line of a refused command: "DEV: WHAT: ENAME (reason)";
 * exit code 1.
 */
static int cmd_failed(struct ioverbs_client *v, const char *dev,
		      const char *what, long ret)
{
	char why[IOVERBS_REASON_MAX] = "";
	const char *lib = ioverbs_client_error(v);

	if (*lib)
		snprintf(why, sizeof(why), "%s", lib);
	else if (ioverbs_reason_get(v, why, sizeof(why)) < 0)
		why[0] = '\0';
	return ioverbs_err(SUB, IOVERBS_EXIT_FAILED, "%s: %s: %s%s%s%s", dev,
			   what, strerrorname_np((int)-ret) ?: "E???",
			   *why ? " (" : "", why, *why ? ")" : "");
}

static void print_device_caps(const struct ib_uverbs_query_device_resp *d)
{
	printf("\tmax_mr_size:\t\t\t0x%llx\n",
	       (unsigned long long)d->max_mr_size);
	printf("\tpage_size_cap:\t\t\t0x%llx\n",
	       (unsigned long long)d->page_size_cap);
	printf("\tmax_qp:\t\t\t\t%u\n", d->max_qp);
	printf("\tmax_qp_wr:\t\t\t%u\n", d->max_qp_wr);
	printf("\tdevice_cap_flags:\t\t0x%08x\n", d->device_cap_flags);
	printf("\tmax_sge:\t\t\t%u\n", d->max_sge);
	printf("\tmax_sge_rd:\t\t\t%u\n", d->max_sge_rd);
	printf("\tmax_cq:\t\t\t\t%u\n", d->max_cq);
	printf("\tmax_cqe:\t\t\t%u\n", d->max_cqe);
	printf("\tmax_mr:\t\t\t\t%u\n", d->max_mr);
	printf("\tmax_pd:\t\t\t\t%u\n", d->max_pd);
	printf("\tmax_qp_rd_atom:\t\t\t%u\n", d->max_qp_rd_atom);
	printf("\tmax_res_rd_atom:\t\t%u\n", d->max_res_rd_atom);
	printf("\tmax_qp_init_rd_atom:\t\t%u\n", d->max_qp_init_rd_atom);
	printf("\tatomic_cap:\t\t\t%s (%u)\n", atomic_cap_str(d->atomic_cap),
	       d->atomic_cap);
	printf("\tmax_ah:\t\t\t\t%u\n", d->max_ah);
	printf("\tmax_srq:\t\t\t%u\n", d->max_srq);
	if (d->max_srq) {
		printf("\tmax_srq_wr:\t\t\t%u\n", d->max_srq_wr);
		printf("\tmax_srq_sge:\t\t\t%u\n", d->max_srq_sge);
	}
	printf("\tmax_inline_data:\t\t%u\n", d->max_inline_data);
	printf("\tmax_pkeys:\t\t\t%u\n", d->max_pkeys);
	printf("\tlocal_ca_ack_delay:\t\t%u\n", d->local_ca_ack_delay);
}

static void print_port_verbose(const struct ib_uverbs_query_port_resp *p)
{
	printf("\t\t\tmax_msg_sz:\t\t0x%x\n", p->max_msg_sz);
	printf("\t\t\tport_cap_flags:\t\t0x%08x\n", p->port_cap_flags);
	printf("\t\t\tmax_vl_num:\t\t%u\n", p->max_vl_num);
	printf("\t\t\tbad_pkey_cntr:\t\t0x%x\n", p->bad_pkey_cntr);
	printf("\t\t\tqkey_viol_cntr:\t\t0x%x\n", p->qkey_viol_cntr);
	printf("\t\t\tsm_sl:\t\t\t%u\n", p->sm_sl);
	printf("\t\t\tpkey_tbl_len:\t\t%u\n", p->pkey_tbl_len);
	printf("\t\t\tgid_tbl_len:\t\t%u\n", p->gid_tbl_len);
	printf("\t\t\tsubnet_timeout:\t\t%u\n", p->subnet_timeout);
	printf("\t\t\tinit_type_reply:\t%u\n", p->init_type_reply);
	printf("\t\t\tactive_width:\t\t%sX (%u)\n", width_str(p->active_width),
	       p->active_width);
	printf("\t\t\tactive_speed:\t\t%s (%u)\n", speed_str(p->active_speed),
	       p->active_speed);
	printf("\t\t\tphys_state:\t\t%s (%u)\n", phys_state_str(p->phys_state),
	       p->phys_state);
}

/* -v: every GID and P_Key of @port; 0 or an exit code. */
static int print_tables(struct ioverbs_client *v, const char *dev, u8 port,
			const struct ib_uverbs_query_port_resp *p)
{
	static const u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct soft_roce_counters rc;
	struct ib_uverbs_gid gid;
	bool roce = false;
	char what[64];
	u32 i, j;
	long ret;
	u16 pkey;

	/* A soft device's RoCEv2 port: its GIDs are of type RoCE v2. */
	if (p->link_layer == 2 &&
	    !ioverbs_soft_roce_counters_query(v, port, &rc))
		roce = rc.roce;
	for (i = 0; i < p->gid_tbl_len; i++) {
		ret = ioverbs_port_query_gid(v, port, i, &gid);
		if (ret) {
			snprintf(what, sizeof(what),
				 "QUERY_GID port %u index %u", port, i);
			return cmd_failed(v, dev, what, ret);
		}
		printf("\t\t\tGID[%3u]:\t\t", i);
		if (roce && !memcmp(gid.raw, v4mapped, sizeof(v4mapped))) {
			/* As ibv_devinfo shows an IPv4 address. */
			printf("::ffff:%u.%u.%u.%u, RoCE v2\n", gid.raw[12],
			       gid.raw[13], gid.raw[14], gid.raw[15]);
			continue;
		}
		for (j = 0; j < 16; j += 2)
			printf("%02x%02x%s", gid.raw[j], gid.raw[j + 1],
			       j < 14 ? ":" : roce ? ", RoCE v2\n" : "\n");
	}
	for (i = 0; i < p->pkey_tbl_len; i++) {
		ret = ioverbs_port_query_pkey(v, port, i, &pkey);
		if (ret) {
			snprintf(what, sizeof(what),
				 "QUERY_PKEY port %u index %u", port, i);
			return cmd_failed(v, dev, what, ret);
		}
		printf("\t\t\tPKEY[%3u]:\t\t0x%04x\n", i, pkey);
	}
	return 0;
}

/* One device through @v, which has no context yet: 0 or an exit code. */
static int devinfo_one(struct ioverbs_client *v, const char *dev,
		       const struct devinfo_opts *o)
{
	struct ib_uverbs_query_device_resp d;
	struct ib_uverbs_query_port_resp p;
	char buf[32], what[32];
	unsigned int port;
	long ret;

	ret = ioverbs_context_get(v);
	if (ret)
		return cmd_failed(v, dev, "GET_CONTEXT", ret);
	ret = ioverbs_device_query(v, &d);
	if (ret)
		return cmd_failed(v, dev, "QUERY_DEVICE", ret);
	if (o->port > d.phys_port_cnt)
		return ioverbs_err(SUB, IOVERBS_EXIT_FAILED,
				   "%s: no port %u (it has %u)", dev, o->port,
				   d.phys_port_cnt);

	printf("hca_id:\t%s\n", dev);
	printf("\ttransport:\t\t\tInfiniBand (0)\n");
	printf("\tfw_ver:\t\t\t\t%u.%u.%u\n", (unsigned int)(d.fw_ver >> 32),
	       (unsigned int)(d.fw_ver >> 16) & 0xffff,
	       (unsigned int)d.fw_ver & 0xffff);
	printf("\tnode_guid:\t\t\t%s\n",
	       guid_str(d.node_guid, buf, sizeof(buf)));
	printf("\tsys_image_guid:\t\t\t%s\n",
	       guid_str(d.sys_image_guid, buf, sizeof(buf)));
	printf("\tvendor_id:\t\t\t0x%04x\n", d.vendor_id);
	printf("\tvendor_part_id:\t\t\t%u\n", d.vendor_part_id);
	printf("\thw_ver:\t\t\t\t0x%X\n", d.hw_ver);
	printf("\tphys_port_cnt:\t\t\t%u\n", d.phys_port_cnt);
	if (o->verbose)
		print_device_caps(&d);

	for (port = 1; port <= d.phys_port_cnt; port++) {
		if (o->port && port != o->port)
			continue;
		ret = ioverbs_port_query(v, (u8)port, &p);
		if (ret) {
			snprintf(what, sizeof(what), "QUERY_PORT port %u",
				 port);
			return cmd_failed(v, dev, what, ret);
		}
		printf("\t\tport:\t%u\n", port);
		printf("\t\t\tstate:\t\t\t%s (%u)\n", port_state_str(p.state),
		       p.state);
		printf("\t\t\tmax_mtu:\t\t%s (%u)\n", mtu_str(p.max_mtu),
		       p.max_mtu);
		printf("\t\t\tactive_mtu:\t\t%s (%u)\n", mtu_str(p.active_mtu),
		       p.active_mtu);
		printf("\t\t\tsm_lid:\t\t\t%u\n", p.sm_lid);
		printf("\t\t\tport_lid:\t\t%u\n", p.lid);
		printf("\t\t\tport_lmc:\t\t0x%02x\n", p.lmc);
		printf("\t\t\tlink_layer:\t\t%s\n",
		       link_layer_str(p.link_layer));
		if (o->verbose) {
			print_port_verbose(&p);
			ret = print_tables(v, dev, (u8)port, &p);
			if (ret)
				return (int)ret;
		}
		printf("\n");
	}
	return 0;
}

static int devinfo_embedded(const struct devinfo_opts *o)
{
	struct ioverbs_client v;
	struct ib_uverbs_file *f;
	struct ib_device *dev;
	int ret;

	ret = ioverbs_init();
	if (ret)
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "embedded core: %s",
				   strerrorname_np(-ret));
	dev = soft_device_create(NULL);
	if (IS_ERR(dev))
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "embedded soft device: %s",
				   strerrorname_np((int)-PTR_ERR(dev)));
	f = ib_uverbs_open(dev, NULL, NULL);
	if (IS_ERR(f)) {
		ret = ioverbs_err(SUB, IOVERBS_EXIT_USAGE, "%s: open: %s",
				  dev->name, strerrorname_np((int)-PTR_ERR(f)));
		goto out_dev;
	}
	ioverbs_client_init_embedded(&v, f);
	ret = devinfo_one(&v, dev->name, o);
	ib_uverbs_release(f);
out_dev:
	soft_device_destroy(dev);
	return ret;
}

/* One device file of the mount: 0 or an exit code. */
static int devinfo_file(const char *mount, const char *name,
			const struct devinfo_opts *o)
{
	struct ioverbs_client v;
	char path[4096];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", mount, name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = errno;
		if (ret == ENOENT && !ioverbs_daemon_there(mount))
			return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
					   "%s: no daemon there (no %s/ctl)",
					   mount, mount);
		if (ret == ENOENT)
			return ioverbs_err(
				SUB, IOVERBS_EXIT_FAILED,
				"%s: no such device file (ENOENT; ioverbs devinfo -l lists them)",
				path);
		/* Removed: 1; no access: 2. */
		return ioverbs_err(SUB,
				   ret == ENODEV ? IOVERBS_EXIT_FAILED :
						   IOVERBS_EXIT_USAGE,
				   "%s: open: %s (%s)", path,
				   strerrorname_np(ret), strerror(ret));
	}
	ioverbs_client_init_fd(&v, fd);
	ret = devinfo_one(&v, name, o);
	close(fd);
	return ret;
}

/* Device files: regular files of the mount but the control file. */
static int is_device(const struct dirent *e)
{
	return e->d_type == DT_REG && strcmp(e->d_name, "ctl");
}

int ioverbs_devinfo_main(int argc, char **argv)
{
	enum { OPT_EMBEDDED = 0x100 };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "ib-dev", required_argument, NULL, 'd' },
		{ "ib-port", required_argument, NULL, 'i' },
		{ "list", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "mount", required_argument, NULL, 'm' },
		{ "embedded", no_argument, NULL, OPT_EMBEDDED },
		{ NULL, 0, NULL, 0 },
	};
	struct devinfo_opts o = { 0 };
	const char *mount = NULL, *dev = NULL;
	bool list = false, embedded = false;
	struct dirent **names;
	int c, n, i, ret = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "hd:i:lvm:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'i':
			errno = 0;
			o.port = (unsigned int)strtoul(optarg, &end, 0);
			if (errno || *end || !o.port || o.port > 255)
				return ioverbs_err(
					SUB, IOVERBS_EXIT_USAGE,
					"-i %s: not a port number (1..255)",
					optarg);
			break;
		case 'l':
			list = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'm':
			mount = optarg;
			break;
		case OPT_EMBEDDED:
			embedded = true;
			break;
		case 'h':
			usage(stdout);
			return IOVERBS_EXIT_OK;
		default:
			usage(stderr);
			return IOVERBS_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "%s: unexpected argument", argv[optind]);
	}
	if (embedded && (dev || mount || list))
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "--embedded takes no -d, -m or -l");
	if (embedded)
		return devinfo_embedded(&o);

	mount = ioverbs_mount(mount);
	if (dev && !list) {
		if (strchr(dev, '/') || !strcmp(dev, "ctl") || !*dev)
			return ioverbs_err(
				SUB, IOVERBS_EXIT_USAGE,
				"-d %s: not a device file name (uverbsN)", dev);
		return devinfo_file(mount, dev, &o);
	}
	n = scandir(mount, &names, is_device, versionsort);
	if (n < 0)
		return ioverbs_err(SUB, IOVERBS_EXIT_USAGE,
				   "%s: %s (is ioverbsd running there?)", mount,
				   strerror(errno));
	if (!n) {
		free(names);
		return ioverbs_err(
			SUB, IOVERBS_EXIT_USAGE,
			"%s: no device files (is ioverbsd running there?)",
			mount);
	}
	if (list)
		printf("%d HCA%s found:\n", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		if (list)
			printf("\t%s\n", names[i]->d_name);
		else if ((c = devinfo_file(mount, names[i]->d_name, &o)) &&
			 !ret)
			ret = c;
		free(names[i]);
	}
	free(names);
	if (list)
		printf("\n");
	return ret;
}
