package sluice.es.root;

import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.elasticsearch.Build;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

/** Stand-in for the unpublished `rest-root` module: serves GET / and HEAD / (client.info()/ping()). */
public class SluiceRootPlugin extends Plugin implements ActionPlugin {
  private final String nodeName;
  private volatile ClusterService clusterService;

  public SluiceRootPlugin(Settings settings) {
    this.nodeName = Node.NODE_NAME_SETTING.get(settings);
  }

  @Override
  public Collection<?> createComponents(PluginServices services) {
    this.clusterService = services.clusterService();
    return List.of();
  }

  @Override
  public Collection<RestHandler> getRestHandlers(Settings settings, NamedWriteableRegistry registry, RestController restController,
      ClusterSettings clusterSettings, IndexScopedSettings indexScopedSettings, SettingsFilter settingsFilter,
      IndexNameExpressionResolver resolver, Supplier<DiscoveryNodes> nodesInCluster, Predicate<NodeFeature> clusterSupportsFeature) {
    return List.of(new BaseRestHandler() {
      @Override public String getName() { return "sluice_main_action"; }
      @Override public List<Route> routes() {
        return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
      }
      @Override protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        return channel -> {
          final ClusterState state = clusterService.state();
          final Build build = Build.current();
          final XContentBuilder b = channel.newBuilder();
          b.startObject()
              .field("name", nodeName)
              .field("cluster_name", state.getClusterName().value())
              .field("cluster_uuid", state.metadata().clusterUUID())
              .startObject("version")
              .field("number", build.qualifiedVersion())
              .field("build_flavor", build.flavor())
              .field("build_type", build.type().displayName())
              .field("build_hash", build.hash())
              .field("build_date", build.date())
              .field("build_snapshot", build.isSnapshot())
              .field("lucene_version", IndexVersion.current().luceneVersion().toString())
              .field("minimum_wire_compatibility_version", build.minWireCompatVersion())
              .field("minimum_index_compatibility_version", build.minIndexCompatVersion())
              .endObject()
              .field("tagline", "You Know, for Search")
              .endObject();
          channel.sendResponse(new RestResponse(RestStatus.OK, b));
        };
      }
    });
  }
}
