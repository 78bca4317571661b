// A short explanation of something on the wire, in both languages mailtap speaks.

export interface Note {
  en: string;
  es: string;
}

export type Lang = keyof Note;

/**
 * Spanish contracts "de el" → "del" and "a el" → "al" (RAE). Notes are built by interpolation
 * ("de ${set}" with set = "el mensaje 1"), so the contraction is applied here, once, for all of
 * them: the class of error cannot come back with the next template. "El" with a capital (a name,
 * a quoted mailbox) is left alone.
 */
export function contractSpanish(text: string): string {
  return text.replace(/(?<![\p{L}\p{N}])([Dd]e|[Aa]) el(?![\p{L}\p{N}])/gu, (_m, prep: string) => {
    const lower = prep.toLowerCase() === 'de' ? 'del' : 'al';
    return prep[0] === prep[0]!.toUpperCase() ? lower[0]!.toUpperCase() + lower.slice(1) : lower;
  });
}

export function note(en: string, es: string): Note {
  return { en, es: contractSpanish(es) };
}

/**
 * `text` as a clause after a semicolon: a sentence-case first word is lowercased ("Other address
 * status" → "other address status"), an acronym or a code is kept (AUTH, SIZE, 5.7.0).
 */
export function clause(text: string): string {
  return /^\p{Lu}\p{Ll}/u.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}
