// JeroMQ peer for the interop tests (peers_test.go); the same protocol as
// peer.py: java -cp jeromq.jar:. Peer ROLE ENDPOINT bind|connect COUNT
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.zeromq.ZMQ;

public class Peer {
    static final byte[] DEALER_ID = b("the-dealer");
    static final byte[][] SYNC = {b("A"), b("sync")};
    static final byte[][][] PUBLISHED = {
        {b("B"), b("not for you")}, {b("A"), b("one"), b(""), big(1)},
        {b(""), b("empty topic")}, {b("AB"), b("two")}, {b("xA"), b("not for you")},
        {b("A"), b("end")}};

    static byte[] b(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static byte[] big(int i) {
        byte[] f = new byte[300];
        for (int j = 0; j < f.length; j++) f[j] = (byte) ((i * 7 + j) % 256);
        return f;
    }

    static byte[][] msg(String tag, int i) {
        return new byte[][] {b(tag + "-" + i), b(""), big(i)};
    }

    static byte[][] routed(byte[][] m) {
        byte[][] out = new byte[m.length + 1][];
        out[0] = DEALER_ID;
        System.arraycopy(m, 0, out, 1, m.length);
        return out;
    }

    static void fail(String why) {
        System.err.println(why);
        System.exit(1);
    }

    static void send(ZMQ.Socket s, byte[][] m) {
        for (int i = 0; i < m.length; i++)
            if (!s.send(m[i], i < m.length - 1 ? ZMQ.SNDMORE : 0)) fail("send timed out");
    }

    static byte[][] recv(ZMQ.Socket s) {
        List<byte[]> m = new ArrayList<>();
        do {
            byte[] f = s.recv(0);
            if (f == null) fail("receive timed out");
            m.add(f);
        } while (s.hasReceiveMore());
        return m.toArray(new byte[0][]);
    }

    static String show(byte[][] m) {
        StringBuilder sb = new StringBuilder("[");
        for (byte[] f : m) sb.append(f.length > 64 ? f.length + " bytes" : "\"" + new String(f) + "\"").append(' ');
        return sb.append(']').toString();
    }

    static void expect(ZMQ.Socket s, byte[][] want) {
        byte[][] got = recv(s);
        if (!Arrays.deepEquals(got, want)) fail("received " + show(got) + ", want " + show(want));
    }

    public static void main(String[] args) throws Exception {
        String role = args[0], ep = args[1], mode = args[2];
        int n = Integer.parseInt(args[3]);
        String[] roles = {"req", "rep", "push", "pull", "pub", "sub", "router", "dealer"};
        int[] types = {ZMQ.REQ, ZMQ.REP, ZMQ.PUSH, ZMQ.PULL, ZMQ.PUB, ZMQ.SUB, ZMQ.ROUTER, ZMQ.DEALER};
        ZMQ.Context ctx = ZMQ.context(1);
        ZMQ.Socket s = ctx.socket(types[Arrays.asList(roles).indexOf(role)]);
        s.setLinger(1000);
        s.setReceiveTimeOut(5000);
        s.setSendTimeOut(5000);
        if (role.equals("dealer")) s.setIdentity(DEALER_ID);
        if (role.equals("sub")) s.subscribe(b("A"));
        if (mode.equals("bind")) {
            int port = s.bindToRandomPort(ep.replaceFirst(":\\*$", ""));
            System.out.println("endpoint tcp://127.0.0.1:" + port);
            System.out.flush();
        } else {
            s.connect(ep);
        }
        for (int i = 0; i < n && !role.equals("pub") && !role.equals("sub"); i++) {
            switch (role) {
                case "req": send(s, msg("req", i)); expect(s, msg("rep", i)); break;
                case "rep": expect(s, msg("req", i)); send(s, msg("rep", i)); break;
                case "push": send(s, msg("push", i)); break;
                case "pull": expect(s, msg("push", i)); break;
                case "dealer": send(s, msg("dealer", i)); expect(s, msg("router", i)); break;
                case "router": expect(s, routed(msg("dealer", i))); send(s, routed(msg("router", i))); break;
            }
        }
        if (role.equals("pub")) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.in.available() == 0) {
                if (System.nanoTime() > deadline) fail("no subscriber confirmed within 10 s");
                send(s, SYNC);
                Thread.sleep(20);
            }
            for (byte[][] m : PUBLISHED) send(s, m);
        }
        if (role.equals("sub")) {
            expect(s, SYNC);
            System.out.println("synced");
            System.out.flush();
            for (int k : new int[] {1, 3, 5}) {
                byte[][] got = recv(s);
                while (Arrays.deepEquals(got, SYNC)) got = recv(s);
                if (!Arrays.deepEquals(got, PUBLISHED[k])) fail("received " + show(got) + ", want " + show(PUBLISHED[k]));
            }
        }
        s.close();
        ctx.term();
        System.out.println("ok " + role + " " + n);
    }
}
