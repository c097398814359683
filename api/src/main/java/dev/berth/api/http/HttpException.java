package dev.berth.api.http;

/** A request the server refuses before (or instead of) its handler: answered with {@code status}. */
public final class HttpException extends Exception {
    private final int status;

    public HttpException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
