/**
 * The bucket of record exports and backups (`tempora records export --to s3://…`, docs/records.md
 * "Loaders"): private (every public access blocked), encrypted (S3-managed keys), TLS only,
 * objects expire after `retentionDays`, incomplete multipart uploads are aborted after a day.
 * No function reads or writes it: the CLI does, with the operator's own credentials.
 * On a production stack it is retained with the stack, like the tables.
 */
import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ExportsBucketProps {
  /** `tempora-<env>`: the bucket is `<prefix>-exports-<account>-<region>` (bucket names are global). */
  prefix: string;
  /** Days an export is kept. */
  retentionDays: number;
  removalPolicy: RemovalPolicy;
}

export class ExportsBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ExportsBucketProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: `${props.prefix}-exports-${stack.account}-${stack.region}`,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'expire-exports',
          enabled: true,
          expiration: Duration.days(props.retentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Exports are written and read by operators with their own IAM credentials (CloudTrail records those calls); a server-access-log bucket would itself need one.',
    });
  }
}
