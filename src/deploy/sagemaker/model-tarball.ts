// The model as SageMaker hosts it: `model.tar.gz` holding the model directory's contents at its root (SageMaker
// unpacks it into /opt/ml/model, where the image's `serve` expects the MLmodel file), uploaded to S3.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { create } from "tar";
import { aws } from "./aws-clients.js";

/**
 * Packs `modelDir` into a gzipped tarball (entries sorted, owners and times cleared, so the same model gives the
 * same bytes) and uploads it to `s3://<bucket>/<prefix>/model.tar.gz`; returns that URL.
 */
export async function uploadModelTarball(
  s3: S3Client,
  modelDir: string,
  bucket: string,
  prefix: string,
): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), "flowgate-sagemaker-"));
  try {
    const file = path.join(scratch, "model.tar.gz");
    const entries = (await readdir(modelDir)).sort();
    await create({ gzip: true, file, cwd: modelDir, portable: true, mtime: new Date(0) }, entries);
    const key = `${prefix}/model.tar.gz`;
    await aws(`Uploading the model to s3://${bucket}/${key}`, () =>
      new Upload({
        client: s3,
        params: { Bucket: bucket, Key: key, Body: createReadStream(file), ContentType: "application/gzip" },
        // AmazonSageMakerFullAccess lets an execution role read only S3 objects tagged SageMaker=true.
        tags: [{ Key: "SageMaker", Value: "true" }],
      }).done(),
    );
    return `s3://${bucket}/${key}`;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `s3://bucket/key` → its parts (a model's ModelDataUrl, when its tarball is deleted with it). */
export function parseS3Url(url: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  return m === null ? undefined : { bucket: m[1] as string, key: m[2] as string };
}
