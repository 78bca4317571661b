import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';

let out = '';
let err = '';

beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('mailtap decode', () => {
  it('decodes the lab guide AUTH LOGIN prompts', async () => {
    expect(await runCli(['decode', 'VXNlcm5hbWU6', 'UGFzc3dvcmQ6'])).toBe(0);
    expect(out).toBe('Username:\nPassword:\n');
    expect(err).toBe('');
  });

  it('shows PLAIN fields (RFC 4616 example)', async () => {
    expect(await runCli(['decode', 'AHRpbQB0YW5zdGFhZnRhbnN0YWFm'])).toBe(0);
    expect(out).toBe('\\0tim\\0tanstaaftanstaaf\nPLAIN: authzid="" user=tim password=tanstaaftanstaaf\n');
  });

  it('escapes non-printable bytes (the lab guide\'s garbled PLAIN example)', async () => {
    expect(await runCli(['decode', 'AGFycXVpdGFyZGUxQGdtYVlsLmNvbQBAETIzNDU2lwo='])).toBe(0);
    expect(out).toContain('\\0arquitarde1@gmaYl.com\\0@\\x1123456\\x97\\n');
    expect(out).toContain('user=arquitarde1@gmaYl.com');
  });

  it('rejects invalid base64 with one line on stderr and exit code 2', async () => {
    expect(await runCli(['decode', 'VXNlcm5hbWU6', 'not base64!'])).toBe(2);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain('not valid base64');
  });

  it('says a password typed in clear is not base64 and exits 1, instead of printing garbage', async () => {
    expect(await runCli(['decode', 'alicepw'])).toBe(1);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain('"alicepw" is not base64');
    expect(err).toContain('mailtap encode');
    expect(err).not.toContain('jX');
  });

  it('needs an argument', async () => {
    expect(await runCli(['decode'])).toBe(2);
  });
});

describe('mailtap encode', () => {
  it('prints the AUTH LOGIN lines', async () => {
    expect(await runCli(['encode', 'usuario@servidor.com', 'contraseña'])).toBe(0);
    expect(out).toBe('type:     AUTH LOGIN\nuser:     dXN1YXJpb0BzZXJ2aWRvci5jb20=\npassword: Y29udHJhc2XDsWE=\n');
  });

  it('prints the AUTH PLAIN string and the line to type', async () => {
    expect(await runCli(['encode', '--plain', 'tim', 'tanstaaftanstaaf'])).toBe(0);
    expect(out).toBe('plain:    AHRpbQB0YW5zdGFhZnRhbnN0YWFm\ntype:     AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\n');
  });

  it('round-trips through decode', async () => {
    await runCli(['encode', '--plain', 'arquitarde1@gmail.com', 'TelPo45.']);
    const b64 = /plain: +(\S+)/.exec(out)![1]!;
    out = '';
    await runCli(['decode', b64]);
    expect(out).toContain('PLAIN: authzid="" user=arquitarde1@gmail.com password=TelPo45.');
  });

  it('needs a user', async () => {
    expect(await runCli(['encode'])).toBe(2);
  });

  it('--plain without a password is a usage error, not an empty password', async () => {
    expect(await runCli(['encode', '--plain', 'alice'])).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('needs the password');
  });

  it('without --plain and without a password gives the user line only', async () => {
    expect(await runCli(['encode', 'alice'])).toBe(0);
    expect(out).toBe('type:     AUTH LOGIN\nuser:     YWxpY2U=\n');
  });
});
