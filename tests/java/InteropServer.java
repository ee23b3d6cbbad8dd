import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A hospital's SPI as a counterpart written from the seed document would serve it: TestNet and QueryRegister,
 * XML or JSON POSTed to {@code /wd/spi}. Verify, then decrypt; encrypt, then sign (section 1.3). Prints its port
 * once listening, then serves until killed. Argument: the key.
 */
public final class InteropServer {
    private final String key;

    private InteropServer(String key) {
        this.key = key;
    }

    public static void main(String[] args) throws IOException {
        InteropServer spi = new InteropServer(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/wd/spi", spi::handle);
        server.start();
        System.out.println(server.getAddress().getPort());
        System.out.flush();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        boolean xml = Envelope.isXml(body);
        String reply;
        try {
            reply = answer(body, xml);
        } catch (Exception e) {
            e.printStackTrace();
            reply = seal(xml, "SYSTEM_ERROR", "系统错误", null);
        }
        byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", (xml ? "text/xml" : "application/json") + "; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String answer(String body, boolean xml) throws Exception {
        Map<String, String> request = Envelope.read(body);
        if (!Seed.sign(request, key).equals(request.get("sign"))) {
            return seal(xml, "ILLEGAL_SIGN", "签名不正确", null);
        }
        String payload = Seed.decrypt(request.get("requestEncrypted"), key);
        return switch (request.get("service")) {
            case "TestNet" -> seal(xml, "SUCCESS", "成功", testNet(xml));
            case "QueryRegister" -> seal(xml, "SUCCESS", "成功", queryRegister(payload, xml));
            default -> seal(xml, "ILLEGAL_SERVICE", "传入非法接口名", null);
        };
    }

    /** The reply envelope in the seed's field order; an error reply carries no {@code responseEncrypted}. */
    private String seal(boolean xml, String code, String message, String payload) {
        try {
            Map<String, String> reply = new LinkedHashMap<>();
            reply.put("resultCode", code);
            reply.put("resultMessage", message);
            if (payload != null) {
                reply.put("responseEncrypted", Seed.encrypt(payload, key));
            }
            reply.put("sign", Seed.sign(reply, key));
            reply.put("signType", "md5");
            return Envelope.write(reply, xml);
        } catch (Exception e) {
            throw new IllegalStateException("cannot seal a reply", e);
        }
    }

    private static String testNet(boolean xml) {
        String now = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        return xml ? "<response>" + Envelope.element("systemTime", now) + "</response>" : Json.write(Map.of("systemTime", now));
    }

    /** One order for the patient the request names, on its start date: what came in shows in what goes out. */
    private static String queryRegister(String payload, boolean xml) throws Exception {
        String patient = null;
        String date;
        if (xml) {
            Document request = Envelope.parseXml(payload);
            NodeList users = request.getElementsByTagName("user");
            for (int i = 0; i < users.getLength(); i++) {
                Element user = (Element) users.item(i);
                if (text(user, "id").equals("name")) {
                    patient = text(user, "value");
                }
            }
            date = text(request.getDocumentElement(), "startDate");
        } else {
            Map<String, Object> request = Json.parseObject(payload);
            for (Object user : (List<?>) request.get("user")) {
                if ("name".equals(((Map<?, ?>) user).get("id"))) {
                    patient = (String) ((Map<?, ?>) user).get("value");
                }
            }
            date = (String) request.get("startDate");
        }
        Map<String, Object> order = order(patient, date);
        if (!xml) {
            return Json.write(Map.of("count", 1, "order", List.of(order)));
        }
        StringBuilder out = new StringBuilder("<response>").append(Envelope.element("count", "1")).append("<order>");
        order.forEach((name, value) -> out.append(Envelope.element(name, value.toString())));
        return out.append("</order></response>").toString();
    }

    private static Map<String, Object> order(String patient, String date) {
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("orderId", "201701191720561234");
        order.put("hospitalOrderId", "H20170119001");
        order.put("channelId", 1);
        order.put("scheduleId", "003");
        order.put("departmentId", "001");
        order.put("departmenName", "精神病科");
        order.put("doctorId", "1");
        order.put("doctorName", "精神病医生 1 号");
        order.put("registerDate", date);
        order.put("noon", 1);
        order.put("startTime", "09:00");
        order.put("endTime", "09:10");
        order.put("visitAddress", "门诊大楼四楼外科一诊室");
        order.put("registerFee", new BigDecimal("1200.00"));
        order.put("treatFee", new BigDecimal("0.00"));
        order.put("serviceFee", new BigDecimal("0.00"));
        order.put("otherFee", new BigDecimal("0.00"));
        order.put("totalFee", new BigDecimal("1200.00"));
        order.put("realFee", new BigDecimal("1200.00"));
        order.put("orderTime", "2017-01-19 17:20:56");
        order.put("isPay", 1);
        order.put("payTime", "2017-01-19 17:21:14");
        order.put("isTake", 0);
        order.put("isCancel", 0);
        order.put("isRefund", 0);
        order.put("refundlFee", new BigDecimal("0.00"));
        order.put("isStop", 0);
        order.put("noshow", 0);
        order.put("patientId", "123456");
        order.put("patientName", patient);
        order.put("patientSex", 1);
        order.put("patientBirthday", "1992-05-29");
        order.put("remark", "请于 08:50 前到 <二楼> 分诊台 & 取号");
        return order;
    }

    private static String text(Element parent, String name) {
        return parent.getElementsByTagName(name).item(0).getTextContent();
    }
}
