package io.registrygc.e2e.support;

import io.registrygc.broker.BrokerAddress;
import io.registrygc.broker.PartitionQueue;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;

/**
 * The RabbitMQ broker of the remote-worker tests: {@code REGISTRY_GC_TEST_BROKER}, else the local one
 * ({@code amqp://guest:guest@127.0.0.1:5672}, which .ci/run installs and starts). Where none answers the tests are
 * skipped, except with {@code REGISTRY_GC_REQUIRE_E2E=true}.
 */
public final class Broker {

    private Broker() {
    }

    public static String url() {
        String url = System.getenv("REGISTRY_GC_TEST_BROKER");
        return url == null || url.isBlank() ? "amqp://guest:guest@127.0.0.1:5672" : url;
    }

    /** The broker's URL, once it answers; its partition queue emptied of what earlier tests left. */
    public static String require() {
        BrokerAddress broker = BrokerAddress.parse(url());
        int port = broker.uri().getPort() < 0 ? 5672 : broker.uri().getPort();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(broker.uri().getHost(), port), 2000);
        } catch (IOException e) {
            String message = "no RabbitMQ broker answers at " + broker.describe() + " (" + e.getMessage() + ")";
            if ("true".equalsIgnoreCase(System.getenv("REGISTRY_GC_REQUIRE_E2E"))) {
                throw new IllegalStateException(message + "; REGISTRY_GC_REQUIRE_E2E=true requires the remote-worker tests to run");
            }
            Assumptions.abort(message + ": remote-worker test skipped");
        }
        purge();
        return url();
    }

    /** Empties the partition queue (requests of runs that failed stay there until a worker drops them). */
    public static void purge() {
        withAdmin(admin -> {
            admin.declareQueue(new Queue(PartitionQueue.NAME, true));
            admin.purgeQueue(PartitionQueue.NAME, false);
            return null;
        });
    }

    /** The requests waiting in the partition queue. */
    public static long queued() {
        return withAdmin(admin -> {
            QueueInformation info = admin.getQueueInfo(PartitionQueue.NAME);
            return info == null ? 0L : info.getMessageCount();
        });
    }

    private static <T> T withAdmin(Function<RabbitAdmin, T> work) {
        CachingConnectionFactory connections = PartitionQueue.connections(BrokerAddress.parse(url()));
        try {
            return work.apply(new RabbitAdmin(connections));
        } finally {
            connections.destroy();
        }
    }
}
