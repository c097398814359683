package dev.berth.api;

/** A request body docker would refuse with 400: wrong JSON, a wrong type, an unknown value. */
final class BadRequest extends Exception {
    BadRequest(String message) {
        super(message);
    }
}
