/* SPDX-License-Identifier: MIT */
/*
 * What the schema tests share (tests/test_schema.c embedded,
 * tests/daemon/test_daemon_schema.c through the daemon): two schemas
 * compared field by field, a JSON syntax check, and the golden files.
 *
 * The golden files are tests/golden/schema-*.{txt,json}, read from the
 * repository's root (where make runs the tests).  A mismatch prints
 * `diff -u` of the golden file and what was printed.  After a deliberate
 * change to the tables or the printers, IOVERBS_GOLDEN_UPDATE=1 makes the
 * embedded test rewrite them: review the diff before committing it.
 *
 * Header only, static functions: each test program includes it once.
 */
#ifndef _TESTS_SCHEMA_CHECK_H
#define _TESTS_SCHEMA_CHECK_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioverbs/schema.h>

#include "harness.h"

#define SCHEMA_GOLDEN_DIR "tests/golden/"

/* Equal strings, or both NULL. */
static void schema_str_eq(const char *file, int line, const char *what,
			  const char *a, const char *b)
{
	if ((a || b) && (!a || !b || strcmp(a, b)))
		harness_fail(file, line, "%s: \"%s\" != \"%s\"", what,
			     a ? a : "(null)", b ? b : "(null)");
}

#define SCHEMA_STR_EQ(file, line, what, a, b) \
	schema_str_eq(file, line, what, a, b)

#define SCHEMA_NUM_EQ(file, line, what, a, b)                                     \
	do {                                                                \
		if ((unsigned long long)(a) != (unsigned long long)(b))     \
			harness_fail(file, line, "%s: %llu != %llu",    \
				     what, (unsigned long long)(a),         \
				     (unsigned long long)(b));              \
	} while (0)

/* Both NULL, or layouts of the same index. */
static void schema_layout_ref_eq(const char *file, int line, const char *what,
				 const struct ioverbs_schema_layout *a,
				 const struct ioverbs_schema_layout *b)
{
	if (!a != !b)
		harness_fail(file, line, "%s: layout %s vs %s", what,
			     a ? "set" : "NULL", b ? "set" : "NULL");
	if (a)
		SCHEMA_NUM_EQ(file, line, what, a->index, b->index);
}

static void schema_layout_eq(const char *file, int line, const struct ioverbs_schema_layout *a,
			     const struct ioverbs_schema_layout *b)
{
	u32 i, j;

	SCHEMA_NUM_EQ(file, line, "layout index", a->index, b->index);
	SCHEMA_STR_EQ(file, line, "layout name", a->name, b->name);
	SCHEMA_NUM_EQ(file, line, "layout size", a->size, b->size);
	SCHEMA_NUM_EQ(file, line, "layout num_fields", a->num_fields, b->num_fields);
	for (i = 0; i < a->num_fields; i++) {
		const struct ioverbs_schema_field *fa = &a->fields[i];
		const struct ioverbs_schema_field *fb = &b->fields[i];

		SCHEMA_STR_EQ(file, line, "field name", fa->name, fb->name);
		SCHEMA_NUM_EQ(file, line, "field offset", fa->offset, fb->offset);
		SCHEMA_NUM_EQ(file, line, "field size", fa->size, fb->size);
		SCHEMA_NUM_EQ(file, line, "field count", fa->count, fb->count);
		SCHEMA_NUM_EQ(file, line, "field kind", fa->kind, fb->kind);
		schema_layout_ref_eq(file, line, "field layout", fa->layout,
				     fb->layout);
		SCHEMA_NUM_EQ(file, line, "field num_values", fa->num_values,
			      fb->num_values);
		for (j = 0; j < fa->num_values; j++) {
			SCHEMA_NUM_EQ(file, line, "value", fa->values[j].value,
				      fb->values[j].value);
			SCHEMA_STR_EQ(file, line, "value name", fa->values[j].name,
				      fb->values[j].name);
		}
	}
}

static void schema_attr_eq(const char *file, int line, const struct ioverbs_schema_attr *a,
			   const struct ioverbs_schema_attr *b)
{
	SCHEMA_NUM_EQ(file, line, "attr id", a->id, b->id);
	SCHEMA_NUM_EQ(file, line, "attr type", a->type, b->type);
	SCHEMA_NUM_EQ(file, line, "attr mandatory", a->mandatory, b->mandatory);
	SCHEMA_NUM_EQ(file, line, "attr copy_on_error", a->copy_on_error,
		      b->copy_on_error);
	SCHEMA_NUM_EQ(file, line, "attr min_len", a->min_len, b->min_len);
	SCHEMA_NUM_EQ(file, line, "attr max_len", a->max_len, b->max_len);
	SCHEMA_NUM_EQ(file, line, "attr idr_type", a->idr_type, b->idr_type);
	SCHEMA_NUM_EQ(file, line, "attr idr_access", a->idr_access, b->idr_access);
	SCHEMA_NUM_EQ(file, line, "attr idr_parent", a->idr_parent, b->idr_parent);
	SCHEMA_STR_EQ(file, line, "attr name", a->name, b->name);
	schema_layout_ref_eq(file, line, "attr layout", a->layout, b->layout);
}

/* Fails the test at @file:@line unless @a and @b are the same, field by field. */
static void schema_assert_eq_at(const char *file, int line, const struct ioverbs_schema *a,
			     const struct ioverbs_schema *b)
{
	u32 t, ac, c, i;

	SCHEMA_NUM_EQ(file, line, "driver_id", a->driver_id, b->driver_id);
	SCHEMA_STR_EQ(file, line, "driver", a->driver, b->driver);
	SCHEMA_NUM_EQ(file, line, "num_types", a->num_types, b->num_types);
	SCHEMA_NUM_EQ(file, line, "num_layouts", a->num_layouts, b->num_layouts);
	for (t = 0; t < a->num_types; t++) {
		const struct ioverbs_schema_type *ta = &a->types[t];
		const struct ioverbs_schema_type *tb = &b->types[t];

		SCHEMA_NUM_EQ(file, line, "type id", ta->id, tb->id);
		SCHEMA_NUM_EQ(file, line, "type filled", ta->filled, tb->filled);
		if (!ta->filled)
			continue;
		SCHEMA_STR_EQ(file, line, "type name", ta->name, tb->name);
		SCHEMA_NUM_EQ(file, line, "type objects", ta->has_objects,
			      tb->has_objects);
		SCHEMA_NUM_EQ(file, line, "type fd", ta->is_fd, tb->is_fd);
		SCHEMA_NUM_EQ(file, line, "type num_actions", ta->num_actions,
			      tb->num_actions);
		for (ac = 0; ac < ta->num_actions; ac++) {
			const struct ioverbs_schema_action *xa = &ta->actions[ac];
			const struct ioverbs_schema_action *xb = &tb->actions[ac];

			SCHEMA_NUM_EQ(file, line, "action id", xa->id, xb->id);
			SCHEMA_NUM_EQ(file, line, "action filled", xa->filled,
				      xb->filled);
			if (!xa->filled)
				continue;
			SCHEMA_STR_EQ(file, line, "action name", xa->name, xb->name);
			SCHEMA_NUM_EQ(file, line, "action after_removal",
				      xa->after_removal, xb->after_removal);
			SCHEMA_NUM_EQ(file, line, "action user_memory",
				      xa->user_memory, xb->user_memory);
			SCHEMA_NUM_EQ(file, line, "action num_chains",
				      xa->num_chains, xb->num_chains);
			for (c = 0; c < xa->num_chains; c++) {
				SCHEMA_NUM_EQ(file, line, "chain num_attrs",
					      xa->chains[c].num_attrs,
					      xb->chains[c].num_attrs);
				for (i = 0; i < xa->chains[c].num_attrs; i++)
					schema_attr_eq(file, line,
						       &xa->chains[c].attrs[i],
						       &xb->chains[c].attrs[i]);
			}
		}
	}
	for (i = 0; i < a->num_layouts; i++)
		schema_layout_eq(file, line, &a->layouts[i], &b->layouts[i]);
}

/* --- a JSON syntax check (RFC 8259), enough to say it parses --------- */

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *json_value(const char *p, int depth);

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *json_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (isdigit((unsigned char)*p))
			p++;
	else
		return NULL;
	if (*p == '.') {
		start = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == start)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		start = p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == start)
			return NULL;
	}
	return p;
}

static const char *json_members(const char *p, int depth, char close,
				bool object)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = json_string(json_ws(p));
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p, depth + 1);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = json_ws(p);
	switch (*p) {
	case '{':
		return json_members(p, depth, '}', true);
	case '[':
		return json_members(p, depth, ']', false);
	case '"':
		return json_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return json_number(p);
	}
}

/* Is @text one JSON value and nothing else? */
static bool json_parses(const char *text)
{
	const char *end = json_value(text, 0);

	return end && !*json_ws(end);
}

/* --- golden files ------------------------------------------------------ */

/* The whole of @path, NUL-terminated (malloc()ed), or NULL. */
static char *schema_read_file(const char *path)
{
	FILE *fp = fopen(path, "re");
	char *buf = NULL;
	long n;

	if (!fp)
		return NULL;
	if (!fseek(fp, 0, SEEK_END) && (n = ftell(fp)) >= 0 &&
	    !fseek(fp, 0, SEEK_SET)) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf)
			buf[n] = '\0';
	}
	fclose(fp);
	return buf;
}

/*
 * Fails the test at @file:@line unless @got is golden file @name; shows the
 * diff.  With @may_update and IOVERBS_GOLDEN_UPDATE=1 in the
 * environment, writes @got there instead.
 */
static void schema_golden_eq_at(const char *file, int line, const char *name, const char *got,
			     bool may_update)
{
	char path[256], tmp[] = "/tmp/ioverbs-golden.XXXXXX", cmd[512];
	const char *update = getenv("IOVERBS_GOLDEN_UPDATE");
	char *want;
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), SCHEMA_GOLDEN_DIR "%s", name);
	if (may_update && update && !strcmp(update, "1")) {
		fp = fopen(path, "we");
		ASSERT_TRUE(fp);
		ASSERT_EQ(fwrite(got, 1, strlen(got), fp), strlen(got));
		ASSERT_EQ(fclose(fp), 0);
		return;
	}
	want = schema_read_file(path);
	if (!want)
		harness_fail(file, line, "no golden file %s (run from the repository's root)",
			     path);
	if (!strcmp(want, got)) {
		free(want);
		return;
	}
	free(want);
	fd = mkstemp(tmp);
	if (fd >= 0) {
		fp = fdopen(fd, "w");
		if (fp) {
			fputs(got, fp);
			fclose(fp);
			snprintf(cmd, sizeof(cmd), "diff -u %s %s | head -60 >&2",
				 path, tmp);
			fflush(stderr);
			if (system(cmd) < 0)
				fprintf(stderr, "(no diff)\n");
		}
		unlink(tmp);
	}
	harness_fail(file, line, "output differs from %s (diff above)", path);
}

/* @s printed as text (@json false) or JSON, malloc()ed. */
static char *schema_printed(const struct ioverbs_schema *s, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ASSERT_TRUE(fp);
	if (json)
		ASSERT_OK(ioverbs_schema_print_json(s, fp));
	else
		ASSERT_OK(ioverbs_schema_print(s, fp));
	ASSERT_EQ(fclose(fp), 0);
	return buf;
}

#define schema_assert_eq(a, b) schema_assert_eq_at(__FILE__, __LINE__, a, b)
#define schema_golden_eq(name, got, may_update) \
	schema_golden_eq_at(__FILE__, __LINE__, name, got, may_update)

#endif /* _TESTS_SCHEMA_CHECK_H */
