/** Chats still running on the emulator clock: a min-heap of end times, for the concurrency limit. */
export class ActiveChats {
  private heap: number[] = [];

  add(endsAt: number): void {
    const heap = this.heap;
    heap.push(endsAt);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] ?? 0) <= endsAt) break;
      heap[i] = heap[parent] ?? 0;
      i = parent;
    }
    heap[i] = endsAt;
  }

  /** How many chats have not ended at `now`. */
  count(now: number): number {
    while (this.heap.length > 0 && (this.heap[0] ?? Infinity) <= now) this.popMin();
    return this.heap.length;
  }

  clear(): void {
    this.heap = [];
  }

  private popMin(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && (heap[right] ?? 0) < (heap[left] ?? 0) ? right : left;
      if ((heap[child] ?? 0) >= last) break;
      heap[i] = heap[child] ?? 0;
      i = child;
    }
    heap[i] = last;
  }
}
