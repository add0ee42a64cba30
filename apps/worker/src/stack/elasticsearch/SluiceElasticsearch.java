import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * Minimal single-node Elasticsearch launcher (replaces bin/elasticsearch + server-cli).
 * Usage: java [jvm opts] --module-path HOME/lib --add-modules ALL-MODULE-PATH \
 *             -cp HOME/launcher/sluice-es-launcher.jar SluiceElasticsearch HOME [CONFIG_DIR]
 * HOME must contain lib/ and modules/; CONFIG_DIR (default HOME/config) must contain
 * elasticsearch.yml and log4j2.properties. Any -Des.setting.<key>=<value> system property is
 * applied as node setting <key> (overrides elasticsearch.yml), e.g. -Des.setting.http.port=9200.
 */
public final class SluiceElasticsearch {
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: SluiceElasticsearch <es-home> [config-dir]");
      System.exit(2);
    }
    final Path home = Paths.get(args[0]).toAbsolutePath();
    final Path conf = args.length > 1 ? Paths.get(args[1]).toAbsolutePath() : home.resolve("config");

    LogConfigurator.configureESLogging();      // must run before any ES class logs
    LogConfigurator.registerErrorListener();

    final Settings.Builder input = Settings.builder().put("path.home", home.toString());
    System.getProperties().stringPropertyNames().stream()
        .filter(k -> k.startsWith("es.setting."))
        .forEach(k -> input.put(k.substring("es.setting.".length()), System.getProperty(k)));

    final Environment env = InternalSettingsPreparer.prepareEnvironment(input.build(), Map.of(), conf, () -> "sluice-node");
    LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(env.settings()));
    LogConfigurator.configure(env, true);      // true = also log to console (stdout)

    final PluginsLoader plugins = PluginsLoader.createPluginsLoader(
        PluginsLoader.loadModulesBundles(env.modulesDir()),
        PluginsLoader.loadPluginsBundles(env.pluginsDir()),
        Map.of());
    final Node node = new Node(env, plugins);

    final CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.prepareForClose();
        node.close();
        if (!node.awaitClose(30, TimeUnit.SECONDS)) {
          System.err.println("node did not close within 30s");
        }
      } catch (Throwable t) {
        t.printStackTrace();
      } finally {
        closed.countDown();
      }
    }, "sluice-es-shutdown"));

    try {
      node.start();
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1);
    }
    closed.await(); // keep the JVM alive; SIGTERM/SIGINT run the hook above
  }
}
