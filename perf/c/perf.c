/*
 * libzmq's perf tools, for the side-by-side comparison of make bench:
 * one program, named by the link that runs it (see build.sh), with the
 * command lines and output lines of libzmq's perf/ programs, so that ours
 * and these pair with each other and with libzmq's own.
 *
 *   local_thr  <bind-to> <message-size> <message-count> [curve]
 *   remote_thr <connect-to> <message-size> <message-count> [curve]
 *   local_lat  <bind-to> <message-size> <roundtrip-count> [curve]
 *   remote_lat <connect-to> <message-size> <roundtrip-count> [curve]
 *   inproc_thr <message-size> <message-count>
 *   inproc_lat <message-size> <roundtrip-count>
 *   proxy_thr  <message-size> <message-count>
 *   streamer   <bind-in> <connect-out>
 *
 * proxy_thr is libzmq's proxy benchmark set up as ours (perf/proxy_thr):
 * two XPUB publishers share message-count messages through an XSUB/XPUB
 * zmq_proxy_steerable, all over inproc with high-water marks of 10000 and
 * XPUB_NODROP, to one subscriber, which times them. streamer runs
 * zmq_proxy between a PULL bound to bind-in and a PUSH connected to
 * connect-out until it is killed: with local_thr and remote_thr on either
 * side, it measures a tcp (or ipc) proxy.
 *
 * With "curve" (or, as libzmq's tools read that argument, any non-zero
 * number) the binding side is a CURVE server and the connecting side its
 * client, with the fixed benchmark keys of perf/internal/perfutil/curve.go.
 *
 * As libzmq 4.3's tools do, every send builds a new zmq_msg_t of the
 * message size, and every receive takes one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* The benchmark keys (Z85). They are public: benchmarks only. */
static const char *server_public = "Yk}C3*rv{o=l1GvL41!*lJrQ9oKLH#m(M*uKDd%o";
static const char *server_secret = "]?E97--&hyFh}y3XBL:9r}8dpULq:0m@3]5zq-7]";
static const char *client_public = "A+j31pU4L}TW*uP)51AEf.nf:A=]*@4#Qu^WMBTl";
static const char *client_secret = "s90$*gS}I:H$i(QuC^AM.0@ofw85YHy<y]}0{<(F";

static const char *tool;

static void fail(const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", tool, what, zmq_strerror(zmq_errno()));
    exit(1);
}

static void setopt(void *s, int opt, const void *v, size_t n, const char *what)
{
    if (zmq_setsockopt(s, opt, v, n) != 0)
        fail(what);
}

/* secure makes s the CURVE server (binding side) or client. */
static void secure(void *s, int server)
{
    if (server) {
        int on = 1;
        setopt(s, ZMQ_CURVE_SERVER, &on, sizeof on, "CURVE_SERVER");
        setopt(s, ZMQ_CURVE_SECRETKEY, server_secret, 40, "CURVE_SECRETKEY");
        return;
    }
    setopt(s, ZMQ_CURVE_SERVERKEY, server_public, 40, "CURVE_SERVERKEY");
    setopt(s, ZMQ_CURVE_PUBLICKEY, client_public, 40, "CURVE_PUBLICKEY");
    setopt(s, ZMQ_CURVE_SECRETKEY, client_secret, 40, "CURVE_SECRETKEY");
}

/* open makes a socket of type type on ctx, binds or connects it to ep,
 * and secures it if curve is set. */
static void *open_socket(void *ctx, int type, const char *ep, int bind, int curve)
{
    void *s = zmq_socket(ctx, type);
    if (!s)
        fail("zmq_socket");
    if (curve)
        secure(s, bind);
    if ((bind ? zmq_bind(s, ep) : zmq_connect(s, ep)) != 0)
        fail(bind ? "zmq_bind" : "zmq_connect");
    return s;
}

static void send_size(void *s, size_t size)
{
    zmq_msg_t m;
    if (zmq_msg_init_size(&m, size) != 0)
        fail("zmq_msg_init_size");
    memset(zmq_msg_data(&m), 'z', size);
    if (zmq_msg_send(&m, s, 0) < 0)
        fail("zmq_msg_send");
}

/* recv_into receives one message into m, initialised, and checks its
 * size. */
static void recv_into(void *s, zmq_msg_t *m, size_t size)
{
    zmq_msg_init(m);
    if (zmq_msg_recv(m, s, 0) < 0)
        fail("zmq_msg_recv");
    if (zmq_msg_size(m) != size) {
        fprintf(stderr, "%s: message of %zu bytes, want %zu\n", tool, zmq_msg_size(m), size);
        exit(1);
    }
}

/* recv_size receives one message and checks its size. */
static void recv_size(void *s, size_t size)
{
    zmq_msg_t m;
    recv_into(s, &m, size);
    zmq_msg_close(&m);
}

/* echo receives count messages of size bytes and sends each back. */
static void echo(void *s, size_t size, long count)
{
    for (long i = 0; i < count; i++) {
        zmq_msg_t m;
        recv_into(s, &m, size);
        if (zmq_msg_send(&m, s, 0) < 0)
            fail("zmq_msg_send");
    }
}

/* print_thr prints the throughput of count messages of size bytes in us
 * microseconds, as local_thr does. */
static void print_thr(size_t size, long count, unsigned long us)
{
    if (us == 0)
        us = 1;
    double thr = (double)count / us * 1e6;
    printf("message size: %zu [B]\n", size);
    printf("message count: %ld\n", count);
    printf("mean throughput: %d [msg/s]\n", (int)thr);
    printf("mean throughput: %.3f [Mb/s]\n", thr * size * 8 / 1e6);
}

/* sink takes count messages, timing them from the first, and prints the
 * throughput as local_thr does. */
static void sink(void *s, size_t size, long count)
{
    recv_size(s, size);
    void *watch = zmq_stopwatch_start();
    for (long i = 1; i < count; i++)
        recv_size(s, size);
    print_thr(size, count, zmq_stopwatch_stop(watch));
}

/* ping makes count roundtrips and prints the one-way latency as
 * remote_lat does. */
static void ping(void *s, size_t size, long count)
{
    void *watch = zmq_stopwatch_start();
    for (long i = 0; i < count; i++) {
        send_size(s, size);
        recv_size(s, size);
    }
    unsigned long us = zmq_stopwatch_stop(watch);
    printf("message size: %zu [B]\n", size);
    printf("roundtrip count: %ld\n", count);
    printf("average latency: %.3f [us]\n", (double)us / (count * 2));
}

struct job {
    void *ctx;
    size_t size;
    long count;
    int lat;
};

/* inproc_peer is the second half of inproc_thr and inproc_lat, in a
 * thread of its own as libzmq's tools run it. */
static void *inproc_peer(void *arg)
{
    struct job *j = arg;
    void *s = open_socket(j->ctx, j->lat ? ZMQ_REP : ZMQ_PUSH, "inproc://perf", 0, 0);
    if (j->lat)
        echo(s, j->size, j->count);
    else
        for (long i = 0; i < j->count; i++)
            send_size(s, j->size);
    zmq_close(s);
    return NULL;
}

static int inproc(int lat, size_t size, long count)
{
    void *ctx = zmq_ctx_new();
    void *s = open_socket(ctx, lat ? ZMQ_REQ : ZMQ_PULL, "inproc://perf", 1, 0);
    struct job j = {ctx, size, count, lat};
    pthread_t t;
    if (pthread_create(&t, NULL, inproc_peer, &j) != 0) {
        fprintf(stderr, "%s: pthread_create failed\n", tool);
        return 1;
    }
    if (lat)
        ping(s, size, count);
    else
        sink(s, size, count);
    pthread_join(t, NULL);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

#define PROXY_HWM 10000

static void hwm(void *s)
{
    int v = PROXY_HWM;
    setopt(s, ZMQ_SNDHWM, &v, sizeof v, "ZMQ_SNDHWM");
    setopt(s, ZMQ_RCVHWM, &v, sizeof v, "ZMQ_RCVHWM");
}

struct proxy_job {
    void *ctx;
    size_t size;
    long count; /* for a publisher: its share */
    const char *ep;
};

/* proxy_run is proxy_thr's forwarder: XSUB frontends bound where the
 * publishers connect, an XPUB backend, steered by a REP control socket. */
static void *proxy_run(void *arg)
{
    struct proxy_job *j = arg;
    void *front = zmq_socket(j->ctx, ZMQ_XSUB);
    void *back = zmq_socket(j->ctx, ZMQ_XPUB);
    void *control = zmq_socket(j->ctx, ZMQ_REP);
    if (!front || !back || !control)
        fail("zmq_socket");
    hwm(front);
    hwm(back);
    int one = 1;
    setopt(back, ZMQ_XPUB_NODROP, &one, sizeof one, "ZMQ_XPUB_NODROP");
    if (zmq_bind(front, "inproc://perf_pub1") != 0 || zmq_bind(front, "inproc://perf_pub2") != 0
        || zmq_bind(back, "inproc://perf_backend") != 0 || zmq_bind(control, "inproc://perf_control") != 0)
        fail("zmq_bind");
    zmq_proxy_steerable(front, back, NULL, control);
    zmq_close(front);
    zmq_close(back);
    zmq_close(control);
    return NULL;
}

/* publish waits for the subscription to everything, then sends its share. */
static void *publish(void *arg)
{
    struct proxy_job *j = arg;
    void *s = zmq_socket(j->ctx, ZMQ_XPUB);
    if (!s)
        fail("zmq_socket");
    hwm(s);
    int one = 1;
    setopt(s, ZMQ_XPUB_NODROP, &one, sizeof one, "ZMQ_XPUB_NODROP");
    if (zmq_connect(s, j->ep) != 0)
        fail("zmq_connect");
    char sub[2];
    if (zmq_recv(s, sub, sizeof sub, 0) != 1 || sub[0] != 1) {
        fprintf(stderr, "%s: publisher expected the subscription to everything\n", tool);
        exit(1);
    }
    for (long i = 0; i < j->count; i++)
        send_size(s, j->size);
    zmq_close(s);
    return NULL;
}

static int proxy_thr(size_t size, long count)
{
    void *ctx = zmq_ctx_new();
    struct proxy_job pj = {ctx, size, 0, NULL};
    pthread_t proxy, pubs[2];
    if (pthread_create(&proxy, NULL, proxy_run, &pj) != 0)
        fail("pthread_create");
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    if (!sub)
        fail("zmq_socket");
    hwm(sub);
    setopt(sub, ZMQ_SUBSCRIBE, "", 0, "ZMQ_SUBSCRIBE");
    /* The proxy binds in its thread: retry until it has. */
    while (zmq_connect(sub, "inproc://perf_backend") != 0)
        zmq_sleep(0);
    struct proxy_job jobs[2] = {{ctx, size, count - count / 2, "inproc://perf_pub1"},
                                {ctx, size, count / 2, "inproc://perf_pub2"}};
    void *watch = zmq_stopwatch_start();
    for (int i = 0; i < 2; i++)
        if (pthread_create(&pubs[i], NULL, publish, &jobs[i]) != 0)
            fail("pthread_create");
    for (long i = 0; i < count; i++)
        recv_size(sub, size);
    print_thr(size, count, zmq_stopwatch_stop(watch));
    for (int i = 0; i < 2; i++)
        pthread_join(pubs[i], NULL);
    void *control = zmq_socket(ctx, ZMQ_REQ);
    if (!control || zmq_connect(control, "inproc://perf_control") != 0)
        fail("control");
    if (zmq_send(control, "TERMINATE", 9, 0) != 9)
        fail("zmq_send");
    pthread_join(proxy, NULL);
    zmq_close(control);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return 0;
}

/* streamer forwards from a PULL to a PUSH until the process is killed. */
static int streamer(const char *in, const char *out)
{
    void *ctx = zmq_ctx_new();
    void *pull = open_socket(ctx, ZMQ_PULL, in, 1, 0);
    void *push = open_socket(ctx, ZMQ_PUSH, out, 0, 0);
    zmq_proxy(pull, push, NULL);
    fail("zmq_proxy");
    return 1;
}

/* positive reads a size or count argument. */
static long positive(const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v <= 0) {
        fprintf(stderr, "%s: not a positive number: %s\n", tool, arg);
        exit(1);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    tool = slash ? slash + 1 : argv[0];
    int inproc_tool = !strcmp(tool, "inproc_thr") || !strcmp(tool, "inproc_lat");
    if (inproc_tool) {
        if (argc != 3) {
            fprintf(stderr, "usage: %s <message-size> <%s-count>\n", tool,
                    strstr(tool, "lat") ? "roundtrip" : "message");
            return 1;
        }
        return inproc(strstr(tool, "lat") != NULL, positive(argv[1]), positive(argv[2]));
    }
    if (!strcmp(tool, "proxy_thr")) {
        if (argc != 3) {
            fprintf(stderr, "usage: proxy_thr <message-size> <message-count>\n");
            return 1;
        }
        return proxy_thr(positive(argv[1]), positive(argv[2]));
    }
    if (!strcmp(tool, "streamer")) {
        if (argc != 3) {
            fprintf(stderr, "usage: streamer <bind-in> <connect-out>\n");
            return 1;
        }
        return streamer(argv[1], argv[2]);
    }
    static const char *tools[] = {"local_thr", "remote_thr", "local_lat", "remote_lat"};
    int which = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(tool, tools[i]))
            which = i;
    if (which < 0) {
        fprintf(stderr, "%s: run me as one of local_thr, remote_thr, local_lat, remote_lat, inproc_thr, inproc_lat, proxy_thr, streamer\n", tool);
        return 1;
    }
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: %s <%s> <message-size> <%s-count> [curve]\n", tool,
                which % 2 == 0 ? "bind-to" : "connect-to", which < 2 ? "message" : "roundtrip");
        return 1;
    }
    int curve = argc == 5 && (!strcmp(argv[4], "curve") || atoi(argv[4]) != 0);
    size_t size = positive(argv[2]);
    long count = positive(argv[3]);
    int bind = which % 2 == 0;
    void *ctx = zmq_ctx_new();
    int types[] = {ZMQ_PULL, ZMQ_PUSH, ZMQ_REP, ZMQ_REQ};
    void *s = open_socket(ctx, types[which], argv[1], bind, curve);
    switch (which) {
    case 0:
        sink(s, size, count);
        break;
    case 1:
        for (long i = 0; i < count; i++)
            send_size(s, size);
        break;
    case 2:
        echo(s, size, count);
        break;
    case 3:
        ping(s, size, count);
        break;
    }
    /* The default linger lets remote_thr's queued messages leave. */
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}
