// SPDX-License-Identifier: MIT
/*
 * What each user holds of the daemon: open device files and commands in
 * flight, each against a limit, so that one user cannot take every
 * descriptor or every thread of the daemon from the others.
 *
 * A user's entry lives while it holds anything.  All of it is under
 * ivd_lock, taken here (callers do not hold it).
 */
#include <stdlib.h>

#include "daemon.h"

#define USERS_BUCKETS 64

struct ivd_user {
	struct ivd_user *next;
	uid_t uid;
	unsigned int files;
	unsigned int inflight;
};

static struct ivd_user *users[USERS_BUCKETS];

struct ivd_limits ivd_limits = {
	.files_per_user = IVD_DEFAULT_FILES_PER_USER,
	.inflight_per_user = IVD_DEFAULT_INFLIGHT_PER_USER,
};

/* The entry of @uid, created if @create (NULL if memory is short). */
static struct ivd_user *user_find(uid_t uid, bool create)
{
	struct ivd_user **head = &users[uid % USERS_BUCKETS], *u;

	for (u = *head; u; u = u->next)
		if (u->uid == uid)
			return u;
	if (!create)
		return NULL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->uid = uid;
	u->next = *head;
	*head = u;
	return u;
}

/* Frees @u once it holds nothing. */
static void user_maybe_free(struct ivd_user *u)
{
	struct ivd_user **p;

	if (u->files || u->inflight)
		return;
	for (p = &users[u->uid % USERS_BUCKETS]; *p; p = &(*p)->next) {
		if (*p == u) {
			*p = u->next;
			free(u);
			return;
		}
	}
}

static int user_charge(uid_t uid, size_t field, unsigned int limit)
{
	struct ivd_user *u;
	unsigned int *n;
	int ret = 0;

	pthread_mutex_lock(&ivd_lock);
	u = user_find(uid, true);
	if (!u) {
		ret = -ENOMEM;
		goto out;
	}
	n = (unsigned int *)((char *)u + field);
	if (limit && *n >= limit) {
		ret = field == offsetof(struct ivd_user, files) ? -EMFILE :
								 -EAGAIN;
		user_maybe_free(u);
		goto out;
	}
	(*n)++;
out:
	pthread_mutex_unlock(&ivd_lock);
	return ret;
}

static void user_uncharge(uid_t uid, size_t field)
{
	struct ivd_user *u;
	unsigned int *n;

	pthread_mutex_lock(&ivd_lock);
	u = user_find(uid, false);
	if (!WARN_ON(!u)) {
		n = (unsigned int *)((char *)u + field);
		if (!WARN_ON(!*n))
			(*n)--;
		user_maybe_free(u);
	}
	pthread_mutex_unlock(&ivd_lock);
}

/**
 * ivd_user_file_get() - charge @uid for one more open device file
 * Return: 0, -EMFILE at the per-user limit, or -ENOMEM.
 */
int ivd_user_file_get(uid_t uid)
{
	return user_charge(uid, offsetof(struct ivd_user, files),
			   ivd_limits.files_per_user);
}

/** ivd_user_file_put() - the file of ivd_user_file_get() is closed */
void ivd_user_file_put(uid_t uid)
{
	user_uncharge(uid, offsetof(struct ivd_user, files));
}

/**
 * ivd_user_cmd_begin() - @uid starts a command
 * Return: 0, -EAGAIN if @uid already has its limit of commands in flight
 * (commands that wait on that user's own memory), or -ENOMEM.
 */
int ivd_user_cmd_begin(uid_t uid)
{
	return user_charge(uid, offsetof(struct ivd_user, inflight),
			   ivd_limits.inflight_per_user);
}

/** ivd_user_cmd_end() - the command of ivd_user_cmd_begin() is answered */
void ivd_user_cmd_end(uid_t uid)
{
	user_uncharge(uid, offsetof(struct ivd_user, inflight));
}

/**
 * ivd_users_for_each() - call @fn for every user holding something
 * @fn: gets the uid, its open files and its commands in flight
 * @arg: passed on
 *
 * Under ivd_lock: @fn must not take it.
 */
void ivd_users_for_each(void (*fn)(uid_t uid, unsigned int files,
				   unsigned int inflight, void *arg),
			void *arg)
{
	struct ivd_user *u;
	unsigned int i;

	pthread_mutex_lock(&ivd_lock);
	for (i = 0; i < USERS_BUCKETS; i++)
		for (u = users[i]; u; u = u->next)
			fn(u->uid, u->files, u->inflight, arg);
	pthread_mutex_unlock(&ivd_lock);
}
