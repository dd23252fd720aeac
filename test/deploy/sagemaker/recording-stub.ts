// A recording stand-in for the SageMaker control plane, for what moto cannot do: moto has no UpdateEndpoint, so
// add and replace are tested against this loopback server, as MLflow's own SageMaker tests do with their mocks.
// It speaks SageMaker's real wire protocol (AWS JSON 1.1: POST / with X-Amz-Target "SageMaker.<Operation>",
// SigV4-signed by the real AWS SDK), keeps models, endpoint configs and endpoints in memory with SageMaker's
// state machine (Creating/Updating → InService; an update can be rolled back), and records every call's
// parameters and signing scope so tests assert exactly what was sent. Only the operations Flowgate uses exist;
// any other is refused, so a new call cannot go untested.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SageMaker's request and response JSON, of many shapes
type Wire = Record<string, any>;

export interface RecordedCall {
  operation: string;
  params: Wire;
  /** The SigV4 credential scope: `<key id>/<date>/<region>/<service>/aws4_request`. */
  scope: string | undefined;
}

interface Endpoint {
  name: string;
  config: string;
  status: string;
  failureReason?: string;
  created: number;
  modified: number;
  /** Describes left before the current transition settles. */
  pending: number;
  /** The config a transition moves to; on a rollback the endpoint stays on `config`. */
  target?: string;
  rollBack?: string;
}

export interface StubOptions {
  /** How many DescribeEndpoint calls show Creating/Updating before the endpoint settles (default 1). */
  settleAfter?: number;
}

export interface SageMakerStub {
  url: string;
  calls: RecordedCall[];
  /** The operations called, in order. */
  operations(): string[];
  /** Makes the next UpdateEndpoint fail its deployment: SageMaker rolls back to the old config, with this reason. */
  rollBackNextUpdate(reason: string): void;
  /** Keeps every later transition in progress for ever (for timeouts). */
  neverSettle(): void;
  models: Map<string, Wire>;
  configs: Map<string, Wire>;
  endpoints: Map<string, Endpoint>;
  close(): Promise<void>;
}

const ACCOUNT = "123456789012";

export async function startSageMakerStub(options: StubOptions = {}): Promise<SageMakerStub> {
  const calls: RecordedCall[] = [];
  const models = new Map<string, Wire>();
  const configs = new Map<string, Wire>();
  const endpoints = new Map<string, Endpoint>();
  let rollBack: string | undefined;
  let settleAfter = options.settleAfter ?? 1;
  let region = "us-east-1";
  let clock = Math.floor(Date.now() / 1000);
  const tick = (): number => ++clock;

  const arn = (kind: string, name: string): string =>
    `arn:aws:sagemaker:${region}:${ACCOUNT}:${kind}/${name}`;
  const missing = (kind: string, name: string): never => {
    throw new StubError("ValidationException", `Could not find ${kind} "${name}".`);
  };
  const exists = (kind: string, name: string): never => {
    throw new StubError("ValidationException", `Cannot create already existing ${kind} "${name}".`);
  };

  const describeEndpoint = (e: Endpoint): Wire => {
    if (e.pending > 0) e.pending -= 1;
    else if (e.target !== undefined) {
      if (e.rollBack !== undefined && e.status === "Updating") {
        e.status = "RollingBack";
      } else {
        if (e.rollBack !== undefined) e.failureReason = e.rollBack;
        else e.config = e.target;
        e.status = "InService";
        e.target = undefined;
        e.rollBack = undefined;
        e.modified = tick();
      }
    } else if (e.status === "Creating") {
      e.status = "InService";
      e.modified = tick();
    }
    const config = configs.get(e.config) as Wire;
    return {
      EndpointName: e.name,
      EndpointArn: arn("endpoint", e.name),
      EndpointConfigName: e.config,
      EndpointStatus: e.status,
      ...(e.failureReason !== undefined ? { FailureReason: e.failureReason } : {}),
      ...(config.DataCaptureConfig !== undefined
        ? { DataCaptureConfig: { EnableCapture: config.DataCaptureConfig.EnableCapture === true } }
        : {}),
      ProductionVariants: (config.ProductionVariants as Wire[]).map((v) => ({
        VariantName: v.VariantName,
        CurrentWeight: v.InitialVariantWeight,
        DesiredWeight: v.InitialVariantWeight,
        CurrentInstanceCount: v.InitialInstanceCount,
        DesiredInstanceCount: v.InitialInstanceCount,
      })),
      ...(e.target !== undefined
        ? { PendingDeploymentSummary: { EndpointConfigName: e.target, ProductionVariants: [] } }
        : {}),
      CreationTime: e.created,
      LastModifiedTime: e.modified,
    };
  };

  const operations: Record<string, (p: Wire) => Wire> = {
    CreateModel: (p) => {
      if (models.has(p.ModelName)) exists("model", p.ModelName);
      models.set(p.ModelName, { ...p, ModelArn: arn("model", p.ModelName), CreationTime: tick() });
      return { ModelArn: arn("model", p.ModelName) };
    },
    DescribeModel: (p) => models.get(p.ModelName) ?? missing("model", p.ModelName),
    DeleteModel: (p) => {
      if (!models.delete(p.ModelName)) missing("model", p.ModelName);
      return {};
    },
    CreateEndpointConfig: (p) => {
      if (configs.has(p.EndpointConfigName)) exists("endpoint configuration", p.EndpointConfigName);
      for (const v of p.ProductionVariants as Wire[]) {
        if (!models.has(v.ModelName)) missing("model", v.ModelName);
      }
      const configArn = arn("endpoint-config", p.EndpointConfigName);
      configs.set(p.EndpointConfigName, { ...p, EndpointConfigArn: configArn, CreationTime: tick() });
      return { EndpointConfigArn: configArn };
    },
    DescribeEndpointConfig: (p) =>
      configs.get(p.EndpointConfigName) ?? missing("endpoint configuration", p.EndpointConfigName),
    DeleteEndpointConfig: (p) => {
      if (!configs.delete(p.EndpointConfigName)) missing("endpoint configuration", p.EndpointConfigName);
      return {};
    },
    CreateEndpoint: (p) => {
      if (endpoints.has(p.EndpointName)) exists("endpoint", p.EndpointName);
      if (!configs.has(p.EndpointConfigName)) missing("endpoint configuration", p.EndpointConfigName);
      const now = tick();
      endpoints.set(p.EndpointName, {
        name: p.EndpointName,
        config: p.EndpointConfigName,
        status: "Creating",
        created: now,
        modified: now,
        pending: settleAfter,
      });
      return { EndpointArn: arn("endpoint", p.EndpointName) };
    },
    DescribeEndpoint: (p) =>
      describeEndpoint(endpoints.get(p.EndpointName) ?? missing("endpoint", p.EndpointName)),
    UpdateEndpoint: (p) => {
      const e = endpoints.get(p.EndpointName) ?? missing("endpoint", p.EndpointName);
      if (!configs.has(p.EndpointConfigName)) missing("endpoint configuration", p.EndpointConfigName);
      if (e.status !== "InService" && e.status !== "Failed") {
        throw new StubError("ValidationException", `Cannot update in-progress endpoint "${e.name}".`);
      }
      Object.assign(e, {
        status: "Updating",
        target: p.EndpointConfigName,
        pending: settleAfter,
        modified: tick(),
      });
      if (rollBack !== undefined) e.rollBack = rollBack;
      rollBack = undefined;
      return { EndpointArn: arn("endpoint", e.name) };
    },
    DeleteEndpoint: (p) => {
      if (!endpoints.delete(p.EndpointName)) missing("endpoint", p.EndpointName);
      return {};
    },
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const operation = target.replace(/^SageMaker\./, "");
      const scope = /Credential=([^,]+)/.exec(String(req.headers.authorization ?? ""))?.[1];
      let params: Wire;
      try {
        params = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      } catch {
        params = {};
      }
      calls.push({ operation, params, scope });
      if (scope !== undefined) region = scope.split("/")[2] ?? region;
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(body));
      };
      const handler = target.startsWith("SageMaker.") ? operations[operation] : undefined;
      if (handler === undefined) {
        send(400, { __type: "UnknownOperationException", message: `The stub has no operation '${target}'.` });
        return;
      }
      try {
        send(200, handler(params));
      } catch (err) {
        const e = err as StubError;
        send(400, { __type: e.type ?? "InternalFailure", message: e.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    operations: () => calls.map((c) => c.operation),
    rollBackNextUpdate: (reason) => {
      rollBack = reason;
    },
    neverSettle: () => {
      settleAfter = Number.MAX_SAFE_INTEGER;
    },
    models,
    configs,
    endpoints,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

class StubError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
