package org.virtfx.engine.vnc;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * RFB "VNC Authentication": the client DES-encrypts a 16-byte challenge with the password (first 8 bytes, zero
 * padded) as key, each key byte with its bits in reverse order (a quirk of the original implementation).
 */
final class VncAuth {
    private VncAuth() {
    }

    static byte[] key(String password) {
        byte[] pw = password.getBytes(StandardCharsets.ISO_8859_1);
        byte[] key = new byte[8];
        for (int i = 0; i < 8 && i < pw.length; i++) {
            key[i] = (byte) (Integer.reverse(pw[i] & 0xFF) >>> 24);
        }
        return key;
    }

    static byte[] encrypt(String password, byte[] challenge) {
        try {
            Cipher des = Cipher.getInstance("DES/ECB/NoPadding");
            des.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key(password), "DES"));
            return des.doFinal(challenge);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("DES is not available in this Java runtime", e);
        }
    }

    static boolean verify(String password, byte[] challenge, byte[] response) {
        return MessageDigest.isEqual(encrypt(password, challenge), response);
    }
}
