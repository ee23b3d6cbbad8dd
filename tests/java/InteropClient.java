import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The platform calling a hospital's SPI, as a counterpart written from the seed document would: it seals each
 * request the seed's way, POSTs it to {@code /wd/spi}, and reads a reply only once its MD5 signature checks out.
 * Prints one JSON line per call. Arguments: the server's base URL, key, partner, hospitalCode.
 */
public final class InteropClient {
    /** The seed's own TestNet payloads (section 4.2.3). */
    private static final String TEST_NET_XML = "<request><ip><![CDATA[127.0.0.1]]></ip></request>";
    private static final String TEST_NET_JSON = "{\"ip\":\"127.0.0.1\"}";

    /**
     * Section 2.1.4.1.7's example request, indented and with its empty order numbers as printed, plus the
     * queryType its table requires and a second user rule in Chinese.
     */
    private static final String QUERY_REGISTER_XML = """
            <request>
              <orderId><![CDATA[]]></orderId>
              <hospitalOrderId><![CDATA[]]></hospitalOrderId>
              <hospitalTradeId><![CDATA[]]></hospitalTradeId>
              <hospitalRefundId><![CDATA[]]></hospitalRefundId>
              <user>
                <type><![CDATA[1]]></type>
                <id><![CDATA[certifcate]]></id>
                <value><![CDATA[431022199205293415]]></value>
              </user>
              <user>
                <type><![CDATA[]]></type>
                <id><![CDATA[name]]></id>
                <value><![CDATA[吕俊]]></value>
              </user>
              <startDate><![CDATA[2017-01-19]]></startDate>
              <endDate><![CDATA[2017-01-22]]></endDate>
              <queryType><![CDATA[0]]></queryType>
              <currentPage><![CDATA[1]]></currentPage>
              <pageSize><![CDATA[10]]></pageSize>
            </request>
            """;
    private static final String QUERY_REGISTER_JSON = """
            {"orderId":"","hospitalOrderId":"","hospitalTradeId":"","hospitalRefundId":"",
             "user":[{"type":"1","id":"certifcate","value":"431022199205293415"},{"type":"","id":"name","value":"吕俊"}],
             "startDate":"2017-01-19","endDate":"2017-01-22","queryType":0,"currentPage":1,"pageSize":10}
            """;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String url;
    private final String key;
    private final String partner;
    private final String hospitalCode;

    private InteropClient(String baseUrl, String key, String partner, String hospitalCode) {
        this.url = baseUrl + "/wd/spi";
        this.key = key;
        this.partner = partner;
        this.hospitalCode = hospitalCode;
    }

    public static void main(String[] args) throws Exception {
        InteropClient client = new InteropClient(args[0], args[1], args[2], args[3]);
        // The lines carry Chinese text: UTF-8 whatever the platform's default charset.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        out.println(client.call("TestNet", TEST_NET_XML, true, false));
        out.println(client.call("TestNet", TEST_NET_JSON, false, false));
        out.println(client.call("QueryRegister", QUERY_REGISTER_XML, true, false));
        out.println(client.call("QueryRegister", QUERY_REGISTER_JSON, false, false));
        out.println(client.call("TestNet", TEST_NET_XML, true, true));
    }

    /** One call, reported as a JSON line; {@code cutSign} sends the signature short of its last character. */
    private String call(String service, String payload, boolean xml, boolean cutSign) throws Exception {
        Map<String, String> request = new LinkedHashMap<>();
        request.put("service", service);
        request.put("partner", partner);
        request.put("hospitalCode", hospitalCode);
        request.put("dataFormat", xml ? "xml" : "json");
        request.put("inputCharset", "utf-8");
        request.put("signType", "md5");
        request.put("sign", ""); // where the seed's example has it; filled in once the rest is signed
        // Encrypt, then sign (section 4.2.1).
        request.put("requestEncrypted", Seed.encrypt(payload, key));
        String sign = Seed.sign(request, key);
        // The seed prints one signature with its last character cut off: a verifier must refuse it.
        request.put("sign", cutSign ? sign.substring(0, sign.length() - 1) : sign);

        HttpRequest post = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(Envelope.write(request, xml), StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> reply = http.send(post, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));

        Map<String, String> fields = Envelope.read(reply.body());
        boolean signatureValid = Seed.sign(fields, key).equals(fields.get("sign"));
        String encrypted = fields.get("responseEncrypted");
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("service", service);
        line.put("format", xml ? "xml" : "json");
        line.put("signCutShort", cutSign);
        line.put("status", reply.statusCode());
        line.put("resultCode", fields.get("resultCode"));
        line.put("resultMessage", fields.get("resultMessage"));
        line.put("signatureValid", signatureValid);
        // Verify, then decrypt (section 4.2.1): nothing of a reply that fails is read further.
        line.put("payload", signatureValid && encrypted != null ? Seed.decrypt(encrypted, key) : null);
        return Json.write(line);
    }
}
