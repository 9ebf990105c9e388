// SPDX-License-Identifier: MIT
/*
 * The command decoder of <ioverbs/decode.h>: a command's header and
 * attribute array, read from the traced program through a callback,
 * printed by the names and layouts of the driver's spec tables.
 *
 * Every byte printed comes from a bounded copy: the header and the array
 * are copied once at entry (at most IOVERBS_DECODE_MAX_ATTRS entries,
 * whatever num_attrs says), each PTR buffer into a buffer of its own len
 * (a u16).  Whatever the command holds, the output is cut at the caller's
 * buffer and nothing is read past what a length says.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioverbs/decode.h>

/* Attributes shown of one command; a real one has a handful. */
#define DECODE_MAX_SHOWN_ATTRS 32

/* Nested STRUCT fields deeper than this are shown as bytes. */
#define DECODE_MAX_DEPTH 4

/* The text being built; once full it stays full and ends in "...". */
struct out {
	char *p;
	size_t size, len;
	bool full;
};

static void out_init(struct out *o, char *buf, size_t size)
{
	o->p = buf;
	o->size = size;
	o->len = 0;
	o->full = !size;
	if (size)
		buf[0] = '\0';
}

static void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	size_t room;
	va_list ap;
	int n;

	if (o->full)
		return;
	room = o->size - o->len;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < room) {
		o->len += (size_t)n;
		return;
	}
	/* Cut: end with "..." where it fits. */
	o->full = true;
	o->len = o->size - 1;
	if (o->size > 4)
		memcpy(o->p + o->size - 4, "...", 4);
}

static size_t out_done(struct out *o)
{
	return o->len;
}

void ioverbs_decode_init(struct ioverbs_decode *d, ioverbs_decode_read_fn read,
			 void *read_ctx, ioverbs_decode_types_fn types,
			 void *types_ctx)
{
	memset(d, 0, sizeof(*d));
	d->read = read;
	d->read_ctx = read_ctx;
	d->types = types;
	d->types_ctx = types_ctx;
	d->max_bytes = 16;
	d->max_elems = 4;
}

bool ioverbs_decode_is_cmd(unsigned long req)
{
	return req == RDMA_VERBS_IOCTL || req == RDMA_DIRECT_IOCTL;
}

const char *ioverbs_decode_req_name(unsigned long req)
{
	if (req == RDMA_VERBS_IOCTL)
		return "RDMA_VERBS_IOCTL";
	if (req == RDMA_DIRECT_IOCTL)
		return "RDMA_DIRECT_IOCTL";
	return NULL;
}

const char *ioverbs_decode_errno_name(long err)
{
	const char *name;

	if (err < 0)
		err = -err;
	if (err > 4095)
		return "E???";
	name = strerrorname_np((int)err);
	return name ? name : "E???";
}

static const struct uverbs_type *decode_type(const struct ioverbs_decode *d)
{
	if (!d->tbl || !d->tbl->types || d->hdr.object_type >= d->tbl->num_types)
		return NULL;
	return d->tbl->types[d->hdr.object_type];
}

void ioverbs_decode_enter(struct ioverbs_decode *d, int fd, unsigned int req,
			  __u64 arg)
{
	const struct uverbs_type *type;
	unsigned int n;
	ssize_t ret;

	d->fd = fd;
	d->req = req;
	d->arg = arg;
	d->hdr_ok = false;
	d->num_read = 0;
	d->attrs_err = 0;
	d->tbl = NULL;
	d->tbl_known = false;
	d->action = NULL;

	if (!ioverbs_decode_is_cmd(req))
		return;
	ret = d->read(d->read_ctx, arg, &d->hdr, sizeof(d->hdr));
	if (ret != (ssize_t)sizeof(d->hdr))
		return;
	d->hdr_ok = true;

	if (d->types)
		d->tbl = d->types(d->types_ctx, d->hdr.driver_id);
	d->tbl_known = d->tbl != NULL;
	if (!d->tbl)
		d->tbl = d->fallback;
	type = decode_type(d);
	if (type && type->actions && d->hdr.action < type->num_actions &&
	    type->actions[d->hdr.action].handler)
		d->action = &type->actions[d->hdr.action];

	/*
	 * num_attrs as sent, bounded by what a valid length could hold; when
	 * length disagrees, by what length says too (the rest is not the
	 * command's: the core refuses it, rule 3).
	 */
	n = d->hdr.num_attrs;
	if (n > IOVERBS_DECODE_MAX_ATTRS)
		n = IOVERBS_DECODE_MAX_ATTRS;
	if (d->hdr.length != sizeof(d->hdr) + 16u * d->hdr.num_attrs) {
		unsigned int by_len = d->hdr.length > sizeof(d->hdr) ?
			(d->hdr.length - (unsigned int)sizeof(d->hdr)) / 16u : 0;

		if (n > by_len)
			n = by_len;
	}
	if (!n)
		return;
	ret = d->read(d->read_ctx, arg + sizeof(d->hdr), d->attrs,
		      n * sizeof(d->attrs[0]));
	if (ret != (ssize_t)(n * sizeof(d->attrs[0]))) {
		d->attrs_err = ret < 0 ? (int)ret : -EFAULT;
		return;
	}
	d->num_read = n;
}

/* @id's spec in the action's chains, or NULL; *@vendor set for bit 15. */
static const struct uverbs_attr_spec *
decode_attr_spec(const struct ioverbs_decode *d, u16 id, bool *vendor)
{
	const struct uverbs_attr_chain_spec *chain;
	const struct action_spec *as;
	unsigned int c = 0;

	*vendor = id & UVERBS_VENDOR_FLAG;
	if (!d->action)
		return NULL;
	as = &d->action->chain;
	if (*vendor)
		c = 1;
	if (c >= as->num_chains || !as->validator_chains)
		return NULL;
	chain = as->validator_chains[c];
	id &= (u16)~UVERBS_VENDOR_FLAG;
	if (!chain || !chain->attrs || id >= chain->num_attrs ||
	    chain->attrs[id].type == UVERBS_ATTR_TYPE_NA)
		return NULL;
	return &chain->attrs[id];
}

static void put_attr_name(struct out *o, const struct uverbs_attr_spec *spec,
			  u16 id, bool vendor)
{
	u16 bare = id & (u16)~UVERBS_VENDOR_FLAG;

	if (spec && spec->name)
		out_printf(o, "%s%s", vendor ? "vendor." : "", spec->name);
	else if (spec)
		out_printf(o, "%s%u", vendor ? "vendor." : "attr", bare);
	else
		out_printf(o, "%s%u???", vendor ? "vendor." : "attr", bare);
}

/* Little-endian (the ABI is the host's) number of @size bytes at @p. */
static u64 get_uint(const u8 *p, unsigned int size)
{
	u64 v = 0;

	switch (size) {
	case 1:
		return p[0];
	case 2: {
		u16 x;

		memcpy(&x, p, 2);
		return x;
	}
	case 4: {
		u32 x;

		memcpy(&x, p, 4);
		return x;
	}
	case 8:
		memcpy(&v, p, 8);
		return v;
	}
	return 0;
}

static s64 get_int(const u8 *p, unsigned int size)
{
	u64 v = get_uint(p, size);

	switch (size) {
	case 1:
		return (int8_t)v;
	case 2:
		return (int16_t)v;
	case 4:
		return (int32_t)v;
	}
	return (s64)v;
}

static void put_bytes(struct out *o, const struct ioverbs_decode *d,
		      const u8 *p, size_t len)
{
	size_t i, shown = len < d->max_bytes ? len : d->max_bytes;

	out_printf(o, "<");
	for (i = 0; i < shown; i++)
		out_printf(o, "%02x", p[i]);
	if (shown < len)
		out_printf(o, "...(%zu bytes)", len);
	out_printf(o, ">");
}

static void put_enum(struct out *o, const struct uverbs_value_name *v, u64 x)
{
	for (; v && v->name; v++)
		if (v->value == x) {
			out_printf(o, "%s", v->name);
			return;
		}
	out_printf(o, "%llu", (unsigned long long)x);
}

static void put_flags(struct out *o, const struct uverbs_value_name *v, u64 x)
{
	bool any = false;

	if (!x) {
		out_printf(o, "0");
		return;
	}
	for (; v && v->name; v++) {
		if (!v->value || (x & v->value) != v->value)
			continue;
		out_printf(o, "%s%s", any ? "|" : "", v->name);
		x &= ~v->value;
		any = true;
	}
	if (x)
		out_printf(o, "%s0x%llx", any ? "|" : "", (unsigned long long)x);
}

static void put_struct(struct out *o, const struct ioverbs_decode *d,
		       const struct uverbs_layout *l, const u8 *p, size_t len,
		       unsigned int depth);

static bool is_num_size(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* One element of field @f at @p (@f->size bytes, all inside the buffer). */
static void put_elem(struct out *o, const struct ioverbs_decode *d,
		     const struct uverbs_field *f, const u8 *p,
		     unsigned int depth)
{
	if (f->kind == UVERBS_FIELD_BYTES) {
		put_bytes(o, d, p, f->size);
		return;
	}
	if (f->kind == UVERBS_FIELD_STRUCT) {
		if (f->layout && depth < DECODE_MAX_DEPTH)
			put_struct(o, d, f->layout, p, f->size, depth + 1);
		else
			put_bytes(o, d, p, f->size);
		return;
	}
	if (!is_num_size(f->size)) {
		put_bytes(o, d, p, f->size);
		return;
	}
	switch (f->kind) {
	case UVERBS_FIELD_INT:
		out_printf(o, "%lld", (long long)get_int(p, f->size));
		break;
	case UVERBS_FIELD_HEX:
		out_printf(o, "0x%llx",
			   (unsigned long long)get_uint(p, f->size));
		break;
	case UVERBS_FIELD_ENUM:
		put_enum(o, f->values, get_uint(p, f->size));
		break;
	case UVERBS_FIELD_FLAGS:
		put_flags(o, f->values, get_uint(p, f->size));
		break;
	case UVERBS_FIELD_UINT:
	case UVERBS_FIELD_HANDLE:
	default:
		out_printf(o, "%llu",
			   (unsigned long long)get_uint(p, f->size));
		break;
	}
}

/* Field @f of the element at @p, @len bytes of it readable. */
static void put_field(struct out *o, const struct ioverbs_decode *d,
		      const struct uverbs_field *f, const u8 *p, size_t len,
		      unsigned int depth)
{
	unsigned int count = f->count ? f->count : 1, i;
	size_t end = (size_t)f->offset + (size_t)f->size * count;

	if (!f->size || end > len) {
		out_printf(o, "???");
		return;
	}
	if (count == 1) {
		put_elem(o, d, f, p + f->offset, depth);
		return;
	}
	out_printf(o, "[");
	for (i = 0; i < count; i++) {
		if (i == d->max_elems) {
			out_printf(o, ", ...");
			break;
		}
		out_printf(o, "%s", i ? ", " : "");
		put_elem(o, d, f, p + f->offset + (size_t)f->size * i, depth);
	}
	out_printf(o, "]");
}

/* One element of layout @l: @len bytes at @p, @len <= @l->size. */
static void put_struct(struct out *o, const struct ioverbs_decode *d,
		       const struct uverbs_layout *l, const u8 *p, size_t len,
		       unsigned int depth)
{
	unsigned int i;

	if (l->num_fields == 1 && l->fields && !l->fields[0].name) {
		put_field(o, d, &l->fields[0], p, len, depth);
		return;
	}
	out_printf(o, "{");
	for (i = 0; l->fields && i < l->num_fields; i++) {
		out_printf(o, "%s%s=", i ? ", " : "",
			   l->fields[i].name ? l->fields[i].name : "?");
		put_field(o, d, &l->fields[i], p, len, depth);
	}
	out_printf(o, "}");
}

/* A whole PTR buffer: elements of its layout, a tail as bytes. */
static void put_buffer(struct out *o, const struct ioverbs_decode *d,
		       const struct uverbs_layout *l, const u8 *p, size_t len)
{
	size_t n, i, tail;

	if (!l || !l->size || !l->fields || !l->num_fields || len < l->size) {
		put_bytes(o, d, p, len);
		return;
	}
	/* A flexible buffer of bytes: one abbreviated run, not elements. */
	if (l->num_fields == 1 && !l->fields[0].name &&
	    l->fields[0].kind == UVERBS_FIELD_BYTES) {
		put_bytes(o, d, p, len);
		return;
	}
	n = len / l->size;
	tail = len % l->size;
	if (n == 1 && !tail) {
		put_struct(o, d, l, p, l->size, 0);
		return;
	}
	out_printf(o, "[");
	for (i = 0; i < n; i++) {
		if (i == d->max_elems) {
			out_printf(o, ", ...(%zu more)", n - i);
			break;
		}
		out_printf(o, "%s", i ? ", " : "");
		put_struct(o, d, l, p + i * l->size, l->size, 0);
	}
	out_printf(o, "]");
	if (tail) {
		out_printf(o, "+");
		put_bytes(o, d, p + n * l->size, tail);
	}
}

/* The buffer at @addr, read now: decoded, or shown as unreadable. */
static void put_ptr(struct out *o, const struct ioverbs_decode *d,
		    const struct uverbs_attr_spec *spec, u64 addr, u16 len)
{
	u8 *buf;
	ssize_t ret;

	if (!len) {
		out_printf(o, "<>");
		return;
	}
	buf = malloc(len);
	if (!buf) {
		out_printf(o, "0x%llx(%u bytes)", (unsigned long long)addr, len);
		return;
	}
	ret = d->read(d->read_ctx, addr, buf, len);
	if (ret != (ssize_t)len)
		out_printf(o, "0x%llx(%u bytes, unreadable)",
			   (unsigned long long)addr, len);
	else
		put_buffer(o, d, spec ? spec->layout : NULL, buf, len);
	free(buf);
}

static const char *const access_names[] = {
	[UVERBS_ACCESS_READ] = "",
	[UVERBS_ACCESS_WRITE] = "",
	[UVERBS_ACCESS_NEW] = "NEW",
	[UVERBS_ACCESS_DESTROY] = "",
};

/* An attribute at entry. */
static void put_attr_in(struct out *o, const struct ioverbs_decode *d,
			const struct ib_uverbs_attr *a)
{
	const struct uverbs_attr_spec *spec;
	bool vendor;

	spec = decode_attr_spec(d, a->attr_id, &vendor);
	put_attr_name(o, spec, a->attr_id, vendor);
	out_printf(o, "=");
	if (!spec) {
		out_printf(o, "{len=%u, ptr_idr=0x%llx}", a->len,
			   (unsigned long long)a->ptr_idr);
		goto extras;
	}
	switch (spec->type) {
	case UVERBS_ATTR_TYPE_IDR:
		if (spec->idr.access == UVERBS_ACCESS_NEW)
			out_printf(o, "%s", access_names[UVERBS_ACCESS_NEW]);
		else if (a->ptr_idr >> 32)
			out_printf(o, "0x%llx???",
				   (unsigned long long)a->ptr_idr);
		else
			out_printf(o, "%u", (unsigned int)a->ptr_idr);
		if (a->len)
			out_printf(o, " len=%u???", a->len);
		break;
	case UVERBS_ATTR_TYPE_FD:
		if (spec->idr.access == UVERBS_ACCESS_NEW &&
		    a->ptr_idr == ~0ull)
			out_printf(o, "NEW");
		else if (a->ptr_idr > 0x7fffffffull)
			out_printf(o, "fd 0x%llx???",
				   (unsigned long long)a->ptr_idr);
		else
			out_printf(o, "%sfd %lld",
				   spec->idr.access == UVERBS_ACCESS_NEW ?
					   "NEW " : "",
				   (long long)a->ptr_idr);
		if (a->len)
			out_printf(o, " len=%u???", a->len);
		break;
	case UVERBS_ATTR_TYPE_PTR_IN:
		put_ptr(o, d, spec, a->ptr_idr, a->len);
		break;
	case UVERBS_ATTR_TYPE_PTR_OUT:
		out_printf(o, "out[%u]", a->len);
		break;
	default:
		out_printf(o, "type %u???", spec->type);
		break;
	}
extras:
	if (a->reserved)
		out_printf(o, "(reserved=0x%x)", a->reserved);
}

size_t ioverbs_decode_call(struct ioverbs_decode *d, char *buf, size_t size)
{
	const struct ib_uverbs_ioctl_hdr *h = &d->hdr;
	const struct uverbs_type *type;
	unsigned int i, want;
	struct out o;

	out_init(&o, buf, size);
	if (ioverbs_decode_is_cmd(d->req))
		out_printf(&o, "ioctl(%d, %s, ", d->fd,
			   ioverbs_decode_req_name(d->req));
	else
		out_printf(&o, "ioctl(%d, 0x%x, ", d->fd, d->req);
	if (!d->hdr_ok) {
		out_printf(&o, "0x%llx", (unsigned long long)d->arg);
		return out_done(&o);
	}
	out_printf(&o, "{");
	if (d->tbl_known && d->tbl->name)
		out_printf(&o, "%s", d->tbl->name);
	else if (d->tbl_known)
		out_printf(&o, "driver=0x%x", h->driver_id);
	else
		out_printf(&o, "driver=0x%x???", h->driver_id);
	type = decode_type(d);
	if (d->action && d->action->name) {
		out_printf(&o, " %s", d->action->name);
	} else {
		if (type && type->name)
			out_printf(&o, " %s", type->name);
		else
			out_printf(&o, " type=%u%s", h->object_type,
				   type ? "" : "???");
		out_printf(&o, " action=%u%s", h->action,
			   d->action ? "" : "???");
	}

	/* What a valid header would hold; anything else is shown. */
	want = (unsigned int)sizeof(*h) + 16u * h->num_attrs;
	if (h->length != want)
		out_printf(&o, ", length=%u???", h->length);
	if (h->flags)
		out_printf(&o, ", flags=0x%x???", h->flags);
	if (h->reserved)
		out_printf(&o, ", reserved=0x%x???", h->reserved);
	if (h->num_attrs > IOVERBS_DECODE_MAX_ATTRS)
		out_printf(&o, ", num_attrs=%u???", h->num_attrs);
	if (d->attrs_err) {
		out_printf(&o, ", attrs=0x%llx(%u, unreadable)}",
			   (unsigned long long)(d->arg + sizeof(*h)),
			   h->num_attrs);
		return out_done(&o);
	}
	out_printf(&o, ", [");
	for (i = 0; i < d->num_read; i++) {
		if (i == DECODE_MAX_SHOWN_ATTRS)
			break;
		out_printf(&o, "%s", i ? ", " : "");
		put_attr_in(&o, d, &d->attrs[i]);
	}
	out_printf(&o, "%s]}", i < h->num_attrs ? ", ..." : "");
	return out_done(&o);
}

/* Does attribute @a have something to show after the call? */
static bool attr_has_output(const struct uverbs_attr_spec *spec, long ret)
{
	if (!spec)
		return false;
	if (spec->type == UVERBS_ATTR_TYPE_PTR_OUT)
		return !ret || spec->copy_on_error;
	if ((spec->type == UVERBS_ATTR_TYPE_IDR ||
	     spec->type == UVERBS_ATTR_TYPE_FD) &&
	    spec->idr.access == UVERBS_ACCESS_NEW)
		return !ret;
	return false;
}

size_t ioverbs_decode_result(struct ioverbs_decode *d, long ret,
			     const char *reason, char *buf, size_t size)
{
	const struct uverbs_attr_spec *spec;
	struct ib_uverbs_attr now;
	unsigned int i, shown = 0;
	struct out o;
	bool vendor;

	out_init(&o, buf, size);
	for (i = 0; d->hdr_ok && i < d->num_read; i++) {
		const struct ib_uverbs_attr *a = &d->attrs[i];
		u64 at = d->arg + sizeof(d->hdr) + (u64)i * sizeof(*a);

		spec = decode_attr_spec(d, a->attr_id, &vendor);
		if (!attr_has_output(spec, ret))
			continue;
		out_printf(&o, "%s", shown++ ? ", " : " => {[");
		put_attr_name(&o, spec, a->attr_id, vendor);
		out_printf(&o, "=");
		if (spec->type == UVERBS_ATTR_TYPE_PTR_OUT) {
			/* The pointer as sent, not as the array holds now. */
			put_ptr(&o, d, spec, a->ptr_idr, a->len);
			continue;
		}
		/* The core wrote the new handle into the caller's array. */
		if (d->read(d->read_ctx, at, &now, sizeof(now)) !=
		    (ssize_t)sizeof(now))
			out_printf(&o, "?");
		else if (spec->type == UVERBS_ATTR_TYPE_FD)
			out_printf(&o, "fd %lld", (long long)now.ptr_idr);
		else
			out_printf(&o, "%llu", (unsigned long long)now.ptr_idr);
	}
	if (shown)
		out_printf(&o, "]}");
	if (!ret)
		out_printf(&o, ") = 0");
	else if (reason && *reason)
		out_printf(&o, ") = -1 %s (%s)", ioverbs_decode_errno_name(ret),
			   reason);
	else
		out_printf(&o, ") = -1 %s", ioverbs_decode_errno_name(ret));
	return out_done(&o);
}

void ioverbs_decode_names(const struct ioverbs_decode *d, char *object,
			  size_t osize, char *action, size_t asize)
{
	const struct uverbs_type *type = decode_type(d);

	if (!d->hdr_ok) {
		snprintf(object, osize, "?");
		snprintf(action, asize, "?");
		return;
	}
	if (type && type->name)
		snprintf(object, osize, "%s", type->name);
	else
		snprintf(object, osize, "%u%s", d->hdr.object_type,
			 type ? "" : "???");
	if (d->action && d->action->name)
		snprintf(action, asize, "%s", d->action->name);
	else
		snprintf(action, asize, "%u%s", d->hdr.action,
			 d->action ? "" : "???");
}
