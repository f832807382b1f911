package io.kaudit.event;

/**
 * A decoded JSON value. Closed set: object, array, string and literal (number, true, false, null).
 * Objects keep key order and numbers keep their original text, so rendering a value back to
 * compact JSON gives what Falco's k8saudit plugin shows for the same node.
 */
public sealed interface JsonValue permits JsonObject, JsonArray, JsonString, JsonLiteral {

    /** Falco's "value as string": a string's text, any other node as compact JSON. */
    default String asText() {
        return JsonWriter.compact(this);
    }
}
