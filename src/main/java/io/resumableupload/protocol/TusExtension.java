package io.resumableupload.protocol;

/** The TUS extensions, under the names advertised in {@code Tus-Extension}. */
public enum TusExtension {
    CREATION("creation"),
    CREATION_WITH_UPLOAD("creation-with-upload"),
    CREATION_DEFER_LENGTH("creation-defer-length"),
    TERMINATION("termination"),
    CHECKSUM("checksum"),
    CHECKSUM_TRAILER("checksum-trailer"),
    EXPIRATION("expiration"),
    CONCATENATION("concatenation"),
    CONCATENATION_UNFINISHED("concatenation-unfinished");

    private final String headerName;

    TusExtension(String headerName) {
        this.headerName = headerName;
    }

    public String headerName() {
        return headerName;
    }
}
