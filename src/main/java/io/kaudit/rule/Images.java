package io.kaudit.rule;

/** Container image references. */
final class Images {
    private Images() {
    }

    /**
     * The repository of an image reference: without digest and tag. A colon before the last '/'
     * belongs to a registry port and is kept ({@code registry:5000/app:1} gives
     * {@code registry:5000/app}; the upstream plugin would give {@code registry}).
     */
    static String repository(String image) {
        int at = image.indexOf('@');
        String s = at >= 0 ? image.substring(0, at) : image;
        int slash = s.lastIndexOf('/');
        int colon = s.lastIndexOf(':');
        return colon > slash ? s.substring(0, colon) : s;
    }
}
