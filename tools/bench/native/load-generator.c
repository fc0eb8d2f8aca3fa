// The bench's load generator, in C so that it is not what sets the pace: one thread, one
// epoll loop, non-blocking sockets, every reply checked. The runner (tools/bench, through
// native-generator.ts) compiles it with the machine's gcc into tmp/bench/ and runs it once
// per measurement:
//
//   load-generator tcp HOST PORT SERVICE CONNECTIONS IN_FLIGHT LINE_BYTES WARMUP_MS DURATION_MS DRAIN_MS PAUSE_US
//   load-generator tls HOST PORT SERVICE CONNECTIONS IN_FLIGHT LINE_BYTES WARMUP_MS DURATION_MS DRAIN_MS PAUSE_US
//   load-generator tls-handshakes HOST PORT SERVICE CONNECTIONS 1 LINE_BYTES WARMUP_MS DURATION_MS DRAIN_MS PAUSE_US
//   load-generator udp HOST PORT SOCKETS IN_FLIGHT DATAGRAM_BYTES WARMUP_MS DURATION_MS LOSS_TIMEOUT_MS PAUSE_US
//
// PAUSE_US: after each pass over the sockets that were ready, sleep this long before looking
// again (0: never), so that replies gather and one read and one write carry many of them.
// Without it the generator woke for almost every reply: at a server's full rate a fifth of
// its time went to being put to sleep and woken (finish_task_switch), and UDP took a system
// call pair per datagram. Sized by the runner below what the lines in flight take the server
// to answer, so the server never waits for it; 0 where latency is measured.
//
// It prints `window-open` and `window-closed` on stdout as the measurement window opens and
// closes (the runner reads the server's CPU time at those moments), then one JSON line:
// the result, with this process's own CPU time over the window (getrusage) as
// `generatorCpu`, a share of one core.
//
// Requests are the ones request-content.ts describes: `<tag>-<sequence in base 36>:` then
// lowercase padding whose first letter moves with the sequence, so every request differs
// and a reply names the request it answers.
//   TCP: each connection keeps IN_FLIGHT lines unanswered; replies come in order, so each
//   must equal the uppercase of the oldest unanswered line (task: `Your data was N bytes`);
//   the replies read in one chunk are replaced by as many new lines in one write.
//   TLS (OpenSSL, non-blocking in the same loop): as TCP, over TLS. The generator does not
//   verify the server's certificate (the bench measures the server, and its certificate is
//   made for the run); it offers no session to resume, so every handshake is a full one.
//   tls-handshakes: CONNECTIONS slots, each in a loop of connect, full handshake, one line
//   sent and its reply checked, close_notify and close; a `message` is one such connection,
//   its latency from connect() to the reply.
//   UDP: plain datagrams matched to requests by the sequence number in their content (any
//   server works, the Python one included); a datagram unanswered after LOSS_TIMEOUT_MS is
//   counted lost and replaced, a reply after that (or a second one) is counted late.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define KEPT_ERROR_SAMPLES 5
#define READ_CHUNK (64 * 1024)
#define CONNECT_TIMEOUT_MS 10000
#define UDP_BATCH 64
#define MAX_DATAGRAM 65536

static const char ALPHABET_LOWER[] = "abcdefghijklmnopqrstuvwxyz";

enum phase { WARMUP, WINDOW, DRAIN };

// ---------------------------------------------------------------------------------------
// Run-wide tallies, shared by both kinds of load.

static struct {
  enum phase phase;
  uint64_t messages;
  uint64_t bytes;
  uint64_t lost;
  uint64_t late;
  uint64_t errors;
  char *error_samples[KEPT_ERROR_SAMPLES];
  int kept_errors;
  float *latency;
  size_t latency_count;
  size_t latency_capacity;
} tally;

static void die(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("load-generator: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(1);
}

static void add_error(uint64_t occurrences, const char *format, ...) {
  tally.errors += occurrences;
  if (tally.kept_errors >= KEPT_ERROR_SAMPLES) return;
  va_list args;
  va_start(args, format);
  if (vasprintf(&tally.error_samples[tally.kept_errors], format, args) >= 0) tally.kept_errors++;
  va_end(args);
}

static void record_latency(double micros) {
  if (tally.latency_count == tally.latency_capacity) {
    tally.latency_capacity = tally.latency_capacity ? tally.latency_capacity * 2 : 1 << 16;
    tally.latency = realloc(tally.latency, tally.latency_capacity * sizeof(float));
    if (!tally.latency) die("out of memory for latency samples");
  }
  tally.latency[tally.latency_count++] = (float)micros;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/** Sleeps `micros` (PAUSE_US); a signal cutting it short only shortens one pause. */
static void pause_for(int micros) {
  if (micros <= 0) return;
  struct timespec pause = {.tv_sec = micros / 1000000, .tv_nsec = (long)(micros % 1000000) * 1000};
  nanosleep(&pause, NULL);
}

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

/** The measurement window: wall time and this process's CPU time over it. */
static struct {
  double opened_ms, closed_ms, cpu_at_open, cpu_at_close;
} window;

static void open_window(void) {
  tally.phase = WINDOW;
  window.opened_ms = now_ms();
  window.cpu_at_open = cpu_seconds();
  fputs("window-open\n", stdout);
  fflush(stdout);
}

static void close_window(void) {
  tally.phase = DRAIN;
  window.closed_ms = now_ms();
  window.cpu_at_close = cpu_seconds();
  fputs("window-closed\n", stdout);
  fflush(stdout);
}

// ---------------------------------------------------------------------------------------
// Request content (request-content.ts): `<tag><index>-<base36 sequence>:<padding>`.

// The padding of every request is a slice of the alphabet repeated, starting at the letter
// its sequence picks: slices of one long pattern (and of its uppercase, for the replies
// expected), so a request costs a memcpy, not a loop over its bytes.
static char *lower_pattern, *upper_pattern;

static void make_patterns(size_t chars) {
  lower_pattern = malloc(chars + 26);
  upper_pattern = malloc(chars + 26);
  if (!lower_pattern || !upper_pattern) die("out of memory");
  for (size_t i = 0; i < chars + 26; i++) {
    lower_pattern[i] = (char)('a' + i % 26);
    upper_pattern[i] = (char)('A' + i % 26);
  }
}

/**
 * Writes the head of request `sequence` of tag `tag`+`index` (`<tag><index>-<sequence>:`)
 * to `out`, or with `upper` the head of the reply the uppercase service owes it; returns its
 * length. By hand, not snprintf: it runs for every request and every reply checked, and
 * snprintf was a tenth of the generator's time.
 */
static size_t request_head(char *out, char tag, int index, uint64_t sequence, bool upper) {
  const char *digit_letters = upper ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : ALPHABET_LOWER;
  char reversed[24];
  size_t at = 0, count = 0;
  out[at++] = upper ? (char)toupper(tag) : tag;
  unsigned rest = (unsigned)index;
  do {
    reversed[count++] = (char)('0' + rest % 10);
    rest /= 10;
  } while (rest > 0);
  while (count > 0) out[at++] = reversed[--count];
  out[at++] = '-';
  uint64_t remaining = sequence;
  do {
    int digit = (int)(remaining % 36);
    reversed[count++] = (char)(digit < 10 ? '0' + digit : digit_letters[digit - 10]);
    remaining /= 36;
  } while (remaining > 0);
  while (count > 0) out[at++] = reversed[--count];
  out[at++] = ':';
  return at;
}

/** The longest head request_head writes: tag, a 10-digit index, '-', 13 digits, ':'. */
#define MAX_REQUEST_HEAD 26

/** Writes request `sequence` (or with `upper` its reply) of `chars` bytes: head, then padding. */
static void fill_request(char *out, size_t chars, const char *head, size_t head_length,
                         uint64_t sequence, bool upper) {
  if (head_length > chars) die("request head %.*s does not fit in %zu characters",
                               (int)head_length, head, chars);
  memcpy(out, head, head_length);
  const char *pattern = upper ? upper_pattern : lower_pattern;
  memcpy(out + head_length, pattern + sequence % 26, chars - head_length);
}

/**
 * Whether `reply` is exactly the `chars`-byte uppercase reply to request `sequence` whose
 * reply head is `head`, compared in place: the head, then the padding against the pattern,
 * with no copy of the expected reply made (for 4 KiB lines that copy cost as much as the
 * comparison).
 */
static bool reply_matches(const char *reply, size_t length, size_t chars, const char *head,
                          size_t head_length, uint64_t sequence) {
  return length == chars && head_length <= chars && memcmp(reply, head, head_length) == 0 &&
         memcmp(reply + head_length, upper_pattern + sequence % 26, chars - head_length) == 0;
}

/**
 * Writes exactly `chars` bytes of request `sequence` of tag `tag`+`index` to `out`, or with
 * `upper` the reply the uppercase service owes it (the request uppercased).
 */
static void make_request(char *out, size_t chars, char tag, int index, uint64_t sequence,
                         bool upper) {
  char head[MAX_REQUEST_HEAD];
  fill_request(out, chars, head, request_head(head, tag, index, sequence, upper), sequence,
               upper);
}

/** reply_matches for request `sequence` of tag `tag`+`index`. */
static bool is_uppercase_reply(const char *reply, size_t length, size_t chars, char tag,
                               int index, uint64_t sequence) {
  char head[MAX_REQUEST_HEAD];
  size_t head_length = request_head(head, tag, index, sequence, true);
  return reply_matches(reply, length, chars, head, head_length, sequence);
}

/**
 * The heads of one request after another, without a division per request: the sequence's
 * base-36 digits are counted up in place, as on an odometer. A TCP connection keeps two: the
 * next request to send (lowercase) and the oldest unanswered one (its reply's, uppercase).
 */
struct request_counter {
  uint64_t sequence;
  size_t length;     // of head
  size_t digits_at;  // where the sequence's digits start in head, after the '-'
  bool upper;
  char head[MAX_REQUEST_HEAD + 1];
};

static void counter_start(struct request_counter *counter, char tag, int index,
                          uint64_t sequence, bool upper) {
  counter->sequence = sequence;
  counter->upper = upper;
  counter->length = request_head(counter->head, tag, index, sequence, upper);
  counter->digits_at = (size_t)((char *)memchr(counter->head, '-', counter->length) -
                                counter->head) + 1;
}

static void counter_advance(struct request_counter *counter) {
  counter->sequence++;
  char *first = counter->head + counter->digits_at;
  for (char *digit = counter->head + counter->length - 2;; digit--) {  // before the ':'
    if (*digit == '9') {
      *digit = counter->upper ? 'A' : 'a';
      return;
    }
    if (*digit != 'z' && *digit != 'Z') {
      (*digit)++;
      return;
    }
    *digit = '0';
    if (digit == first) break;
  }
  // Every digit turned over: one digit more, a leading 1.
  memmove(first + 1, first, counter->length - counter->digits_at);
  *first = '1';
  counter->length++;
}

/** A short, printable rendering of a reply for an error sample. */
static const char *shown(const char *text, size_t length) {
  static char buffer[96];
  size_t kept = length > 60 ? 57 : length;
  size_t at = 0;
  for (size_t i = 0; i < kept; i++) {
    unsigned char c = (unsigned char)text[i];
    buffer[at++] = (c >= 32 && c < 127 && c != '"' && c != '\\') ? (char)c : '?';
  }
  if (kept < length) at += snprintf(buffer + at, sizeof buffer - at, "...(%zu bytes)", length);
  buffer[at] = '\0';
  return buffer;
}

static int parse_int(const char *text, const char *what, long min, long max) {
  char *end;
  long value = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < min || value > max) {
    die("%s must be an integer from %ld to %ld, got '%s'", what, min, max, text);
  }
  return (int)value;
}

static struct sockaddr_storage resolve(const char *host, int port, int type, socklen_t *length) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = type};
  struct addrinfo *found;
  char service[8];
  snprintf(service, sizeof service, "%d", port);
  int status = getaddrinfo(host, service, &hints, &found);
  if (status != 0) die("cannot resolve %s: %s", host, gai_strerror(status));
  struct sockaddr_storage address;
  memcpy(&address, found->ai_addr, found->ai_addrlen);
  *length = found->ai_addrlen;
  freeaddrinfo(found);
  return address;
}

static void epoll_set(int epoll, int op, int fd, uint32_t events, void *data) {
  struct epoll_event event = {.events = events, .data.ptr = data};
  if (epoll_ctl(epoll, op, fd, &event) < 0) die("epoll_ctl: %s", strerror(errno));
}

// ---------------------------------------------------------------------------------------
// TCP lines.

static struct {
  int in_flight;
  size_t line_bytes;  // on the wire, '\n' included
  bool task;
  char task_reply[64];
  size_t task_reply_length;
  size_t max_reply;  // a longer reply without '\n' means the stream is not line-framed
  SSL_CTX *tls;      // NULL: plaintext
  bool handshakes;   // one line per connection, then a new connection (tls-handshakes)
  const struct sockaddr_storage *address;
  socklen_t address_length;
} tcp;

struct connection {
  int fd;
  int index;
  bool open;         // connected (and, over TLS, handshake done): lines can flow
  bool connecting;   // connect() or the TLS handshake under way
  SSL *ssl;
  double opened_at;  // when connect() was called (tls-handshakes latency)
  bool writable_wanted;
  struct request_counter next;    // the next line to send
  struct request_counter oldest;  // the oldest unanswered line's reply
  int unanswered;
  double *sent_at;  // ring of in_flight slots, indexed by sequence % in_flight
  char *input;
  size_t input_length, input_capacity;
  char *output;
  size_t output_start, output_end;
  char *expected;  // scratch for the reply expected next
};

// ---- Reading and writing, plaintext or TLS: both return what read(2)/write(2) would, a TLS
// want-read/want-write as EAGAIN, a TLS failure as EPROTO with its reason in tls_reason.

static char tls_reason[256];

static ssize_t tls_failure(SSL *ssl, int result) {
  int code = SSL_get_error(ssl, result);
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  if (code == SSL_ERROR_ZERO_RETURN) return 0;
  if (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    if (errno == 0) return 0;  // the peer closed without close_notify: an end all the same
    return -1;
  }
  ERR_error_string_n(ERR_get_error(), tls_reason, sizeof tls_reason);
  ERR_clear_error();
  errno = EPROTO;
  return -1;
}

static const char *io_error(int error) { return error == EPROTO ? tls_reason : strerror(error); }

static ssize_t io_read(struct connection *c, char *buffer, size_t length) {
  if (!c->ssl) return read(c->fd, buffer, length);
  errno = 0;
  int result = SSL_read(c->ssl, buffer, (int)length);
  return result > 0 ? result : tls_failure(c->ssl, result);
}

static ssize_t io_write(struct connection *c, const char *buffer, size_t length) {
  if (!c->ssl) return write(c->fd, buffer, length);
  errno = 0;
  int result = SSL_write(c->ssl, buffer, (int)length);
  return result > 0 ? result : tls_failure(c->ssl, result);
}

static void close_connection(int epoll, struct connection *c) {
  c->open = c->connecting = false;
  epoll_ctl(epoll, EPOLL_CTL_DEL, c->fd, NULL);
  if (c->ssl) {
    SSL_shutdown(c->ssl);  // sends close_notify; the server's answer to it is not awaited
    SSL_free(c->ssl);
    c->ssl = NULL;
  }
  close(c->fd);
}

static void flush_output(int epoll, struct connection *c) {
  while (c->output_start < c->output_end) {
    ssize_t written =
        io_write(c, c->output + c->output_start, c->output_end - c->output_start);
    if (written <= 0) {
      if (written < 0 && errno == EINTR) continue;
      if (written < 0 && errno == EAGAIN) break;
      add_error(1, "connection %d: write: %s", c->index,
                written == 0 ? "closed by the server" : io_error(errno));
      close_connection(epoll, c);
      return;
    }
    c->output_start += (size_t)written;
  }
  if (c->output_start == c->output_end) c->output_start = c->output_end = 0;
  bool want = c->output_start < c->output_end;
  if (want != c->writable_wanted) {
    c->writable_wanted = want;
    epoll_set(epoll, EPOLL_CTL_MOD, c->fd, EPOLLIN | (want ? EPOLLOUT : 0), c);
  }
}

static void send_lines(int epoll, struct connection *c, int count, double now) {
  if (count <= 0 || !c->open) return;
  for (int i = 0; i < count; i++) {
    char *line = c->output + c->output_end;
    fill_request(line, tcp.line_bytes - 1, c->next.head, c->next.length, c->next.sequence,
                 false);
    line[tcp.line_bytes - 1] = '\n';
    c->output_end += tcp.line_bytes;
    c->sent_at[c->next.sequence % tcp.in_flight] = now;
    counter_advance(&c->next);
    c->unanswered++;
  }
  flush_output(epoll, c);
}

/** Checks one reply (without its line end) against the oldest unanswered line. */
static void check_reply(struct connection *c, const char *reply, size_t length, double now) {
  if (c->unanswered == 0) {
    add_error(1, "connection %d: a reply to nothing: '%s'", c->index, shown(reply, length));
    return;
  }
  uint64_t sequence = c->oldest.sequence;
  c->unanswered--;
  bool right = tcp.task ? length == tcp.task_reply_length &&
                               memcmp(reply, tcp.task_reply, length) == 0
                         : reply_matches(reply, length, tcp.line_bytes - 1, c->oldest.head,
                                         c->oldest.length, sequence);
  counter_advance(&c->oldest);
  if (!right) {
    const char *expected = tcp.task_reply;
    size_t expected_length = tcp.task_reply_length;
    if (!tcp.task) {
      expected_length = tcp.line_bytes - 1;
      make_request(c->expected, expected_length, 'c', c->index, sequence, true);
      expected = c->expected;
    }
    char wanted[96];
    snprintf(wanted, sizeof wanted, "%s", shown(expected, expected_length));
    add_error(1, "connection %d: expected '%s', got '%s'", c->index, wanted,
              shown(reply, length));
  } else if (tally.phase == WINDOW) {
    tally.messages++;
    tally.bytes += tcp.line_bytes;
    double since = tcp.handshakes ? c->opened_at : c->sent_at[sequence % tcp.in_flight];
    record_latency((now - since) * 1000);
  }
}

static void start_connection(int epoll, struct connection *c, double now);

/** Reads and checks what came; returns true while there may be more to read right now. */
static bool read_replies(int epoll, struct connection *c) {
  ssize_t received;
  do {
    received = io_read(c, c->input + c->input_length, c->input_capacity - c->input_length);
  } while (received < 0 && errno == EINTR);
  if (received < 0 && errno == EAGAIN) return false;
  if (received <= 0) {
    if (tally.phase != DRAIN || c->unanswered > 0) {
      add_error(1, "connection %d: %s", c->index,
                received == 0 ? "closed by the server" : io_error(errno));
    }
    close_connection(epoll, c);
    return false;
  }
  double now = now_ms();
  c->input_length += (size_t)received;
  int answered = 0;
  char *start = c->input;
  char *end = c->input + c->input_length;
  char *newline;
  while ((newline = memchr(start, '\n', (size_t)(end - start))) != NULL) {
    size_t length = (size_t)(newline - start);
    if (length > 0 && start[length - 1] == '\r') length--;
    check_reply(c, start, length, now);
    answered++;
    start = newline + 1;
  }
  c->input_length = (size_t)(end - start);
  if (c->input_length > 0 && start != c->input) memmove(c->input, start, c->input_length);
  if (c->input_length >= tcp.max_reply) {
    add_error(1, "connection %d: a reply of over %zu bytes", c->index, tcp.max_reply);
    close_connection(epoll, c);
    return false;
  }
  if (tcp.handshakes && answered > 0 && c->unanswered == 0) {
    close_connection(epoll, c);
    if (tally.phase != DRAIN) start_connection(epoll, c, now);
    return false;
  }
  if (tally.phase != DRAIN) send_lines(epoll, c, answered, now);
  // TLS may hold decrypted bytes that epoll will not announce again.
  return c->open && c->ssl && SSL_pending(c->ssl) > 0;
}

/** One step of connect() and, over TLS, of the handshake; errors are counted, not fatal. */
static void advance_connection(int epoll, struct connection *c, double now) {
  if (!c->ssl) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      add_error(1, "connection %d failed: %s", c->index, strerror(error));
      close_connection(epoll, c);
      return;
    }
    if (tcp.tls) {
      c->ssl = SSL_new(tcp.tls);
      if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) die("SSL_new: out of memory");
      SSL_set_connect_state(c->ssl);
    }
  }
  if (c->ssl) {
    errno = 0;
    int result = SSL_do_handshake(c->ssl);
    if (result != 1) {
      int code = SSL_get_error(c->ssl, result);
      if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
        epoll_set(epoll, EPOLL_CTL_MOD, c->fd, code == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT,
                  c);
        return;
      }
      tls_failure(c->ssl, result);
      add_error(1, "connection %d: TLS handshake failed: %s", c->index,
                errno == EPROTO ? tls_reason : errno ? strerror(errno) : "closed by the server");
      close_connection(epoll, c);
      return;
    }
  }
  c->connecting = false;
  c->open = true;
  c->writable_wanted = false;
  epoll_set(epoll, EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
  if (!tcp.handshakes) return;
  // After the window a handshake under way is finished, then closed with close_notify:
  // cut short, the server would log it as a failed handshake.
  if (tally.phase == DRAIN) close_connection(epoll, c);
  else send_lines(epoll, c, 1, now);
}

/** A new socket for slot `c`, connecting (the first event on it goes to advance_connection). */
static void start_connection(int epoll, struct connection *c, double now) {
  c->fd = socket(tcp.address->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) die("socket: %s", strerror(errno));
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->opened_at = now;
  c->connecting = true;
  c->unanswered = 0;
  counter_start(&c->oldest, 'c', c->index, c->next.sequence, true);
  c->input_length = 0;
  c->output_start = c->output_end = 0;
  if (connect(c->fd, (const struct sockaddr *)tcp.address, tcp.address_length) < 0 &&
      errno != EINPROGRESS) {
    add_error(1, "connection %d failed: %s", c->index, strerror(errno));
    c->connecting = false;
    close(c->fd);
    return;
  }
  epoll_set(epoll, EPOLL_CTL_ADD, c->fd, EPOLLOUT, c);
}

/** Connects every slot (and, over TLS, completes its handshake) before the load starts. */
static void connect_all(int epoll, struct connection *connections, int count) {
  double started = now_ms();
  for (int i = 0; i < count; i++) start_connection(epoll, &connections[i], started);
  double deadline = started + CONNECT_TIMEOUT_MS;
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int pending = 0;
    for (int i = 0; i < count; i++) pending += connections[i].connecting;
    if (tally.errors > 0) die("%s", tally.error_samples[0]);
    if (pending == 0) return;
    int timeout = (int)(deadline - now_ms());
    if (timeout <= 0) die("%d of %d connections not established within %d ms", pending, count,
                          CONNECT_TIMEOUT_MS);
    int ready = epoll_wait(epoll, events, MAX_EVENTS, timeout);
    if (ready < 0 && errno != EINTR) die("epoll_wait: %s", strerror(errno));
    for (int i = 0; i < ready; i++) {
      // A slot already connected (tls-handshakes: its line sent) waits for the main loop.
      struct connection *c = events[i].data.ptr;
      if (c->connecting) advance_connection(epoll, c, now_ms());
    }
  }
}

static int outstanding_tcp(struct connection *connections, int count) {
  int total = 0;
  for (int i = 0; i < count; i++) {
    if (connections[i].open) total += connections[i].unanswered;
    if (connections[i].connecting) total++;  // a handshake under way (tls-handshakes)
  }
  return total;
}

static void run_tcp(const char *mode, char **argv) {
  const char *host = argv[0];
  int port = parse_int(argv[1], "PORT", 1, 65535);
  const char *service = argv[2];
  int count = parse_int(argv[3], "CONNECTIONS", 1, 100000);
  tcp.in_flight = parse_int(argv[4], "IN_FLIGHT", 1, 100000);
  tcp.line_bytes = (size_t)parse_int(argv[5], "LINE_BYTES", 17, 1 << 24);
  int warmup_ms = parse_int(argv[6], "WARMUP_MS", 0, 3600000);
  int duration_ms = parse_int(argv[7], "DURATION_MS", 1, 3600000);
  int drain_ms = parse_int(argv[8], "DRAIN_MS", 0, 3600000);
  int pause_us = parse_int(argv[9], "PAUSE_US", 0, 1000000);
  if (strcmp(service, "task") == 0) {
    tcp.task = true;
    tcp.task_reply_length = (size_t)snprintf(tcp.task_reply, sizeof tcp.task_reply,
                                             "Your data was %zu bytes", tcp.line_bytes - 1);
  } else if (strcmp(service, "uppercase") != 0) {
    die("SERVICE must be uppercase or task, got '%s'", service);
  }
  tcp.max_reply = tcp.line_bytes + 1024;
  make_patterns(tcp.line_bytes);
  tcp.handshakes = strcmp(mode, "tls-handshakes") == 0;
  if (tcp.handshakes && tcp.in_flight != 1) die("tls-handshakes sends one line: IN_FLIGHT is 1");
  if (strcmp(mode, "tcp") != 0) {
    tcp.tls = SSL_CTX_new(TLS_client_method());
    if (!tcp.tls) die("SSL_CTX_new failed");
    SSL_CTX_set_verify(tcp.tls, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(tcp.tls, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(tcp.tls, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }

  socklen_t address_length;
  struct sockaddr_storage address = resolve(host, port, SOCK_STREAM, &address_length);
  tcp.address = &address;
  tcp.address_length = address_length;
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  struct connection *connections = calloc((size_t)count, sizeof *connections);
  for (int i = 0; i < count; i++) {
    struct connection *c = &connections[i];
    c->index = i;
    counter_start(&c->next, 'c', i, 0, false);
    c->sent_at = calloc((size_t)tcp.in_flight, sizeof(double));
    c->input_capacity = tcp.max_reply > READ_CHUNK ? tcp.max_reply : READ_CHUNK;
    c->input = malloc(c->input_capacity);
    c->output = malloc((size_t)tcp.in_flight * tcp.line_bytes);
    c->expected = malloc(tcp.line_bytes);
    if (!c->sent_at || !c->input || !c->output || !c->expected) die("out of memory");
  }
  connect_all(epoll, connections, count);

  double started = now_ms();
  for (int i = 0; i < count; i++) {
    // tls-handshakes: each slot has sent its line already and starts anew after the reply.
    if (!tcp.handshakes) send_lines(epoll, &connections[i], tcp.in_flight, started);
  }
  double window_opens = started + warmup_ms;
  double window_closes = window_opens + duration_ms;
  double drain_ends = 0;
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    double now = now_ms();
    if (tally.phase == WARMUP && now >= window_opens) open_window();
    if (tally.phase == WINDOW && now >= window_closes) {
      close_window();
      drain_ends = now + drain_ms;
    }
    if (tally.phase == DRAIN &&
        (outstanding_tcp(connections, count) == 0 || now >= drain_ends)) {
      break;
    }
    double next = tally.phase == WARMUP ? window_opens
                  : tally.phase == WINDOW ? window_closes
                                          : (now + 5 < drain_ends ? now + 5 : drain_ends);
    int timeout = next > now ? (int)(next - now) + 1 : 0;
    int ready = epoll_wait(epoll, events, MAX_EVENTS, timeout);
    if (ready < 0 && errno != EINTR) die("epoll_wait: %s", strerror(errno));
    for (int i = 0; i < ready; i++) {
      struct connection *c = events[i].data.ptr;
      if (c->connecting) {
        advance_connection(epoll, c, now_ms());
        continue;
      }
      if (!c->open) continue;
      if (events[i].events & EPOLLOUT) flush_output(epoll, c);
      if (c->open && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
        while (read_replies(epoll, c)) {
        }
      }
    }
    if (tally.phase != DRAIN) pause_for(pause_us);
    if (tcp.handshakes && tally.phase != DRAIN) {
      // A slot whose connection failed (counted as an error) starts again.
      double restart = now_ms();
      for (int i = 0; i < count; i++) {
        if (!connections[i].open && !connections[i].connecting) {
          start_connection(epoll, &connections[i], restart);
        }
      }
    }
  }
  for (int i = 0; i < count; i++) {
    struct connection *c = &connections[i];
    if (c->open && c->unanswered > 0) {
      add_error((uint64_t)c->unanswered, "connection %d: %d replies never came", i,
                c->unanswered);
    }
    if (c->open || c->connecting) close_connection(epoll, c);
  }
}

// ---------------------------------------------------------------------------------------
// UDP datagrams.

static struct {
  int in_flight;
  size_t datagram_bytes;
  double loss_timeout_ms;
} udp;

struct datagram_slot {
  uint64_t sequence;
  double sent_at;
  bool used;
};

struct datagram_socket {
  int fd;
  int index;
  uint64_t next_sequence;
  int outstanding;
  struct datagram_slot *slots;  // in_flight of them
  // Datagrams to send, gathered so one sendmmsg sends a batch.
  char *pending;
  int pending_count;
  char *expected;
};

static void queue_datagram(struct datagram_socket *s, double now) {
  for (int i = 0; i < udp.in_flight; i++) {
    struct datagram_slot *slot = &s->slots[i];
    if (slot->used) continue;
    slot->used = true;
    slot->sequence = s->next_sequence++;
    slot->sent_at = now;
    s->outstanding++;
    make_request(s->pending + (size_t)s->pending_count * udp.datagram_bytes, udp.datagram_bytes,
                 's', s->index, slot->sequence, false);
    s->pending_count++;
    return;
  }
}

static void flush_datagrams(struct datagram_socket *s) {
  struct mmsghdr messages[UDP_BATCH];
  struct iovec parts[UDP_BATCH];
  int sent = 0;
  while (sent < s->pending_count) {
    int batch = s->pending_count - sent < UDP_BATCH ? s->pending_count - sent : UDP_BATCH;
    for (int i = 0; i < batch; i++) {
      parts[i].iov_base = s->pending + (size_t)(sent + i) * udp.datagram_bytes;
      parts[i].iov_len = udp.datagram_bytes;
      memset(&messages[i], 0, sizeof messages[i]);
      messages[i].msg_hdr.msg_iov = &parts[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int done = sendmmsg(s->fd, messages, (unsigned)batch, 0);
    if (done < 0) {
      if (errno == EINTR) continue;
      // A datagram not sent is one the loss sweep will count and replace.
      if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED) {
        add_error(1, "socket %d: sendmmsg: %s", s->index, strerror(errno));
      }
      break;
    }
    sent += done;
  }
  s->pending_count = 0;
}

static bool parse_sequence(const char *text, size_t length, uint64_t *sequence) {
  const char *dash = memchr(text, '-', length);
  if (!dash) return false;
  const char *colon = memchr(dash + 1, ':', length - (size_t)(dash + 1 - text));
  if (!colon || colon == dash + 1 || colon - dash > 14) return false;
  uint64_t value = 0;
  for (const char *p = dash + 1; p < colon; p++) {
    int c = tolower((unsigned char)*p);
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
    if (digit < 0) return false;
    value = value * 36 + (uint64_t)digit;
  }
  *sequence = value;
  return true;
}

static void check_datagram(struct datagram_socket *s, const char *reply, size_t length,
                           double now) {
  uint64_t sequence;
  if (!parse_sequence(reply, length, &sequence) || sequence >= s->next_sequence) {
    add_error(1, "socket %d: a reply to nothing sent: '%s'", s->index, shown(reply, length));
    return;
  }
  struct datagram_slot *slot = NULL;
  for (int i = 0; i < udp.in_flight; i++) {
    if (s->slots[i].used && s->slots[i].sequence == sequence) slot = &s->slots[i];
  }
  if (!is_uppercase_reply(reply, length, udp.datagram_bytes, 's', s->index, sequence)) {
    make_request(s->expected, udp.datagram_bytes, 's', s->index, sequence, true);
    char wanted[96];
    snprintf(wanted, sizeof wanted, "%s", shown(s->expected, udp.datagram_bytes));
    add_error(1, "socket %d: expected '%s', got '%s'", s->index, wanted,
              shown(reply, length));
  } else if (slot == NULL) {
    // Answered already, or counted lost before this reply came: UDP may do either.
    if (tally.phase != WARMUP) tally.late++;
    return;
  } else if (tally.phase == WINDOW) {
    tally.messages++;
    tally.bytes += length;
    record_latency((now - slot->sent_at) * 1000);
  }
  if (slot != NULL) {
    slot->used = false;
    s->outstanding--;
    if (tally.phase != DRAIN) queue_datagram(s, now);
  }
}

static void read_datagrams(struct datagram_socket *s, char *buffers) {
  struct mmsghdr messages[UDP_BATCH];
  struct iovec parts[UDP_BATCH];
  for (int i = 0; i < UDP_BATCH; i++) {
    parts[i].iov_base = buffers + (size_t)i * MAX_DATAGRAM;
    parts[i].iov_len = MAX_DATAGRAM;
    memset(&messages[i], 0, sizeof messages[i]);
    messages[i].msg_hdr.msg_iov = &parts[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  int received = recvmmsg(s->fd, messages, UDP_BATCH, MSG_DONTWAIT, NULL);
  if (received < 0) {
    if (errno != EAGAIN && errno != EINTR) {
      add_error(1, "socket %d: %s", s->index, strerror(errno));
    }
    return;
  }
  double now = now_ms();
  for (int i = 0; i < received; i++) {
    check_datagram(s, parts[i].iov_base, messages[i].msg_len, now);
  }
  flush_datagrams(s);
}

static void expire_lost(struct datagram_socket *s, double now) {
  for (int i = 0; i < udp.in_flight; i++) {
    struct datagram_slot *slot = &s->slots[i];
    if (!slot->used || now - slot->sent_at < udp.loss_timeout_ms) continue;
    slot->used = false;
    s->outstanding--;
    if (tally.phase != WARMUP) tally.lost++;
    if (tally.phase != DRAIN) queue_datagram(s, now);
  }
  flush_datagrams(s);
}

static void run_udp(char **argv) {
  const char *host = argv[0];
  int port = parse_int(argv[1], "PORT", 1, 65535);
  int count = parse_int(argv[2], "SOCKETS", 1, 10000);
  udp.in_flight = parse_int(argv[3], "IN_FLIGHT", 1, 10000);
  udp.datagram_bytes = (size_t)parse_int(argv[4], "DATAGRAM_BYTES", 16, 65000);
  int warmup_ms = parse_int(argv[5], "WARMUP_MS", 0, 3600000);
  int duration_ms = parse_int(argv[6], "DURATION_MS", 1, 3600000);
  udp.loss_timeout_ms = parse_int(argv[7], "LOSS_TIMEOUT_MS", 1, 3600000);
  int pause_us = parse_int(argv[8], "PAUSE_US", 0, 1000000);
  make_patterns(udp.datagram_bytes);

  socklen_t address_length;
  struct sockaddr_storage address = resolve(host, port, SOCK_DGRAM, &address_length);
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  struct datagram_socket *sockets = calloc((size_t)count, sizeof *sockets);
  char *buffers = malloc((size_t)UDP_BATCH * MAX_DATAGRAM);
  if (!sockets || !buffers) die("out of memory");
  for (int i = 0; i < count; i++) {
    struct datagram_socket *s = &sockets[i];
    s->index = i;
    s->slots = calloc((size_t)udp.in_flight, sizeof *s->slots);
    s->pending = malloc((size_t)udp.in_flight * udp.datagram_bytes);
    s->expected = malloc(udp.datagram_bytes);
    if (!s->slots || !s->pending || !s->expected) die("out of memory");
    s->fd = socket(address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) die("socket: %s", strerror(errno));
    // A connected socket sends without an address per datagram and hears only the server.
    if (connect(s->fd, (struct sockaddr *)&address, address_length) < 0) {
      die("socket %d: connect: %s", i, strerror(errno));
    }
    epoll_set(epoll, EPOLL_CTL_ADD, s->fd, EPOLLIN, s);
  }

  double started = now_ms();
  for (int i = 0; i < count; i++) {
    for (int j = 0; j < udp.in_flight; j++) queue_datagram(&sockets[i], started);
    flush_datagrams(&sockets[i]);
  }
  double window_opens = started + warmup_ms;
  double window_closes = window_opens + duration_ms;
  double drain_ends = 0;
  double sweep_every = udp.loss_timeout_ms / 4 > 1 ? udp.loss_timeout_ms / 4 : 1;
  double next_sweep = started + sweep_every;
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    double now = now_ms();
    if (tally.phase == WARMUP && now >= window_opens) open_window();
    if (tally.phase == WINDOW && now >= window_closes) {
      close_window();
      // Every datagram still out is answered or expired within one loss timeout.
      drain_ends = now + 2 * udp.loss_timeout_ms;
    }
    if (now >= next_sweep) {
      for (int i = 0; i < count; i++) expire_lost(&sockets[i], now);
      next_sweep = now + sweep_every;
    }
    if (tally.phase == DRAIN) {
      int outstanding = 0;
      for (int i = 0; i < count; i++) outstanding += sockets[i].outstanding;
      if (outstanding == 0 || now >= drain_ends) break;
    }
    double next = tally.phase == WARMUP ? window_opens
                  : tally.phase == WINDOW ? window_closes
                                          : drain_ends;
    if (next_sweep < next) next = next_sweep;
    int timeout = next > now ? (int)(next - now) + 1 : 0;
    int ready = epoll_wait(epoll, events, MAX_EVENTS, timeout);
    if (ready < 0 && errno != EINTR) die("epoll_wait: %s", strerror(errno));
    for (int i = 0; i < ready; i++) read_datagrams(events[i].data.ptr, buffers);
    if (tally.phase != DRAIN) pause_for(pause_us);
  }
  for (int i = 0; i < count; i++) close(sockets[i].fd);
}

// ---------------------------------------------------------------------------------------
// The result.

static int compare_floats(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/** Nearest rank, as latency-histogram.ts: the smallest sample with `fraction` at or below it. */
static double percentile(double fraction) {
  if (tally.latency_count == 0) return 0;
  size_t rank = (size_t)(fraction * (double)tally.latency_count + 0.999999);
  if (rank < 1) rank = 1;
  return tally.latency[rank - 1];
}

static void print_result(const char *kind) {
  double seconds = (window.closed_ms - window.opened_ms) / 1000;
  double cpu = window.cpu_at_close - window.cpu_at_open;
  qsort(tally.latency, tally.latency_count, sizeof(float), compare_floats);
  printf("{\"kind\":\"%s\",\"windowSeconds\":%.6f,\"messages\":%llu,"
         "\"messagesPerSecond\":%.3f,\"bytesPerSecond\":%.3f,"
         "\"latencyMicros\":{\"samples\":%zu,\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,"
         "\"max\":%.3f},\"lost\":%llu,\"late\":%llu,\"generatorCpu\":%.6f,\"errors\":%llu,"
         "\"errorSamples\":[",
         kind, seconds, (unsigned long long)tally.messages, tally.messages / seconds,
         tally.bytes / seconds, tally.latency_count, percentile(0.5), percentile(0.99),
         percentile(0.999),
         tally.latency_count ? tally.latency[tally.latency_count - 1] : 0.0,
         (unsigned long long)tally.lost, (unsigned long long)tally.late, cpu / seconds,
         (unsigned long long)tally.errors);
  for (int i = 0; i < tally.kept_errors; i++) {
    // Escaped for JSON: a reason from OpenSSL or strerror may hold anything.
    fputs(i ? ",\"" : "\"", stdout);
    for (const unsigned char *c = (const unsigned char *)tally.error_samples[i]; *c; c++) {
      if (*c == '"' || *c == '\\') printf("\\%c", *c);
      else if (*c < 32) printf("\\u%04x", *c);
      else putchar(*c);
    }
    putchar('"');
  }
  printf("]}\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  bool stream = argc > 1 && (strcmp(argv[1], "tcp") == 0 || strcmp(argv[1], "tls") == 0 ||
                             strcmp(argv[1], "tls-handshakes") == 0);
  if (argc == 12 && stream) {
    run_tcp(argv[1], argv + 2);
  } else if (argc == 11 && strcmp(argv[1], "udp") == 0) {
    run_udp(argv + 2);
  } else {
    die("usage:\n"
        "  load-generator tcp HOST PORT SERVICE CONNECTIONS IN_FLIGHT LINE_BYTES WARMUP_MS "
        "DURATION_MS DRAIN_MS PAUSE_US\n"
        "  load-generator tls (the same arguments as tcp)\n"
        "  load-generator tls-handshakes (the same arguments as tcp, IN_FLIGHT 1)\n"
        "  load-generator udp HOST PORT SOCKETS IN_FLIGHT DATAGRAM_BYTES WARMUP_MS "
        "DURATION_MS LOSS_TIMEOUT_MS PAUSE_US");
  }
  print_result(stream ? "tcp-load" : "udp-load");
  return 0;
}
