// The three mail protocols mailtap speaks; every layer names them, so the name lives in core.
export type Protocol = 'smtp' | 'pop3' | 'imap';
