// A short explanation of something on the wire, in both languages mailtap speaks.

export interface Note {
  en: string;
  es: string;
}

export type Lang = keyof Note;

export function note(en: string, es: string): Note {
  return { en, es };
}
