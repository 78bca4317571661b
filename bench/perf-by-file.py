#!/usr/bin/env python3
# `perf script -i perf.data | python3 bench/perf-by-file.py`: charges every CPU sample of a
# `bench/perf-sessions.ts --js --keep` profile to the innermost JavaScript function on its stack
# (its file, or the function with --functions), so V8's builtins, runtime, inline caches and the
# native work a JS function asked for (a socket write, a TLS handshake step) count for the JS that
# caused them. Samples with no JS frame (the fs pool, V8's GC and compiler threads, the event
# loop's own polling) are grouped by thread name. Prints the % of all samples, largest first.
import re
import sys
from collections import Counter

by_function = '--functions' in sys.argv
# --mailtap: charge the innermost frame of mailtap's own code (dist/) instead, so Node's streams,
# net and TLS code count for the mailtap function that called them; samples under no mailtap
# frame go to their innermost JS frame as before.
mailtap_only = '--mailtap' in sys.argv
fallback = None
counts = Counter()
total = 0
thread = None
chosen = None


def flush():
    global chosen, total
    if thread is not None:
        counts[chosen or (f'(no mailtap frame) {fallback}' if fallback else None) or f'(no JS frame: thread {thread})'] += 1
        total += 1


for line in sys.stdin:
    if not line.strip():
        continue
    if not line.startswith((' ', '\t')):
        flush()
        thread = line.split()[0]
        chosen = None
        fallback = None
        continue
    if chosen is not None:
        continue
    # `JS:^name file:line:col+0xoff (/tmp/perf-PID.map)`; the name may be empty, the file absent.
    m = re.search(r'\b(?:JS|Eval):[*~^]?(.*?)\+0x[0-9a-f]+ \(', line)
    if m:
        parts = m.group(1).rsplit(' ', 1)
        name, where = (parts[0], parts[1]) if len(parts) == 2 else (parts[0], '(no file)')
        where = re.sub(r':\d+:\d+$', '', where)
        where = re.sub(r'^file://.*?/dist/', 'dist/', where)
        where = re.sub(r'^file://.*?/node_modules/', 'node_modules/', where)
        key = f'{where} {name or "(anonymous)"}' if by_function else where
        if not mailtap_only or where.startswith('dist/'):
            chosen = key
        elif fallback is None:
            fallback = key
flush()
for key, n in counts.most_common(60):
    print(f'{100 * n / total:6.2f} %  {key}')
print(f'{total} samples')
