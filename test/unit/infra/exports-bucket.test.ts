/**
 * The exports bucket (issue 15, loaders): encrypted, every public access blocked, TLS only,
 * a lifecycle rule (expiry and abort of incomplete uploads), its name a stack output, no
 * function granted on it, retained on a production stack. cdk-nag runs over it in infra.test.ts.
 */
import * as fs from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { mergedTemplate, platformApp } from '../support/platform.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The platform of `environment` as one template, without asset bundling (cheap). */
function templateOf(environment: string, context: Record<string, unknown> = {}): Template {
  const { app, stacks, outdir } = platformApp({ environment, context });
  dirs.push(outdir);
  return Template.fromJSON(mergedTemplate(app.synth(), stacks.all) as unknown as Record<string, unknown>);
}

const TIMEOUT = 120_000;

describe('exports bucket', () => {
  it(
    'is encrypted, private, TLS only, expires exports and aborts incomplete uploads',
    () => {
      const t = templateOf('dev');
      t.resourceCountIs('AWS::S3::Bucket', 1);
      t.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'expire-exports',
              Status: 'Enabled',
              ExpirationInDays: 30,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      });
      // enforceSSL: a bucket policy denying every request made without TLS.
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
      t.hasOutput('ExportsBucketName', {
        Value: { Ref: Match.stringLikeRegexp('^Tempora-[a-z]+/ExportsBucket') },
      });
      // No function is granted on it: the CLI uses the operator's own credentials.
      const policies = JSON.stringify(t.findResources('AWS::IAM::Policy'));
      expect(policies).not.toMatch(/"s3:/);
      // Ephemeral stack: deleted with it. Named <prefix>-exports-<account>-<region>.
      const [bucket] = Object.values(t.findResources('AWS::S3::Bucket'));
      expect(JSON.stringify(bucket?.Properties.BucketName)).toMatch(
        /"tempora-dev-exports-",\{"Ref":"AWS::AccountId"\}/,
      );
      expect(bucket?.DeletionPolicy).toBe('Delete');
    },
    TIMEOUT,
  );

  it(
    'on a production stack: retained with the stack; the retention follows exportsRetentionDays',
    () => {
      const t = templateOf('prod', { exportsRetentionDays: 90 });
      const [bucket] = Object.values(t.findResources('AWS::S3::Bucket'));
      expect({ policy: bucket?.DeletionPolicy, update: bucket?.UpdateReplacePolicy }).toEqual({
        policy: 'Retain',
        update: 'Retain',
      });
      expect(bucket?.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(90);
    },
    TIMEOUT,
  );
});
