// `flowgate deploy compose`: the whole local stack as one docker-compose project — the Flowgate server, a serving
// replica of a deployment (`models serve --deployment`), Prometheus with the shipped alert rules and Grafana with
// the shipped dashboard, provisioned. Flowgate's image is built from the npm package placed in the directory, so
// `docker compose up` needs nothing but the directory. No secret is written: tokens come from the environment.
import { copyFile, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { invalidParameter } from "../../core/errors.js";
import { FLOWGATE_VERSION, MLFLOW_COMPAT_VERSION } from "../../core/version.js";
import { DEFAULT_NODE_IMAGE, IMAGE_USER } from "../image/dockerfile.js";
import { FLOWGATE_ROOT, PACKAGE_FILE, placeFlowgatePackage } from "../image/flowgate-package.js";

export interface ComposeOptions {
  outputDir: string;
  /** The deployment the serving replica serves. */
  deployment: string;
  serverPort: number;
  servingPort: number;
  prometheusPort: number;
  grafanaPort: number;
  /** A flowgate tarball instead of `npm pack` of the running installation. */
  flowgatePackage?: string | undefined;
}

export interface ComposeResult {
  dir: string;
  composeFile: string;
  files: string[];
}

/** Images of the stack's other parts, pinned: a local stack that changes under you is no reference. */
export const STACK_IMAGES = {
  python: "python:3.11.9-slim-bookworm",
  prometheus: "prom/prometheus:v3.5.0",
  grafana: "grafana/grafana:12.1.0",
} as const;

/** What serving needs in Python to convert scikit-learn models to ONNX and run the rest (setup-python.sh's pins). */
export const STACK_PYTHON_REQUIREMENTS = [
  `mlflow==${MLFLOW_COMPAT_VERSION}`,
  "scikit-learn==1.7.2",
  "skl2onnx==1.20.0",
  "onnx==1.23.2",
  "onnxruntime==1.32.0",
];

const DATASOURCE_UID = "prometheus";

export async function generateComposeStack(options: ComposeOptions): Promise<ComposeResult> {
  const dir = path.resolve(options.outputDir);
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(options.deployment))
    throw invalidParameter(
      `--deployment '${options.deployment}' is not a deployment name (lower-case letters, digits and '-').`,
    );
  await requireEmptyDir(dir);
  for (const sub of [
    "flowgate",
    "prometheus/rules",
    "grafana/provisioning/datasources",
    "grafana/provisioning/dashboards",
    "grafana/dashboards",
  ])
    await mkdir(path.join(dir, sub), { recursive: true });
  await placeFlowgatePackage(path.join(dir, "flowgate"), options.flowgatePackage);
  await writeFile(path.join(dir, "flowgate", "Dockerfile"), renderFlowgateDockerfile());
  await writeFile(
    path.join(dir, "flowgate", "requirements.txt"),
    `${STACK_PYTHON_REQUIREMENTS.join("\n")}\n`,
  );
  await writeFile(path.join(dir, "flowgate", ".dockerignore"), `*\n!${PACKAGE_FILE}\n!requirements.txt\n`);
  await copyFile(
    path.join(FLOWGATE_ROOT, "ops/prometheus/flowgate-alerts.yml"),
    path.join(dir, "prometheus/rules/flowgate-alerts.yml"),
  );
  await writeFile(path.join(dir, "prometheus/prometheus.yml"), renderPrometheusConfig(options));
  await writeFile(path.join(dir, "grafana/provisioning/datasources/prometheus.yml"), renderDatasource());
  await writeFile(path.join(dir, "grafana/provisioning/dashboards/flowgate.yml"), renderDashboardProvider());
  await writeFile(
    path.join(dir, "grafana/dashboards/flowgate-dashboard.json"),
    provisionedDashboard(
      await readFile(path.join(FLOWGATE_ROOT, "ops/grafana/flowgate-dashboard.json"), "utf8"),
    ),
  );
  const composeFile = path.join(dir, "docker-compose.yml");
  await writeFile(composeFile, renderCompose(options));
  return { dir, composeFile, files: await listFiles(dir) };
}

export function renderCompose(o: ComposeOptions): string {
  const flowgateImage = `flowgate-local:${FLOWGATE_VERSION}`;
  const health = (port: number) => ({
    test: [
      "CMD",
      "node",
      "-e",
      `fetch('http://127.0.0.1:${port}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
    ],
    interval: "10s",
    timeout: "3s",
    retries: 5,
    start_period: "30s",
  });
  const doc = {
    name: "flowgate",
    services: {
      "flowgate-server": {
        build: { context: "./flowgate" },
        image: flowgateImage,
        user: IMAGE_USER,
        command: [
          "server",
          "--host",
          "0.0.0.0",
          "--port",
          "5000",
          "--backend-store-uri",
          "sqlite:////data/flowgate.db",
          "--artifacts-destination",
          "/data/artifacts",
          "--cache-dir",
          "/data/cache",
          "--allowed-hosts",
          "flowgate-server",
        ],
        ports: [`${o.serverPort}:5000`],
        volumes: ["flowgate-data:/data"],
        healthcheck: health(5000),
        restart: "unless-stopped",
      },
      serving: {
        image: flowgateImage,
        user: IMAGE_USER,
        command: [
          "models",
          "serve",
          "--deployment",
          o.deployment,
          "--tracking-uri",
          "http://flowgate-server:5000",
          "--host",
          "0.0.0.0",
          "--port",
          "8080",
          "--cache-dir",
          "/cache",
        ],
        environment: {
          // From the shell or an .env file beside this one, never written here: a `service` account's token.
          MLFLOW_TRACKING_TOKEN: "${MLFLOW_TRACKING_TOKEN:-}",
        },
        ports: [`${o.servingPort}:8080`],
        volumes: ["serving-cache:/cache"],
        depends_on: { "flowgate-server": { condition: "service_healthy" } },
        healthcheck: health(8080),
        restart: "unless-stopped",
      },
      prometheus: {
        image: STACK_IMAGES.prometheus,
        command: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.retention.time=7d"],
        ports: [`${o.prometheusPort}:9090`],
        volumes: ["./prometheus:/etc/prometheus:ro", "prometheus-data:/prometheus"],
        depends_on: ["flowgate-server", "serving"],
        restart: "unless-stopped",
      },
      grafana: {
        image: STACK_IMAGES.grafana,
        environment: {
          GF_AUTH_ANONYMOUS_ENABLED: "true",
          GF_AUTH_ANONYMOUS_ORG_ROLE: "Viewer",
          GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: "/var/lib/grafana/dashboards/flowgate-dashboard.json",
        },
        ports: [`${o.grafanaPort}:3000`],
        volumes: [
          "./grafana/provisioning:/etc/grafana/provisioning:ro",
          "./grafana/dashboards:/var/lib/grafana/dashboards:ro",
          "grafana-data:/var/lib/grafana",
        ],
        depends_on: ["prometheus"],
        restart: "unless-stopped",
      },
    },
    volumes: { "flowgate-data": {}, "serving-cache": {}, "prometheus-data": {}, "grafana-data": {} },
  };
  return `# The Flowgate local stack, generated by flowgate ${FLOWGATE_VERSION} (flowgate deploy compose).
# docker compose up -d --build   → server :${o.serverPort}, serving of deployment '${o.deployment}' :${o.servingPort},
# Prometheus :${o.prometheusPort} (the shipped alert rules), Grafana :${o.grafanaPort} (the shipped dashboard).
# Create the deployment on the server first (flowgate deployments create ${o.deployment} …); serving waits for it.
${stringify(doc, { lineWidth: 0 })}`;
}

/** The Flowgate image of the stack: server and serving, with the Python that converts and serves models. */
export function renderFlowgateDockerfile(): string {
  return `# Flowgate for the local stack: the server and \`models serve\`, generated by flowgate ${FLOWGATE_VERSION}.
ARG NODE_IMAGE=${DEFAULT_NODE_IMAGE}
ARG PYTHON_IMAGE=${STACK_IMAGES.python}

FROM \${NODE_IMAGE} AS flowgate
WORKDIR /opt/flowgate
COPY ${PACKAGE_FILE} /tmp/${PACKAGE_FILE}
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm install --omit=dev --no-audit --no-fund --prefix /opt/flowgate /tmp/${PACKAGE_FILE} \\
    && rm -rf /opt/flowgate/node_modules/onnxruntime-node/bin/napi-v6/darwin \\
              /opt/flowgate/node_modules/onnxruntime-node/bin/napi-v6/win32 \\
              /tmp/${PACKAGE_FILE} /root/.npm

# Serving converts scikit-learn models to ONNX (skl2onnx) and runs any other pyfunc in Python workers.
FROM \${PYTHON_IMAGE} AS python-deps
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

FROM \${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="flowgate" \\
      org.opencontainers.image.version="${FLOWGATE_VERSION}"
COPY --from=flowgate /usr/local/bin/node /usr/local/bin/node
COPY --from=python-deps /opt/venv /opt/venv
COPY --from=flowgate /opt/flowgate/node_modules /opt/flowgate/node_modules
ENV NODE_ENV=production \\
    HOME=/tmp \\
    FLOWGATE_PYTHON=/opt/venv/bin/python
# Mount points of the named volumes: a new volume takes the owner of the directory it is mounted on.
RUN mkdir -p /data /cache && chown ${IMAGE_USER} /data /cache
USER ${IMAGE_USER}
EXPOSE 5000 8080
ENTRYPOINT ["node", "/opt/flowgate/node_modules/flowgate/bin/flowgate.js"]
CMD ["server", "--host", "0.0.0.0"]
`;
}

export function renderPrometheusConfig(o: ComposeOptions): string {
  return `# Prometheus for the Flowgate local stack: scrapes the server and the serving replica, loads the shipped rules.
# With the server started with --auth, give the server job a token: authorization: {credentials_file: …}.
${stringify(
  {
    global: { scrape_interval: "15s", evaluation_interval: "15s" },
    rule_files: ["/etc/prometheus/rules/flowgate-alerts.yml"],
    scrape_configs: [
      { job_name: "flowgate-server", static_configs: [{ targets: ["flowgate-server:5000"] }] },
      {
        job_name: "flowgate-serving",
        static_configs: [{ targets: ["serving:8080"], labels: { deployment: o.deployment } }],
      },
    ],
  },
  { lineWidth: 0 },
)}`;
}

function renderDatasource(): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        uid: DATASOURCE_UID,
        type: "prometheus",
        access: "proxy",
        url: "http://prometheus:9090",
        isDefault: true,
      },
    ],
  });
}

function renderDashboardProvider(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: "flowgate",
        folder: "Flowgate",
        type: "file",
        disableDeletion: true,
        options: { path: "/var/lib/grafana/dashboards" },
      },
    ],
  });
}

/**
 * The shipped dashboard is in Grafana's export form (`__inputs`, `${DS_PROMETHEUS}`), which only the import UI
 * resolves; a provisioned copy names the provisioned data source instead.
 */
export function provisionedDashboard(exported: string): string {
  const dashboard = JSON.parse(exported.replaceAll("${DS_PROMETHEUS}", DATASOURCE_UID)) as Record<
    string,
    unknown
  >;
  delete dashboard.__inputs;
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

async function requireEmptyDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) return mkdir(dir, { recursive: true }).then(() => undefined);
  if (!info.isDirectory() || (await readdir(dir)).length > 0)
    throw invalidParameter(`'${dir}' is not a new or empty directory; the stack is written into one.`);
}

async function listFiles(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, child)));
    else out.push(child);
  }
  return out.sort();
}
