// Commands awaiting their tagged completion, by tag. RFC 9051 §2.2.1 asks clients for a unique
// tag per command; people typing into s_client (and the lab guide) use `a` for everything,
// pipelined or not. Several commands may then wait under one tag: the server completes them in
// the order it received them, so a completion belongs to the OLDEST outstanding command of that
// tag (a later one's completion never overtakes an earlier one with the same tag in practice).

export interface TaggedCommand {
  tag: string;
}

export class PendingTags<C extends TaggedCommand> {
  private readonly byTag = new Map<string, C[]>();
  private count = 0;
  private readonly seen = new Set<string>();
  private reuseReported = false;

  constructor(private readonly max: number) {}

  /**
   * Remembers a command. `first`: the session's first command (its note explains what a tag
   * is); `reused`: the first time in the session that a tag comes again, outstanding or not
   * (its note says so, once).
   */
  add(cmd: C): { first: boolean; reused: boolean } {
    const first = this.seen.size === 0;
    if (this.count >= this.max) this.dropOldest();
    const queue = this.byTag.get(cmd.tag);
    if (queue) queue.push(cmd);
    else this.byTag.set(cmd.tag, [cmd]);
    this.count++;
    const reused = this.seen.has(cmd.tag);
    if (this.seen.size < this.max) this.seen.add(cmd.tag);
    if (!reused || this.reuseReported) return { first, reused: false };
    this.reuseReported = true;
    return { first, reused: true };
  }

  /** Commands outstanding. */
  get size(): number {
    return this.count;
  }

  /** The oldest outstanding command with this tag, left in place. */
  peek(tag: string): C | undefined {
    return this.byTag.get(tag)?.[0];
  }

  /** Removes and returns the oldest outstanding command with this tag (its completion arrived). */
  take(tag: string): C | undefined {
    const queue = this.byTag.get(tag);
    if (!queue) return undefined;
    const cmd = queue.shift();
    if (queue.length === 0) this.byTag.delete(tag);
    this.count--;
    return cmd;
  }

  /** Every outstanding command, oldest tag first. */
  *all(): IterableIterator<C> {
    for (const queue of this.byTag.values()) yield* queue;
  }

  /** Forgets every outstanding command (STARTTLS restarts the session), not the reuse history. */
  clear(): void {
    this.byTag.clear();
    this.count = 0;
  }

  /** Removes one specific command (an unfinished LOGIN reported at the end of the stream). */
  remove(cmd: C): void {
    const queue = this.byTag.get(cmd.tag);
    const i = queue?.indexOf(cmd) ?? -1;
    if (!queue || i < 0) return;
    queue.splice(i, 1);
    if (queue.length === 0) this.byTag.delete(cmd.tag);
    this.count--;
  }

  private dropOldest(): void {
    const first = this.byTag.keys().next();
    if (!first.done) this.take(first.value);
  }
}
