// SPDX-License-Identifier: MIT
/*
 * A schema as text (one line per type, action, attribute; layouts after,
 * their fields and value names indented) and as JSON.  docs/schema.md
 * gives both layouts; tests/test_schema.c holds them to golden files.
 * A NULL name prints as "???" in text and null in JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <ioverbs/schema.h>

static const char *const attr_type_names[] = {
	[UVERBS_ATTR_TYPE_NA] = "NA",
	[UVERBS_ATTR_TYPE_PTR_IN] = "PTR_IN",
	[UVERBS_ATTR_TYPE_PTR_OUT] = "PTR_OUT",
	[UVERBS_ATTR_TYPE_IDR] = "IDR",
	[UVERBS_ATTR_TYPE_FD] = "FD",
};

static const char *const access_names[] = {
	[UVERBS_ACCESS_NONE] = "NONE",
	[UVERBS_ACCESS_READ] = "READ",
	[UVERBS_ACCESS_WRITE] = "WRITE",
	[UVERBS_ACCESS_NEW] = "NEW",
	[UVERBS_ACCESS_DESTROY] = "DESTROY",
};

static const char *const field_kind_names[] = {
	[UVERBS_FIELD_UINT] = "uint",
	[UVERBS_FIELD_INT] = "int",
	[UVERBS_FIELD_HEX] = "hex",
	[UVERBS_FIELD_ENUM] = "enum",
	[UVERBS_FIELD_FLAGS] = "flags",
	[UVERBS_FIELD_BYTES] = "bytes",
	[UVERBS_FIELD_HANDLE] = "handle",
	[UVERBS_FIELD_STRUCT] = "struct",
};

#define NAME_OF(table, i) \
	((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "???")

const char *ioverbs_schema_attr_type_name(unsigned int type)
{
	return NAME_OF(attr_type_names, type);
}

const char *ioverbs_schema_access_name(unsigned int access)
{
	return NAME_OF(access_names, access);
}

const char *ioverbs_schema_field_kind_name(unsigned int kind)
{
	return NAME_OF(field_kind_names, kind);
}

static const char *or_unknown(const char *name)
{
	return name ? name : "???";
}

/* The name of object type @id in @s, or "???". */
static const char *type_name(const struct ioverbs_schema *s, u16 id)
{
	const struct ioverbs_schema_type *t = ioverbs_schema_type(s, id);

	return t && t->name ? t->name : "???";
}

/* --- text -------------------------------------------------------------- */

static void print_attr(const struct ioverbs_schema *s,
		       const struct ioverbs_schema_attr *a, unsigned int chain,
		       FILE *fp)
{
	fprintf(fp, "    attr 0x%04x %s %s", a->id | (chain ? UVERBS_VENDOR_FLAG : 0),
		or_unknown(a->name), ioverbs_schema_attr_type_name(a->type));
	switch (a->type) {
	case UVERBS_ATTR_TYPE_PTR_IN:
	case UVERBS_ATTR_TYPE_PTR_OUT:
		if (a->min_len == a->max_len)
			fprintf(fp, " len %u", a->min_len);
		else
			fprintf(fp, " len %u..%u", a->min_len, a->max_len);
		if (a->layout)
			fprintf(fp, " layout %u %s", a->layout->index,
				or_unknown(a->layout->name));
		break;
	default:
		fprintf(fp, " object %u %s %s", a->idr_type,
			type_name(s, a->idr_type),
			ioverbs_schema_access_name(a->idr_access));
		break;
	}
	if (a->mandatory)
		fputs(" mandatory", fp);
	if (a->idr_parent)
		fputs(" parent", fp);
	if (a->copy_on_error)
		fputs(" copy_on_error", fp);
	if (chain)
		fputs(" vendor", fp);
	fputc('\n', fp);
}

static void print_layout(const struct ioverbs_schema_layout *l, FILE *fp)
{
	u16 i;
	u32 j;

	fprintf(fp, "layout %u %s size %u\n", l->index, or_unknown(l->name),
		l->size);
	for (i = 0; i < l->num_fields; i++) {
		const struct ioverbs_schema_field *f = &l->fields[i];
		bool flags = f->kind == UVERBS_FIELD_FLAGS;

		fprintf(fp, "  +%u %s %s %u", f->offset,
			f->name ? f->name : "-",
			ioverbs_schema_field_kind_name(f->kind), f->size);
		if (f->count > 1)
			fprintf(fp, "x%u", f->count);
		if (f->layout)
			fprintf(fp, " layout %u %s", f->layout->index,
				or_unknown(f->layout->name));
		fputc('\n', fp);
		for (j = 0; j < f->num_values; j++)
			fprintf(fp, flags ? "    0x%" PRIx64 " %s\n" :
					    "    %" PRIu64 " %s\n",
				(uint64_t)f->values[j].value,
				or_unknown(f->values[j].name));
	}
}

int ioverbs_schema_print(const struct ioverbs_schema *s, FILE *fp)
{
	u32 t, a, c, i;

	fprintf(fp, "driver %s driver_id 0x%04x types %u layouts %u\n",
		or_unknown(s->driver), s->driver_id, s->num_types,
		s->num_layouts);
	for (t = 0; t < s->num_types; t++) {
		const struct ioverbs_schema_type *ty = &s->types[t];

		if (!ty->filled)
			continue;
		fprintf(fp, "type %u %s actions %u%s%s\n", t,
			or_unknown(ty->name), ty->num_actions,
			ty->has_objects ? " objects" : "",
			ty->is_fd ? " fd" : "");
		for (a = 0; a < ty->num_actions; a++) {
			const struct ioverbs_schema_action *ac = &ty->actions[a];

			if (!ac->filled)
				continue;
			fprintf(fp, "  action %u %s%s%s\n", a,
				or_unknown(ac->name),
				ac->after_removal ? " after_removal" : "",
				ac->user_memory ? " user_memory" : "");
			for (c = 0; c < ac->num_chains; c++)
				for (i = 0; i < ac->chains[c].num_attrs; i++)
					if (ac->chains[c].attrs[i].type !=
					    UVERBS_ATTR_TYPE_NA)
						print_attr(s,
							   &ac->chains[c].attrs[i],
							   c, fp);
		}
	}
	for (i = 0; i < s->num_layouts; i++)
		print_layout(&s->layouts[i], fp);
	return ferror(fp) ? -EIO : 0;
}

/* --- JSON -------------------------------------------------------------- */

static void json_str(const char *p, FILE *fp)
{
	if (!p) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(fp, "\\u%04x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

static void json_attr(const struct ioverbs_schema_attr *a, unsigned int chain,
		      bool first, FILE *fp)
{
	fprintf(fp, "%s\n            {\"id\": %u, \"name\": ", first ? "" : ",",
		a->id | (chain ? UVERBS_VENDOR_FLAG : 0));
	json_str(a->name, fp);
	fprintf(fp, ", \"type\": \"%s\", \"mandatory\": %s",
		ioverbs_schema_attr_type_name(a->type),
		json_bool(a->mandatory));
	switch (a->type) {
	case UVERBS_ATTR_TYPE_PTR_IN:
	case UVERBS_ATTR_TYPE_PTR_OUT:
		fprintf(fp, ", \"min_len\": %u, \"max_len\": %u, \"copy_on_error\": %s, \"layout\": ",
			a->min_len, a->max_len, json_bool(a->copy_on_error));
		if (a->layout)
			fprintf(fp, "%u", a->layout->index);
		else
			fputs("null", fp);
		break;
	default:
		fprintf(fp, ", \"object_type\": %u, \"access\": \"%s\", \"parent\": %s",
			a->idr_type, ioverbs_schema_access_name(a->idr_access),
			json_bool(a->idr_parent));
		break;
	}
	fputc('}', fp);
}

static void json_action(const struct ioverbs_schema_action *ac, bool first,
			FILE *fp)
{
	u32 c, i;

	fprintf(fp, "%s\n        {\"id\": %u, \"name\": ", first ? "" : ",",
		ac->id);
	json_str(ac->name, fp);
	fprintf(fp, ", \"after_removal\": %s, \"user_memory\": %s, \"chains\": [",
		json_bool(ac->after_removal), json_bool(ac->user_memory));
	for (c = 0; c < ac->num_chains; c++) {
		bool first_attr = true;

		fprintf(fp, "%s\n          {\"chain\": \"%s\", \"num_attrs\": %u, \"attrs\": [",
			c ? "," : "", c ? "vendor" : "common",
			ac->chains[c].num_attrs);
		for (i = 0; i < ac->chains[c].num_attrs; i++) {
			if (ac->chains[c].attrs[i].type == UVERBS_ATTR_TYPE_NA)
				continue;
			json_attr(&ac->chains[c].attrs[i], c, first_attr, fp);
			first_attr = false;
		}
		fputs(first_attr ? "]}" : "\n          ]}", fp);
	}
	fputs("\n        ]}", fp);
}

static void json_layout(const struct ioverbs_schema_layout *l, bool first,
			FILE *fp)
{
	u32 i, j;

	fprintf(fp, "%s\n    {\"index\": %u, \"name\": ", first ? "" : ",",
		l->index);
	json_str(l->name, fp);
	fprintf(fp, ", \"size\": %u, \"fields\": [", l->size);
	for (i = 0; i < l->num_fields; i++) {
		const struct ioverbs_schema_field *f = &l->fields[i];

		fprintf(fp, "%s\n      {\"name\": ", i ? "," : "");
		json_str(f->name, fp);
		fprintf(fp, ", \"offset\": %u, \"size\": %u, \"count\": %u, \"kind\": \"%s\", \"layout\": ",
			f->offset, f->size, f->count ? f->count : 1,
			ioverbs_schema_field_kind_name(f->kind));
		if (f->layout)
			fprintf(fp, "%u", f->layout->index);
		else
			fputs("null", fp);
		fputs(", \"values\": [", fp);
		for (j = 0; j < f->num_values; j++) {
			fprintf(fp, "%s{\"value\": %" PRIu64 ", \"name\": ",
				j ? ", " : "", (uint64_t)f->values[j].value);
			json_str(f->values[j].name, fp);
			fputc('}', fp);
		}
		fputs("]}", fp);
	}
	fputs(l->num_fields ? "\n    ]}" : "]}", fp);
}

int ioverbs_schema_print_json(const struct ioverbs_schema *s, FILE *fp)
{
	bool first = true;
	u32 t, a;

	fprintf(fp, "{\n  \"version\": %u,\n  \"driver\": ",
		IOVERBS_SCHEMA_JSON_VERSION);
	json_str(s->driver, fp);
	fprintf(fp, ",\n  \"driver_id\": %u,\n  \"num_types\": %u,\n  \"types\": [",
		s->driver_id, s->num_types);
	for (t = 0; t < s->num_types; t++) {
		const struct ioverbs_schema_type *ty = &s->types[t];
		bool first_action = true;

		if (!ty->filled)
			continue;
		fprintf(fp, "%s\n    {\"id\": %u, \"name\": ", first ? "" : ",",
			t);
		json_str(ty->name, fp);
		fprintf(fp, ", \"objects\": %s, \"fd\": %s, \"num_actions\": %u, \"actions\": [",
			json_bool(ty->has_objects), json_bool(ty->is_fd),
			ty->num_actions);
		for (a = 0; a < ty->num_actions; a++) {
			if (!ty->actions[a].filled)
				continue;
			json_action(&ty->actions[a], first_action, fp);
			first_action = false;
		}
		fputs(first_action ? "]}" : "\n      ]}", fp);
		first = false;
	}
	fputs(first ? "],\n" : "\n  ],\n", fp);
	fputs("  \"layouts\": [", fp);
	for (t = 0; t < s->num_layouts; t++)
		json_layout(&s->layouts[t], t == 0, fp);
	fputs(s->num_layouts ? "\n  ]\n}\n" : "]\n}\n", fp);
	return ferror(fp) ? -EIO : 0;
}
