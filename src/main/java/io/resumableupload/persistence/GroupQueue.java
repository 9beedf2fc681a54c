package io.resumableupload.persistence;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The queue behind a group commit: callers join with an item; while one batch runs, the items that arrive wait, and
 * then go together in the next. A lone item goes at once: nothing waits for a timer, so the batches grow with the
 * load. One batch runs at a time, on the thread of the caller at the head of the queue (the others wait on their own
 * monitor); when it ends, the next head is woken to run the next batch, so no caller runs more than its own batch.
 * The batch records each item's outcome in the item; the queue only says when it is there.
 *
 * @param <T> what a caller brings, and where the batch leaves its outcome
 */
final class GroupQueue<T> {

    private final int maxBatch;
    private final ArrayDeque<Entry<T>> queue = new ArrayDeque<>();
    /** A batch is running (or about to): whoever joins the queue waits to be woken. */
    private boolean running;

    GroupQueue(int maxBatch) {
        this.maxBatch = maxBatch;
    }

    /**
     * Returns once {@code item}'s batch has run, on this thread or on another: {@code runBatch} (called with at most
     * the bound of items, {@code item} among them, in the order they joined) must have left each item's outcome in it.
     */
    void join(T item, Consumer<List<T>> runBatch) {
        Entry<T> me = new Entry<>(item);
        boolean first;
        synchronized (this) {
            queue.addLast(me);
            first = !running;
            running = true;
        }
        if (!first && !me.awaitTurn()) {
            return;
        }
        // The head of the queue (every caller before it was in an earlier batch): run the next batch.
        List<Entry<T>> batch = new ArrayList<>();
        synchronized (this) {
            while (!queue.isEmpty() && batch.size() < maxBatch) {
                batch.add(queue.pollFirst());
            }
        }
        try {
            runBatch.accept(batch.stream().map(Entry::item).toList());
        } finally {
            batch.forEach(Entry::done);
            Entry<T> next;
            synchronized (this) {
                next = queue.peekFirst();
                running = next != null;
            }
            if (next != null) {
                next.wake();
            }
        }
    }

    /**
     * For a batch that is running: takes every item still queued out of the queue, gives it {@code outcome}, and lets
     * its caller return (the database failed: the next batch would only wait for it again).
     */
    void endQueued(Consumer<T> outcome) {
        List<Entry<T>> queued;
        synchronized (this) {
            queued = new ArrayList<>(queue);
            queue.clear();
        }
        for (Entry<T> entry : queued) {
            outcome.accept(entry.item());
            entry.done();
        }
    }

    /** A caller's place in the queue. */
    private static final class Entry<T> {
        private final T item;
        private boolean woken;
        private boolean done;

        Entry(T item) {
            this.item = item;
        }

        T item() {
            return item;
        }

        /** Waits until the item's batch has run (false) or this caller is to run the next batch (true). */
        synchronized boolean awaitTurn() {
            boolean interrupted = false;
            // The item may already be in a batch that is running: waiting out an interrupt is the only safe answer.
            while (!woken && !done) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return !done;
        }

        synchronized void wake() {
            woken = true;
            notifyAll();
        }

        synchronized void done() {
            done = true;
            notifyAll();
        }
    }
}
