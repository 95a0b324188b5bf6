import { describe, expect, it } from 'vitest';
import {
  bodyBytes,
  errorFrame,
  errorFrameSchema,
  MAX_INBOUND_BYTES,
  MAX_SCORE_DELTA,
  parseClientMessage,
  pongFrame,
  pongFrameSchema,
  scoreFrame,
  scoreFrameSchema,
} from '../../../lib/broadcast/messages.ts';

const parse = (text: string, max?: number) => parseClientMessage(Buffer.from(text, 'utf8'), max);

describe('parseClientMessage', () => {
  it('accepts ping and score, with an optional id', () => {
    expect(parse('{"action":"ping"}')).toEqual({ ok: true, message: { action: 'ping' } });
    expect(parse('{"action":"score","delta":-2.5,"id":"a1"}')).toEqual({
      ok: true,
      message: { action: 'score', delta: -2.5, id: 'a1' },
    });
  });

  it('refuses an oversized message before parsing it', () => {
    const big = JSON.stringify({ action: 'ping', pad: 'x'.repeat(MAX_INBOUND_BYTES) });
    expect(parse(big)).toMatchObject({ ok: false, code: 'message_too_large' });
    expect(parse('{"action":"ping"}', 8)).toMatchObject({ ok: false, code: 'message_too_large' });
    // Bytes, not characters.
    expect(parse(JSON.stringify({ action: 'ping', id: 'é'.repeat(40) }), 64)).toMatchObject({
      code: 'message_too_large',
    });
  });

  it('names bad JSON, a non-object, a missing or unknown action', () => {
    expect(parse('{"action":')).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(parse('')).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(parse('[1]')).toMatchObject({ ok: false, code: 'invalid_message' });
    expect(parse('"ping"')).toMatchObject({ ok: false, code: 'invalid_message' });
    expect(parse('{"id":"q"}')).toMatchObject({ ok: false, code: 'invalid_message', id: 'q' });
    expect(parse('{"action":"dance","id":"d1"}')).toMatchObject({
      ok: false,
      code: 'unknown_action',
      id: 'd1',
    });
  });

  it('checks the fields of an action', () => {
    expect(parse('{"action":"score"}')).toMatchObject({ ok: false, code: 'invalid_message' });
    expect(parse('{"action":"score","delta":"5"}')).toMatchObject({ ok: false, code: 'invalid_message' });
    expect(parse(`{"action":"score","delta":${MAX_SCORE_DELTA + 1}}`)).toMatchObject({ ok: false });
    expect(parse('{"action":"score","delta":1e999}')).toMatchObject({ ok: false, code: 'invalid_message' });
    expect(parse('{"action":"ping","extra":1}')).toMatchObject({ ok: false, code: 'invalid_message' });
    const r = parse('{"action":"score","delta":"x","id":"s9"}');
    expect(r).toMatchObject({ ok: false, id: 's9' });
    if (!r.ok) expect(r.message).toContain('delta');
  });

  it('decodes base64 bodies', () => {
    const raw = bodyBytes(Buffer.from('{"action":"ping"}').toString('base64'), true);
    expect(parseClientMessage(raw)).toEqual({ ok: true, message: { action: 'ping' } });
    expect(bodyBytes(undefined).byteLength).toBe(0);
  });
});

describe('server frames', () => {
  it('error, pong and score frames match their schemas', () => {
    expect(errorFrameSchema.parse(JSON.parse(errorFrame('rate_limited', 'slow down', 'i')))).toEqual({
      type: 'error',
      code: 'rate_limited',
      message: 'slow down',
      id: 'i',
    });
    expect(pongFrameSchema.parse(JSON.parse(pongFrame(0)))).toEqual({
      type: 'pong',
      ts: '1970-01-01T00:00:00.000Z',
    });
    expect(scoreFrameSchema.parse(JSON.parse(scoreFrame('c', 'u', 3, 'x')))).toEqual({
      type: 'score',
      campaign_id: 'c',
      user: 'u',
      score: 3,
      id: 'x',
    });
  });
});
