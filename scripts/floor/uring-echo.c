// io_uring echo servers in C (raw syscalls, no liburing), to compare kernel time per request with
// epoll-echo.c in scripts/echo-floor.sh (investigation tooling, not part of the library).
// Built plain: the naive way, one recv per connection in flight into its own buffer, then a send.
// Built with -DMULTISHOT: the way io_uring is meant to pay, multishot receives into a provided-buffer
// ring, single issuer with deferred task work.
// One recv per connection in flight; on completion a send of the same bytes; on its completion the next
// recv. Accept through IORING_OP_ACCEPT. One io_uring_enter per loop submits and waits.
#define _GNU_SOURCE
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

static unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
static struct io_uring_sqe *sqes; static struct io_uring_cqe *cqes;
static int ring; static unsigned pending;
#define MAXC 4096
#ifdef MULTISHOT
#define NBUF 1024
#define BUFSZ 4096
#define BGID 1
static char *pool; static struct io_uring_buf_ring *br; static unsigned short br_tail;
static void give_buf(int bid) {
  struct io_uring_buf *b = &br->bufs[br_tail & (NBUF - 1)];
  b->addr = (unsigned long)(pool + (size_t)bid * BUFSZ); b->len = BUFSZ; b->bid = bid;
  br_tail++;
  atomic_store_explicit((_Atomic unsigned short *)&br->tail, br_tail, memory_order_release);
}
#else
static char bufs[MAXC][4096];
#endif

static struct io_uring_sqe *get_sqe(void) {
  unsigned tail = *sq_tail;
  unsigned idx = tail & *sq_mask;
  sq_array[idx] = idx;
  struct io_uring_sqe *s = &sqes[idx];
  memset(s, 0, sizeof *s);
  atomic_store_explicit((_Atomic unsigned *)sq_tail, tail + 1, memory_order_release);
  pending++;
  return s;
}
// user_data: bid << 32 | fd << 2 | kind (0 accept, 1 recv, 2 send); bid is the buffer (MULTISHOT only).
#ifdef MULTISHOT
static void q_recv(int fd) { struct io_uring_sqe *s = get_sqe(); s->opcode = IORING_OP_RECV; s->fd = fd; s->ioprio = IORING_RECV_MULTISHOT; s->flags = IOSQE_BUFFER_SELECT; s->buf_group = BGID; s->user_data = ((unsigned long)fd << 2) | 1; }
static char *buf_of(int fd, int bid) { (void)fd; return pool + (size_t)bid * BUFSZ; }
#else
static void q_recv(int fd) { struct io_uring_sqe *s = get_sqe(); s->opcode = IORING_OP_RECV; s->fd = fd; s->addr = (unsigned long)bufs[fd]; s->len = 4096; s->user_data = ((unsigned long)fd << 2) | 1; }
static char *buf_of(int fd, int bid) { (void)bid; return bufs[fd]; }
#endif
static void q_send(int fd, int bid, int n) { struct io_uring_sqe *s = get_sqe(); s->opcode = IORING_OP_SEND; s->fd = fd; s->addr = (unsigned long)buf_of(fd, bid); s->len = n; s->msg_flags = MSG_NOSIGNAL; s->user_data = ((unsigned long)bid << 32) | ((unsigned long)fd << 2) | 2; }
static void q_accept(int ls) { struct io_uring_sqe *s = get_sqe(); s->opcode = IORING_OP_ACCEPT; s->fd = ls; s->user_data = ((unsigned long)ls << 2) | 0; }

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1; setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001) };
  if (bind(ls, (void *)&a, sizeof a) || listen(ls, 1024)) { perror("bind/listen"); return 1; }
  struct io_uring_params p; memset(&p, 0, sizeof p);
#ifdef MULTISHOT
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
#endif
  ring = syscall(__NR_io_uring_setup, 1024, &p);
  if (ring < 0) { perror("io_uring_setup"); return 1; }
  size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  char *sq = mmap(0, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
  char *cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq : mmap(0, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
  if (p.features & IORING_FEAT_SINGLE_MMAP && cqsz > sqsz) { munmap(sq, sqsz); sq = cq = mmap(0, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING); }
  sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
  sq_head = (unsigned *)(sq + p.sq_off.head); sq_tail = (unsigned *)(sq + p.sq_off.tail); sq_mask = (unsigned *)(sq + p.sq_off.ring_mask); sq_array = (unsigned *)(sq + p.sq_off.array);
  cq_head = (unsigned *)(cq + p.cq_off.head); cq_tail = (unsigned *)(cq + p.cq_off.tail); cq_mask = (unsigned *)(cq + p.cq_off.ring_mask); cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  socklen_t al = sizeof a; getsockname(ls, (void *)&a, &al);
#ifdef MULTISHOT
  br = mmap(0, NBUF * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  pool = malloc((size_t)NBUF * BUFSZ);
  struct io_uring_buf_reg reg; memset(&reg, 0, sizeof reg);
  reg.ring_addr = (unsigned long)br; reg.ring_entries = NBUF; reg.bgid = BGID;
  if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_PBUF_RING, &reg, 1) < 0) { perror("register pbuf ring"); return 1; }
  for (int i = 0; i < NBUF; i++) give_buf(i);
#endif
  printf("listening %d\n", ntohs(a.sin_port)); fflush(stdout);
  q_accept(ls);
  for (;;) {
    int r = syscall(__NR_io_uring_enter, ring, pending, 1, IORING_ENTER_GETEVENTS, NULL, 0);
    if (r < 0) { perror("enter"); return 1; }
    pending = 0;
    unsigned head = *cq_head;
    unsigned tail = atomic_load_explicit((_Atomic unsigned *)cq_tail, memory_order_acquire);
    for (; head != tail; head++) {
      struct io_uring_cqe *c = &cqes[head & *cq_mask];
      int fd = (c->user_data >> 2) & 0x3fffffff, kind = c->user_data & 3, res = c->res;
      if (kind == 0) { if (res >= 0 && res < MAXC) { setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); q_recv(res); } q_accept(ls); }
#ifdef MULTISHOT
      else if (kind == 1) {
        if (res <= 0) { if (res != -ENOBUFS) { close(fd); continue; } }
        else q_send(fd, c->flags >> IORING_CQE_BUFFER_SHIFT, res);
        if (!(c->flags & IORING_CQE_F_MORE)) q_recv(fd);
      } else { give_buf(c->user_data >> 32); if (res < 0) close(fd); }
#else
      else if (kind == 1) { if (res <= 0) close(fd); else q_send(fd, 0, res); }
      else { if (res < 0) close(fd); else q_recv(fd); }
#endif
    }
    atomic_store_explicit((_Atomic unsigned *)cq_head, head, memory_order_release);
  }
}
