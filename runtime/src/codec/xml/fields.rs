//! A generated message written as XML by the field list the generator gives it (`message!`'s `fields = [...]`):
//! each field by its Rust type, under its wire name as the generator spelled it from the schema, in the schema's
//! order. The bytes are [`write_typed`](super::write_typed)'s (and so [`write`](super::write)'s for the message's
//! tree), without serde's call per field and the schema lookup per field that checks the order (with the tags and
//! decimals below, a ten-order QueryRegister's router went from 598k to 492k instructions). It holds only under
//! the schema the message was generated from, where the field list's order is the schema's; under another (a
//! profile merged in) the message is written by [`write_typed`](super::write_typed), which places each field by
//! the schema it is given.

use super::typed::Unwritten;
use super::{WriteOptions, Writer, is_xml_name};
use crate::Decimal;
use crate::codec::{CodecError, escape};

/// A field's value, written as the element `tags` spell: a list as one element per item, `None` as nothing (the
/// tree's writer leaves a null out). Implemented for the types generated fields have; a generated struct's and a
/// dictionary's by `message!` and `dictionary!`.
pub trait XmlElement {
    fn write_element(&self, writer: &mut Writer<'_>, tags: &Tags) -> Result<(), Unwritten>;
}

/// An element's name and its tags, spelled out by `message!` when the generated code is compiled: a reply's
/// hundreds of elements each had their tags pieced together from the name, six copies a leaf where two are left.
#[derive(Debug, Clone, Copy)]
pub struct Tags {
    pub name: &'static str,
    /// `<name>`
    pub open: &'static str,
    /// `</name>`
    pub close: &'static str,
    /// `<name><![CDATA[`
    pub open_cdata: &'static str,
    /// `]]></name>`
    pub close_cdata: &'static str,
}

/// Writes `write_fields`' elements inside element `root`, as [`write_typed`](super::write_typed) writes the
/// message they belong to.
pub fn write_fields(
    root: &str,
    options: WriteOptions,
    write_fields: impl FnOnce(&mut Writer<'_>) -> Result<(), Unwritten>,
) -> Result<String, Unwritten> {
    if !is_xml_name(root) {
        let refused = CodecError::Xml(format!("`{}` is not an XML element name", escape(root)));
        return Err(Unwritten::Refused(refused));
    }
    let mut out = String::with_capacity(1024);
    if options.declaration {
        out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    }
    let mut writer = Writer { out: &mut out, options };
    writer.open(root);
    write_fields(&mut writer)?;
    writer.close(root);
    Ok(out)
}

impl XmlElement for String {
    fn write_element(&self, writer: &mut Writer<'_>, tags: &Tags) -> Result<(), Unwritten> {
        writer.tagged_leaf(tags, self).map_err(Unwritten::Refused)
    }
}

impl XmlElement for i32 {
    fn write_element(&self, writer: &mut Writer<'_>, tags: &Tags) -> Result<(), Unwritten> {
        writer.tagged_plain_leaf(tags, |out| out.push_str(itoa::Buffer::new().format(*self)));
        Ok(())
    }
}

impl XmlElement for i64 {
    fn write_element(&self, writer: &mut Writer<'_>, tags: &Tags) -> Result<(), Unwritten> {
        writer.tagged_plain_leaf(tags, |out| out.push_str(itoa::Buffer::new().format(*self)));
        Ok(())
    }
}

impl XmlElement for Decimal {
    fn write_element(&self, writer: &mut Writer<'_>, tags: &Tags) -> Result<(), Unwritten> {
        writer.tagged_plain_leaf(tags, |out| push_decimal(out, self));
        Ok(())
    }
}

impl<T: XmlElement> XmlElement for Option<T> {
    fn write_element(&self, writer: &mut Writer<'_>, tags: &Tags) -> Result<(), Unwritten> {
        match self {
            Some(value) => value.write_element(writer, tags),
            None => Ok(()),
        }
    }
}

impl<T: XmlElement> XmlElement for Vec<T> {
    fn write_element(&self, writer: &mut Writer<'_>, tags: &Tags) -> Result<(), Unwritten> {
        self.iter().try_for_each(|item| item.write_element(writer, tags))
    }
}

/// An open map's keys are its own, in its own order: the tree writes those.
impl XmlElement for serde_json::Map<String, serde_json::Value> {
    fn write_element(&self, _: &mut Writer<'_>, _: &Tags) -> Result<(), Unwritten> {
        Err(Unwritten::Unsupported)
    }
}

/// A dictionary's code (`dictionary!`'s impl): an unknown code kept by an open enum is any text, so checked.
pub fn write_code(code: &str, writer: &mut Writer<'_>, tags: &Tags) -> Result<(), Unwritten> {
    writer.tagged_leaf(tags, code).map_err(Unwritten::Refused)
}

/// A generated struct's element (`message!`'s impl): its fields inside it.
pub fn write_struct(
    writer: &mut Writer<'_>,
    tags: &Tags,
    write_fields: impl FnOnce(&mut Writer<'_>) -> Result<(), Unwritten>,
) -> Result<(), Unwritten> {
    writer.out.push_str(tags.open);
    write_fields(writer)?;
    writer.out.push_str(tags.close);
    Ok(())
}

/// `value` as rust_decimal's `Serialize` writes it (its `to_string`, a negative zero's sign kept): the
/// mantissa's digits with the point placed, where rust_decimal divides its 96-bit mantissa by ten a digit at a time
/// (270 instructions a fee in a ten-order reply's sixty).
fn push_decimal(out: &mut String, value: &Decimal) {
    let mut buffer = itoa::Buffer::new();
    let magnitude = value.mantissa().unsigned_abs();
    let digits = match u64::try_from(magnitude) {
        Ok(small) => buffer.format(small),
        Err(_) => buffer.format(magnitude),
    };
    let scale = value.scale() as usize;
    if value.is_sign_negative() {
        out.push('-');
    }
    if digits.len() <= scale {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - digits.len()));
        out.push_str(digits);
    } else {
        let (whole, fraction) = digits.split_at(digits.len() - scale);
        out.push_str(whole);
        if scale > 0 {
            out.push('.');
            out.push_str(fraction);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn decimal_text(value: &Decimal) -> String {
        let mut out = String::new();
        push_decimal(&mut out, value);
        out
    }

    /// Every scale, the mantissa's extremes, zero and a negative zero: as serde (so the tree) writes each.
    #[test]
    fn a_decimal_is_written_as_its_serde_text() {
        let mut values: Vec<Decimal> =
            ["0", "-0", "0.00", "-0.00", "12.00", "-12.30", "0.005", "-0.005", "100", "1e-28"]
                .iter()
                .map(|text| Decimal::from_str(text).or_else(|_| Decimal::from_scientific(text)).unwrap())
                .collect();
        for scale in 0..=28 {
            for mantissa in
                [0i128, 1, -1, 7, 10, 99, 12345, -12345, i128::from(u64::MAX), -(1i128 << 95), (1 << 96) - 1]
            {
                values.push(Decimal::from_i128_with_scale(mantissa, scale));
            }
        }
        values.push(Decimal::MAX);
        values.push(Decimal::MIN);
        let mut negative_zero = Decimal::from_i128_with_scale(0, 2);
        negative_zero.set_sign_negative(true);
        values.push(negative_zero);
        for value in values {
            let serde = serde_json::to_value(value).unwrap();
            assert_eq!(serde.as_str(), Some(decimal_text(&value).as_str()), "{value:?}");
        }
    }

    #[test]
    fn a_forbidden_character_is_refused_as_the_tree_writer_refuses_it() {
        let tags = Tags {
            name: "note",
            open: "<note>",
            close: "</note>",
            open_cdata: "<note><![CDATA[",
            close_cdata: "]]></note>",
        };
        let written = write_fields("r", WriteOptions::default(), |w| "a\u{1}".to_owned().write_element(w, &tags));
        let tree = super::super::write("r", &serde_json::json!({"note": "a\u{1}"}), None, WriteOptions::default());
        match written {
            Err(Unwritten::Refused(e)) => assert_eq!(e.to_string(), tree.unwrap_err().to_string()),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let root = write_fields("1r", WriteOptions::default(), |_| Ok(()));
        assert!(matches!(root, Err(Unwritten::Refused(CodecError::Xml(_)))), "{root:?}");
    }
}
