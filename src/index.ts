// mailtap's programmatic API: start a proxy or a mock server from a project's own tests, read
// and render recordings, and reach the CA. `import { startReplay, startProxy } from 'mailtap'`.

export { startProxy } from './session/proxy.js';
export type { ProxyOptions, ProxyHandle, ListenerInfo } from './session/proxy.js';
export type { SessionObserver } from './session/session.js';
export { startReplay } from './replay/server.js';
export type { ReplayOptions, ReplayHandle, ReplayListener } from './replay/server.js';
export type { ReplayOutcome } from './replay/replay-session.js';
export { replayClient } from './replay/client-replay.js';
export type { ClientReplayOptions, ClientReplayReport } from './replay/client-replay.js';
export { CertificateAuthority } from './ca/index.js';
export type { CaInfo, CaInitOptions, LeafCertificate } from './ca/index.js';
export { readRecording, streamBytes } from './record/reader.js';
export type { Recording } from './record/reader.js';
export type { RecordHeader, RecordEvent } from './record/schema.js';
export { renderMarkdown } from './record/render-md.js';
export { TranscriptRenderer } from './record/render-text.js';
export { parseMailUrl, parseRoute, routeForUpstream } from './core/mail-url.js';
export type { MailEndpoint, Route } from './core/mail-url.js';
export { MailtapError } from './core/errors.js';
export { protocolModule } from './protocol/index.js';
export type { Codec, CodecEvent, Protocol, Side } from './protocol/types.js';
export type { Lang, Note } from './core/note.js';
