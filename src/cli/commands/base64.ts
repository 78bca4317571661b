// `mailtap decode` and `mailtap encode`: the base64 steps of the lab guide (`echo -n … | openssl
// enc -base64`) for AUTH LOGIN and AUTH PLAIN (RFC 4616), done without a shell pipeline.
// Output goes to stdout; input that is not base64 exits 1 with the advice to encode it
// (E_NOT_BASE64); a missing argument is a usage error (exit 2).

import type { Command } from 'commander';
import { MailtapError } from '../../core/errors.js';
import { describeBase64, displayBytes, encodeLogin, encodePlain } from '../../sasl/index.js';

function show(value: string): string {
  return displayBytes(Buffer.from(value, 'utf8'));
}

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode base64 AUTH strings (PLAIN\'s NUL-separated form shown as authzid/user/password)')
    .argument('<b64...>', 'base64 text, e.g. the line after "334" or after "AUTH PLAIN"')
    .addHelpText('after', '\nExamples:\n  mailtap decode VXNlcm5hbWU6\n  mailtap decode AHVzdWFyaW8AY29udHJhc2XDsWE=')
    .action((args: string[]) => {
      // Decode everything first, so bad input prints nothing but the error.
      const described = args.map((a) => describeBase64(a));
      const out: string[] = [];
      for (const d of described) {
        out.push(d.text);
        // RFC 4616 §2: authzid NUL authcid NUL passwd.
        if (d.plain) out.push(`PLAIN: authzid="${show(d.plain.authzid)}" user=${show(d.plain.username)} password=${show(d.plain.password)}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });

  program
    .command('encode')
    .description('encode a user and password for AUTH LOGIN, or with --plain for AUTH PLAIN')
    .argument('<user>', 'user name, e.g. usuario@servidor.com')
    .argument('[password]', 'password (required with --plain; without it, AUTH LOGIN gets the user line only)')
    .option('--plain', 'one AUTH PLAIN string: base64("\\0user\\0password")')
    .option('--authzid <id>', 'authorisation identity for --plain (usually empty)', '')
    .addHelpText('after', '\nExamples:\n  mailtap encode usuario@servidor.com contraseña\n  mailtap encode --plain usuario@servidor.com contraseña')
    .action((user: string, password: string | undefined, opts: { plain?: boolean; authzid: string }) => {
      if (opts.plain) {
        // An AUTH PLAIN string without the password is never what the user meant.
        if (password === undefined) throw new MailtapError('E_USAGE', 'encode --plain needs the password too: mailtap encode --plain USER PASSWORD', { side: 'user' });
        const ir = encodePlain(user, password, opts.authzid);
        process.stdout.write(`plain:    ${ir}\ntype:     AUTH PLAIN ${ir}\n`);
        return;
      }
      const l = encodeLogin(user, password ?? '');
      process.stdout.write(`type:     AUTH LOGIN\nuser:     ${l.user}\n${password === undefined ? '' : `password: ${l.password}\n`}`);
    });
}
