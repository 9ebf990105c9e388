// SPDX-License-Identifier: MIT
/*
 * The QP state machine (core/verbs/qp_state.c) against IBA vol 1,
 * chapter 11.  The specification's table is written out a second time
 * here, in another shape (a list of the legal transitions besides
 * "-> RESET" and "-> ERR"), and every (state, state, type) is checked
 * against it: with exactly the required mask, with each required bit
 * removed, each optional bit added and each other bit added.  Refusals
 * are checked golden.
 */
#include <rdma/ib_qp_state.h>

#include "harness.h"

/* Short names for the expected table below. */
#define RESET IB_UVERBS_QPS_RESET
#define INIT IB_UVERBS_QPS_INIT
#define RTR IB_UVERBS_QPS_RTR
#define RTS IB_UVERBS_QPS_RTS
#define SQD IB_UVERBS_QPS_SQD
#define SQE IB_UVERBS_QPS_SQE
#define ERR IB_UVERBS_QPS_ERR
#define NUM_STATES (IB_UVERBS_QPS_ERR + 1)

#define RC IB_UVERBS_QPT_RC
#define UC IB_UVERBS_QPT_UC
#define UD IB_UVERBS_QPT_UD

static const enum ib_uverbs_qp_type all_types[] = { RC, UC, UD };

enum {
	STATE = IB_UVERBS_QP_STATE,
	CUR = IB_UVERBS_QP_CUR_STATE,
	SQD_NOTIFY = IB_UVERBS_QP_EN_SQD_ASYNC_NOTIFY,
	ACCESS = IB_UVERBS_QP_ACCESS_FLAGS,
	PKEY = IB_UVERBS_QP_PKEY_INDEX,
	PORT = IB_UVERBS_QP_PORT,
	QKEY = IB_UVERBS_QP_QKEY,
	AV = IB_UVERBS_QP_AV,
	MTU = IB_UVERBS_QP_PATH_MTU,
	TIMEOUT = IB_UVERBS_QP_TIMEOUT,
	RETRY = IB_UVERBS_QP_RETRY_CNT,
	RNR_RETRY = IB_UVERBS_QP_RNR_RETRY,
	RQ_PSN = IB_UVERBS_QP_RQ_PSN,
	RD_ATOMIC = IB_UVERBS_QP_MAX_QP_RD_ATOMIC,
	ALT = IB_UVERBS_QP_ALT_PATH,
	RNR_TIMER = IB_UVERBS_QP_MIN_RNR_TIMER,
	SQ_PSN = IB_UVERBS_QP_SQ_PSN,
	DEST_RD_ATOMIC = IB_UVERBS_QP_MAX_DEST_RD_ATOMIC,
	MIG = IB_UVERBS_QP_PATH_MIG_STATE,
	CAP = IB_UVERBS_QP_CAP,
	DEST_QPN = IB_UVERBS_QP_DEST_QPN,
	/* Every bit the uapi defines. */
	ALL_ATTRS = (IB_UVERBS_QP_DEST_QPN << 1) - 1,
};

struct expect {
	int cur, next, type;
	u32 req, opt;
};

/* IBA vol 1, chapter 11, Modify QP: the transitions and their attributes. */
static const struct expect legal[] = {
	{ RESET, INIT, RC, .req = PKEY | PORT | ACCESS },
	{ RESET, INIT, UC, .req = PKEY | PORT | ACCESS },
	{ RESET, INIT, UD, .req = PKEY | PORT | QKEY },

	{ INIT, INIT, RC, .opt = PKEY | PORT | ACCESS },
	{ INIT, INIT, UC, .opt = PKEY | PORT | ACCESS },
	{ INIT, INIT, UD, .opt = PKEY | PORT | QKEY },

	{ INIT, RTR, RC,
	  .req = AV | MTU | DEST_QPN | RQ_PSN | DEST_RD_ATOMIC | RNR_TIMER,
	  .opt = ALT | ACCESS | PKEY },
	{ INIT, RTR, UC, .req = AV | MTU | DEST_QPN | RQ_PSN,
	  .opt = ALT | ACCESS | PKEY },
	{ INIT, RTR, UD, .opt = PKEY | QKEY },

	{ RTR, RTS, RC, .req = TIMEOUT | RETRY | RNR_RETRY | SQ_PSN | RD_ATOMIC,
	  .opt = CUR | ALT | ACCESS | RNR_TIMER | MIG },
	{ RTR, RTS, UC, .req = SQ_PSN, .opt = CUR | ALT | ACCESS | MIG },
	{ RTR, RTS, UD, .req = SQ_PSN, .opt = CUR | QKEY },

	{ RTS, RTS, RC, .opt = CUR | ACCESS | ALT | MIG | RNR_TIMER },
	{ RTS, RTS, UC, .opt = CUR | ACCESS | ALT | MIG },
	{ RTS, RTS, UD, .opt = CUR | QKEY },

	{ RTS, SQD, RC, .opt = SQD_NOTIFY },
	{ RTS, SQD, UC, .opt = SQD_NOTIFY },
	{ RTS, SQD, UD, .opt = SQD_NOTIFY },

	{ SQD, RTS, RC, .opt = CUR | ALT | ACCESS | RNR_TIMER | MIG },
	{ SQD, RTS, UC, .opt = CUR | ALT | ACCESS | MIG },
	{ SQD, RTS, UD, .opt = CUR | QKEY },

	{ SQD, SQD, RC,
	  .opt = PORT | AV | TIMEOUT | RETRY | RNR_RETRY | RD_ATOMIC |
		 DEST_RD_ATOMIC | ALT | ACCESS | PKEY | RNR_TIMER | MIG },
	{ SQD, SQD, UC, .opt = AV | ALT | ACCESS | PKEY | MIG },
	{ SQD, SQD, UD, .opt = PKEY | QKEY },

	/* SQE is a UC and UD state: RC goes to ERR on a send error. */
	{ SQE, RTS, UC, .opt = CUR | ACCESS },
	{ SQE, RTS, UD, .opt = CUR | QKEY },
};

/* The expected rule, or NULL for an illegal transition. */
static const struct expect *expect_find(int cur, int next, int type)
{
	static struct expect to_reset_or_err;
	size_t i;

	if (next == RESET || next == ERR) {
		to_reset_or_err = (struct expect){ cur, next, type, 0, 0 };
		return &to_reset_or_err;
	}
	for (i = 0; i < ARRAY_SIZE(legal); i++)
		if (legal[i].cur == cur && legal[i].next == next &&
		    legal[i].type == type)
			return &legal[i];
	return NULL;
}

static const char *type_name(int type)
{
	return type == RC ? "RC" : type == UC ? "UC" : type == UD ? "UD" : "?";
}

/*
 * qps_check() returns what ib_modify_qp_check() returns, after checking
 * that ib_modify_qp_is_ok() agrees, that a refusal says why and that a
 * success leaves the reason buffer alone.
 */
static char last_why[256];

static int qps_check(int cur, int next, int type, u32 mask)
{
	int ret, plain;

	memset(last_why, 'X', sizeof(last_why));
	ret = ib_modify_qp_check(cur, next, type, mask, last_why,
				 sizeof(last_why));
	plain = ib_modify_qp_is_ok(cur, next, type, mask);
	if (plain != ret)
		harness_fail(__FILE__, __LINE__,
			     "is_ok() says %d, check() says %d", plain, ret);
	if (ret) {
		ASSERT_TRUE(memchr(last_why, 0, sizeof(last_why)));
		ASSERT_TRUE(strlen(last_why) > 0);
	} else {
		ASSERT_TRUE(last_why[0] == 'X' &&
			    last_why[sizeof(last_why) - 1] == 'X');
		last_why[0] = 0;
	}
	return ret;
}

static void qps_err_at(const char *file, int line, int err, int cur, int next,
		       int type, u32 mask)
{
	int ret = qps_check(cur, next, type, mask);

	if (ret != err)
		harness_fail(file, line,
			     "%s %s->%s mask %#x returned %s (%s), expected %s",
			     type_name(type), ib_qp_state_name(cur),
			     ib_qp_state_name(next), mask, errno_name(ret),
			     last_why, errno_name(err));
}

#define qps_err(err, cur, next, type, mask) \
	qps_err_at(__FILE__, __LINE__, err, cur, next, type, mask)
#define qps_ok(cur, next, type, mask) \
	qps_err_at(__FILE__, __LINE__, 0, cur, next, type, mask)

/* The last refusal's text must be exactly @want. */
static void why_is_at(const char *file, int line, const char *want)
{
	if (strcmp(last_why, want))
		harness_fail(file, line, "why:\n  got  \"%s\"\n  want \"%s\"",
			     last_why, want);
}

#define why_is(want) why_is_at(__FILE__, __LINE__, want)

#define qps_why(want, cur, next, type, mask)             \
	do {                                             \
		qps_err(-EINVAL, cur, next, type, mask); \
		why_is(want);                            \
	} while (0)

/* The same through ib_modify_qp_attr_check(). */
static int qps_attr_check(int cur, int type,
			  const struct ib_uverbs_qp_attr *attr)
{
	memset(last_why, 0, sizeof(last_why));
	return ib_modify_qp_attr_check(cur, type, attr, last_why,
				       sizeof(last_why));
}

#define qps_attr_err(err, cur, type, attr)                                        \
	do {                                                                      \
		int _ret = qps_attr_check(cur, type, attr);                       \
		if (_ret != (err))                                                \
			harness_fail(                                             \
				__FILE__, __LINE__,                               \
				"attr_check in %s returned %s (%s), expected %s", \
				ib_qp_state_name(cur), errno_name(_ret),          \
				last_why, errno_name(err));                       \
	} while (0)
#define qps_attr_ok(cur, type, attr) qps_attr_err(0, cur, type, attr)

/* Moves @attr's QP to attr->qp_state with @mask, as MODIFY_QP would. */
static void modify(int *state, int type, struct ib_uverbs_qp_attr *attr,
		   int next, u32 mask)
{
	attr->attr_mask = mask;
	attr->qp_state = next;
	qps_attr_ok(*state, type, attr);
	if (mask & STATE)
		*state = next;
}

TEST(qp_state_rc_connect_sequence)
{
	struct ib_uverbs_qp_attr attr = { 0 };
	int state = RESET;

	/* As ibv_rc_pingpong sets them up. */
	modify(&state, RC, &attr, INIT, STATE | PKEY | PORT | ACCESS);
	modify(&state, RC, &attr, RTR,
	       STATE | AV | MTU | DEST_QPN | RQ_PSN | DEST_RD_ATOMIC |
		       RNR_TIMER);
	modify(&state, RC, &attr, RTS,
	       STATE | TIMEOUT | RETRY | RNR_RETRY | SQ_PSN | RD_ATOMIC);
	ASSERT_EQ(state, RTS);

	/* A connected QP drains, changes its path, resumes, dies, resets. */
	modify(&state, RC, &attr, SQD, STATE | SQD_NOTIFY);
	modify(&state, RC, &attr, SQD, STATE | AV | PORT | TIMEOUT);
	modify(&state, RC, &attr, RTS, STATE);
	modify(&state, RC, &attr, RTS, ALT | MIG);
	modify(&state, RC, &attr, ERR, STATE);
	modify(&state, RC, &attr, RESET, STATE);
	ASSERT_EQ(state, RESET);

	/* Out of order, the same masks are refused. */
	qps_err(-EINVAL, RESET, RTR, RC,
		STATE | AV | MTU | DEST_QPN | RQ_PSN | DEST_RD_ATOMIC |
			RNR_TIMER);
	qps_err(-EINVAL, INIT, RTS, RC,
		STATE | TIMEOUT | RETRY | RNR_RETRY | SQ_PSN | RD_ATOMIC);
	/* And each step's mask is wrong for the other steps. */
	qps_err(-EINVAL, INIT, RTR, RC,
		STATE | TIMEOUT | RETRY | RNR_RETRY | SQ_PSN | RD_ATOMIC);
	qps_err(-EINVAL, RTR, RTS, RC,
		STATE | AV | MTU | DEST_QPN | RQ_PSN | DEST_RD_ATOMIC |
			RNR_TIMER);
}

TEST(qp_state_ud_uc_sequences)
{
	struct ib_uverbs_qp_attr attr = { 0 };
	int state = RESET;

	modify(&state, UD, &attr, INIT, STATE | PKEY | PORT | QKEY);
	modify(&state, UD, &attr, RTR, STATE);
	modify(&state, UD, &attr, RTS, STATE | SQ_PSN);
	modify(&state, UD, &attr, RTS, QKEY);
	ASSERT_EQ(state, RTS);
	/* The provider moved it to SQE on a send error; the user resumes. */
	state = SQE;
	modify(&state, UD, &attr, RTS, STATE | QKEY);
	ASSERT_EQ(state, RTS);

	/* UD takes no connection attributes; RC's INIT mask is not UD's. */
	qps_err(-EINVAL, RESET, INIT, UD, STATE | PKEY | PORT | ACCESS);
	qps_err(-EINVAL, INIT, RTR, UD, STATE | AV);
	qps_err(-EINVAL, RTR, RTS, UD, STATE);

	state = RESET;
	modify(&state, UC, &attr, INIT, STATE | PKEY | PORT | ACCESS);
	modify(&state, UC, &attr, RTR, STATE | AV | MTU | DEST_QPN | RQ_PSN);
	modify(&state, UC, &attr, RTS, STATE | SQ_PSN);
	ASSERT_EQ(state, RTS);
	/* UC has no RDMA read or atomics, no RNR and no retries. */
	qps_err(-EINVAL, INIT, RTR, UC,
		STATE | AV | MTU | DEST_QPN | RQ_PSN | DEST_RD_ATOMIC);
	qps_err(-EINVAL, RTR, RTS, UC, STATE | SQ_PSN | TIMEOUT);
}

/* Every (cur, next, type) with exactly its required mask. */
TEST(qp_state_required_exact)
{
	unsigned int legal_seen = 0;
	size_t t;
	int cur, next;

	for (t = 0; t < ARRAY_SIZE(all_types); t++)
		for (cur = 0; cur < NUM_STATES; cur++)
			for (next = 0; next < NUM_STATES; next++) {
				int type = all_types[t];
				const struct expect *e =
					expect_find(cur, next, type);

				if (e) {
					qps_ok(cur, next, type, STATE | e->req);
					legal_seen++;
				} else {
					qps_err(-EINVAL, cur, next, type,
						STATE);
					qps_err(-EINVAL, cur, next, type,
						STATE | ALL_ATTRS);
				}
			}
	/* 7 states x 2 (to RESET, to ERR) x 3 types, plus the list. */
	ASSERT_EQ(legal_seen, 7 * 2 * 3 + ARRAY_SIZE(legal));
}

TEST(qp_state_missing_required)
{
	unsigned int removed = 0;
	size_t i;
	u32 bit;

	for (i = 0; i < ARRAY_SIZE(legal); i++) {
		const struct expect *e = &legal[i];

		for (bit = 1; bit & ALL_ATTRS; bit <<= 1) {
			if (!(e->req & bit))
				continue;
			qps_err(-EINVAL, e->cur, e->next, e->type,
				STATE | (e->req & ~bit));
			/* Optional ones do not make up for it. */
			qps_err(-EINVAL, e->cur, e->next, e->type,
				STATE | e->opt | (e->req & ~bit));
			removed++;
		}
	}
	/* RESET->INIT 3 x 3, INIT->RTR 6 + 4, RTR->RTS 5 + 1 + 1. */
	ASSERT_EQ(removed, 9 + 10 + 7);
}

TEST(qp_state_optional_attrs)
{
	size_t i;
	u32 bit;

	for (i = 0; i < ARRAY_SIZE(legal); i++) {
		const struct expect *e = &legal[i];

		for (bit = 1; bit & ALL_ATTRS; bit <<= 1)
			if (e->opt & bit)
				qps_ok(e->cur, e->next, e->type,
				       STATE | e->req | bit);
		qps_ok(e->cur, e->next, e->type, STATE | e->req | e->opt);
	}
}

TEST(qp_state_extra_attr)
{
	unsigned int extra = 0;
	size_t i;
	u32 bit;

	for (i = 0; i < ARRAY_SIZE(legal); i++) {
		const struct expect *e = &legal[i];

		for (bit = 1; bit & ALL_ATTRS; bit <<= 1) {
			if ((e->req | e->opt | STATE) & bit)
				continue;
			qps_err(-EINVAL, e->cur, e->next, e->type,
				STATE | e->req | bit);
			qps_err(-EINVAL, e->cur, e->next, e->type,
				STATE | e->req | e->opt | bit);
			extra++;
		}
	}
	ASSERT_TRUE(extra > 0);

	/* CAP (resizing the queues) is legal in no transition. */
	for (i = 0; i < ARRAY_SIZE(legal); i++)
		qps_err(-EINVAL, legal[i].cur, legal[i].next, legal[i].type,
			STATE | legal[i].req | CAP);
}

TEST(qp_state_any_to_err_reset)
{
	size_t t;
	int cur;
	u32 bit;

	for (t = 0; t < ARRAY_SIZE(all_types); t++)
		for (cur = 0; cur < NUM_STATES; cur++) {
			qps_ok(cur, RESET, all_types[t], STATE);
			qps_ok(cur, ERR, all_types[t], STATE);
			/* No attribute, CUR_STATE included. */
			for (bit = CUR; bit & ALL_ATTRS; bit <<= 1) {
				qps_err(-EINVAL, cur, RESET, all_types[t],
					STATE | bit);
				qps_err(-EINVAL, cur, ERR, all_types[t],
					STATE | bit);
			}
		}
}

TEST(qp_state_illegal_transitions)
{
	static const struct {
		int cur, next;
	} illegal[] = {
		{ RESET, RTR }, { RESET, RTS }, { RESET, SQD }, { RESET, SQE },
		{ INIT, RTS },	{ INIT, SQD },	{ INIT, SQE },	{ RTR, INIT },
		{ RTR, RTR },	{ RTR, SQD },	{ RTR, SQE },	{ RTS, INIT },
		{ RTS, RTR },	{ RTS, SQE },	{ SQD, INIT },	{ SQD, RTR },
		{ SQD, SQE },	{ SQE, INIT },	{ SQE, RTR },	{ SQE, SQD },
		{ SQE, SQE },	{ ERR, INIT },	{ ERR, RTR },	{ ERR, RTS },
		{ ERR, SQD },	{ ERR, SQE },
	};
	size_t i, t;
	int cur;

	for (i = 0; i < ARRAY_SIZE(illegal); i++)
		for (t = 0; t < ARRAY_SIZE(all_types); t++) {
			qps_err(-EINVAL, illegal[i].cur, illegal[i].next,
				all_types[t], STATE);
			qps_err(-EINVAL, illegal[i].cur, illegal[i].next,
				all_types[t], STATE | ALL_ATTRS);
		}

	/* Only the provider moves a QP to SQE. */
	for (t = 0; t < ARRAY_SIZE(all_types); t++)
		for (cur = 0; cur < NUM_STATES; cur++)
			qps_err(-EINVAL, cur, SQE, all_types[t], STATE);

	/* An RC QP is never in SQE: SQE->RTS is a UC and UD transition. */
	qps_err(-EINVAL, SQE, RTS, RC, STATE);
	qps_err(-EINVAL, SQE, RTS, RC, STATE | CUR);
	qps_ok(SQE, RTS, UC, STATE);
	qps_ok(SQE, RTS, UD, STATE);
}

TEST(qp_state_no_state_bit)
{
	size_t t;
	int cur;
	u32 bit;

	/* Without STATE, next is ignored: the request is cur -> cur. */
	for (t = 0; t < ARRAY_SIZE(all_types); t++)
		for (cur = 0; cur < NUM_STATES; cur++) {
			int type = all_types[t];
			int in_place =
				ib_modify_qp_is_ok(cur, cur, type, STATE);

			ASSERT_EQ(ib_modify_qp_is_ok(cur, ERR, type, 0),
				  in_place);
			ASSERT_EQ(ib_modify_qp_is_ok(cur, 99, type, 0),
				  in_place);
			for (bit = CUR; bit & ALL_ATTRS; bit <<= 1)
				ASSERT_EQ(ib_modify_qp_is_ok(cur, RESET, type,
							     bit),
					  ib_modify_qp_is_ok(cur, cur, type,
							     STATE | bit));
		}

	qps_ok(INIT, RESET, RC, PKEY);
	qps_ok(INIT, RTS, UD, QKEY | PORT);
	qps_ok(RTS, 99, RC, ALT | MIG);
	qps_ok(SQD, SQD, RC, AV | TIMEOUT);
	qps_ok(RESET, RESET, RC, 0);
	qps_ok(ERR, RESET, UD, 0);
	/* Not every state can be modified in place. */
	qps_err(-EINVAL, RTR, RTS, RC, 0);
	qps_err(-EINVAL, RTR, RTR, UD, QKEY);
	qps_err(-EINVAL, SQE, RTS, UD, 0);
	/* The in-place rules are cur -> cur's, not cur -> next's. */
	qps_err(-EINVAL, INIT, RTR, RC,
		AV | MTU | DEST_QPN | RQ_PSN | DEST_RD_ATOMIC | RNR_TIMER);
	qps_err(-EINVAL, RESET, INIT, RC, PKEY | PORT | ACCESS);
	qps_err(-EINVAL, RTS, SQD, RC, SQD_NOTIFY);
}

/* CUR_STATE: only into RTS, and then it must say where the QP is. */
TEST(qp_state_cur_state)
{
	struct ib_uverbs_qp_attr attr = { 0 };
	int cur, next;
	size_t t;

	for (t = 0; t < ARRAY_SIZE(all_types); t++)
		for (cur = 0; cur < NUM_STATES; cur++)
			for (next = 0; next < NUM_STATES; next++) {
				int type = all_types[t];
				const struct expect *e =
					expect_find(cur, next, type);
				bool allowed = e && next == RTS &&
					       (cur == RTR || cur == RTS ||
						cur == SQD || cur == SQE);

				qps_err(allowed ? 0 : -EINVAL, cur, next, type,
					STATE | CUR | (e ? e->req : 0));
			}

	attr.attr_mask = STATE | CUR;
	attr.qp_state = RTS;
	attr.cur_qp_state = SQD;
	qps_attr_ok(SQD, RC, &attr);
	attr.cur_qp_state = RTS;
	qps_attr_err(-EINVAL, SQD, RC, &attr);
	attr.cur_qp_state = 200;
	qps_attr_err(-EINVAL, SQD, RC, &attr);
	attr.cur_qp_state = SQE;
	qps_attr_ok(SQE, UD, &attr);

	/* In place in RTS. */
	attr.attr_mask = CUR | QKEY;
	attr.qp_state = 200;
	attr.cur_qp_state = RTS;
	qps_attr_ok(RTS, UD, &attr);
	attr.cur_qp_state = RTR;
	qps_attr_err(-EINVAL, RTS, UD, &attr);

	/* Without CUR_STATE in the mask, cur_qp_state is not read. */
	attr.attr_mask = STATE | SQ_PSN;
	attr.qp_state = RTS;
	attr.cur_qp_state = 200;
	qps_attr_ok(RTR, UD, &attr);
	/* A refused transition is refused before cur_qp_state counts. */
	attr.attr_mask = STATE | CUR | SQ_PSN;
	attr.cur_qp_state = RTR;
	qps_attr_err(-EINVAL, RTR, RC, &attr);
}

TEST(qp_state_unknown_inputs)
{
	u32 bit;

	for (bit = ALL_ATTRS + 1; bit; bit <<= 1) {
		qps_err(-EINVAL, RTS, RTS, RC, STATE | bit);
		qps_err(-EINVAL, RTS, ERR, RC, STATE | bit);
		qps_err(-EINVAL, RESET, RESET, UD, bit);
	}
	qps_err(-EINVAL, NUM_STATES, ERR, RC, STATE);
	qps_err(-EINVAL, 255, RESET, RC, STATE);
	qps_err(-EINVAL, -1, RESET, RC, STATE);
	qps_err(-EINVAL, NUM_STATES, NUM_STATES, RC, 0);
	qps_err(-EINVAL, RTS, NUM_STATES, RC, STATE);
	qps_err(-EINVAL, RTS, -1, RC, STATE);
	qps_err(-EINVAL, RTS, ERR, 0, STATE);
	qps_err(-EINVAL, RTS, ERR, 1, STATE);
	qps_err(-EINVAL, RTS, ERR, UD + 1, STATE);
	qps_err(-EINVAL, RTS, ERR, -1, STATE);
	qps_err(-EINVAL, RTS, ERR, 1000, STATE);
}

TEST(qp_state_messages)
{
	struct ib_uverbs_qp_attr attr = { 0 };

	qps_why("INIT->RTR for RC needs AV|PATH_MTU|RQ_PSN|MIN_RNR_TIMER|MAX_DEST_RD_ATOMIC|DEST_QPN; missing MIN_RNR_TIMER",
		INIT, RTR, RC,
		STATE | AV | MTU | DEST_QPN | RQ_PSN | DEST_RD_ATOMIC);
	qps_why("RTR->RTS for RC needs TIMEOUT|RETRY_CNT|RNR_RETRY|MAX_QP_RD_ATOMIC|SQ_PSN; missing TIMEOUT|RETRY_CNT|RNR_RETRY|MAX_QP_RD_ATOMIC",
		RTR, RTS, RC, STATE | SQ_PSN);
	qps_why("RESET->INIT for UD needs PKEY_INDEX|PORT|QKEY; missing QKEY",
		RESET, INIT, UD, STATE | PKEY | PORT | ACCESS);
	qps_why("RTS->SQD for RC allows EN_SQD_ASYNC_NOTIFY; extra QKEY", RTS,
		SQD, RC, STATE | QKEY);
	qps_why("RTS->RTS for RC allows CUR_STATE|ACCESS_FLAGS|ALT_PATH|MIN_RNR_TIMER|PATH_MIG_STATE; extra CAP",
		RTS, RTS, RC, STATE | CAP);
	qps_why("INIT->RTR for UD allows PKEY_INDEX|QKEY; extra AV|DEST_QPN",
		INIT, RTR, UD, STATE | AV | DEST_QPN);
	qps_why("RTS->ERR for RC allows no attribute; extra CUR_STATE", RTS,
		ERR, RC, STATE | CUR);
	qps_why("RESET->RTR for UD is not a legal transition", RESET, RTR, UD,
		STATE);
	qps_why("SQE->RTS for RC is not a legal transition", SQE, RTS, RC,
		STATE);
	qps_why("RTS->SQE for UC is not a legal transition", RTS, SQE, UC,
		STATE);
	qps_why("RTR->RTR for RC is not a legal transition (no STATE: a change in place)",
		RTR, RTS, RC, 0);
	qps_why("unknown attribute bits 0x40200000", RTS, RTS, RC,
		STATE | (1u << 21) | (1u << 30));
	qps_why("unknown current state 7", 7, ERR, RC, STATE);
	qps_why("unknown next state 9", RTS, 9, RC, STATE);
	qps_why("unknown QP type 5", RTS, ERR, 5, STATE);

	attr.attr_mask = STATE | CUR;
	attr.qp_state = RTS;
	attr.cur_qp_state = RTS;
	qps_attr_err(-EINVAL, SQD, UC, &attr);
	why_is("CUR_STATE is RTS but the QP is in SQD");
	attr.cur_qp_state = 42;
	qps_attr_err(-EINVAL, SQD, UC, &attr);
	why_is("CUR_STATE is UNKNOWN but the QP is in SQD");
	attr.attr_mask = STATE | CUR;
	attr.qp_state = SQD;
	attr.cur_qp_state = RTS;
	qps_attr_err(-EINVAL, RTS, RC, &attr);
	why_is("RTS->SQD for RC allows EN_SQD_ASYNC_NOTIFY; extra CUR_STATE");
}

/* The reason fits the caller's buffer, or is cut and still terminated. */
TEST(qp_state_why_buffer)
{
	char small[8];

	memset(small, 'X', sizeof(small));
	ASSERT_ERRNO(-EINVAL, ib_modify_qp_check(RESET, RTR, RC, STATE, small,
						 sizeof(small)));
	ASSERT_EQ(strcmp(small, "RESET->"), 0);

	memset(small, 'X', sizeof(small));
	ASSERT_ERRNO(-EINVAL, ib_modify_qp_check(INIT, RTR, RC, STATE, small,
						 sizeof(small)));
	ASSERT_EQ(strcmp(small, "INIT->R"), 0);

	/* Nothing is written to a zero-length buffer. */
	memset(small, 'X', sizeof(small));
	ASSERT_ERRNO(-EINVAL,
		     ib_modify_qp_check(RESET, RTR, RC, STATE, small, 0));
	ASSERT_EQ(small[0], 'X');
	ASSERT_ERRNO(-EINVAL,
		     ib_modify_qp_check(RESET, RTR, RC, STATE, NULL, 100));
	/* Nor on success. */
	ASSERT_OK(ib_modify_qp_check(RESET, ERR, RC, STATE, small,
				     sizeof(small)));
	ASSERT_EQ(small[0], 'X');
}

TEST(qp_state_names)
{
	static const char *const want[] = { "RESET", "INIT", "RTR", "RTS",
					    "SQD",   "SQE",  "ERR" };
	int s;

	ASSERT_EQ(ARRAY_SIZE(want), NUM_STATES);
	for (s = 0; s < NUM_STATES; s++)
		ASSERT_EQ(strcmp(ib_qp_state_name(s), want[s]), 0);
	ASSERT_EQ(strcmp(ib_qp_state_name(NUM_STATES), "UNKNOWN"), 0);
	ASSERT_EQ(strcmp(ib_qp_state_name(-1), "UNKNOWN"), 0);
}
