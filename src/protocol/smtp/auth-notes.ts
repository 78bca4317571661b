// The summary note of a finished AUTH exchange: mechanism, outcome and what it revealed, in the
// words the live view prints after `===`.

import { note, type Note } from '../../core/note.js';
import type { AuthResult } from '../types.js';
import type { SaslCredentials } from '../../sasl/types.js';

const RESULT: Record<AuthResult, [string, string]> = {
  success: ['succeeded', 'correcta'],
  failure: ['failed', 'fallida'],
  cancelled: ['cancelled by the client', 'cancelada por el cliente'],
  incomplete: ['incomplete (connection ended)', 'incompleta (la conexión terminó)'],
};

export function describeAuth(mechanism: string, result: AuthResult, creds: SaslCredentials): Note {
  const en: string[] = [];
  const es: string[] = [];
  if (creds.authzid !== undefined && creds.authzid !== creds.username) {
    en.push(`authzid ${creds.authzid}`);
    es.push(`authzid ${creds.authzid}`);
  }
  if (creds.username !== undefined) {
    en.push(`user ${creds.username}`);
    es.push(`usuario ${creds.username}`);
  }
  if (creds.password !== undefined) {
    en.push(`password ${creds.password}`);
    es.push(`contraseña ${creds.password}`);
  }
  if (creds.token !== undefined) {
    en.push(`token ${creds.token}`);
    es.push(`token ${creds.token}`);
  }
  if (creds.proof !== undefined) {
    en.push(`proof ${creds.proof}`);
    es.push(`prueba ${creds.proof}`);
  }
  if (creds.undecoded?.length) {
    en.push(`${creds.undecoded.length} message(s) not decoded`);
    es.push(`${creds.undecoded.length} mensaje(s) sin decodificar`);
  }
  const [r, rEs] = RESULT[result];
  const tail = en.length ? `: ${en.join(', ')}` : '';
  const tailEs = es.length ? `: ${es.join(', ')}` : '';
  return note(`AUTH ${mechanism} ${r}${tail}`, `AUTH ${mechanism} ${rEs}${tailEs}`);
}
