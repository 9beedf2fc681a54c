package io.resumableupload.client;

import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What a TUS server offers, from its OPTIONS response.
 *
 * @param extensions the {@code Tus-Extension} names, e.g. {@code creation}, {@code concatenation}
 * @param maxSize {@code Tus-Max-Size}, if the server sent it
 * @param checksumAlgorithms the algorithms of {@code Tus-Checksum-Algorithm}, in the server's order (only those
 *        this client knows)
 */
public record ServerCapabilities(Set<String> extensions, OptionalLong maxSize, List<ChecksumAlgorithm> checksumAlgorithms) {

    /** What is assumed of a server that does not answer OPTIONS: core and creation only. */
    public static final ServerCapabilities MINIMAL = new ServerCapabilities(Set.of("creation"), OptionalLong.empty(),
            List.of());

    /** True if the server advertises {@code extension}. */
    public boolean supports(String extension) {
        return extensions.contains(extension);
    }
}
