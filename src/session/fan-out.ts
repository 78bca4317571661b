// Several observers on one proxy (the terminal view and the web view): each session event goes to
// every observer in order. One observer that throws does not keep the event from the others.

import type { SessionObserver } from './session.js';

export function fanOut(observers: readonly (SessionObserver | undefined)[], onError?: (err: unknown) => void): SessionObserver | undefined {
  const list = observers.filter((o): o is SessionObserver => o !== undefined);
  if (list.length <= 1) return list[0];
  const starts = list.filter((o) => o.start);
  const events = list.filter((o) => o.event);
  const ends = list.filter((o) => o.end);
  const guard = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      onError?.(err);
    }
  };
  const out: SessionObserver = {};
  if (starts.length) out.start = (id, header) => starts.forEach((o) => guard(() => o.start!(id, header)));
  // The hot path (one call per unit): a plain loop, no closures per call.
  if (events.length) {
    out.event = (id, ev) => {
      for (let i = 0; i < events.length; i++) {
        try {
          events[i]!.event!(id, ev);
        } catch (err) {
          onError?.(err);
        }
      }
    };
  }
  if (ends.length) out.end = (id, close, path) => ends.forEach((o) => guard(() => o.end!(id, close, path)));
  return out;
}
