// A small service that leaks the four ways the memory-leak runbook (step 4) lists, so heap dumps of
// it exercise every leak-suspect category with known owners:
//   - an unbounded cache: a static HashMap that only ever grows (SessionCache.ENTRIES),
//   - listeners never deregistered: an EventBus whose ArrayList of listeners only grows,
//   - connections never closed: loopback sockets and file streams opened and forgotten,
//   - thread-local accumulation: pooled worker threads whose ThreadLocal buffers keep growing.
// Usage: java LeakyService [--cache-mb N] [--payload-bytes N] [--listeners N] [--connections N]
//                          [--threads N] [--thread-local-chunks N]
// Prints "READY <pid>" once the heap is built and quiescent, then parks until stdin closes or
// 10 minutes pass, so jcmd can take a class histogram and a heap dump of the same live heap.

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public final class LeakyService {
    /** The leak the analyser must rank first: entries are added per request and never evicted. */
    static final class SessionCache {
        static final Map<String, Session> ENTRIES = new HashMap<>();

        static void remember(String key, Session s) { ENTRIES.put(key, s); }
    }

    static final class Session {
        final long createdAt;
        final String user;
        final byte[] payload;
        final int[] counters;
        Session next;

        Session(long createdAt, String user, int payloadBytes) {
            this.createdAt = createdAt;
            this.user = user;
            this.payload = new byte[payloadBytes];
            this.counters = new int[4];
        }
    }

    interface OrderListener {
        void onOrder(long id);
    }

    static final class EventBus {
        static final EventBus INSTANCE = new EventBus();
        final List<OrderListener> listeners = new ArrayList<>();

        void register(OrderListener l) { listeners.add(l); }
    }

    /** A listener registered per request and never removed; it drags its request context along. */
    static final class RequestScopedListener implements OrderListener {
        final long requestId;
        final char[] context;

        RequestScopedListener(long requestId) {
            this.requestId = requestId;
            this.context = new char[16];
        }

        @Override
        public void onOrder(long id) { }
    }

    /** A connection wrapper whose close() is skipped on an error path. */
    static final class BackendConnection {
        static final List<BackendConnection> OPEN = new ArrayList<>();
        final Socket socket;
        final byte[] buffer = new byte[1024];

        BackendConnection(Socket socket) { this.socket = socket; }
    }

    static final ThreadLocal<List<byte[]>> SCRATCH = ThreadLocal.withInitial(ArrayList::new);

    static final class Options {
        long cacheBytes = 8L << 20;
        int listeners = 20000;
        int connections = 16;
        int threads = 4;
        int threadLocalChunks = 200;
        int payloadBytes = 64;
    }

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i + 1 < args.length; i += 2) {
            long v = Long.parseLong(args[i + 1]);
            switch (args[i]) {
            case "--cache-mb" -> o.cacheBytes = v << 20;
            case "--listeners" -> o.listeners = (int) v;
            case "--connections" -> o.connections = (int) v;
            case "--threads" -> o.threads = (int) v;
            case "--thread-local-chunks" -> o.threadLocalChunks = (int) v;
            case "--payload-bytes" -> o.payloadBytes = (int) v;
            default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        return o;
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);

        // Unbounded cache: about cacheBytes of sessions (payload plus object overhead).
        long perSession = o.payloadBytes + 160;
        long sessions = Math.max(1, o.cacheBytes / perSession);
        Session previous = null;
        for (long i = 0; i < sessions; i++) {
            Session s = new Session(i, "user-" + (i % 5000), o.payloadBytes);
            if (i % 8 == 0)
                s.next = previous;
            previous = s;
            SessionCache.remember("session-" + i, s);
        }

        for (int i = 0; i < o.listeners; i++)
            EventBus.INSTANCE.register(new RequestScopedListener(i));

        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> accepted = new ArrayList<>();
        List<InputStream> forgottenStreams = new ArrayList<>();
        Path scratchFile = Files.createTempFile("leaky", ".dat");
        scratchFile.toFile().deleteOnExit();
        for (int i = 0; i < o.connections; i++) {
            BackendConnection.OPEN.add(new BackendConnection(new Socket(server.getInetAddress(), server.getLocalPort())));
            accepted.add(server.accept());
            forgottenStreams.add(new FileInputStream(scratchFile.toFile()));
        }

        // Thread-local accumulation: each pooled worker keeps appending to its ThreadLocal list.
        CountDownLatch filled = new CountDownLatch(o.threads);
        CountDownLatch stop = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < o.threads; t++) {
            Thread w = new Thread(() -> {
                for (int i = 0; i < o.threadLocalChunks; i++)
                    SCRATCH.get().add(new byte[512]);
                filled.countDown();
                try {
                    stop.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "worker-" + t);
            w.setDaemon(true);
            w.start();
            workers.add(w);
        }
        filled.await();

        System.gc();
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();

        // Park without allocating: jcmd needs a quiescent heap to compare histogram and dump.
        Thread stdinWatcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) { }
            } catch (IOException ignored) {
            }
            stop.countDown();
        }, "stdin-watcher");
        stdinWatcher.setDaemon(true);
        stdinWatcher.start();
        stop.await(10, TimeUnit.MINUTES);
        System.out.println("bye " + SessionCache.ENTRIES.size() + " " + accepted.size() + " " + forgottenStreams.size()
            + " " + workers.size());
    }
}
