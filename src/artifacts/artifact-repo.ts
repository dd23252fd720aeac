// The artifact store seen by the rest of Flowgate: put, get, list, delete and exists over store-relative
// paths (`1/<run>/artifacts/model/MLmodel`). Implementations own where bytes live (a local directory, an S3 bucket)
// and must stream both ways, write atomically, and refuse any path that leaves their root.
import type { Readable } from "node:stream";

/** One entry of a directory listing; `path` is relative to the listed directory (MLflow's basename rule). */
export interface ArtifactFileInfo {
  path: string;
  isDir: boolean;
  /** Size in bytes; absent for directories. */
  fileSize?: number;
}

/** A stored file opened for reading. */
export interface ArtifactFile {
  stream: Readable;
  size: number;
}

/**
 * A store of artifact files addressed by relative paths. Every method validates its path (decode until
 * stable, no traversal, no escape through symlinks) and throws INVALID_PARAMETER_VALUE otherwise.
 */
export interface ArtifactRepository {
  /**
   * Streams `body` into `path`. The file appears whole or not at all: an aborted or oversized body leaves
   * nothing behind (PAYLOAD_TOO_LARGE past `maxBytes`; a body shorter than `expectedBytes`, the declared
   * Content-Length, is refused). Replaces an existing file.
   */
  put(path: string, body: Readable, options: { maxBytes: number; expectedBytes?: number }): Promise<void>;
  /** Opens a file for streaming; RESOURCE_DOES_NOT_EXIST when missing, INVALID_PARAMETER_VALUE for a directory. */
  get(path: string): Promise<ArtifactFile>;
  /** Lists a directory ("" is the root). `undefined` when it does not exist; `[]` when `path` is a file. */
  list(path: string): Promise<ArtifactFileInfo[] | undefined>;
  /** Deletes a file or a directory tree. The root itself is never deleted. Missing paths are fine. */
  delete(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /**
   * Transfers the client makes with the object store itself, through URLs this repository signs (MLflow's
   * multipart upload and presigned download routes). Absent when the store has none (a local directory).
   */
  direct?: DirectTransfers;
}

/** One part of a multipart upload: the URL the client PUTs its bytes to, with the headers to send. */
export interface PresignedPart {
  partNumber: number;
  url: string;
  headers: Record<string, string>;
}

/** Uploads and downloads that bypass the server: it only signs URLs and completes or aborts uploads. */
export interface DirectTransfers {
  createMultipartUpload(
    path: string,
    numParts: number,
  ): Promise<{ uploadId: string; parts: PresignedPart[] }>;
  /** Makes the file appear, whole, from the uploaded parts (ETags as the store returned them). */
  completeMultipartUpload(
    path: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
  ): Promise<void>;
  abortMultipartUpload(path: string, uploadId: string): Promise<void>;
  presignedDownload(
    path: string,
  ): Promise<{ url: string; headers: Record<string, string>; fileSize: number }>;
}
