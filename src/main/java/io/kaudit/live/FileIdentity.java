package io.kaudit.live;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Which file this is, whatever its name now: device and inode, plus a fingerprint of its first
 * bytes so that an inode reused by a new file is not taken for the old one.
 *
 * @param fingerprintLength how many leading bytes the fingerprint covers (grows with the file)
 */
public record FileIdentity(long device, long inode, String fingerprint, int fingerprintLength) {
    /** Bytes hashed from the start of a file. */
    public static final int FINGERPRINT_BYTES = 1024;

    /** The identity of the file at {@code path} now, or null if there is none. */
    public static FileIdentity of(Path path) {
        try {
            Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino");
            byte[] head = new byte[FINGERPRINT_BYTES];
            int n;
            try (FileChannel ch = FileChannel.open(path)) {
                n = readFully(ch, head);
            }
            return new FileIdentity(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue(),
                    hash(head, n), n);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Device and inode of the file at {@code path} (no fingerprint: cheap, for polling), or null. */
    public static FileIdentity stat(Path path) {
        try {
            Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino");
            return new FileIdentity(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue(), "", 0);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Same device and inode as the file now at {@code path}, and the same first bytes. */
    public boolean describes(Path path) {
        FileIdentity now = of(path);
        return now != null && now.device == device && now.inode == inode && matchesStart(path);
    }

    /** Same device and inode (while a file is held open its inode cannot be reused). */
    public boolean sameInode(FileIdentity other) {
        return other != null && device == other.device && inode == other.inode;
    }

    /** True when the first {@code fingerprintLength} bytes of {@code path} (gunzipped if gzip) hash to ours. */
    public boolean matchesStart(Path path) {
        byte[] head = new byte[fingerprintLength];
        try (InputStream raw = Files.newInputStream(path)) {
            InputStream in = raw;
            byte[] magic = new byte[2];
            try (InputStream probe = Files.newInputStream(path)) {
                if (probe.readNBytes(magic, 0, 2) == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                    in = new GZIPInputStream(raw);
                }
            }
            int n = in.readNBytes(head, 0, head.length);
            return n == fingerprintLength && hash(head, n).equals(fingerprint);
        } catch (IOException e) {
            return false;
        }
    }

    private static int readFully(FileChannel ch, byte[] into) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(into);
        while (buf.hasRemaining()) {
            if (ch.read(buf, buf.position()) <= 0) {
                break;
            }
        }
        return buf.position();
    }

    static String hash(byte[] b, int n) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, 0, n);
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
