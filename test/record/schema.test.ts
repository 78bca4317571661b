import { describe, expect, test } from 'vitest';
import { isMailtapError } from '../../src/core/errors.js';
import { isRecordHeader, parseRecordLine } from '../../src/record/schema.js';
import { header } from './fixtures.js';

const ok = [
  JSON.stringify(header('smtp')),
  '{"t":0,"dir":"c2s","type":"command","text":"EHLO x\\r\\n","note":"n","note_es":"n","verb":"EHLO"}',
  '{"t":1.5,"dir":"s2c","type":"body","b64":"AAEC/w==","final":true}',
  '{"t":2,"dir":"proxy","type":"tls","leg":"client","version":"TLSv1.3"}',
  '{"t":2,"dir":"proxy","type":"auth","mechanism":"PLAIN","username":"a","password":"b","result":"success"}',
  '{"t":2,"dir":"proxy","type":"injection","from":"client","length":3,"dropped":"YWJj"}',
  '{"t":2,"dir":"proxy","type":"state","state":"envelope"}',
  '{"t":2,"dir":"proxy","type":"error","code":"E_UPSTREAM_TLS","message":"x"}',
  '{"t":3,"dir":"proxy","type":"close","reason":"done","bytes":{"c2s":1,"s2c":2}}',
];

const bad: [string, string, RegExp][] = [
  ['not json', '{"t":0', /not JSON/],
  ['array', '[1,2]', /not a JSON object/],
  ['wrong format', JSON.stringify({ ...header('smtp'), format: 'other' }), /format/],
  ['future version', JSON.stringify({ ...header('smtp'), version: 2 }), /unsupported version 2/],
  ['bad protocol', JSON.stringify({ ...header('smtp'), protocol: 'http' }), /protocol/],
  ['session with slash', JSON.stringify({ ...header('smtp'), session: '../x' }), /session/],
  ['bad start', JSON.stringify({ ...header('smtp'), start: 'yesterday' }), /start/],
  ['missing client', JSON.stringify({ ...header('smtp'), client: undefined }), /client/],
  ['bad tls mode', JSON.stringify({ ...header('smtp'), clientTls: 'maybe' }), /clientTls/],
  ['negative t', '{"t":-1,"dir":"c2s","type":"command","text":"x"}', /"t"/],
  ['bad dir', '{"t":0,"dir":"up","type":"command","text":"x"}', /"dir"/],
  ['unit without bytes', '{"t":0,"dir":"c2s","type":"command"}', /exactly one of/],
  ['unit with both', '{"t":0,"dir":"c2s","type":"command","text":"x","b64":"eA=="}', /exactly one of/],
  ['unit from proxy', '{"t":0,"dir":"proxy","type":"reply","text":"x"}', /c2s or s2c/],
  ['bad b64', '{"t":0,"dir":"c2s","type":"body","b64":"@@@"}', /base64/],
  ['proxy event with text', '{"t":0,"dir":"proxy","type":"info","text":"x"}', /only unit events/],
  ['tls without leg', '{"t":0,"dir":"proxy","type":"tls"}', /leg/],
  ['auth bad result', '{"t":0,"dir":"proxy","type":"auth","mechanism":"PLAIN","result":"maybe"}', /result/],
  ['close without bytes', '{"t":0,"dir":"proxy","type":"close","reason":"x"}', /bytes/],
  ['unknown type outside proxy', '{"t":0,"dir":"c2s","type":"party"}', /dir proxy/],
];

describe('parseRecordLine', () => {
  test.each(ok.map((l) => [l]))('accepts %s', (line) => {
    expect(() => parseRecordLine(line)).not.toThrow();
  });

  test('accepts an event type it does not know (version 1 readers ignore them, SPEC)', () => {
    expect(parseRecordLine('{"t":3,"dir":"proxy","type":"party","message":"later"}')).toMatchObject({ type: 'party', t: 3 });
  });

  test('tells a header from an event', () => {
    expect(isRecordHeader(parseRecordLine(ok[0]!))).toBe(true);
    expect(isRecordHeader(parseRecordLine(ok[1]!))).toBe(false);
  });

  test.each(bad)('rejects %s', (_name, line, why) => {
    try {
      parseRecordLine(line, 7);
      expect.unreachable();
    } catch (err) {
      expect(isMailtapError(err) && err.code).toBe('E_RECORDING_INVALID');
      expect((err as Error).message).toMatch(/^line 7: /);
      expect((err as Error).message).toMatch(why);
    }
  });
});
