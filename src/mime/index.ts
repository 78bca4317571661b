// Public face of the MIME module: a message parsed for reading (mailparser, async), a summary
// built while the message streams (synchronous, bounded), and the header helpers both use.

export { parseMessage, attachmentContent, type ParsedMessage, type ParsedAttachment } from './parse.js';
export { MessageSummarizer, summarizeMessage, type MessageSummary, type MultipartSummary, type PartSummary, type AttachmentSummary, type SummarizerOptions } from './summary.js';
export { decodeWords, headerFields, headerMap, structuredValue, type HeaderFields, type StructuredValue } from './headers.js';
