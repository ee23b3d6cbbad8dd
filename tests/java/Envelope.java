import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The envelope of section 1.4 on the wire: {@code <root>} with an XML declaration and every value in CDATA
 * (section 1.3, rules 3 and 5), or a flat JSON object of strings.
 */
final class Envelope {
    private Envelope() {}

    /** Whether a body is XML: the platform tells the two forms apart by their text alone. */
    static boolean isXml(String body) {
        return body.stripLeading().startsWith("<");
    }

    static String write(Map<String, String> fields, boolean xml) {
        if (!xml) {
            return Json.write(fields);
        }
        StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><root>");
        fields.forEach((name, value) -> out.append(element(name, value)));
        return out.append("</root>").toString();
    }

    /** One element, its text in CDATA as the document writes every value. */
    static String element(String name, String value) {
        return "<" + name + "><![CDATA[" + value + "]]></" + name + ">";
    }

    /** The envelope's fields in the order they came; XML values are read without their CDATA wrapper. */
    static Map<String, String> read(String body) throws Exception {
        Map<String, String> fields = new LinkedHashMap<>();
        if (!isXml(body)) {
            Json.parseObject(body).forEach((name, value) -> fields.put(name, String.valueOf(value)));
            return fields;
        }
        NodeList children = parseXml(body).getDocumentElement().getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node child = children.item(i);
            if (child.getNodeType() == Node.ELEMENT_NODE) {
                fields.put(child.getNodeName(), child.getTextContent());
            }
        }
        return fields;
    }

    /** A DOM of trusted-nothing text: no DOCTYPE, so no entity is ever expanded. */
    static Document parseXml(String text) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        DocumentBuilder builder = factory.newDocumentBuilder();
        return builder.parse(new InputSource(new StringReader(text)));
    }
}
