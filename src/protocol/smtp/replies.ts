// Builds the note of one complete reply: the code's meaning for the command it answers, the
// enhanced status code (RFC 3463), the extensions an EHLO reply lists, and for AUTH the decoded
// challenge. Pure function of its inputs, so notes are identical for any chunking.

import { clause, note, type Note } from '../../core/note.js';
import { describeKeyword } from './ehlo-keywords.js';
import { describeEnhanced } from './enhanced-codes.js';
import { describeCode, successMeaning } from './reply-codes.js';

export interface ReplyContext {
  code: string;
  enhanced: string | undefined;
  /** Text of each line after `ddd[ -]`. */
  texts: string[];
  /** What the reply answers: a verb, `GREETING`, `BODY` (end of DATA), `BDAT LAST`; undefined if unsolicited. */
  answers: string | undefined;
  /** For a 334 inside AUTH: what the challenge asks. */
  challenge?: Note;
  /** The client cancelled the AUTH exchange with `*` (RFC 4954 §4): this reply confirms it. */
  authCancelled?: boolean;
}

export function describeReply(ctx: ReplyContext): Note {
  const { code, answers } = ctx;
  // A verb's table entry describes one code (250 to MAIL, 354 to DATA); any other code keeps
  // its generic meaning, so a 252 to VRFY never reads as "mailbox exists".
  const special = answers ? successMeaning(answers, code) : undefined;
  const meaning = special ?? describeCode(code);
  let en = `${code} ${meaning[0]}`;
  let es = `${code} ${meaning[1]}`;
  if (answers === undefined) {
    en = `Unsolicited reply: ${en}`;
    es = `Respuesta no solicitada: ${es}`;
  } else if (answers === 'GREETING') {
    if (code !== '220') {
      en = `Greeting refuses the session: ${en}`;
      es = `El saludo rechaza la sesión: ${es}`;
    }
  } else if (!special) {
    const to = answers === 'BODY' ? 'the message data' : answers;
    const toEs = answers === 'BODY' ? 'los datos del mensaje' : answers;
    en += ` (to ${to})`;
    es += ` (a ${toEs})`;
  }
  if (ctx.authCancelled && code[0] !== '2') {
    en += '; the client cancelled the exchange with "*", so the server aborted it (RFC 4954 §4)';
    es += '; el cliente canceló el intercambio con "*" y el servidor lo interrumpe (RFC 4954 §4)';
  }
  if (ctx.enhanced) {
    const e = describeEnhanced(ctx.enhanced);
    en += `; ${clause(e.en)}`;
    es += `; ${clause(e.es)}`;
  }
  if (answers === 'EHLO' && code === '250' && ctx.texts.length > 1) {
    const kws = ctx.texts.slice(1).map(describeKeyword);
    en += `; extensions: ${kws.map((k) => k[0]).join('; ')}`;
    es += `; extensiones: ${kws.map((k) => k[1]).join('; ')}`;
  }
  if (ctx.challenge) {
    en += `; ${clause(ctx.challenge.en)}`;
    es += `; ${clause(ctx.challenge.es)}`;
  }
  return note(en, es);
}
