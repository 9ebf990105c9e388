// SPDX-License-Identifier: MIT
/*
 * Embedded mode in one page: the core and the soft device linked into this
 * program, driven through the client library.  Registers a device, opens a
 * file on it, creates a context, a PD and an MR over a buffer, shows a
 * malformed command and a busy PD being refused, cleans up and checks that
 * nothing leaked.  Every call is a raw RDMA_VERBS_IOCTL buffer the library
 * builds and the core parses, as it would a client's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioverbs/embedded.h>
#include <ioverbs/reason.h>

static struct ioverbs_client v;

/*
 * Why the last command failed: the library's message when it refused to
 * send it, else the device's reason for this thread's last failed command
 * (Rule 23).
 */
static const char *reason(void)
{
	static char buf[IOVERBS_REASON_MAX];

	if (*ioverbs_client_error(&v))
		return ioverbs_client_error(&v);
	buf[0] = '\0';
	if (v.reason)
		ioverbs_reason_get(&v, buf, sizeof(buf));
	return buf;
}

static const char *err_name(long ret)
{
	const char *n = ret < 0 ? strerrorname_np((int)-ret) : NULL;

	return ret == 0 ? "success" : n ? n : "?";
}

/* One clear line and a non-zero exit when a step does not go as shown. */
static void expect(long want, long got, const char *what)
{
	if (got == want)
		return;
	fprintf(stderr, "embedded_demo: %s: got %s (%ld), expected %s: %s\n",
		what, err_name(got), got, err_name(want), reason());
	exit(1);
}

int main(void)
{
	struct ib_uverbs_get_context_resp ctx_resp;
	static char buf[4096];
	struct ib_uverbs_file *f;
	struct ib_device *dev;
	struct ioverbs_cmd c;
	u32 pd, mr, lkey, rkey, cq, cqe;
	long ret, live;

	setvbuf(stdout, NULL, _IOLBF, 0);
	expect(0, ioverbs_init(), "ioverbs_init");

	dev = soft_device_create(NULL);
	expect(0, IS_ERR(dev) ? PTR_ERR(dev) : 0, "soft_device_create");
	printf("registered device %s, driver_id 0x%x\n", dev->name,
	       dev->driver_id);

	f = ib_uverbs_open(dev, NULL, NULL);
	expect(0, IS_ERR(f) ? PTR_ERR(f) : 0, "ib_uverbs_open");
	/* Unchecked: the core alone judges each command. */
	ioverbs_client_init_embedded(&v, f);

	expect(0, ioverbs_context_get_ex(&v, &ctx_resp), "GET_CONTEXT");
	printf("GET_CONTEXT: %u ports, %u completion vectors\n",
	       ctx_resp.num_ports, ctx_resp.num_comp_vectors);

	/* NEW: the core reserves a handle and writes it into the attribute. */
	expect(0, ioverbs_pd_alloc(&v, &pd), "PD_ALLOC");
	printf("PD_ALLOC: pd %u\n", pd);

	expect(0,
	       ioverbs_mr_reg(&v, pd, buf, sizeof(buf),
			      IB_UVERBS_ACCESS_LOCAL_WRITE, &mr, &lkey, &rkey),
	       "MR_REG");
	printf("MR_REG: mr %u over %zu bytes of pd %u, lkey 0x%x\n", mr,
	       sizeof(buf), pd, lkey);

	/* Malformed: the same attribute twice.  Nothing runs. */
	ioverbs_client_cmd_init(&v, &c, UVERBS_TYPE_MR, UVERBS_ACTION_MR_DEREG);
	ioverbs_cmd_idr(&c, UVERBS_MR_DEREG_HANDLE, mr);
	ioverbs_cmd_idr(&c, UVERBS_MR_DEREG_HANDLE, mr);
	ret = ioverbs_client_exec(&v, &c);
	expect(-EINVAL, ret, "MR_DEREG with a duplicate attribute");
	printf("MR_DEREG with a duplicate attribute: %s (%s)\n",
	       err_name(ret), reason());

	/* Well formed, but beyond what the device offers: the core says why. */
	ret = ioverbs_cq_create(&v, 70000, &cq, &cqe);
	expect(-EINVAL, ret, "CQ_CREATE of 70000 entries");
	printf("CQ_CREATE of 70000 entries: %s (%s)\n", err_name(ret),
	       reason());

	ret = ioverbs_pd_dealloc(&v, pd);
	expect(-EBUSY, ret, "PD_DEALLOC with a live MR");
	printf("PD_DEALLOC while mr %u lives: %s (%s)\n", mr, err_name(ret),
	       reason());

	expect(0, ioverbs_mr_dereg(&v, mr), "MR_DEREG");
	expect(0, ioverbs_pd_dealloc(&v, pd), "PD_DEALLOC");
	printf("MR_DEREG, then PD_DEALLOC: success\n");

	ib_uverbs_release(f);
	soft_device_destroy(dev);
	rcu_barrier(); /* deferred frees */
	live = ioverbs_live_objects();
	printf("file released, device removed: %ld live objects%s\n", live,
	       live ? " (a leak)" : "");
	return live ? 1 : 0;
}
