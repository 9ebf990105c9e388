// SPDX-License-Identifier: MIT
/*
 * RC ping-pong: two soft devices ("hosts" A and B), each served by its own
 * thread with its own file and context.  Each side creates an RC QP,
 * publishes its LID and QPN in memory, connects to the other's through
 * QP_MODIFY (RESET -> INIT -> RTR -> RTS), and then they bounce a small
 * message N times (argv[1], default 1000): A sends a ping, B checks it and
 * sends a pong, A checks that.  Completions are read with CQ_POLL
 * commands.  Prints the average round-trip time.
 *
 *	rc_pingpong [ROUNDS]
 */
#include <pthread.h>
#include <stdbool.h>

#include "common.h"

#define MSG_LEN 64
#define MAX_ROUNDS 1000000

/* One host: its node, QP and a buffer of two halves (send, receive). */
struct side {
	struct ex_node node;
	struct ex_qp qp;
	struct ex_mr mr;
	u8 buf[2 * MSG_LEN];
	bool is_client;
	struct side *peer;
	/* Published before the first barrier, read by the peer after it. */
	u16 lid;
	u32 qpn;
	/* Results, read by main after the join. */
	unsigned int sends_done;
	long long elapsed_ns;
};

static unsigned int rounds = 1000;
static pthread_barrier_t barrier;

static u8 *send_half(struct side *s)
{
	return s->buf;
}

static u8 *recv_half(struct side *s)
{
	return s->buf + MSG_LEN;
}

/* Byte @i of round @round's message from @from ('A' or 'B'). */
static u8 pattern_byte(unsigned int round, u8 from, size_t i)
{
	return (u8)(from + round * 7 + i * 13);
}

static void pattern_fill(u8 *p, unsigned int round, u8 from)
{
	size_t i;

	for (i = 0; i < MSG_LEN; i++)
		p[i] = pattern_byte(round, from, i);
}

static void pattern_check(struct side *s, unsigned int round, u8 from)
{
	const u8 *p = recv_half(s);
	size_t i;

	for (i = 0; i < MSG_LEN; i++)
		if (p[i] != pattern_byte(round, from, i)) {
			fprintf(stderr,
				"rc_pingpong: round %u on %s: byte %zu of the message from %c is 0x%02x, expected 0x%02x\n",
				round, s->node.name, i, from, p[i],
				pattern_byte(round, from, i));
			exit(1);
		}
}

static void post_recv(struct side *s)
{
	struct ib_uverbs_sge sge = ex_sge(&s->mr, MSG_LEN, MSG_LEN);

	ex_post_recv(&s->node, &s->qp, 0, &sge);
}

static void send_msg(struct side *s, unsigned int round)
{
	struct ib_uverbs_sge sge = ex_sge(&s->mr, 0, MSG_LEN);
	struct ib_uverbs_send_wr wr = {
		.wr_id = round,
		.opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};

	pattern_fill(send_half(s), round, s->is_client ? 'A' : 'B');
	ex_post_send(&s->node, &s->qp, &wr, &sge);
}

/*
 * Polls until a message has arrived; the completions of our own sends met
 * on the way are counted (one CQ serves both queues, in whatever order
 * the two threads produced them).
 */
static void wait_recv(struct side *s)
{
	struct ib_uverbs_wc wc;

	for (;;) {
		ex_poll_one(&s->node, &wc);
		if (wc.status != IB_UVERBS_WC_SUCCESS)
			break;
		if (wc.opcode == IB_UVERBS_WC_SEND) {
			s->sends_done++;
			continue;
		}
		if (wc.opcode == IB_UVERBS_WC_RECV && wc.byte_len == MSG_LEN)
			return;
		break;
	}
	fprintf(stderr,
		"rc_pingpong: %s: completion status %s, opcode 0x%x, %u bytes (expected a %d-byte RECV)\n",
		s->node.name, ex_wc_status_name(wc.status), wc.opcode,
		wc.byte_len, MSG_LEN);
	exit(1);
}

/* The last send's completion, if not seen yet. */
static void drain_sends(struct side *s)
{
	struct ib_uverbs_wc wc;

	while (s->sends_done < rounds) {
		ex_poll_ok(&s->node, &wc, IB_UVERBS_WC_SEND, "last send");
		s->sends_done++;
	}
}

static void run_client(struct side *s)
{
	long long t0 = ex_now_ns();
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		send_msg(s, i);
		wait_recv(s);
		pattern_check(s, i, 'B');
		/* Before the next ping: B's pong must find a receive. */
		if (i + 1 < rounds)
			post_recv(s);
	}
	s->elapsed_ns = ex_now_ns() - t0;
	drain_sends(s);
}

static void run_server(struct side *s)
{
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		wait_recv(s);
		pattern_check(s, i, 'A');
		if (i + 1 < rounds)
			post_recv(s);
		send_msg(s, i);
	}
	drain_sends(s);
}

static void *side_thread(void *arg)
{
	struct side *s = arg;

	ex_node_open(&s->node, s->is_client ? "A" : "B", 32);
	ex_mr_reg(&s->node, &s->mr, s->buf, sizeof(s->buf),
		  IB_UVERBS_ACCESS_LOCAL_WRITE);
	ex_qp_create(&s->node, &s->qp, IB_UVERBS_QPT_RC);
	s->lid = s->node.lid;
	s->qpn = s->qp.qpn;
	pthread_barrier_wait(&barrier); /* both published their address */

	ex_qp_connect_rc(&s->node, &s->qp, s->peer->lid, s->peer->qpn, 0);
	post_recv(s);
	pthread_barrier_wait(&barrier); /* both in RTS, a receive posted */

	if (s->is_client)
		run_client(s);
	else
		run_server(s);
	pthread_barrier_wait(&barrier); /* neither tears down under the other */

	ex_qp_destroy(&s->node, &s->qp);
	ex_mr_dereg(&s->node, &s->mr);
	ex_node_close(&s->node);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct side a = { .is_client = true }, b;
	pthread_t ta, tb;
	unsigned long n = rounds;
	char *end = "";

	if (argc == 2)
		n = strtoul(argv[1], &end, 10);
	if (argc > 2 || *end || n < 1 || n > MAX_ROUNDS) {
		fprintf(stderr, "usage: rc_pingpong [ROUNDS: 1..%d]\n",
			MAX_ROUNDS);
		return 2;
	}
	rounds = n;
	ex_init();
	a.peer = &b;
	b.peer = &a;
	pthread_barrier_init(&barrier, NULL, 2);
	if (pthread_create(&ta, NULL, side_thread, &a) ||
	    pthread_create(&tb, NULL, side_thread, &b)) {
		fprintf(stderr, "rc_pingpong: pthread_create failed\n");
		return 1;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&barrier);

	printf("A: LID %u, RC QPN %u; B: LID %u, RC QPN %u (%s, one thread each)\n",
	       a.lid, a.qpn, b.lid, b.qpn,
	       getenv("IOVERBS_DEVICE") ? "two files of $IOVERBS_DEVICE" :
					  "two soft devices");
	printf("connected A <-> B by QP_MODIFY RESET->INIT->RTR->RTS with the peer's LID and QPN\n");
	printf("%u round trips of a %d-byte SEND/RECV, every byte checked, %u + %u sends completed\n",
	       rounds, MSG_LEN, a.sends_done, b.sends_done);
	printf("average round trip: %.2f us (commands: POST_SEND, POST_RECV, CQ_POLL)\n",
	       a.elapsed_ns / 1000.0 / rounds);
	return ex_check_leaks();
}
