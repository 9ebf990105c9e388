// SPDX-License-Identifier: MIT
/*
 * The command builder (see include/ioverbs/cmd.h).  A user-space library:
 * it uses libc, never compat's allocator or the core.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ioverbs/cmd.h>

#include "lib_priv.h"

static void cmd_fail(struct ioverbs_cmd *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cmd_fail(struct ioverbs_cmd *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->error)
		return;
	c->error = err;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
}

/* The spec of @id in the action's chains, or NULL. */
static const struct uverbs_attr_spec *spec_of(const struct ioverbs_cmd *c,
					      u16 id)
{
	const struct action_spec *spec = &c->action->chain;
	u16 stripped = id;
	int chain = spec->dist(&stripped, spec->priv);

	if (chain < 0 || chain >= spec->num_chains ||
	    stripped >= spec->validator_chains[chain]->num_attrs ||
	    spec->validator_chains[chain]->attrs[stripped].type ==
		    UVERBS_ATTR_TYPE_NA)
		return NULL;
	return &spec->validator_chains[chain]->attrs[stripped];
}

/*
 * A sticky error about attribute @id, named as the core names it when
 * the builder has the spec ("PD_ALLOC: attr HANDLE (id 0x0): ..."; "???"
 * for an id the spec lacks), else by its id.
 */
static void cmd_attr_fail(struct ioverbs_cmd *c, int err, u16 id,
			  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void cmd_attr_fail(struct ioverbs_cmd *c, int err, u16 id,
			  const char *fmt, ...)
{
	const struct uverbs_attr_spec *spec;
	char why[sizeof(c->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!c->action || !c->action->name) {
		cmd_fail(c, err, "attr 0x%x: %s", id, why);
		return;
	}
	spec = spec_of(c, id);
	cmd_fail(c, err, "%s: attr %s (id 0x%x): %s", c->action->name,
		 spec && spec->name ? spec->name : "???", id, why);
}

void ioverbs_cmd_init(struct ioverbs_cmd *c, const struct uverbs_types *types,
		      u16 driver_id, u16 object, u16 action)
{
	const struct uverbs_type *t = NULL;

	memset(c, 0, sizeof(*c));
	c->hdr.length = sizeof(c->hdr);
	c->hdr.driver_id = driver_id;
	c->hdr.object_type = object;
	c->hdr.action = action;
	if (!types)
		return;
	if (object < types->num_types)
		t = types->types[object];
	if (t && action < t->num_actions && t->actions[action].handler)
		c->action = &t->actions[action];
	else if (t && t->name)
		cmd_fail(c, -EOPNOTSUPP, "%s: action %u: not in the spec",
			 t->name, action);
	else
		cmd_fail(c, -EOPNOTSUPP, "object %u action %u: not in the spec",
			 object, action);
}

/* The spec of @id, or NULL (and a sticky error) if it has none. */
static const struct uverbs_attr_spec *attr_spec(struct ioverbs_cmd *c, u16 id)
{
	const struct uverbs_attr_spec *spec = spec_of(c, id);

	if (!spec)
		cmd_attr_fail(c, -EINVAL, id, "not in the action's spec");
	return spec;
}

static const char *const type_names[] = {
	[UVERBS_ATTR_TYPE_NA] = "none", [UVERBS_ATTR_TYPE_PTR_IN] = "PTR_IN",
	[UVERBS_ATTR_TYPE_PTR_OUT] = "PTR_OUT", [UVERBS_ATTR_TYPE_IDR] = "IDR",
	[UVERBS_ATTR_TYPE_FD] = "FD",
};

static struct ib_uverbs_attr *cmd_add(struct ioverbs_cmd *c, u16 id, u8 type,
				      size_t len, bool is_new)
{
	const struct uverbs_attr_spec *spec;
	struct ib_uverbs_attr *a;
	unsigned int i;

	if (c->error)
		return NULL;
	if (c->hdr.num_attrs == IOVERBS_CMD_MAX_ATTRS) {
		cmd_attr_fail(c, -E2BIG, id, "more than %u attributes",
			      IOVERBS_CMD_MAX_ATTRS);
		return NULL;
	}
	for (i = 0; i < c->hdr.num_attrs; i++) {
		if (c->attrs[i].attr_id == id) {
			cmd_attr_fail(c, -EINVAL, id, "given twice");
			return NULL;
		}
	}
	if (len > UINT16_MAX) {
		cmd_attr_fail(c, -EINVAL, id, "length %zu above 65535", len);
		return NULL;
	}
	if (c->action) {
		spec = attr_spec(c, id);
		if (!spec)
			return NULL;
		if (spec->type != type) {
			cmd_attr_fail(c, -EINVAL, id, "is %s, not %s",
				      type_names[spec->type], type_names[type]);
			return NULL;
		}
		if ((type == UVERBS_ATTR_TYPE_PTR_IN ||
		     type == UVERBS_ATTR_TYPE_PTR_OUT) &&
		    (len < spec->min_len || len > spec->max_len)) {
			cmd_attr_fail(c, -EINVAL, id, "length %zu outside %u..%u",
				      len, spec->min_len, spec->max_len);
			return NULL;
		}
		if ((type == UVERBS_ATTR_TYPE_IDR || type == UVERBS_ATTR_TYPE_FD) &&
		    (spec->idr.access == UVERBS_ACCESS_NEW) != is_new) {
			cmd_attr_fail(c, -EINVAL, id, "%s",
				      is_new ? "does not create an object (not NEW)" :
					       "creates an object (NEW): use ioverbs_cmd_new");
			return NULL;
		}
	}
	a = &c->attrs[c->hdr.num_attrs++];
	c->hdr.length += sizeof(*a);
	a->attr_id = id;
	a->len = (u16)len;
	return a;
}

void ioverbs_cmd_in(struct ioverbs_cmd *c, u16 id, const void *p, size_t len)
{
	struct ib_uverbs_attr *a = cmd_add(c, id, UVERBS_ATTR_TYPE_PTR_IN, len,
					   false);

	if (a)
		a->ptr_idr = (uintptr_t)p;
}

void ioverbs_cmd_out(struct ioverbs_cmd *c, u16 id, void *p, size_t len)
{
	struct ib_uverbs_attr *a = cmd_add(c, id, UVERBS_ATTR_TYPE_PTR_OUT, len,
					   false);

	if (a)
		a->ptr_idr = (uintptr_t)p;
}

void ioverbs_cmd_idr(struct ioverbs_cmd *c, u16 id, u32 handle)
{
	struct ib_uverbs_attr *a = cmd_add(c, id, UVERBS_ATTR_TYPE_IDR, 0, false);

	if (a)
		a->ptr_idr = handle;
}

void ioverbs_cmd_new(struct ioverbs_cmd *c, u16 id, u32 *handle)
{
	struct ib_uverbs_attr *a = cmd_add(c, id, UVERBS_ATTR_TYPE_IDR, 0, true);

	if (!a)
		return;
	c->outs[a - c->attrs] = handle;
}

void ioverbs_cmd_fd(struct ioverbs_cmd *c, u16 id, int fd)
{
	struct ib_uverbs_attr *a = cmd_add(c, id, UVERBS_ATTR_TYPE_FD, 0, false);

	if (!a)
		return;
	if (fd < 0)
		cmd_attr_fail(c, -EBADF, id, "fd %d", fd);
	a->ptr_idr = (u64)fd;
}

void ioverbs_cmd_new_fd(struct ioverbs_cmd *c, u16 id, int *fd)
{
	ioverbs_cmd_bind_fd(c, id, -1, fd);
}

void ioverbs_cmd_bind_fd(struct ioverbs_cmd *c, u16 id, int bind, int *fd)
{
	struct ib_uverbs_attr *a = cmd_add(c, id, UVERBS_ATTR_TYPE_FD, 0, true);

	if (!a)
		return;
	/* No descriptor to bind: a value no fd has. */
	a->ptr_idr = bind >= 0 ? (u64)bind : ~0ull;
	c->outs[a - c->attrs] = fd;
}

static void check_mandatory(struct ioverbs_cmd *c)
{
	const struct action_spec *spec = &c->action->chain;
	unsigned int ch, id, i;

	for (ch = 0; ch < spec->num_chains; ch++) {
		const struct uverbs_attr_chain_spec *chain =
			spec->validator_chains[ch];

		for (id = 0; id < chain->num_attrs; id++) {
			u16 full = (u16)(id | (ch ? UVERBS_VENDOR_FLAG : 0));

			if (!chain->attrs[id].mandatory)
				continue;
			for (i = 0; i < c->hdr.num_attrs; i++)
				if (c->attrs[i].attr_id == full)
					break;
			if (i == c->hdr.num_attrs) {
				cmd_attr_fail(c, -EINVAL, full,
					      "mandatory, not given");
				return;
			}
		}
	}
}

long ioverbs_cmd_exec(struct ioverbs_cmd *c, ioverbs_ioctl_fn fn, void *ctx)
{
	unsigned int i;
	long ret;

	if (!c->error && c->action)
		check_mandatory(c);
	if (c->error)
		return c->error;
	ret = fn(ctx, RDMA_VERBS_IOCTL, &c->hdr);
	if (ret)
		return ret;
	/* Handles and fds are both 32 bits. */
	for (i = 0; i < c->hdr.num_attrs; i++)
		if (c->outs[i])
			*(u32 *)c->outs[i] = (u32)c->attrs[i].ptr_idr;
	return 0;
}

long ioverbs_fd_ioctl(void *ctx, unsigned int cmd, void *arg)
{
	return ioctl(*(int *)ctx, cmd, arg) ? -errno : 0;
}

const char *ioverbs_cmd_error(const struct ioverbs_cmd *c)
{
	return c->msg;
}

int ioverbs_shm_map(const char *name, size_t len, void **map, int *fd)
{
	int ret;

	*fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (*fd < 0)
		return -errno;
	if (ftruncate(*fd, (off_t)len) ||
	    fcntl(*fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL)) {
		ret = -errno;
		goto err_close;
	}
	*map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (*map == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	return 0;

err_close:
	close(*fd);
	*fd = -1;
	return ret;
}

void *ioverbs_cmd_window_alloc(size_t len)
{
	void *p;
	int fd, ret;

	ret = ioverbs_shm_map("ioverbs-cmd", len, &p, &fd);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	/* The mapping keeps the memfd; the daemon finds it in our maps. */
	close(fd);
	return p;
}

void ioverbs_cmd_window_free(void *p, size_t len)
{
	if (!p)
		return;
	/*
	 * Zeroed first: the daemon keeps the memfd mapped, and a header
	 * built later at this address in other memory must not match
	 * anything the old window held, or the daemon would take that
	 * command from the old memfd.  MADV_REMOVE frees the memfd's pages
	 * (they read as zeroes) without touching those never used.
	 */
	if (madvise(p, len, MADV_REMOVE))
		memset(p, 0, len);
	munmap(p, len);
}
