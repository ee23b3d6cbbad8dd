import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * RSA2 as Alipay's and WeChat Pay's Java SDKs sign: the JDK's {@code Signature("SHA256withRSA")} (RSASSA-PKCS1-v1_5
 * over SHA-256), keys as PKCS#8 and SubjectPublicKeyInfo PEM, the signature in Base64. The signed text travels as
 * Base64 of its UTF-8 on the command line, so no platform charset touches the Chinese.
 *
 * <p>{@code java Rsa2 keys PRIVATE.pem PUBLIC.pem} writes a fresh 2048-bit pair; {@code java Rsa2 sign PRIVATE.pem
 * TEXT_B64} prints the signature; {@code java Rsa2 verify PUBLIC.pem TEXT_B64 SIGNATURE} prints valid or invalid.
 */
public final class Rsa2 {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "keys" -> {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                KeyPair pair = generator.generateKeyPair();
                Files.writeString(Path.of(args[1]), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                Files.writeString(Path.of(args[2]), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            }
            case "sign" -> {
                Signature signer = Signature.getInstance("SHA256withRSA");
                signer.initSign(KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der(args[1]))));
                signer.update(Base64.getDecoder().decode(args[2]));
                System.out.println(Base64.getEncoder().encodeToString(signer.sign()));
            }
            case "verify" -> {
                Signature verifier = Signature.getInstance("SHA256withRSA");
                verifier.initVerify(KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der(args[1]))));
                verifier.update(Base64.getDecoder().decode(args[2]));
                System.out.println(verifier.verify(Base64.getDecoder().decode(args[3])) ? "valid" : "invalid");
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    private static byte[] der(String path) throws Exception {
        String text = Files.readString(Path.of(path));
        return Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", ""));
    }
}
