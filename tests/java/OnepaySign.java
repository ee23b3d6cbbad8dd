import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The onepay signature as a Java counterpart computes it (the document's 签名算法): every top-level field but
 * {@code sign} and {@code encryptData}, empty ones dropped, sorted by name, {@code name=value} joined by {@code &},
 * nested values ({@code param}) as compact JSON with keys sorted, then {@code &key=appSecret}; MD5, upper-case hex.
 * Numbers are {@link BigDecimal}s, written by {@code toString()} as Java writes them ({@code 1E-7}, {@code 1.50}).
 *
 * <p>Usage: {@code java OnepaySign APP_SECRET < envelope.json}; prints the string to sign, then the signature.
 */
final class OnepaySign {
    public static void main(String[] args) throws Exception {
        String envelope = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, Object> field : new TreeMap<>(Json.parseObject(envelope)).entrySet()) {
            String name = field.getKey();
            Object value = field.getValue();
            if (name.equals("sign") || name.equals("encryptData") || value == null || "".equals(value)) {
                continue;
            }
            String written = value instanceof String ? (String) value : Json.write(sorted(value));
            text.append(text.length() == 0 ? "" : "&").append(name).append('=').append(written);
        }
        text.append("&key=").append(args[0]);
        byte[] digest = MessageDigest.getInstance("MD5").digest(text.toString().getBytes(StandardCharsets.UTF_8));
        StringBuilder hex = new StringBuilder();
        for (byte b : digest) {
            hex.append(String.format("%02X", b));
        }
        System.out.println(text);
        System.out.println(hex);
    }

    /** The value with every object's keys sorted, at any depth. */
    private static Object sorted(Object value) {
        if (value instanceof Map) {
            TreeMap<String, Object> out = new TreeMap<>();
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                out.put(entry.getKey().toString(), sorted(entry.getValue()));
            }
            return out;
        }
        if (value instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object item : (List<?>) value) {
                out.add(sorted(item));
            }
            return out;
        }
        return value;
    }
}
