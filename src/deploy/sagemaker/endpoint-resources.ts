// The resources behind an endpoint: its endpoint config, the models its variants run and their tarballs in S3.
// Deleting a model deletes its tarball only when Flowgate laid it out (`<model name>/model.tar.gz`), so a model
// someone else created over their own S3 artifacts never loses them.
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import {
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type DescribeEndpointConfigOutput,
} from "@aws-sdk/client-sagemaker";
import { aws, awsError, isNotFound, type SageMakerClients } from "./aws-clients.js";
import { parseS3Url } from "./model-tarball.js";

export async function describeConfig(
  clients: SageMakerClients,
  configName: string,
): Promise<DescribeEndpointConfigOutput> {
  return aws(`DescribeEndpointConfig ${configName}`, () =>
    clients.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
  );
}

/** The distinct models an endpoint config's variants (and shadow variants) run. */
export function configModels(config: DescribeEndpointConfigOutput): string[] {
  const names = [...(config.ProductionVariants ?? []), ...(config.ShadowProductionVariants ?? [])]
    .map((v) => v.ModelName)
    .filter((n): n is string => n !== undefined);
  return [...new Set(names)];
}

export async function deleteConfig(clients: SageMakerClients, configName: string): Promise<void> {
  await aws(`DeleteEndpointConfig ${configName}`, () =>
    clients.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: configName })),
  );
}

/** Deletes a model and, when Flowgate uploaded it, its tarball. A model already gone is not an error. */
export async function deleteModel(clients: SageMakerClients, modelName: string): Promise<void> {
  let dataUrl: string | undefined;
  try {
    const model = await clients.sagemaker.send(new DescribeModelCommand({ ModelName: modelName }));
    dataUrl = model.PrimaryContainer?.ModelDataUrl;
  } catch (err) {
    if (isNotFound(err)) return;
    throw awsError(`DescribeModel ${modelName}`, err);
  }
  const location = dataUrl === undefined ? undefined : parseS3Url(dataUrl);
  if (location !== undefined && location.key === `${modelName}/model.tar.gz`) {
    await aws(`Deleting ${dataUrl}`, () =>
      clients.s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: location.key })),
    );
  }
  await aws(`DeleteModel ${modelName}`, () =>
    clients.sagemaker.send(new DeleteModelCommand({ ModelName: modelName })),
  );
}
