// Messages built by nodemailer's composer for the MIME tests: UTF-8 subject and names, an 8-bit
// body, text + HTML alternatives, an inline image and binary attachments.

import MailComposer from 'nodemailer/lib/mail-composer/index.js';

export const PDF = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) & 0xff));
export const PNG = Buffer.from(Array.from({ length: 1234 }, (_, i) => (i * 13) & 0xff));

export function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

export function richMessage(): Promise<Buffer> {
  return compose({
    from: '"Álvaro Núñez" <alvaro@example.com>',
    to: 'bob@example.org, "Zoë" <zoe@example.net>',
    cc: 'carol@example.org',
    subject: 'Informe técnico — práctica 6 ✓',
    text: 'Hola,\nadjunto el informe (8-bit: ñ á €).\nfilename=not-an-attachment.txt\n',
    html: '<p>Hola, <img src="cid:logo@x"></p>',
    attachments: [
      { filename: 'informe técnico.pdf', content: PDF, contentType: 'application/pdf' },
      { filename: 'logo.png', content: PNG, contentType: 'image/png', cid: 'logo@x' },
      { filename: 'notes.txt', content: 'plain notes\n', contentType: 'text/plain' },
    ],
  });
}
