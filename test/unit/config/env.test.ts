import { describe, expect, it } from 'vitest';
import { defineEnv, EnvError, VARS } from '../../../lib/config/env.ts';
import * as schemas from '../../../lib/config/functions.ts';
import { loadConfig } from '../../../lib/config.ts';

describe('environment schemas', () => {
  const s = defineEnv({ table: VARS.masterTable, ttl: VARS.policyCacheTtlMs, tables: VARS.entityTables });

  it('reads each variable on first access, names a missing one, and never defaults to ""', () => {
    const env = s.read({ MASTER_TABLE: 'm' });
    expect(env.table).toBe('m');
    expect(env.ttl).toBe(5000);
    expect(() => env.tables).toThrow(/ENTITY_TABLES is not set/);
    expect(() => loadConfig({}).masterTable).toThrow(/MASTER_TABLE is not set/);
    expect(() => s.read({ MASTER_TABLE: '' }).table).toThrow(/MASTER_TABLE is not set/);
  });

  it('parses typed values and reports every problem at once', () => {
    expect(
      s.parse({ MASTER_TABLE: 'm', POLICY_CACHE_TTL_MS: '250', ENTITY_TABLES: '{"user":"t-user"}' }),
    ).toEqual({
      table: 'm',
      ttl: 250,
      tables: { user: 't-user' },
    });
    const err = (() => {
      try {
        s.parse({ POLICY_CACHE_TTL_MS: 'soon', ENTITY_TABLES: '{' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(EnvError);
    expect((err as EnvError).variables).toEqual(['MASTER_TABLE', 'POLICY_CACHE_TTL_MS', 'ENTITY_TABLES']);
  });

  it('renders infra environment blocks from the same declarations', () => {
    expect(
      schemas.serviceEnv.render({
        environment: 'dev',
        masterTable: 'm',
        outboxTable: 'o',
        indexTable: 'i',
        policiesTable: 'p',
        jwtSecretId: 'arn:aws:secretsmanager:us-east-1:0:secret:jwt',
        auth: '{"hs256":true}',
        entityTable: 'e',
      }),
    ).toEqual({
      TEMPORA_ENV: 'dev',
      MASTER_TABLE: 'm',
      OUTBOX_TABLE: 'o',
      INDEX_TABLE: 'i',
      POLICIES_TABLE: 'p',
      JWT_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:0:secret:jwt',
      TEMPORA_AUTH: '{"hs256":true}',
      ENTITY_TABLE: 'e',
    });
  });

  it('declares every variable name once', () => {
    const names = Object.values(VARS).map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
