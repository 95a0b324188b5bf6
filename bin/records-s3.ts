/**
 * The S3 side of `tempora records` (loaded only when an `s3://` location is used). The client
 * comes from lib/aws/s3.ts, the one place that knows emulator endpoints.
 */
import {
  GetObjectCommand,
  HeadBucketCommand,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { s3Client } from '../lib/aws/s3.ts';
import { LOCAL_CREDENTIALS, type LocalConfig } from '../localstack/config.ts';
import { InputError } from './command.ts';
import type { ObjectStore } from './records-location.ts';

/** Errors that mean "this bucket or key does not exist" (exit code 2, not a failure of S3). */
function missing(e: unknown, bucket: string, key?: string): Error {
  const name = e instanceof S3ServiceException ? e.name : '';
  const status = e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
  if (
    e instanceof NoSuchBucket ||
    name === 'NoSuchBucket' ||
    (key === undefined && (status === 404 || name === 'NotFound'))
  )
    return new InputError(`bucket ${bucket} does not exist`);
  if (key !== undefined && (e instanceof NoSuchKey || name === 'NoSuchKey' || status === 404))
    return new InputError(`s3://${bucket}/${key} does not exist`);
  return new Error(
    `S3 ${name || 'error'} on s3://${bucket}${key === undefined ? '' : `/${key}`}: ${(e as Error).message}`,
  );
}

/** S3 of the local emulator (`emulator`) or of the AWS account the SDK's chain finds. */
export async function s3Store(opts: { emulator?: LocalConfig }): Promise<ObjectStore> {
  const client = s3Client(
    opts.emulator
      ? { endpoint: opts.emulator.endpoint, region: opts.emulator.region, credentials: LOCAL_CREDENTIALS }
      : {},
  );
  return {
    async get(bucket, key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!res.Body) throw new Error('empty body');
        return await res.Body.transformToString('utf-8');
      } catch (e) {
        throw missing(e, bucket, key);
      }
    },
    async put(bucket, key, body) {
      try {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
        );
      } catch (e) {
        throw missing(e, bucket, key);
      }
    },
    async check(bucket) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (e) {
        throw missing(e, bucket);
      }
    },
  };
}
