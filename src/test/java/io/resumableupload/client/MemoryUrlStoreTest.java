package io.resumableupload.client;

class MemoryUrlStoreTest extends UrlStoreContract {

    @Override
    UrlStore store() {
        return new MemoryUrlStore();
    }
}
