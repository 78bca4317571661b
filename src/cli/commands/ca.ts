// `mailtap ca init|show|export`: create the CA, say how to trust it, hand out its certificate.
// All key handling is in src/ca; this file parses options and prints. Failures are MailtapErrors
// (E_CA_* exit 1, E_USAGE exit 2) that the program turns into one line.

import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { CertificateAuthority, readCaCertificate, type CaInfo } from '../../ca/index.js';
import { MailtapError } from '../../core/errors.js';
import { parsePositiveInt } from '../usage.js';

const DEFAULT_DIR = 'certs';

export function register(program: Command): void {
  const ca = program.command('ca').description("create, inspect and export mailtap's certificate authority");

  ca.command('init')
    .description('create the CA: mailtap-ca.pem (certificate), mailtap-ca.key (private key, 0600), mailtap-ca.cer (DER)')
    .option('--dir <dir>', 'directory for the CA files', DEFAULT_DIR)
    .option('--force', 'replace an existing CA (clients must then trust the new one)')
    .option('--cn <name>', 'common name of the CA (default: "mailtap CA (HOST, DATE)")')
    .option('--days <n>', 'validity of the CA in days (default: 3650)', parsePositiveInt)
    .option('--permit <domain...>', 'add X.509 name constraints: the CA only vouches for these domains or IP/prefixes (plus localhost and loopback)')
    .action(async (options: { dir: string; force?: boolean; cn?: string; days?: number; permit?: string[] }) => {
      const authority = await CertificateAuthority.init(options.dir, {
        ...(options.force ? { force: true } : {}),
        ...(options.cn !== undefined ? { cn: options.cn } : {}),
        ...(options.days !== undefined ? { days: options.days } : {}),
        ...(options.permit ? { permit: options.permit } : {}),
      });
      const { info } = authority;
      out(
        [
          `Created a mailtap CA in ${info.dir}`,
          ...describe(info),
          '',
          `Next: trust ${info.certPath} in your client (\`mailtap ca show --dir ${options.dir}\` says how).`,
          `Keep ${info.keyPath} secret: whoever holds it can impersonate any server to clients that trust this CA.`,
        ].join('\n'),
      );
    });

  ca.command('show')
    .description('paths, subject, SHA-256 fingerprint, validity, and how to trust the CA')
    .option('--dir <dir>', 'directory of the CA files', DEFAULT_DIR)
    .action(async (options: { dir: string }) => {
      const { info } = await readCaCertificate(options.dir);
      out([`mailtap CA in ${info.dir}`, ...describe(info), '', ...trustInstructions(info)].join('\n'));
    });

  ca.command('export')
    .description('write the CA certificate (PEM on stdout by default)')
    .option('--dir <dir>', 'directory of the CA files', DEFAULT_DIR)
    .option('--der', 'DER (binary) instead of PEM')
    .option('--out <file>', 'write to FILE instead of stdout')
    .action(async (options: { dir: string; der?: boolean; out?: string }) => {
      const { certPem, der } = await readCaCertificate(options.dir);
      const data = options.der ? der : certPem;
      if (options.out !== undefined) {
        await writeFile(options.out, data, { mode: 0o644 });
        process.stderr.write(`mailtap: wrote the CA certificate (${options.der ? 'DER' : 'PEM'}) to ${options.out}\n`);
        return;
      }
      if (options.der && process.stdout.isTTY) {
        throw new MailtapError('E_USAGE', 'refusing to write binary DER to a terminal: use --out FILE or a pipe', { side: 'user' });
      }
      process.stdout.write(data);
    });
}

function describe(info: CaInfo): string[] {
  const days = Math.floor((info.notAfter.getTime() - Date.now()) / 86_400_000);
  return [
    `  certificate  ${info.certPath}`,
    `  DER          ${info.derPath}`,
    `  private key  ${info.keyPath}`,
    `  subject      ${info.subject}`,
    `  SHA-256      ${info.fingerprint256}`,
    `  valid        ${info.notBefore.toISOString()} to ${info.notAfter.toISOString()} (${days >= 0 ? `${days} days left` : 'EXPIRED'})`,
    `  constraints  ${info.permitted.length > 0 ? `only vouches for ${info.permitted.join(', ')}` : 'none (can vouch for any name)'}`,
  ];
}

function trustInstructions(info: CaInfo): string[] {
  const pem = info.certPath;
  return [
    'Trust it (only on machines you test from):',
    `  curl         curl --cacert ${pem} --ssl-reqd -v smtp://localhost:2525`,
    `               curl --cacert ${pem} -v imaps://localhost:2993/ -u USER:PASS`,
    `  openssl      openssl s_client -crlf -CAfile ${pem} -verify_return_error -connect localhost:2465`,
    `               openssl s_client -crlf -CAfile ${pem} -verify_return_error -starttls smtp -connect localhost:2525`,
    `  swaks        swaks --server localhost:2525 --tls --tls-verify --tls-ca-path ${pem} --to user@example.com`,
    `  Python       ssl.create_default_context(cafile="${pem}")`,
    `  Debian/Ubuntu  sudo cp ${pem} /usr/local/share/ca-certificates/mailtap.crt && sudo update-ca-certificates`,
    '  Thunderbird  Settings → Privacy & Security → Certificates → Manage Certificates → Authorities →',
    `               Import… ${pem}, tick "Trust this CA to identify websites"`,
    '               (it says websites but covers mail servers too)',
    `  Check        the fingerprint a client shows must be ${info.fingerprint256}`,
  ];
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}
