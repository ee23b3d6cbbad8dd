import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM as WeChat Pay v3's Java SDK decrypts a callback resource ({@code AesUtil.decryptToString}): the APIv3
 * key's UTF-8 bytes, the nonce's and associated data's UTF-8 bytes, a 128-bit tag after the ciphertext, Base64.
 * Texts travel as Base64 of their UTF-8 on the command line, so no platform charset touches the Chinese.
 *
 * <p>{@code java Gcm seal KEY NONCE AAD PLAINTEXT_B64} prints the Base64 of ciphertext‖tag; {@code java Gcm open
 * KEY NONCE AAD CIPHERTEXT_B64} prints the plaintext's Base64, or {@code refused} when the tag does not match.
 */
public final class Gcm {
    public static void main(String[] args) throws Exception {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        int mode = args[0].equals("seal") ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE;
        SecretKeySpec key = new SecretKeySpec(args[1].getBytes(StandardCharsets.UTF_8), "AES");
        cipher.init(mode, key, new GCMParameterSpec(128, args[2].getBytes(StandardCharsets.UTF_8)));
        cipher.updateAAD(args[3].getBytes(StandardCharsets.UTF_8));
        byte[] input = Base64.getDecoder().decode(args[4]);
        try {
            System.out.println(Base64.getEncoder().encodeToString(cipher.doFinal(input)));
        } catch (javax.crypto.AEADBadTagException e) {
            System.out.println("refused");
        }
    }
}
