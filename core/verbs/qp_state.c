// SPDX-License-Identifier: MIT
/*
 * The QP state machine: the transition table of IBA vol 1, chapter 11
 * ("Modify QP"), as data.  One cell per (current, next) state says for
 * which QP types the transition is legal and, per type, which attributes
 * the request must set and which it may set.  ib_modify_qp_check() is
 * the only reader; every refusal says which attribute and why.
 */
#include <rdma/ib_qp_state.h>
#include <rdma/uverbs_layouts.h>

#define QPS_NUM (IB_UVERBS_QPS_ERR + 1)
#define QPT_NUM (IB_UVERBS_QPT_UD + 1)

/* A QP type as a bit of qp_transition.types. */
#define QPT(type) (1u << (type))
#define QPT_ALL \
	(QPT(IB_UVERBS_QPT_RC) | QPT(IB_UVERBS_QPT_UC) | QPT(IB_UVERBS_QPT_UD))

/* The bit number of one attribute; does not compile for a wider mask. */
#define QP_ATTR_BIT(m) (__builtin_ctz(m) + BUILD_BUG_ON_ZERO((m) & ((m)-1)))

/* What a transition asks of the mask for one QP type. */
struct qp_attr_rule {
	u32 req; /* must all be set */
	u32 opt; /* may be set */
};

/*
 * One cell of the table.  @types is the set of QPT() bits for which the
 * transition is legal at all; @attrs[type] holds the attributes besides
 * IB_UVERBS_QP_STATE, which every transition may carry.  An all-zero cell
 * is an illegal transition.
 */
struct qp_transition {
	u32 types;
	struct qp_attr_rule attrs[QPT_NUM];
};

/*
 * The attribute bits this table knows; their names, and those of the
 * states and types, are the ABI's (<rdma/uverbs_layouts.h>), which
 * messages and ib_qp_state_name() use.
 */
#define QP_ATTR_KNOWN                                                       \
	(IB_UVERBS_QP_STATE | IB_UVERBS_QP_CUR_STATE |                      \
	 IB_UVERBS_QP_EN_SQD_ASYNC_NOTIFY | IB_UVERBS_QP_ACCESS_FLAGS |     \
	 IB_UVERBS_QP_PKEY_INDEX | IB_UVERBS_QP_PORT | IB_UVERBS_QP_QKEY |  \
	 IB_UVERBS_QP_AV | IB_UVERBS_QP_PATH_MTU | IB_UVERBS_QP_TIMEOUT |   \
	 IB_UVERBS_QP_RETRY_CNT | IB_UVERBS_QP_RNR_RETRY |                  \
	 IB_UVERBS_QP_RQ_PSN | IB_UVERBS_QP_MAX_QP_RD_ATOMIC |              \
	 IB_UVERBS_QP_ALT_PATH | IB_UVERBS_QP_MIN_RNR_TIMER |               \
	 IB_UVERBS_QP_SQ_PSN | IB_UVERBS_QP_MAX_DEST_RD_ATOMIC |            \
	 IB_UVERBS_QP_PATH_MIG_STATE | IB_UVERBS_QP_CAP |                   \
	 IB_UVERBS_QP_DEST_QPN)

/*
 * The transition table.  Notes against the specification:
 *  - any state -> RESET and any state -> ERR take no attribute;
 *  - SQE exists only for UC and UD: an RC QP goes to ERR on a send
 *    error, so SQE->RTS is not legal for RC;
 *  - CUR_STATE is optional only into RTS (from RTR, RTS, SQD, SQE);
 *  - CAP (resizing the queues) is legal in no transition.
 */
static const struct qp_transition qp_transitions[QPS_NUM][QPS_NUM] = {
	[IB_UVERBS_QPS_RESET] = {
		[IB_UVERBS_QPS_RESET] = { .types = QPT_ALL },
		[IB_UVERBS_QPS_INIT] = {
			.types = QPT_ALL,
			.attrs = {
				[IB_UVERBS_QPT_RC] = {
					.req = IB_UVERBS_QP_PKEY_INDEX |
					       IB_UVERBS_QP_PORT |
					       IB_UVERBS_QP_ACCESS_FLAGS,
				},
				[IB_UVERBS_QPT_UC] = {
					.req = IB_UVERBS_QP_PKEY_INDEX |
					       IB_UVERBS_QP_PORT |
					       IB_UVERBS_QP_ACCESS_FLAGS,
				},
				[IB_UVERBS_QPT_UD] = {
					.req = IB_UVERBS_QP_PKEY_INDEX |
					       IB_UVERBS_QP_PORT |
					       IB_UVERBS_QP_QKEY,
				},
			},
		},
		[IB_UVERBS_QPS_ERR] = { .types = QPT_ALL },
	},
	[IB_UVERBS_QPS_INIT] = {
		[IB_UVERBS_QPS_RESET] = { .types = QPT_ALL },
		[IB_UVERBS_QPS_INIT] = {
			.types = QPT_ALL,
			.attrs = {
				[IB_UVERBS_QPT_RC] = {
					.opt = IB_UVERBS_QP_PKEY_INDEX |
					       IB_UVERBS_QP_PORT |
					       IB_UVERBS_QP_ACCESS_FLAGS,
				},
				[IB_UVERBS_QPT_UC] = {
					.opt = IB_UVERBS_QP_PKEY_INDEX |
					       IB_UVERBS_QP_PORT |
					       IB_UVERBS_QP_ACCESS_FLAGS,
				},
				[IB_UVERBS_QPT_UD] = {
					.opt = IB_UVERBS_QP_PKEY_INDEX |
					       IB_UVERBS_QP_PORT |
					       IB_UVERBS_QP_QKEY,
				},
			},
		},
		[IB_UVERBS_QPS_RTR] = {
			.types = QPT_ALL,
			.attrs = {
				[IB_UVERBS_QPT_RC] = {
					.req = IB_UVERBS_QP_AV |
					       IB_UVERBS_QP_PATH_MTU |
					       IB_UVERBS_QP_DEST_QPN |
					       IB_UVERBS_QP_RQ_PSN |
					       IB_UVERBS_QP_MAX_DEST_RD_ATOMIC |
					       IB_UVERBS_QP_MIN_RNR_TIMER,
					.opt = IB_UVERBS_QP_ALT_PATH |
					       IB_UVERBS_QP_ACCESS_FLAGS |
					       IB_UVERBS_QP_PKEY_INDEX,
				},
				[IB_UVERBS_QPT_UC] = {
					.req = IB_UVERBS_QP_AV |
					       IB_UVERBS_QP_PATH_MTU |
					       IB_UVERBS_QP_DEST_QPN |
					       IB_UVERBS_QP_RQ_PSN,
					.opt = IB_UVERBS_QP_ALT_PATH |
					       IB_UVERBS_QP_ACCESS_FLAGS |
					       IB_UVERBS_QP_PKEY_INDEX,
				},
				[IB_UVERBS_QPT_UD] = {
					.opt = IB_UVERBS_QP_PKEY_INDEX |
					       IB_UVERBS_QP_QKEY,
				},
			},
		},
		[IB_UVERBS_QPS_ERR] = { .types = QPT_ALL },
	},
	[IB_UVERBS_QPS_RTR] = {
		[IB_UVERBS_QPS_RESET] = { .types = QPT_ALL },
		[IB_UVERBS_QPS_RTS] = {
			.types = QPT_ALL,
			.attrs = {
				[IB_UVERBS_QPT_RC] = {
					.req = IB_UVERBS_QP_TIMEOUT |
					       IB_UVERBS_QP_RETRY_CNT |
					       IB_UVERBS_QP_RNR_RETRY |
					       IB_UVERBS_QP_SQ_PSN |
					       IB_UVERBS_QP_MAX_QP_RD_ATOMIC,
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_ALT_PATH |
					       IB_UVERBS_QP_ACCESS_FLAGS |
					       IB_UVERBS_QP_MIN_RNR_TIMER |
					       IB_UVERBS_QP_PATH_MIG_STATE,
				},
				[IB_UVERBS_QPT_UC] = {
					.req = IB_UVERBS_QP_SQ_PSN,
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_ALT_PATH |
					       IB_UVERBS_QP_ACCESS_FLAGS |
					       IB_UVERBS_QP_PATH_MIG_STATE,
				},
				[IB_UVERBS_QPT_UD] = {
					.req = IB_UVERBS_QP_SQ_PSN,
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_QKEY,
				},
			},
		},
		[IB_UVERBS_QPS_ERR] = { .types = QPT_ALL },
	},
	[IB_UVERBS_QPS_RTS] = {
		[IB_UVERBS_QPS_RESET] = { .types = QPT_ALL },
		[IB_UVERBS_QPS_RTS] = {
			.types = QPT_ALL,
			.attrs = {
				[IB_UVERBS_QPT_RC] = {
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_ACCESS_FLAGS |
					       IB_UVERBS_QP_ALT_PATH |
					       IB_UVERBS_QP_PATH_MIG_STATE |
					       IB_UVERBS_QP_MIN_RNR_TIMER,
				},
				[IB_UVERBS_QPT_UC] = {
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_ACCESS_FLAGS |
					       IB_UVERBS_QP_ALT_PATH |
					       IB_UVERBS_QP_PATH_MIG_STATE,
				},
				[IB_UVERBS_QPT_UD] = {
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_QKEY,
				},
			},
		},
		[IB_UVERBS_QPS_SQD] = {
			.types = QPT_ALL,
			.attrs = {
				[IB_UVERBS_QPT_RC] = {
					.opt = IB_UVERBS_QP_EN_SQD_ASYNC_NOTIFY,
				},
				[IB_UVERBS_QPT_UC] = {
					.opt = IB_UVERBS_QP_EN_SQD_ASYNC_NOTIFY,
				},
				[IB_UVERBS_QPT_UD] = {
					.opt = IB_UVERBS_QP_EN_SQD_ASYNC_NOTIFY,
				},
			},
		},
		[IB_UVERBS_QPS_ERR] = { .types = QPT_ALL },
	},
	[IB_UVERBS_QPS_SQD] = {
		[IB_UVERBS_QPS_RESET] = { .types = QPT_ALL },
		[IB_UVERBS_QPS_RTS] = {
			.types = QPT_ALL,
			.attrs = {
				[IB_UVERBS_QPT_RC] = {
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_ALT_PATH |
					       IB_UVERBS_QP_ACCESS_FLAGS |
					       IB_UVERBS_QP_MIN_RNR_TIMER |
					       IB_UVERBS_QP_PATH_MIG_STATE,
				},
				[IB_UVERBS_QPT_UC] = {
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_ALT_PATH |
					       IB_UVERBS_QP_ACCESS_FLAGS |
					       IB_UVERBS_QP_PATH_MIG_STATE,
				},
				[IB_UVERBS_QPT_UD] = {
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_QKEY,
				},
			},
		},
		[IB_UVERBS_QPS_SQD] = {
			.types = QPT_ALL,
			.attrs = {
				[IB_UVERBS_QPT_RC] = {
					.opt = IB_UVERBS_QP_PORT |
					       IB_UVERBS_QP_AV |
					       IB_UVERBS_QP_TIMEOUT |
					       IB_UVERBS_QP_RETRY_CNT |
					       IB_UVERBS_QP_RNR_RETRY |
					       IB_UVERBS_QP_MAX_QP_RD_ATOMIC |
					       IB_UVERBS_QP_MAX_DEST_RD_ATOMIC |
					       IB_UVERBS_QP_ALT_PATH |
					       IB_UVERBS_QP_ACCESS_FLAGS |
					       IB_UVERBS_QP_PKEY_INDEX |
					       IB_UVERBS_QP_MIN_RNR_TIMER |
					       IB_UVERBS_QP_PATH_MIG_STATE,
				},
				[IB_UVERBS_QPT_UC] = {
					.opt = IB_UVERBS_QP_AV |
					       IB_UVERBS_QP_ALT_PATH |
					       IB_UVERBS_QP_ACCESS_FLAGS |
					       IB_UVERBS_QP_PKEY_INDEX |
					       IB_UVERBS_QP_PATH_MIG_STATE,
				},
				[IB_UVERBS_QPT_UD] = {
					.opt = IB_UVERBS_QP_PKEY_INDEX |
					       IB_UVERBS_QP_QKEY,
				},
			},
		},
		[IB_UVERBS_QPS_ERR] = { .types = QPT_ALL },
	},
	[IB_UVERBS_QPS_SQE] = {
		[IB_UVERBS_QPS_RESET] = { .types = QPT_ALL },
		[IB_UVERBS_QPS_RTS] = {
			.types = QPT(IB_UVERBS_QPT_UC) | QPT(IB_UVERBS_QPT_UD),
			.attrs = {
				[IB_UVERBS_QPT_UC] = {
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_ACCESS_FLAGS,
				},
				[IB_UVERBS_QPT_UD] = {
					.opt = IB_UVERBS_QP_CUR_STATE |
					       IB_UVERBS_QP_QKEY,
				},
			},
		},
		[IB_UVERBS_QPS_ERR] = { .types = QPT_ALL },
	},
	[IB_UVERBS_QPS_ERR] = {
		[IB_UVERBS_QPS_RESET] = { .types = QPT_ALL },
		[IB_UVERBS_QPS_ERR] = { .types = QPT_ALL },
	},
};

/* A refusal being written: appends stop quietly at the end of @buf. */
struct qp_why {
	char *buf;
	size_t len;
	size_t pos;
};

static __printf(2, 3) void qp_why_add(struct qp_why *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!w->buf || w->pos >= w->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->pos, w->len - w->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->pos += n;
}

/* Appends the names of @mask's bits, low to high, joined by '|'. */
static void qp_why_add_mask(struct qp_why *w, u32 mask)
{
	const char *sep = "";
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		const char *name;

		if (!(mask & (1u << bit)))
			continue;
		name = uverbs_value_name(uverbs_values_qp_attr_mask, 1u << bit);
		if (name)
			qp_why_add(w, "%s%s", sep, name);
		else
			qp_why_add(w, "%s%#x", sep, 1u << bit);
		sep = "|";
	}
}

/* Appends "CUR->NEXT for TYPE"; the three are known to be valid. */
static void qp_why_add_transition(struct qp_why *w, enum ib_uverbs_qp_state cur,
				  enum ib_uverbs_qp_state next,
				  enum ib_uverbs_qp_type type)
{
	qp_why_add(w, "%s->%s for %s", ib_qp_state_name(cur),
		   ib_qp_state_name(next),
		   uverbs_value_name(uverbs_values_qp_type, type));
}

static bool qp_state_known(enum ib_uverbs_qp_state state)
{
	return (unsigned int)state < QPS_NUM;
}

static bool qp_type_known(enum ib_uverbs_qp_type type)
{
	return (unsigned int)type < QPT_NUM && (QPT_ALL & QPT(type));
}

const char *ib_qp_state_name(enum ib_uverbs_qp_state state)
{
	const char *name = uverbs_value_name(uverbs_values_qp_state, state);

	return qp_state_known(state) && name ? name : "UNKNOWN";
}

int ib_modify_qp_check(enum ib_uverbs_qp_state cur,
		       enum ib_uverbs_qp_state next,
		       enum ib_uverbs_qp_type type, u32 mask, char *why,
		       size_t len)
{
	struct qp_why w = { .buf = why, .len = len };
	const struct qp_transition *t;
	const struct qp_attr_rule *rule;
	u32 unknown, missing, extra;

	if (!qp_state_known(cur)) {
		qp_why_add(&w, "unknown current state %u", (unsigned int)cur);
		return -EINVAL;
	}
	if (!(mask & IB_UVERBS_QP_STATE)) {
		next = cur;
	} else if (!qp_state_known(next)) {
		qp_why_add(&w, "unknown next state %u", (unsigned int)next);
		return -EINVAL;
	}
	if (!qp_type_known(type)) {
		qp_why_add(&w, "unknown QP type %u", (unsigned int)type);
		return -EINVAL;
	}
	unknown = mask & ~QP_ATTR_KNOWN;
	if (unknown) {
		qp_why_add(&w, "unknown attribute bits %#x", unknown);
		return -EINVAL;
	}

	t = &qp_transitions[cur][next];
	if (!(t->types & QPT(type))) {
		qp_why_add_transition(&w, cur, next, type);
		qp_why_add(&w, " is not a legal transition");
		if (!(mask & IB_UVERBS_QP_STATE))
			qp_why_add(&w, " (no STATE: a change in place)");
		return -EINVAL;
	}

	rule = &t->attrs[type];
	missing = rule->req & ~mask;
	if (missing) {
		qp_why_add_transition(&w, cur, next, type);
		qp_why_add(&w, " needs ");
		qp_why_add_mask(&w, rule->req);
		qp_why_add(&w, "; missing ");
		qp_why_add_mask(&w, missing);
		return -EINVAL;
	}
	extra = mask & ~(rule->req | rule->opt | IB_UVERBS_QP_STATE);
	if (extra) {
		qp_why_add_transition(&w, cur, next, type);
		if (rule->req | rule->opt) {
			qp_why_add(&w, " allows ");
			qp_why_add_mask(&w, rule->req | rule->opt);
		} else {
			qp_why_add(&w, " allows no attribute");
		}
		qp_why_add(&w, "; extra ");
		qp_why_add_mask(&w, extra);
		return -EINVAL;
	}
	return 0;
}

int ib_modify_qp_is_ok(enum ib_uverbs_qp_state cur,
		       enum ib_uverbs_qp_state next,
		       enum ib_uverbs_qp_type type, u32 mask)
{
	return ib_modify_qp_check(cur, next, type, mask, NULL, 0);
}

int ib_modify_qp_attr_check(enum ib_uverbs_qp_state cur,
			    enum ib_uverbs_qp_type type,
			    const struct ib_uverbs_qp_attr *attr, char *why,
			    size_t len)
{
	struct qp_why w = { .buf = why, .len = len };
	int ret;

	ret = ib_modify_qp_check(cur, attr->qp_state, type, attr->attr_mask,
				 why, len);
	if (ret)
		return ret;
	if ((attr->attr_mask & IB_UVERBS_QP_CUR_STATE) &&
	    attr->cur_qp_state != cur) {
		qp_why_add(&w, "CUR_STATE is %s but the QP is in %s",
			   ib_qp_state_name(attr->cur_qp_state),
			   ib_qp_state_name(cur));
		return -EINVAL;
	}
	return 0;
}
