package io.resumableupload.lock;

import io.resumableupload.lock.memory.MemoryUploadLocks;

/** The memory backend serves one replica: every "replica" is the same instance. */
class MemoryLocksTest extends LockContract {

    private final MemoryUploadLocks locks = new MemoryUploadLocks();

    @Override
    UploadLocks replica() {
        return locks;
    }
}
