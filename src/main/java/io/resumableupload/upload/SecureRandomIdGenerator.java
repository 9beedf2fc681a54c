package io.resumableupload.upload;

import java.security.SecureRandom;
import java.util.Base64;

import jakarta.inject.Singleton;

import io.quarkus.arc.DefaultBean;

/** 128 random bits from {@link SecureRandom}, as 22 characters of unpadded base64url. */
@Singleton
@DefaultBean
public class SecureRandomIdGenerator implements UploadIdGenerator {

    private static final int RANDOM_BYTES = 16;

    // SecureRandom is thread safe; on Linux the default reads from the kernel's CSPRNG without blocking.
    private final SecureRandom random = new SecureRandom();

    @Override
    public String newId() {
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
