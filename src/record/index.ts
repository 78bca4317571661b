// Public face of recordings: the format's types and validation, the streaming writer, the reader,
// the codec-event adapter, redaction and the two transcript renderers.

export * from './schema.js';
export { RecordingWriter, recordingFileName, type RecordingWriterOptions } from './writer.js';
export { recordEventFromCodec, encodeUnitBytes, roundTime } from './from-codec.js';
export { readRecording, streamBytes, unitBytes, type Recording } from './reader.js';
export { redactEvent, redactHeader, collectSecrets, Redactor, MASK } from './redact.js';
export { TranscriptRenderer, type TranscriptRendererOptions } from './render-text.js';
export { renderMarkdown } from './render-md.js';
