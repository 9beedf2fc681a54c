package io.resumableupload.persistence;

/** The role of an upload in the concatenation extension. */
public enum ConcatType {
    PARTIAL("partial"),
    FINAL("final");

    private final String column;

    ConcatType(String column) {
        this.column = column;
    }

    public String column() {
        return column;
    }

    static ConcatType ofColumn(String value) {
        if (value == null) {
            return null;
        }
        for (ConcatType type : values()) {
            if (type.column.equals(value)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown concat_type " + value);
    }
}
