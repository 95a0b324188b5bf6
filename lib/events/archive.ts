/**
 * The Nexus archive (every Tempora event, for replay), managed through the EventBridge API
 * by the platform-setup custom resource, so one code path creates it on AWS and on emulators
 * whose CloudFormation lacks AWS::Events::Archive.
 */
import {
  CreateArchiveCommand,
  DeleteArchiveCommand,
  type EventBridgeClient,
  UpdateArchiveCommand,
} from '@aws-sdk/client-eventbridge';
import { errorName } from '../aws/errors.ts';

export interface ArchiveSpec {
  name: string;
  busArn: string;
  eventPattern: string;
  retentionDays: number;
  description: string;
}

export async function ensureArchive(client: EventBridgeClient, spec: ArchiveSpec): Promise<void> {
  const fields = {
    ArchiveName: spec.name,
    EventPattern: spec.eventPattern,
    RetentionDays: spec.retentionDays,
    Description: spec.description,
  };
  try {
    await client.send(new CreateArchiveCommand({ ...fields, EventSourceArn: spec.busArn }));
  } catch (e) {
    if (errorName(e) !== 'ResourceAlreadyExistsException') throw e;
    await client.send(new UpdateArchiveCommand(fields));
  }
}

export async function deleteArchive(client: EventBridgeClient, name: string): Promise<void> {
  try {
    await client.send(new DeleteArchiveCommand({ ArchiveName: name }));
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return;
    throw e;
  }
}
