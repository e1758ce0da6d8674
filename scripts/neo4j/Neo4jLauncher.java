// A throw-away Neo4j 5 Community server for tests and local development, without Docker.
//
// Run as a single-file program on the jars that pom.xml fetches from Maven Central:
//   java -Xmx1g -cp 'lib/*' Neo4jLauncher.java <home-dir> <bolt-port> <pagecache-MiB>
// It embeds the DBMS (DatabaseManagementServiceBuilder) with the Bolt connector on 127.0.0.1,
// prints "NEO4J_READY" once the default database answers, and shuts down cleanly on SIGTERM
// or when its standard input closes (so a crashed parent never leaves a server behind).
import java.nio.file.Path;
import java.time.Duration;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

public class Neo4jLauncher {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Neo4jLauncher <home-dir> <bolt-port> <pagecache-MiB> [watch-stdin]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        long pageCacheMiB = Long.parseLong(args[2]);
        boolean watchStdin = args.length < 4 || !args[3].equals("no-stdin");

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(HttpConnector.enabled, false)
                // Loopback-only, throw-away data: authentication would only add a set-up step.
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMiB))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        while (!db.isAvailable(Duration.ofSeconds(1).toMillis())) {
            // wait for the default database to come online
        }
        System.out.println("NEO4J_READY bolt://127.0.0.1:" + port);
        System.out.flush();

        if (watchStdin) {
            // The parent holds our stdin open; EOF means it is gone, so stop.
            while (System.in.read() != -1) {
                // discard
            }
            System.exit(0);
        } else {
            Thread.currentThread().join();
        }
    }
}
