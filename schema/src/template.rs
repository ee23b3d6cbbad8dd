//! Templates over inputs: `{key}`, `&key={key}&timestamp={timestamp}`, `{appId[0..16]}` (characters 0 to 16).

/// Where [`render`] finds a placeholder's value. The runtime's `secret::Inputs` (credentials and call inputs)
/// implements it; the trait keeps templates here, beside the IR that codegen checks them against, without the
/// runtime's secret handling.
pub trait Lookup {
    fn get(&self, name: &str) -> Option<&str>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("missing input `{0}`")]
    Missing(String),
    #[error("`{name}` has {len} characters, fewer than the {end} that `{{{name}[{start}..{end}]}}` takes")]
    TooShort { name: String, start: usize, end: usize, len: usize },
    #[error("malformed template `{0}` (expected text with `{{name}}` or `{{name[a..b]}}` placeholders)")]
    Malformed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'t> {
    Text(&'t str),
    Var { name: &'t str, slice: Option<(usize, usize)> },
}

/// Splits a template into text and placeholders.
pub fn parse(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let malformed = || TemplateError::Malformed(template.to_owned());
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let close = rest[open..].find('}').ok_or_else(malformed)? + open;
        let inner = &rest[open + 1..close];
        let (name, slice) = match inner.split_once('[') {
            Some((name, range)) => {
                let range = range.strip_suffix(']').ok_or_else(malformed)?;
                let (a, b) = range.split_once("..").ok_or_else(malformed)?;
                let (a, b) = (a.parse().map_err(|_| malformed())?, b.parse().map_err(|_| malformed())?);
                if a > b {
                    return Err(malformed());
                }
                (name, Some((a, b)))
            }
            None => (inner, None),
        };
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(malformed());
        }
        pieces.push(Piece::Var { name, slice });
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return Err(malformed());
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// The names a template reads.
pub fn names(template: &str) -> Result<Vec<&str>, TemplateError> {
    Ok(parse(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var { name, .. } => Some(name),
            Piece::Text(_) => None,
        })
        .collect())
}

pub fn render(template: &str, inputs: &(impl Lookup + ?Sized)) -> Result<String, TemplateError> {
    let mut out = String::new();
    for piece in parse(template)? {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Var { name, slice } => {
                let value = inputs.get(name).ok_or_else(|| TemplateError::Missing(name.to_owned()))?;
                match slice {
                    None => out.push_str(value),
                    Some((start, end)) => {
                        let len = value.chars().count();
                        if len < end {
                            return Err(TemplateError::TooShort { name: name.to_owned(), start, end, len });
                        }
                        out.extend(value.chars().skip(start).take(end - start));
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Inputs(&'static [(&'static str, &'static str)]);

    impl Lookup for Inputs {
        fn get(&self, name: &str) -> Option<&str> {
            self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        }
    }

    #[test]
    fn renders_names_and_slices() {
        let inputs = Inputs(&[("key", "K"), ("appId", "1A3VL0KVK0000B020A0A0000CC3F48AD")]);
        assert_eq!(render("&key={key}", &inputs).unwrap(), "&key=K");
        assert_eq!(render("{appId[0..16]}", &inputs).unwrap(), "1A3VL0KVK0000B02");
        assert_eq!(render("md5", &inputs).unwrap(), "md5");
        assert_eq!(render("{timestamp}", &inputs), Err(TemplateError::Missing("timestamp".into())));
        assert!(matches!(render("{appId[0..40]}", &inputs), Err(TemplateError::TooShort { len: 32, .. })));
        assert!(matches!(parse("{key"), Err(TemplateError::Malformed(_))));
        assert!(matches!(parse("a}b"), Err(TemplateError::Malformed(_))));
        assert_eq!(names("&key={key}&timestamp={timestamp}").unwrap(), ["key", "timestamp"]);
    }
}
