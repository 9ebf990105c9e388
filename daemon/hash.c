// SPDX-License-Identifier: MIT
/* The daemon's intrusive hash table; see hash.h. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

static uint64_t seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_draw(void)
{
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return;
	/* No entropy yet (early boot): worse, still not a constant. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
	       (uint64_t)getpid();
}

uint64_t ivd_hash_seed(void)
{
	pthread_once(&seed_once, seed_draw);
	return seed;
}

/* A 64-bit finalizer: every input bit moves every output bit. */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t ivd_hash_u64(uint64_t key)
{
	return mix(key ^ ivd_hash_seed());
}

uint64_t ivd_hash_str(uint64_t key, const char *s)
{
	uint64_t h = mix(key ^ ivd_hash_seed());

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return mix(h);
}

void ivd_htable_init(struct ivd_htable *t)
{
	size_t i;

	for (i = 0; i < IVD_HTABLE_MIN; i++)
		t->small[i] = NULL;
	t->b = t->small;
	t->mask = IVD_HTABLE_MIN - 1;
	t->count = 0;
}

void ivd_htable_destroy(struct ivd_htable *t)
{
	if (t->b != t->small)
		free(t->b);
	ivd_htable_init(t);
}

static void grow(struct ivd_htable *t)
{
	size_t n = (t->mask + 1) * 2, i;
	struct ivd_hnode **b = calloc(n, sizeof(*b));
	struct ivd_hnode *e, *next;

	if (!b)
		return;
	for (i = 0; i <= t->mask; i++)
		for (e = t->b[i]; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	if (t->b != t->small)
		free(t->b);
	t->b = b;
	t->mask = n - 1;
}

void ivd_htable_add(struct ivd_htable *t, struct ivd_hnode *n, uint64_t hash)
{
	if (t->count > t->mask)
		grow(t);
	n->hash = hash;
	n->next = t->b[hash & t->mask];
	t->b[hash & t->mask] = n;
	t->count++;
}

void ivd_htable_del(struct ivd_htable *t, struct ivd_hnode *n)
{
	struct ivd_hnode **p = &t->b[n->hash & t->mask];

	while (*p && *p != n)
		p = &(*p)->next;
	if (!*p)
		return;
	*p = n->next;
	n->next = NULL;
	t->count--;
}

static struct ivd_hnode *same_hash(struct ivd_hnode *e, uint64_t hash)
{
	while (e && e->hash != hash)
		e = e->next;
	return e;
}

struct ivd_hnode *ivd_htable_first(const struct ivd_htable *t, uint64_t hash)
{
	return same_hash(t->b[hash & t->mask], hash);
}

struct ivd_hnode *ivd_htable_next(const struct ivd_hnode *n)
{
	return same_hash(n->next, n->hash);
}

struct ivd_hnode *ivd_htable_any(const struct ivd_htable *t)
{
	size_t i;

	if (!t->count)
		return NULL;
	for (i = 0; i <= t->mask; i++)
		if (t->b[i])
			return t->b[i];
	return NULL;
}
