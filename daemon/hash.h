/* SPDX-License-Identifier: MIT */
/*
 * A small intrusive hash table for the daemon's lookups by key (event
 * files by inode, by name, by binding): chains of &struct ivd_hnode
 * embedded in the objects, each node remembering its key's hash, so that
 * the table can grow without knowing the objects.  The caller compares
 * keys; the table only narrows the search to one chain.
 *
 * Hashes are seeded with a secret drawn at start (ivd_hash_seed()), so
 * that a client cannot choose names that all fall in one chain.
 *
 * No locking: the owner of a table serializes every call on it.
 */
#ifndef _DAEMON_HASH_H
#define _DAEMON_HASH_H

#include <stddef.h>
#include <stdint.h>

struct ivd_hnode {
	struct ivd_hnode *next;
	uint64_t hash;
};

#define IVD_HTABLE_MIN 16

/**
 * struct ivd_htable - chains of nodes, grown so that they stay short
 * @b: the buckets (@small until the table first grows)
 * @mask: number of buckets - 1, a power of two
 * @count: nodes in the table
 */
struct ivd_htable {
	struct ivd_hnode **b;
	size_t mask;
	size_t count;
	struct ivd_hnode *small[IVD_HTABLE_MIN];
};

/* A static table's initializer: IVD_HTABLE_INIT(table). */
#define IVD_HTABLE_INIT(t) { .b = (t).small, .mask = IVD_HTABLE_MIN - 1 }

void ivd_htable_init(struct ivd_htable *t);
/* Frees the buckets, not the nodes; the table is empty and usable after. */
void ivd_htable_destroy(struct ivd_htable *t);

/**
 * ivd_htable_add() - add @n under @hash
 *
 * Doubles the buckets when there are as many nodes as buckets; if memory
 * is short, the chains get longer instead.  Never fails.
 */
void ivd_htable_add(struct ivd_htable *t, struct ivd_hnode *n, uint64_t hash);
/* Removes @n, which must be in @t. */
void ivd_htable_del(struct ivd_htable *t, struct ivd_hnode *n);

/* The first node of @hash's chain whose hash is @hash, or NULL. */
struct ivd_hnode *ivd_htable_first(const struct ivd_htable *t, uint64_t hash);
/* The next node after @n with @n's hash, or NULL. */
struct ivd_hnode *ivd_htable_next(const struct ivd_hnode *n);

/* Any node of the table (to empty it at exit), or NULL. */
struct ivd_hnode *ivd_htable_any(const struct ivd_htable *t);

/* The secret, drawn once at start (getrandom()). */
uint64_t ivd_hash_seed(void);
uint64_t ivd_hash_u64(uint64_t key);
/* @s's bytes, after @key: a hash of (@key, @s). */
uint64_t ivd_hash_str(uint64_t key, const char *s);

#endif /* _DAEMON_HASH_H */
