import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * The seed document's security rules (section 4), written as its own Java sample writes them: AES/ECB/PKCS5Padding
 * under the key's UTF-8 bytes, Base64, and MD5 in upper-case hex over the sorted envelope fields.
 */
final class Seed {
    private Seed() {}

    /** Section 4.2.5, "加密". */
    static String encrypt(String encryptString, String encryptKey) throws Exception {
        byte[] raw = encryptKey.getBytes("utf-8");
        SecretKeySpec skeySpec = new SecretKeySpec(raw, "AES");
        Cipher cipher = Cipher.getInstance("AES/ECB/PKCS5Padding");
        cipher.init(Cipher.ENCRYPT_MODE, skeySpec);
        byte[] encrypted = cipher.doFinal(encryptString.getBytes("utf-8"));
        return Base64.getEncoder().encodeToString(encrypted);
    }

    /** Section 4.2.5, "解密". */
    static String decrypt(String decryptString, String decryptKey) throws Exception {
        byte[] raw = decryptKey.getBytes("utf-8");
        SecretKeySpec skeySpec = new SecretKeySpec(raw, "AES");
        Cipher cipher = Cipher.getInstance("AES/ECB/PKCS5Padding");
        cipher.init(Cipher.DECRYPT_MODE, skeySpec);
        byte[] encrypted1 = Base64.getDecoder().decode(decryptString);
        byte[] original = cipher.doFinal(encrypted1);
        return new String(original, "utf-8");
    }

    /**
     * Section 4.1: every field but {@code sign} and {@code signType}, sorted by name, as {@code name=value} joined
     * by {@code &}, then {@code &key=KEY}; MD5 of that, upper-case hex.
     */
    static String sign(Map<String, String> fields, String key) throws Exception {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> field : new TreeMap<>(fields).entrySet()) {
            if (field.getKey().equals("sign") || field.getKey().equals("signType")) {
                continue;
            }
            text.append(text.length() == 0 ? "" : "&").append(field.getKey()).append('=').append(field.getValue());
        }
        text.append("&key=").append(key);
        byte[] digest = MessageDigest.getInstance("MD5").digest(text.toString().getBytes(StandardCharsets.UTF_8));
        StringBuilder hex = new StringBuilder();
        for (byte b : digest) {
            hex.append(String.format("%02X", b));
        }
        return hex.toString();
    }
}
