/**
 * The CloudFormation custom-resource protocol for a Lambda used directly as a ServiceToken:
 * do the work, then PUT the outcome to the pre-signed ResponseURL.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export async function respond(
  event: CloudFormationCustomResourceEvent,
  outcome:
    | { ok: true; physicalId: string; data?: Record<string, string> }
    | { ok: false; physicalId: string; reason: string },
): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.ok ? 'SUCCESS' : 'FAILED',
    Reason: outcome.ok ? 'OK' : outcome.reason,
    PhysicalResourceId: outcome.physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: outcome.ok ? (outcome.data ?? {}) : {},
  });
  const res = await fetch(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  if (!res.ok) throw new Error(`CloudFormation response rejected: HTTP ${res.status}`);
}
