//! The schema as a Rust constant expression. Every runtime schema type is written field by field, so a field
//! added to the runtime model and forgotten here is a compile error, not silently missing data.

use hisgate_runtime::schema::*;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

pub trait Lit {
    fn lit(&self) -> TokenStream;
}

impl Lit for Str {
    fn lit(&self) -> TokenStream {
        let s: &str = self;
        quote!(Cow::Borrowed(#s))
    }
}

impl<T: Lit + Clone> Lit for Seq<T> {
    fn lit(&self) -> TokenStream {
        let items = self.iter().map(Lit::lit);
        quote!(Cow::Borrowed(&[#(#items),*]))
    }
}

impl<T: Lit> Lit for Option<T> {
    fn lit(&self) -> TokenStream {
        match self {
            Some(v) => {
                let v = v.lit();
                quote!(Some(#v))
            }
            None => quote!(None),
        }
    }
}

impl Lit for bool {
    fn lit(&self) -> TokenStream {
        quote!(#self)
    }
}

macro_rules! unsuffixed {
    ($($ty:ty => $method:ident),*) => {$(
        impl Lit for $ty {
            fn lit(&self) -> TokenStream {
                let l = Literal::$method(*self);
                quote!(#l)
            }
        }
    )*};
}
unsuffixed!(u8 => u8_unsuffixed, u16 => u16_unsuffixed, u32 => u32_unsuffixed);

impl Lit for char {
    fn lit(&self) -> TokenStream {
        quote!(#self)
    }
}

impl Lit for SourcePos {
    fn lit(&self) -> TokenStream {
        let (file, line, column) = (self.file.lit(), self.line.lit(), self.column.lit());
        quote!(SourcePos { file: #file, line: #line, column: #column })
    }
}

impl Lit for MessageId {
    fn lit(&self) -> TokenStream {
        let id = self.0.lit();
        quote!(MessageId(#id))
    }
}

impl Lit for DictId {
    fn lit(&self) -> TokenStream {
        let id = self.0.lit();
        quote!(DictId(#id))
    }
}

impl Lit for Side {
    fn lit(&self) -> TokenStream {
        match self {
            Side::Hospital => quote!(Side::Hospital),
            Side::Platform => quote!(Side::Platform),
        }
    }
}

impl Lit for PlatformSchema {
    fn lit(&self) -> TokenStream {
        let PlatformSchema {
            name,
            title,
            document,
            seed,
            description,
            origin,
            return_codes,
            errata,
            dictionaries,
            messages,
            interfaces,
        } = self;
        let (name, title, document, seed, description) = (
            name.lit(),
            title.lit(),
            document.lit(),
            seed.lit(),
            description.lit(),
        );
        let (origin, return_codes, errata) = (origin.lit(), return_codes.lit(), errata.lit());
        let (dictionaries, messages, interfaces) =
            (dictionaries.lit(), messages.lit(), interfaces.lit());
        quote!(PlatformSchema {
            name: #name, title: #title, document: #document, seed: #seed, description: #description,
            origin: #origin, return_codes: #return_codes, errata: #errata, dictionaries: #dictionaries,
            messages: #messages, interfaces: #interfaces,
        })
    }
}

impl Lit for InterfaceSchema {
    fn lit(&self) -> TokenStream {
        let InterfaceSchema {
            name,
            title,
            section,
            description,
            provider,
            service,
            path,
            retry_safe,
            request,
            response,
            return_codes,
            origin,
        } = self;
        let (name, title, section, description) =
            (name.lit(), title.lit(), section.lit(), description.lit());
        let (provider, service, path, retry_safe) =
            (provider.lit(), service.lit(), path.lit(), retry_safe.lit());
        let (request, response, return_codes, origin) = (
            request.lit(),
            response.lit(),
            return_codes.lit(),
            origin.lit(),
        );
        quote!(InterfaceSchema {
            name: #name, title: #title, section: #section, description: #description, provider: #provider,
            service: #service, path: #path, retry_safe: #retry_safe, request: #request, response: #response,
            return_codes: #return_codes, origin: #origin,
        })
    }
}

impl Lit for MessageKind {
    fn lit(&self) -> TokenStream {
        match self {
            MessageKind::Fields => quote!(MessageKind::Fields),
            MessageKind::Open => quote!(MessageKind::Open),
            MessageKind::Empty => quote!(MessageKind::Empty),
        }
    }
}

impl Lit for MessageSchema {
    fn lit(&self) -> TokenStream {
        let MessageSchema {
            path,
            xml_name,
            description,
            kind,
            fields,
            require_one_of,
        } = self;
        let (path, xml_name, description, kind) =
            (path.lit(), xml_name.lit(), description.lit(), kind.lit());
        let (fields, require_one_of) = (fields.lit(), require_one_of.lit());
        quote!(MessageSchema {
            path: #path, xml_name: #xml_name, description: #description, kind: #kind, fields: #fields,
            require_one_of: #require_one_of,
        })
    }
}

impl Lit for FieldSchema {
    fn lit(&self) -> TokenStream {
        let FieldSchema {
            name,
            title,
            description,
            ty,
            presence,
            dict,
            codes,
            format,
            unit,
            min,
            max,
            json,
            sensitive,
            aliases,
            erratum,
            origin_kind,
            example,
            origin,
        } = self;
        let (name, title, description, ty, presence) = (
            name.lit(),
            title.lit(),
            description.lit(),
            ty.lit(),
            presence.lit(),
        );
        let (dict, codes, format, unit, min, max) = (
            dict.lit(),
            codes.lit(),
            format.lit(),
            unit.lit(),
            min.lit(),
            max.lit(),
        );
        let (json, sensitive, aliases, erratum) =
            (json.lit(), sensitive.lit(), aliases.lit(), erratum.lit());
        let (origin_kind, example, origin) = (origin_kind.lit(), example.lit(), origin.lit());
        quote!(FieldSchema {
            name: #name, title: #title, description: #description, ty: #ty, presence: #presence, dict: #dict,
            codes: #codes, format: #format, unit: #unit, min: #min, max: #max, json: #json,
            sensitive: #sensitive, aliases: #aliases, erratum: #erratum, origin_kind: #origin_kind,
            example: #example, origin: #origin,
        })
    }
}

impl Lit for FieldType {
    fn lit(&self) -> TokenStream {
        match *self {
            FieldType::String { max_chars } => {
                let max = max_chars.lit();
                quote!(FieldType::String { max_chars: #max })
            }
            FieldType::Char { max_bytes } => {
                let max = max_bytes.lit();
                quote!(FieldType::Char { max_bytes: #max })
            }
            FieldType::Int => quote!(FieldType::Int),
            FieldType::Long => quote!(FieldType::Long),
            FieldType::Decimal { precision, scale } => {
                let (p, s) = (precision.lit(), scale.lit());
                quote!(FieldType::Decimal { precision: #p, scale: #s })
            }
            FieldType::Object(id) => {
                let id = id.lit();
                quote!(FieldType::Object(#id))
            }
            FieldType::List(id) => {
                let id = id.lit();
                quote!(FieldType::List(#id))
            }
            FieldType::Map => quote!(FieldType::Map),
        }
    }
}

impl Lit for Presence {
    fn lit(&self) -> TokenStream {
        match self {
            Presence::Required => quote!(Presence::Required),
            Presence::Optional => quote!(Presence::Optional),
            Presence::RequiredWhen(Condition { field, values }) => {
                let (field, values) = (field.lit(), values.lit());
                quote!(Presence::RequiredWhen(Condition { field: #field, values: #values }))
            }
        }
    }
}

impl Lit for DictRef {
    fn lit(&self) -> TokenStream {
        let (dict, table) = (self.dict.lit(), self.table.lit());
        quote!(DictRef { dict: #dict, table: #table })
    }
}

impl Lit for TimeFormat {
    fn lit(&self) -> TokenStream {
        let (pattern, tokens) = (self.pattern.lit(), self.tokens.lit());
        quote!(TimeFormat { pattern: #pattern, tokens: #tokens })
    }
}

impl Lit for TimeToken {
    fn lit(&self) -> TokenStream {
        match self {
            TimeToken::Year => quote!(TimeToken::Year),
            TimeToken::Month => quote!(TimeToken::Month),
            TimeToken::Day => quote!(TimeToken::Day),
            TimeToken::Hour => quote!(TimeToken::Hour),
            TimeToken::Minute => quote!(TimeToken::Minute),
            TimeToken::Second => quote!(TimeToken::Second),
            TimeToken::Millis => quote!(TimeToken::Millis),
            TimeToken::Literal(c) => {
                let c = c.lit();
                quote!(TimeToken::Literal(#c))
            }
        }
    }
}

impl Lit for MoneyUnit {
    fn lit(&self) -> TokenStream {
        match self {
            MoneyUnit::Yuan => quote!(MoneyUnit::Yuan),
            MoneyUnit::Fen => quote!(MoneyUnit::Fen),
        }
    }
}

impl Lit for JsonNumber {
    fn lit(&self) -> TokenStream {
        match self {
            JsonNumber::Number => quote!(JsonNumber::Number),
            JsonNumber::String => quote!(JsonNumber::String),
        }
    }
}

impl Lit for Origin {
    fn lit(&self) -> TokenStream {
        match self {
            Origin::Table => quote!(Origin::Table),
            Origin::Example => quote!(Origin::Example),
        }
    }
}

impl Lit for DictionarySchema {
    fn lit(&self) -> TokenStream {
        let DictionarySchema {
            name,
            title,
            section,
            description,
            open,
            tables,
            erratum,
            origin,
        } = self;
        let (name, title, section, description) =
            (name.lit(), title.lit(), section.lit(), description.lit());
        let (open, tables, erratum, origin) =
            (open.lit(), tables.lit(), erratum.lit(), origin.lit());
        quote!(DictionarySchema {
            name: #name, title: #title, section: #section, description: #description, open: #open,
            tables: #tables, erratum: #erratum, origin: #origin,
        })
    }
}

impl Lit for DictTable {
    fn lit(&self) -> TokenStream {
        let (name, title, codes) = (self.name.lit(), self.title.lit(), self.codes.lit());
        quote!(DictTable { name: #name, title: #title, codes: #codes })
    }
}

impl Lit for CodeSchema {
    fn lit(&self) -> TokenStream {
        let CodeSchema {
            code,
            label,
            parent,
            variant,
            description,
            aliases,
            erratum,
        } = self;
        let (code, label, parent, variant) = (code.lit(), label.lit(), parent.lit(), variant.lit());
        let (description, aliases, erratum) = (description.lit(), aliases.lit(), erratum.lit());
        quote!(CodeSchema {
            code: #code, label: #label, parent: #parent, variant: #variant, description: #description,
            aliases: #aliases, erratum: #erratum,
        })
    }
}

impl Lit for ReturnCodeSchema {
    fn lit(&self) -> TokenStream {
        let ReturnCodeSchema {
            code,
            message,
            success,
            description,
            aliases,
            erratum,
        } = self;
        let (code, message, success) = (code.lit(), message.lit(), success.lit());
        let (description, aliases, erratum) = (description.lit(), aliases.lit(), erratum.lit());
        quote!(ReturnCodeSchema {
            code: #code, message: #message, success: #success, description: #description, aliases: #aliases,
            erratum: #erratum,
        })
    }
}

impl Lit for ErratumSchema {
    fn lit(&self) -> TokenStream {
        let ErratumSchema {
            id,
            title,
            section,
            description,
            interface,
            origin,
        } = self;
        let (id, title, section, description) =
            (id.lit(), title.lit(), section.lit(), description.lit());
        let (interface, origin) = (interface.lit(), origin.lit());
        quote!(ErratumSchema {
            id: #id, title: #title, section: #section, description: #description, interface: #interface,
            origin: #origin,
        })
    }
}
