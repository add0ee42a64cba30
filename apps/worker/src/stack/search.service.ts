// Elasticsearch 8 from Maven Central, on the installed JDK. The ES distribution is not on
// Maven Central, but the server and its netty transport are: we lay them out as an ES home
// (lib on the module path, transport-netty4 as a module) and start the node with a small
// launcher (elasticsearch/SluiceElasticsearch.java). Central lacks the `rest-root` module, so
// a stand-in plugin (elasticsearch/SluiceRootPlugin.java) serves `GET /`, which clients ping.
// Also absent: painless scripting, reindex/update-by-query, and language analyzers; Sluice's
// error index needs none of them. There is no security module: it binds to loopback only.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { javaBinary, type MavenDependency, mavenLib, mavenLibPath } from './java-runtime.ts';
import { httpGet, urlPort } from './probes.ts';
import type { ServiceContext, StackService } from './service.ts';
import { StackError } from './service.ts';

export const ES_VERSION = '8.19.21';

const deps: MavenDependency[] = [
  { groupId: 'org.elasticsearch', artifactId: 'elasticsearch', version: ES_VERSION },
  { groupId: 'org.elasticsearch.plugin', artifactId: 'transport-netty4', version: ES_VERSION },
];

const sources = join(dirname(fileURLToPath(import.meta.url)), 'elasticsearch');
const httpPort = (ctx: ServiceContext) => urlPort(ctx.env.SEARCH_URL, 9200);
const transportPort = (ctx: ServiceContext) => httpPort(ctx) + 100;
const esHome = (ctx: ServiceContext) =>
  join(dirname(mavenLibPath(ctx, 'elasticsearch', deps)), 'home');

function jdkTool(ctx: ServiceContext, tool: 'javac' | 'jar'): string {
  const java = javaBinary(ctx);
  const candidate = java === 'java' ? tool : join(dirname(java), tool);
  try {
    execFileSync(candidate, ['--version'], { stdio: 'ignore' });
    return candidate;
  } catch {
    throw new StackError(
      `${tool} not found: the search engine's launcher is compiled on first start and needs a full JDK (sudo apt-get install -y openjdk-17-jdk-headless)`,
    );
  }
}

/** Lay out the ES home from the resolved jars and compile the launcher and root plugin. */
function buildHome(ctx: ServiceContext, lib: string, home: string): void {
  const marker = join(home, '.complete');
  if (existsSync(marker)) return;
  ctx.progress('search: assembling the Elasticsearch home and compiling its launcher');
  rmSync(home, { recursive: true, force: true });
  const netty = join(home, 'modules', 'transport-netty4');
  const root = join(home, 'modules', 'sluice-root');
  for (const d of [join(home, 'lib'), netty, root, join(home, 'launcher'), join(home, 'classes')]) {
    mkdirSync(d, { recursive: true });
  }
  // The transport module takes its own jars (netty, ssl-config); everything else is the server.
  for (const jar of readdirSync(lib)) {
    const module = /^(transport-netty4-|netty-|elasticsearch-ssl-config-)/.test(jar);
    copyFileSync(join(lib, jar), join(module ? netty : join(home, 'lib'), jar));
  }
  const jar = jdkTool(ctx, 'jar');
  const javac = jdkTool(ctx, 'javac');
  const descriptor = `META-INF/es-plugins/transport-netty4/plugin-descriptor.properties`;
  execFileSync(jar, ['xf', `transport-netty4-${ES_VERSION}.jar`, descriptor], { cwd: netty });
  copyFileSync(join(netty, descriptor), join(netty, 'plugin-descriptor.properties'));
  rmSync(join(netty, 'META-INF'), { recursive: true, force: true });

  const cp = join(home, 'lib', '*');
  const compile = (source: string, out: string, jarFile: string) => {
    execFileSync(
      javac,
      ['--release', '17', '-nowarn', '-cp', cp, '-d', out, join(sources, source)],
      {
        stdio: 'pipe',
      },
    );
    execFileSync(jar, ['cf', jarFile, '-C', out, '.']);
  };
  compile('SluiceRootPlugin.java', join(home, 'classes', 'root'), join(root, 'sluice-root.jar'));
  writeFileSync(
    join(root, 'plugin-descriptor.properties'),
    [
      'description=Sluice stand-in for the rest-root module (GET / and HEAD /)',
      'version=1.0',
      'name=sluice-root',
      'classname=sluice.es.root.SluiceRootPlugin',
      'java.version=17',
      `elasticsearch.version=${ES_VERSION}`,
      '',
    ].join('\n'),
  );
  compile(
    'SluiceElasticsearch.java',
    join(home, 'classes', 'launcher'),
    join(home, 'launcher', 'sluice-es-launcher.jar'),
  );
  rmSync(join(home, 'classes'), { recursive: true, force: true });
  writeFileSync(marker, `${new Date().toISOString()}\n`);
}

function writeConfig(ctx: ServiceContext): string {
  const dir = join(ctx.paths.data('search'), 'config');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'elasticsearch.yml'),
    [
      'cluster.name: sluice',
      'node.name: sluice-node',
      'node.roles: [ master, data, ingest ]',
      `path.data: ${join(ctx.paths.data('search'), 'data')}`,
      `path.logs: ${join(ctx.paths.data('search'), 'logs')}`,
      'network.host: 127.0.0.1',
      `http.port: ${httpPort(ctx)}`,
      `transport.port: ${transportPort(ctx)}`,
      'discovery.type: single-node',
      // A development node on a shared disk: do not turn indices read-only at 95% full.
      'cluster.routing.allocation.disk.threshold_enabled: false',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'log4j2.properties'),
    [
      'status = error',
      'appender.console.type = Console',
      'appender.console.name = console',
      'appender.console.layout.type = PatternLayout',
      'appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %marker %m%n',
      'rootLogger.level = info',
      'rootLogger.appenderRef.console.ref = console',
      '',
    ].join('\n'),
  );
  return dir;
}

export const searchService: StackService = {
  name: 'search',
  startTimeoutMs: 180_000,
  stopGraceMs: 30_000,
  ports: (ctx) => [httpPort(ctx), transportPort(ctx)],
  endpoint: (ctx) => ctx.env.SEARCH_URL,

  async prepare(ctx) {
    javaBinary(ctx);
    const lib = await mavenLib(ctx, 'elasticsearch', deps);
    buildHome(ctx, lib, esHome(ctx));
    writeConfig(ctx);
  },

  processes(ctx) {
    const java = ctx.env.JAVA_HOME ? join(ctx.env.JAVA_HOME, 'bin', 'java') : 'java';
    const home = esHome(ctx);
    return [
      {
        name: 'search',
        spec: {
          command: java,
          args: [
            `-Xms${ctx.env.SEARCH_HEAP_MB}m`,
            `-Xmx${ctx.env.SEARCH_HEAP_MB}m`,
            '-XX:+UseG1GC',
            '-XX:+ExitOnOutOfMemoryError',
            '-Dfile.encoding=UTF-8',
            '-Djava.awt.headless=true',
            // Logging must outlive the node's own shutdown hook to record a clean close.
            '-Dlog4j.shutdownHookEnabled=false',
            '-Dlog4j2.disable.jmx=true',
            '-Dlog4j2.formatMsgNoLookups=true',
            '-Dio.netty.noUnsafe=true',
            '-Dio.netty.noKeySetOptimization=true',
            '-Dio.netty.recycler.maxCapacityPerThread=0',
            // ES 8 loads plugins through the module system: the server must be a named module.
            '--module-path',
            join(home, 'lib'),
            '--add-modules',
            'ALL-MODULE-PATH',
            '-cp',
            join(home, 'launcher', 'sluice-es-launcher.jar'),
            'SluiceElasticsearch',
            home,
            join(ctx.paths.data('search'), 'config'),
          ],
        },
      },
    ];
  },

  async health(ctx) {
    const res = await httpGet(`http://127.0.0.1:${httpPort(ctx)}/_cluster/health`);
    if (!res) return { healthy: false, detail: 'no answer' };
    try {
      const status = (JSON.parse(res.body) as { status?: string }).status;
      return {
        healthy: res.status === 200 && (status === 'green' || status === 'yellow'),
        detail: `Elasticsearch ${ES_VERSION}, cluster ${status ?? `HTTP ${res.status}`}`,
      };
    } catch {
      return { healthy: false, detail: `HTTP ${res.status}` };
    }
  },
};
